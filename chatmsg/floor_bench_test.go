package chatmsg_test

// Benchmarks of the chat calls beside a hand-written client (the floor) that
// decodes the same answers into typed structs, in the same run, through the
// same in-memory transport. See BENCHMARKS.md for figures and commands.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/sign"
)

// cannedRT answers every request with body, after reading the request.
type cannedRT struct{ body []byte }

func (c cannedRT) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{
		StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json;charset=utf-8"}},
		Body:          io.NopCloser(bytes.NewReader(c.body)),
		ContentLength: int64(len(c.body)),
		Request:       req,
	}, nil
}

// phpText writes s as PHP's json_encode does: non-ASCII as \uXXXX, / as \/.
func phpText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '/':
			b.WriteString(`\/`)
		case r >= 0x10000:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		case r >= 0x80:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// listRow is one row as the service writes it: numbers and flags as
// strings, the message's data as a JSON string, non-ASCII escaped.
func listRow(i int, withUser bool) string {
	// The text column holds PHP's encoding of the object; the answer then
	// encodes that text as a string.
	inner := phpText(`{"content":"周末踢球吗？ a&b=c+d 100% #` + strconv.Itoa(i) + ` 😀"}`)
	data := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(inner)
	row := fmt.Sprintf(`{"id":"%d","chat_message_to_uuid":"%s","chat_message_data":"%s","chat_message_type":"text","chat_message_is_read":"%d","chat_message_io":"out","add_time":"2019-08-11 17:%02d:02"`,
		i+1, uuidAB, data, i%2, i%60)
	if withUser {
		row += `,"user":{"username":"u` + strconv.Itoa(i) + `","ext_info":{"nickname":"` + phpText("小明") + `","yesapi_avatar":"` + phpText("https://cdn.example.com/a/7.png") + `","age":"21"}}`
	}
	return row + "}"
}

func listBody(rows int, withUser bool, tail string) []byte {
	parts := make([]string, rows)
	for i := range parts {
		parts[i] = listRow(i, withUser)
	}
	return []byte(`{"ret":200,"data":{"err_code":0,"err_msg":"","list":[` + strings.Join(parts, ",") + `],` + tail + `},"msg":"V2.5.1 YesApi"}`)
}

// floorRow is a row as a hand-written client declares it.
type floorRow struct {
	ID      string `json:"id"`
	To      string `json:"chat_message_to_uuid"`
	Data    string `json:"chat_message_data"`
	Type    string `json:"chat_message_type"`
	IsRead  string `json:"chat_message_is_read"`
	IO      string `json:"chat_message_io"`
	AddTime string `json:"add_time"`
	User    *struct {
		Username string `json:"username"`
		ExtInfo  struct {
			Nickname string `json:"nickname"`
			Avatar   string `json:"yesapi_avatar"`
			Age      string `json:"age"`
		} `json:"ext_info"`
	} `json:"user"`
}

// floorMessage is what the hand-written client makes of a row.
type floorMessage struct {
	ID      int64
	To      string
	Content string
	Read    bool
	Sent    time.Time
	Name    string
	Age     int
}

// floorCall is the hand-written call: url.Values, sign, POST, typed decode.
func floorCall(ctx context.Context, hc *http.Client, service string, params url.Values, out any) error {
	v := url.Values{}
	for k, vs := range params {
		v[k] = vs
	}
	v.Set("s", service)
	v.Set("app_key", replayAppKey)
	v.Set("uuid", replayUUID)
	v.Set("token", replayToken)
	v.Set("sign", sign.Compute(v, replaySecret))
	v.Del("s")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, replayBase+"/?s="+service, strings.NewReader(v.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

var shanghaiLoc = func() *time.Location { l, _ := time.LoadLocation("Asia/Shanghai"); return l }()

// floorList reads a list answer the way a careful hand-written client would:
// typed rows, ids and flags parsed, times read in China time, the message's
// JSON text decoded.
func floorList(ctx context.Context, hc *http.Client, service string, params url.Values) ([]floorMessage, error) {
	var env struct {
		Ret  int `json:"ret"`
		Data struct {
			ErrCode int        `json:"err_code"`
			List    []floorRow `json:"list"`
		} `json:"data"`
	}
	if err := floorCall(ctx, hc, service, params, &env); err != nil {
		return nil, err
	}
	out := make([]floorMessage, 0, len(env.Data.List))
	for _, r := range env.Data.List {
		id, _ := strconv.ParseInt(r.ID, 10, 64)
		t, _ := time.ParseInLocation(time.DateTime, r.AddTime, shanghaiLoc)
		var data struct {
			Content string `json:"content"`
		}
		_ = json.Unmarshal([]byte(r.Data), &data)
		m := floorMessage{ID: id, To: r.To, Content: data.Content, Read: r.IsRead == "1", Sent: t}
		if r.User != nil {
			m.Name = r.User.ExtInfo.Nickname
			m.Age, _ = strconv.Atoi(r.User.ExtInfo.Age)
		}
		out = append(out, m)
	}
	return out, nil
}

func benchService(b *testing.B, body []byte) *chatmsg.Service {
	b.Helper()
	c, err := okayapi.New(replayBase, replayAppKey, okayapi.WithSecret(replaySecret),
		okayapi.WithHTTPClient(&http.Client{Transport: cannedRT{body}}))
	if err != nil {
		b.Fatal(err)
	}
	return chatmsg.New(c)
}

// BenchmarkTakeMessageList100: a page of 100 messages (PHP strings, data as
// JSON text), SDK and floor.
func BenchmarkTakeMessageList100(b *testing.B) {
	body := listBody(100, false, `"unread_num":"50"`)
	ctx := context.Background()
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: cannedRT{body}}
		params := url.Values{"other_uuid": {uuidAB}, "perpage": {"100"}}
		b.ReportAllocs()
		for b.Loop() {
			msgs, err := floorList(ctx, hc, chatmsg.ServiceTakeMessageList, params)
			if err != nil || len(msgs) != 100 || msgs[99].Content == "" {
				b.Fatal(len(msgs), err)
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		svc := benchService(b, body)
		b.ReportAllocs()
		for b.Loop() {
			page, err := svc.TakeMessageList(ctx, replayMember(), uuidAB, chatmsg.ListOptions{PerPage: 100})
			if err != nil || len(page.Messages) != 100 {
				b.Fatal(err)
			}
			if _, ok := page.Messages[99].Message.(chatmsg.Text); !ok {
				b.Fatalf("%T", page.Messages[99].Message)
			}
		}
	})
}

// BenchmarkGetAllChatList100: 100 conversations with profiles, SDK and floor.
func BenchmarkGetAllChatList100(b *testing.B) {
	body := listBody(100, true, `"total":"100"`)
	ctx := context.Background()
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: cannedRT{body}}
		params := url.Values{"page": {"1"}, "perpage": {"100"}}
		b.ReportAllocs()
		for b.Loop() {
			msgs, err := floorList(ctx, hc, chatmsg.ServiceGetAllChatList, params)
			if err != nil || len(msgs) != 100 || msgs[99].Name == "" {
				b.Fatal(len(msgs), err)
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		svc := benchService(b, body)
		b.ReportAllocs()
		for b.Loop() {
			list, err := svc.GetAllChatList(ctx, replayMember(), chatmsg.ChatListOptions{Page: 1, PerPage: 100})
			if err != nil || len(list.Chats) != 100 || list.Chats[99].User.Nickname == "" {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkMultiSend200: one message to 200 members, SDK and floor.
func BenchmarkMultiSend200(b *testing.B) {
	to := make([]string, 200)
	detail := make([]string, 200)
	for i := range to {
		to[i] = fmt.Sprintf("%032X", i+1)
		detail[i] = fmt.Sprintf(`{"other_uuid":"%s","chat_message_id":"%d"}`, to[i], i+1)
	}
	body := []byte(`{"ret":200,"data":{"err_code":0,"err_msg":"","detail":[` + strings.Join(detail, ",") + `]},"msg":""}`)
	ctx := context.Background()
	msg := chatmsg.Text{Content: "周末踢球吗？ a&b=c+d 100% 😀"}
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: cannedRT{body}}
		b.ReportAllocs()
		for b.Loop() {
			data, _ := json.Marshal(map[string]string{"content": msg.Content})
			params := url.Values{"other_uuid": {strings.Join(to, ",")}, "chat_message_type": {"text"}, "chat_message_data": {string(data)}}
			var env struct {
				Ret  int `json:"ret"`
				Data struct {
					ErrCode int `json:"err_code"`
					Detail  []struct {
						OtherUUID string `json:"other_uuid"`
						ID        string `json:"chat_message_id"`
					} `json:"detail"`
				} `json:"data"`
			}
			if err := floorCall(ctx, hc, chatmsg.ServiceMultiSend, params, &env); err != nil || len(env.Data.Detail) != 200 {
				b.Fatal(err)
			}
			ids := make([]int64, len(env.Data.Detail))
			for i, d := range env.Data.Detail {
				ids[i], _ = strconv.ParseInt(d.ID, 10, 64)
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		svc := benchService(b, body)
		b.ReportAllocs()
		for b.Loop() {
			res, err := svc.MultiSend(ctx, replayMember(), to, msg)
			if err != nil || len(res.Deliveries) != 200 {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSendClientSide: one text message, SDK (chatmsg.Send) and floor (a
// hand-written client: json.Marshal of the content, url.Values, sign, a
// per-call timeout, POST, typed decode), through the same in-memory
// transport.
func BenchmarkSendClientSide(b *testing.B) {
	body := []byte(`{"ret":200,"data":{"err_code":0,"err_msg":"","id":"12"},"msg":"V2.5.1 YesApi App.Market_ChatMessage.Send"}`)
	content := "周末踢球吗？ a&b=c+d 100% #1 😀"
	ctx := context.Background()
	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: cannedRT{body}}
		b.ReportAllocs()
		for b.Loop() {
			data, err := json.Marshal(struct {
				Content string `json:"content"`
			}{content})
			if err != nil {
				b.Fatal(err)
			}
			params := url.Values{"other_uuid": {uuidAB}, "chat_message_type": {"text"}, "chat_message_data": {string(data)}}
			var env struct {
				Ret  int `json:"ret"`
				Data struct {
					ErrCode int    `json:"err_code"`
					ID      string `json:"id"`
				} `json:"data"`
			}
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second) // the client's default attempt timeout
			err = floorCall(cctx, hc, chatmsg.ServiceSend, params, &env)
			cancel()
			if err != nil || env.Data.ID != "12" {
				b.Fatal(err)
			}
			if _, err := strconv.ParseInt(env.Data.ID, 10, 64); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		svc := benchService(b, body)
		msg := chatmsg.Text{Content: content}
		b.ReportAllocs()
		for b.Loop() {
			res, err := svc.Send(ctx, replayMember(), uuidAB, msg)
			if err != nil || res.MessageID != 12 {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTakeMessageList8MB: one answer of about 8 MB (many small rows)
// through TakeMessageList, which keeps the first 100 and checks the rest; it
// reports the answer's size and B/op ÷ size (goal: ≤ 2). "canned" is an
// in-memory transport; "loopback" a server on 127.0.0.1 announcing
// Content-Length; "chunked" the same server without it.
func BenchmarkTakeMessageList8MB(b *testing.B) {
	rows := 8 << 20 / len(listRow(0, false))
	body := listBody(rows, false, `"unread_num":"0"`)
	serve := func(announce bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json;charset=utf-8")
			if announce {
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			}
			for rest := body; len(rest) > 0; { // several writes: no Content-Length of its own
				n := min(len(rest), 64<<10)
				w.Write(rest[:n])
				rest = rest[n:]
			}
		}
	}
	for _, tc := range []struct {
		name string
		hc   func(b *testing.B) (*http.Client, string)
	}{
		{"canned", func(*testing.B) (*http.Client, string) {
			return &http.Client{Transport: cannedRT{body}}, replayBase
		}},
		{"loopback", func(b *testing.B) (*http.Client, string) {
			srv := httptest.NewServer(serve(true))
			b.Cleanup(srv.Close)
			return srv.Client(), srv.URL
		}},
		{"chunked", func(b *testing.B) (*http.Client, string) {
			srv := httptest.NewServer(serve(false))
			b.Cleanup(srv.Close)
			return srv.Client(), srv.URL
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			hc, base := tc.hc(b)
			c, err := okayapi.New(base, replayAppKey, okayapi.WithSecret(replaySecret),
				okayapi.WithMaxResponseSize(16<<20), okayapi.WithHTTPClient(hc))
			if err != nil {
				b.Fatal(err)
			}
			svc := chatmsg.New(c)
			ctx := context.Background()
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			for b.Loop() {
				page, err := svc.TakeMessageList(ctx, replayMember(), uuidAB, chatmsg.ListOptions{PerPage: 100})
				if err != nil || len(page.Messages) != 100 || !page.Truncated {
					b.Fatal(err)
				}
			}
			runtime.ReadMemStats(&ms1)
			b.ReportMetric(float64(len(body)), "answer-bytes")
			b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(b.N)/float64(len(body)), "B/op÷answer")
		})
	}
}
