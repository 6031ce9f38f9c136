package okayapi_test

// Benchmarks of the SDK beside a hand-written net/http client (the floor),
// in the same run, against the same server. See BENCHMARKS.md for figures
// and the commands.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
	"github.com/okayapi-go/sdk/sign"
)

// sendAnswer is what the service answers to a Send, PHP-style.
const sendAnswer = `{"ret":200,"data":{"err_code":0,"err_msg":"","id":"12"},"msg":"V2.5.1 YesApi App.Market_ChatMessage.Send"}`

// benchSendParams are a Send's own parameters.
func benchSendParams() url.Values {
	return url.Values{
		"other_uuid":        {"AAAABBBBCCCCDDDDEEEEFFFF00001111"},
		"chat_message_type": {"text"},
		"chat_message_data": {`{"content":"周末踢球吗？ a&b=c+d 100% #1 😀"}`},
	}
}

// loopback is a server that reads each request whole and writes body; it
// counts the TCP connections it accepted.
type loopback struct {
	*httptest.Server
	conns atomic.Int64
}

func newLoopback(b *testing.B, body string) *loopback {
	l := &loopback{}
	l.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		io.WriteString(w, body)
	}))
	l.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			l.conns.Add(1)
		}
	}
	l.Start()
	b.Cleanup(l.Close)
	return l
}

// floorClient is the hand-written client: url.Values, sign.Compute, one POST
// with a per-call timeout, and the envelope decoded into plain structs.
type floorClient struct {
	hc      *http.Client
	url     string
	timeout time.Duration
}

func newFloor(base string, rt http.RoundTripper) *floorClient {
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		rt = t
	}
	return &floorClient{hc: &http.Client{Transport: rt}, url: base + "/?s=" + testSvc, timeout: okayapi.DefaultTimeout}
}

type floorAnswer struct {
	Ret  int    `json:"ret"`
	Msg  string `json:"msg"`
	Data struct {
		ErrCode int    `json:"err_code"`
		ErrMsg  string `json:"err_msg"`
		ID      string `json:"id"`
	} `json:"data"`
}

func (f *floorClient) send(ctx context.Context, params url.Values) (string, error) {
	v := url.Values{}
	for k, vs := range params {
		v[k] = vs
	}
	v.Set("s", testSvc)
	v.Set("app_key", testAppKey)
	v.Set("uuid", testUUID)
	v.Set("token", testToken)
	v.Set("sign", sign.Compute(v, testSecret))
	v.Del("s")
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, strings.NewReader(v.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := f.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var a floorAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return "", err
	}
	if a.Ret != 200 || a.Data.ErrCode != 0 {
		return "", io.ErrUnexpectedEOF
	}
	return a.Data.ID, nil
}

// sdkSend is the same call through the SDK's one path.
func sdkSend(ctx context.Context, c *okayapi.Client, params url.Values) (int64, error) {
	var out struct {
		ID phpjson.Int `json:"id"`
	}
	_, err := c.Do(ctx, &okayapi.Request{Service: testSvc, Member: testMember, Params: params}, &out)
	return int64(out.ID), err
}

func newSDK(b *testing.B, base string, opts ...okayapi.Option) *okayapi.Client {
	c, err := okayapi.New(base, testAppKey, append([]okayapi.Option{okayapi.WithSecret(testSecret)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkSendRoundTrip: one Send over loopback, SDK and floor.
func BenchmarkSendRoundTrip(b *testing.B) {
	srv := newLoopback(b, sendAnswer)
	params := benchSendParams()
	ctx := context.Background()
	b.Run("floor", func(b *testing.B) {
		f := newFloor(srv.URL, nil)
		b.ReportAllocs()
		for b.Loop() {
			if id, err := f.send(ctx, params); err != nil || id != "12" {
				b.Fatal(id, err)
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		c := newSDK(b, srv.URL)
		b.ReportAllocs()
		for b.Loop() {
			if id, err := sdkSend(ctx, c, params); err != nil || id != 12 {
				b.Fatal(id, err)
			}
		}
	})
}

// canned answers every request from memory, reading the body first, and
// notes how many goroutines were running while it did.
type canned struct {
	body       string
	goroutines atomic.Int64
	calls      atomic.Int64
}

func (c *canned) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	c.goroutines.Add(int64(runtime.NumGoroutine()))
	c.calls.Add(1)
	return &http.Response{
		StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader([]byte(c.body))),
		ContentLength: int64(len(c.body)),
		Request:       req,
	}, nil
}

// BenchmarkSendClientSide: the client's own cost of a Send, with an in-memory
// transport (no sockets). goroutines/call is how many goroutines ran during
// the round trip beyond the benchmark's own.
func BenchmarkSendClientSide(b *testing.B) {
	params := benchSendParams()
	ctx := context.Background()
	base := runtime.NumGoroutine()
	report := func(b *testing.B, c *canned) {
		if n := c.calls.Load(); n > 0 {
			b.ReportMetric(float64(c.goroutines.Load())/float64(n)-float64(base), "goroutines/call")
		}
	}
	b.Run("floor", func(b *testing.B) {
		c := &canned{body: sendAnswer}
		f := newFloor(testBase, c)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.send(ctx, params); err != nil {
				b.Fatal(err)
			}
		}
		report(b, c)
	})
	b.Run("sdk", func(b *testing.B) {
		c := &canned{body: sendAnswer}
		sdk := newSDK(b, testBase, okayapi.WithHTTPClient(&http.Client{Transport: c}))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := sdkSend(ctx, sdk, params); err != nil {
				b.Fatal(err)
			}
		}
		report(b, c)
	})
}

// BenchmarkSendParallel64: 64 goroutines share one client. calls/s is the
// throughput; conns is how many TCP connections the server accepted.
func BenchmarkSendParallel64(b *testing.B) {
	params := benchSendParams()
	run := func(b *testing.B, send func(context.Context) error, srv *loopback) {
		b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
		b.ReportAllocs()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				if err := send(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
		b.ReportMetric(float64(srv.conns.Load()), "conns")
	}
	b.Run("floor", func(b *testing.B) {
		srv := newLoopback(b, sendAnswer)
		f := newFloor(srv.URL, nil)
		run(b, func(ctx context.Context) error { _, err := f.send(ctx, params); return err }, srv)
	})
	b.Run("sdk", func(b *testing.B) {
		srv := newLoopback(b, sendAnswer)
		c := newSDK(b, srv.URL)
		run(b, func(ctx context.Context) error { _, err := sdkSend(ctx, c, params); return err }, srv)
	})
}
