package wiretest

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/jarcoal/httpmock"
)

// The public test vector of docs/wire.md: an app key, its secret, and the
// signature of s=Hello.World, name=dogstar under them.
const (
	VectorAppKey = "16BD4337FB1D355902E0502AFCBFD4DF"
	VectorSecret = "4c1402596e4cd017eeaO670df6f8B6783475b4ac8A32B4900f20abP2159711ad"
	VectorSign   = "908AA11EC46BB439184B64BA68315718"
)

// VectorParams returns the parameters the vector signs.
func VectorParams() url.Values {
	return url.Values{"s": {"Hello.World"}, "name": {"dogstar"}, "app_key": {VectorAppKey}}
}

// Request is one HTTP request as a Mock saw it.
type Request struct {
	Method  string
	URL     *url.URL
	Header  http.Header
	Body    string
	Form    url.Values // the body, parsed; nil if it is not a form
	Matched bool       // false if no responder was registered for the URL
}

// Mock is one test's own mocked OkayAPI host: an httpmock transport on an
// http.Client of its own (never http.DefaultClient), recording every request.
// Nothing is shared between tests.
type Mock struct {
	tb testing.TB
	mt *httpmock.MockTransport
	hc *http.Client

	mu   sync.Mutex
	reqs []Request
}

// NewMock returns a Mock whose unmatched requests fail with an error.
func NewMock(tb testing.TB) *Mock {
	tb.Helper()
	m := &Mock{tb: tb, mt: httpmock.NewMockTransport()}
	m.hc = &http.Client{Transport: m.mt}
	m.mt.RegisterNoResponder(m.record(false, func(*http.Request) (*http.Response, error) {
		return nil, errors.New("wiretest.Mock: no responder for this URL")
	}))
	return m
}

// HTTPClient returns the http.Client to hand to okayapi.WithHTTPClient.
func (m *Mock) HTTPClient() *http.Client { return m.hc }

// Transport returns the underlying httpmock transport.
func (m *Mock) Transport() *httpmock.MockTransport { return m.mt }

// On answers POST rawURL with r, recording each request first.
func (m *Mock) On(rawURL string, r httpmock.Responder) {
	m.mt.RegisterResponder(http.MethodPost, rawURL, m.record(true, r))
}

// OnAny answers every request that no other responder takes.
func (m *Mock) OnAny(r httpmock.Responder) {
	m.mt.RegisterNoResponder(m.record(true, r))
}

func (m *Mock) record(matched bool, next httpmock.Responder) httpmock.Responder {
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
			form = nil
		}
		u := *req.URL
		m.mu.Lock()
		m.reqs = append(m.reqs, Request{
			Method: req.Method, URL: &u, Header: req.Header.Clone(), Body: string(body), Form: form, Matched: matched,
		})
		m.mu.Unlock()
		return next(req)
	}
}

// Requests returns the requests made so far.
func (m *Mock) Requests() []Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Request(nil), m.reqs...)
}

// Only returns the single request made, failing the test if there was not
// exactly one.
func (m *Mock) Only() Request {
	m.tb.Helper()
	reqs := m.Requests()
	if len(reqs) != 1 || m.mt.GetTotalCallCount() != 1 {
		m.tb.Fatalf("wiretest.Mock: want exactly 1 HTTP request, got %d (httpmock counted %d)", len(reqs), m.mt.GetTotalCallCount())
	}
	return reqs[0]
}

// Calls is the number of HTTP requests the transport answered.
func (m *Mock) Calls() int { return m.mt.GetTotalCallCount() }

// Recording is an http.RoundTripper that records every request before
// passing it to the transport under it, as a Mock records what it answers:
// a test can check what a client sent through any transport (a cassette's,
// say). Matched is true for a request the transport under it answered.
type Recording struct {
	next http.RoundTripper

	mu   sync.Mutex
	reqs []Request
}

// NewRecording returns a Recording that sends through next.
func NewRecording(next http.RoundTripper) *Recording { return &Recording{next: next} }

// RoundTrip records req and sends it on.
func (r *Recording) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		form = nil
	}
	u := *req.URL
	rec := Request{Method: req.Method, URL: &u, Header: req.Header.Clone(), Body: string(body), Form: form}
	resp, err := r.next.RoundTrip(req)
	rec.Matched = err == nil
	r.mu.Lock()
	r.reqs = append(r.reqs, rec)
	r.mu.Unlock()
	return resp, err
}

// Requests returns the requests sent so far.
func (r *Recording) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.reqs...)
}
