package chatmsg_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Shanghai even on a machine without a zone database

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
)

// The app and member every replay test acts as. The key and secret are the
// public test vector from docs/wire.md; the member is made up.
const (
	replayBase   = "https://hn216.api.yesapi.test"
	replayAppKey = wiretest.VectorAppKey
	replaySecret = wiretest.VectorSecret
	replayUUID   = "3F2504E04F8941D39A0C0305E82C3301"
	replayToken  = "9C1185A5C5E9FC54612808977EE8F548B2258D31A1B2C3D4E5F60718293A4B5C"

	// Members of the reference example and a few made-up ones.
	uuidAB      = "8AEA2AF1951C0376EC668A74B8CAA64A"
	uuidDogstar = "5B1CA086F3E9E86F83354191AFB41E9E"
	uuidMing    = "0F0E0D0C0B0A09080706050403020100"
	uuidFourth  = "1A2B3C4D5E6F708192A3B4C5D6E7F809"
)

func replayMember() okayapi.Member {
	return okayapi.NewMember(replayUUID, replayToken)
}

// recordedCall is one HTTP request the client made, as the mock saw it.
type recordedCall = wiretest.Request

// mockAPI is one test's own mocked OkayAPI host: the shared wiretest.Mock on
// the client's own http.Client, recording every request, in one URL form.
type mockAPI struct {
	*wiretest.Mock
	form okayapi.URLForm
	mt   *httpmock.MockTransport
}

// newMockAPI returns a chatmsg.Service whose client signs dynamically with
// replaySecret, uses the given URL form, does not retry (unless opts say
// otherwise) and talks only to the returned mock.
func newMockAPI(tb testing.TB, form okayapi.URLForm, opts ...okayapi.Option) (*chatmsg.Service, *mockAPI) {
	tb.Helper()
	return newMockService(tb, form, nil, opts...)
}

// newMockService is newMockAPI with the chatmsg options given.
func newMockService(tb testing.TB, form okayapi.URLForm, svcOpts []chatmsg.Option, opts ...okayapi.Option) (*chatmsg.Service, *mockAPI) {
	tb.Helper()
	wm := wiretest.NewMock(tb)
	m := &mockAPI{Mock: wm, form: form, mt: wm.Transport()}
	all := append([]okayapi.Option{
		okayapi.WithSecret(replaySecret),
		okayapi.WithHTTPClient(wm.HTTPClient()),
		okayapi.WithURLForm(form),
		okayapi.WithRetries(0, 0, 0),
	}, opts...)
	c, err := okayapi.New(replayBase, replayAppKey, all...)
	require.NoError(tb, err)
	return chatmsg.New(c, svcOpts...), m
}

// serviceURL is where docs/wire.md says a call goes in the mock's URL form.
func (m *mockAPI) serviceURL(service string) string {
	if m.form == okayapi.PathForm {
		return replayBase + "/api/" + strings.ReplaceAll(service, ".", "/")
	}
	return replayBase + "/?s=" + service
}

// reply answers every POST to service's URL with status and body.
func (m *mockAPI) reply(service string, status int, body []byte) {
	m.On(m.serviceURL(service), func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewBytesResponse(status, body)
		if bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")) {
			resp.Header.Set("Content-Type", "text/html")
		} else {
			resp.Header.Set("Content-Type", "application/json;charset=utf-8")
		}
		return resp, nil
	})
}

// Calls returns the requests made so far.
func (m *mockAPI) Calls() []recordedCall { return m.Requests() }

// onlyCall asserts that exactly one request was made and returns it.
func (m *mockAPI) onlyCall(tb testing.TB) recordedCall {
	tb.Helper()
	return m.Only()
}

// assertRequest checks one request against the wire rules of docs/wire.md: a
// form POST to the call's URL whose body holds exactly the call's params,
// app_key, uuid, token, s (path form only) and a sign recomputed here.
func assertRequest(tb testing.TB, form okayapi.URLForm, call recordedCall, service string, params url.Values) {
	tb.Helper()
	assert.True(tb, call.Matched, "request went to an unexpected URL: %s", call.URL)
	assert.Equal(tb, http.MethodPost, call.Method)
	assert.Equal(tb, "application/x-www-form-urlencoded", call.Header.Get("Content-Type"))
	assert.Equal(tb, "https", call.URL.Scheme)
	assert.Equal(tb, "hn216.api.yesapi.test", call.URL.Host)
	require.NotNil(tb, call.Form, "body is not a form: %q", call.Body)

	signed := url.Values{}
	for k, v := range params {
		signed[k] = append([]string(nil), v...)
	}
	signed.Set("s", service)
	signed.Set("app_key", replayAppKey)
	signed.Set("uuid", replayUUID)
	signed.Set("token", replayToken)

	want := url.Values{}
	for k, v := range signed {
		want[k] = append([]string(nil), v...)
	}
	want.Set("sign", wiretest.Sign(signed, replaySecret))
	switch form {
	case okayapi.QueryForm:
		assert.Equal(tb, "/", call.URL.Path)
		assert.Equal(tb, url.Values{"s": {service}}, call.URL.Query(), "URL query")
		want.Del("s") // it travels in the URL only
	case okayapi.PathForm:
		assert.Equal(tb, "/api/"+strings.ReplaceAll(service, ".", "/"), call.URL.Path)
		assert.Empty(tb, call.URL.RawQuery, "URL query")
	default:
		tb.Fatalf("unknown URL form %v", form)
	}
	assert.Equal(tb, want, call.Form, "form fields")
	assert.NotContains(tb, call.URL.String(), replayToken, "token in URL")
	assert.NotContains(tb, call.URL.String(), want.Get("sign"), "sign in URL")
}

// readFixture reads testdata/<name> at the repository root.
func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", filepath.FromSlash(name)))
	require.NoError(tb, err)
	return b
}

// fixtureData returns the envelope's data exactly as the fixture holds it.
func fixtureData(tb testing.TB, body []byte) json.RawMessage {
	tb.Helper()
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	require.NoError(tb, json.Unmarshal(body, &env))
	return env.Data
}

var shanghai = sync.OnceValues(func() (*time.Location, error) { return time.LoadLocation("Asia/Shanghai") })

// cst reads a wall-clock time in China time, as the service writes it.
func cst(tb testing.TB, s string) time.Time {
	tb.Helper()
	loc, err := shanghai()
	require.NoError(tb, err, "the tz database must know Asia/Shanghai")
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
	require.NoError(tb, err)
	return t
}

// assertSentAt checks that got is want, in Asia/Shanghai, with the same
// wall clock; a zero want means the service gave no time.
func assertSentAt(tb testing.TB, want, got time.Time, where string) {
	tb.Helper()
	if want.IsZero() {
		assert.True(tb, got.IsZero(), "%s: want the zero time, got %v", where, got)
		return
	}
	assert.True(tb, want.Equal(got), "%s: want %v, got %v", where, want, got)
	assert.Equal(tb, "Asia/Shanghai", got.Location().String(), "%s: time zone", where)
	assert.Equal(tb, want.Format(time.DateTime), got.Format(time.DateTime), "%s: wall clock", where)
	_, offset := got.Zone()
	assert.Equal(tb, 8*60*60, offset, "%s: UTC offset", where)
}

// compactJSON compacts raw JSON for comparisons where whitespace does not matter.
func compactJSON(tb testing.TB, raw []byte) json.RawMessage {
	tb.Helper()
	var buf bytes.Buffer
	require.NoError(tb, json.Compact(&buf, raw), "%s", raw)
	return buf.Bytes()
}
