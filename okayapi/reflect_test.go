package okayapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/redact/redacttest"
	"github.com/okayapi-go/sdk/okayapi"
)

// TestNoSecretThroughReflection dumps every exported type of okayapi that
// holds or touches a secret with testify's failure output (go-spew),
// go-cmp's diff (unexported fields too) and %#v / %+v: no secret, nor a
// 16-character run of one, shows.
func TestNoSecretThroughReflection(t *testing.T) {
	t.Parallel()
	const password = "correct horse battery staple"
	secrets := []string{testToken, testSecret, password, md5Hex(password)}

	h := newHarness(t)
	h.on(queryURL, ok(`{"err_code":0,"id":1}`))
	c := h.client()
	values := map[string]any{
		"Client":  c,
		"Member":  testMember,
		"Request": &okayapi.Request{Service: testSvc, Member: testMember},
	}
	resp, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
	require.NoError(t, err)
	values["Response"] = resp
	values["Response.DecodeError"] = resp.DecodeError("made up", errors.New("x"))
	for name, f := range failures(t, testSecret, testMember) {
		values[name] = f.err
		var target error = f.err
		for target != nil { // the error and every cause it wraps
			values[name+" "+reflect.TypeOf(target).String()] = target
			target = errors.Unwrap(target)
		}
		if f.resp != nil {
			values[name+" Response"] = f.resp
		}
	}
	// A client over loopback: its idle connections' buffers hold the last
	// request's bytes, which no dump of the Client may reach.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, envelope(200, `{"err_code":0}`, ""))
	}))
	t.Cleanup(srv.Close)
	loop, err := okayapi.New(srv.URL, testAppKey, okayapi.WithSecret(testSecret))
	require.NoError(t, err)
	t.Cleanup(func() { _ = loop.Close() })
	_, err = loop.Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
	require.NoError(t, err)
	values["Client over loopback"] = loop

	login := newHarness(t)
	login.onAny(httpmock.NewStringResponder(200, envelope(200, `{"err_code":1,"err_msg":"wrong password `+password+` `+md5Hex(password)+`"}`, "")))
	_, err = login.client().Login(context.Background(), "alice", password)
	require.ErrorIs(t, err, okayapi.ErrLoginFailed)
	values["Login's PluginError"] = err
	values["InvalidParamError"] = okayapi.NewMember(testToken, testUUID).Validate()

	for name, v := range values {
		redacttest.AssertNoDump(t, name, v, secrets...)
	}
}

// Members with the same token are equal (==, reflect.DeepEqual, testify,
// go-cmp), and the token is given back as it was.
func TestMemberEquality(t *testing.T) {
	t.Parallel()
	a := okayapi.NewMember(testUUID, testToken)
	b := okayapi.NewMember(testUUID, testToken)
	other := okayapi.NewMember(testUUID, testToken[1:]+"0")
	assert.True(t, a == b)
	assert.True(t, reflect.DeepEqual(a, b))
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, other)
	assert.Equal(t, testToken, a.Token())
	assert.Equal(t, "", okayapi.Member{UUID: testUUID}.Token())
	assert.True(t, okayapi.NewMember("", "").IsZero())
	assert.False(t, okayapi.NewMember("", testToken).IsZero())
	redacttest.AssertNoDump(t, "two Members", struct{ A, B okayapi.Member }{a, other}, testToken, testToken[1:]+"0")
}
