package okayapi_test

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
)

// Values used across the tests. The app key and secret are the public test
// vector from docs/wire.md; uuid and token have the service's shapes (32 and 64
// upper-case hex characters).
const (
	testBase   = "https://api.example.test"
	testAppKey = wiretest.VectorAppKey
	testSecret = wiretest.VectorSecret
	testUUID   = "0123456789ABCDEF0123456789ABCDEF"
	testToken  = "FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210"
	testSvc    = "App.Market_ChatMessage.Send"
	queryURL   = testBase + "/?s=" + testSvc
)

var testMember = okayapi.NewMember(testUUID, testToken)

// captured is one HTTP request as the mock transport saw it.
type captured = wiretest.Request

// harness is one test's own mock transport and http.Client (the shared
// wiretest.Mock), with every request recorded. Nothing is shared between tests.
type harness struct {
	*wiretest.Mock
	t  testing.TB
	mt *httpmock.MockTransport
	hc *http.Client
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	m := wiretest.NewMock(t)
	return &harness{Mock: m, t: t, mt: m.Transport(), hc: m.HTTPClient()}
}

// on answers POST url with r, recording each request first.
func (h *harness) on(rawURL string, r httpmock.Responder) { h.On(rawURL, r) }

// onAny answers every request that no other responder takes.
func (h *harness) onAny(r httpmock.Responder) { h.OnAny(r) }

func (h *harness) requests() []captured { return h.Requests() }

// only returns the single request made, failing the test if there was not exactly one.
func (h *harness) only() captured { return h.Only() }

// calls is the number of HTTP requests the mock transport answered.
func (h *harness) calls() int { return h.Calls() }

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
