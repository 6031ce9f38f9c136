package okayapi_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// Values used across the tests. The app key and secret are the public test
// vector from docs/wire.md; uuid and token have the service's shapes (32 and 64
// upper-case hex characters).
const (
	testBase   = "https://api.example.test"
	testAppKey = "16BD4337FB1D355902E0502AFCBFD4DF"
	testSecret = "4c1402596e4cd017eeaO670df6f8B6783475b4ac8A32B4900f20abP2159711ad"
	testUUID   = "0123456789ABCDEF0123456789ABCDEF"
	testToken  = "FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210"
	testSvc    = "App.Market_ChatMessage.Send"
	queryURL   = testBase + "/?s=" + testSvc
)

var testMember = okayapi.Member{UUID: testUUID, Token: testToken}

// captured is one HTTP request as the mock transport saw it.
type captured struct {
	Method string
	URL    *url.URL
	Header http.Header
	Body   string
	Form   url.Values // the body, parsed
}

// harness is one test's own mock transport and http.Client, with every request
// recorded. Nothing is shared between tests.
type harness struct {
	t  testing.TB
	mt *httpmock.MockTransport
	hc *http.Client

	mu   sync.Mutex
	reqs []captured
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	mt := httpmock.NewMockTransport()
	return &harness{t: t, mt: mt, hc: &http.Client{Transport: mt}}
}

// on answers POST url with r, recording each request first.
func (h *harness) on(rawURL string, r httpmock.Responder) {
	h.mt.RegisterResponder(http.MethodPost, rawURL, h.record(r))
}

// onAny answers every request that no other responder takes.
func (h *harness) onAny(r httpmock.Responder) {
	h.mt.RegisterNoResponder(h.record(r))
}

func (h *harness) record(r httpmock.Responder) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		var body []byte
		if req.Body != nil {
			b, err := io.ReadAll(req.Body)
			if err != nil {
				return nil, err
			}
			body = b
			req.Body = io.NopCloser(bytes.NewReader(b)) // for the responder
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			h.t.Errorf("request body is not a form: %v", err)
		}
		u := *req.URL
		h.mu.Lock()
		h.reqs = append(h.reqs, captured{
			Method: req.Method, URL: &u, Header: req.Header.Clone(), Body: string(body), Form: form,
		})
		h.mu.Unlock()
		return r(req)
	}
}

func (h *harness) requests() []captured {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]captured(nil), h.reqs...)
}

// only returns the single request made, failing the test if there was not exactly one.
func (h *harness) only() captured {
	h.t.Helper()
	reqs := h.requests()
	require.Len(h.t, reqs, 1, "HTTP requests made")
	return reqs[0]
}

// calls is the number of HTTP requests the mock transport answered.
func (h *harness) calls() int { return h.mt.GetTotalCallCount() }

// client returns a client using the harness's http.Client, with the test
// secret and retries off; opts come after and may override both.
func (h *harness) client(opts ...okayapi.Option) *okayapi.Client {
	h.t.Helper()
	all := append([]okayapi.Option{
		okayapi.WithHTTPClient(h.hc),
		okayapi.WithSecret(testSecret),
		okayapi.WithRetries(0, 0, 0),
	}, opts...)
	c, err := okayapi.New(testBase, testAppKey, all...)
	require.NoError(h.t, err)
	return c
}

// envelope writes an OkayAPI answer.
func envelope(ret int, data, msg string) string {
	m, _ := json.Marshal(msg)
	return `{"ret":` + itoa(ret) + `,"data":` + data + `,"msg":` + string(m) + `}`
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// ok answers ret 200 with data.
func ok(data string) httpmock.Responder {
	return httpmock.NewStringResponder(http.StatusOK, envelope(200, data, "V2.5.1 YesApi test"))
}

// signedFields returns what the service verifies: the body plus s from the
// URL when the query form put it there.
func signedFields(c captured) url.Values {
	all := url.Values{}
	for k, v := range c.Form {
		all[k] = append([]string(nil), v...)
	}
	if s := c.URL.Query().Get("s"); s != "" {
		all.Set("s", s)
	}
	return all
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
