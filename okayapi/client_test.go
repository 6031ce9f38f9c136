package okayapi_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/core"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/sign"
)

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		base   string
		appKey string
		opts   []okayapi.Option
		field  string
	}{
		{"empty base URL", "", testAppKey, nil, "base URL"},
		{"relative base URL", "/api", testAppKey, nil, "base URL"},
		{"base URL without scheme", "api.example.test", testAppKey, nil, "base URL"},
		{"scheme-relative base URL", "//api.example.test", testAppKey, nil, "base URL"},
		{"ftp base URL", "ftp://api.example.test", testAppKey, nil, "base URL"},
		{"opaque base URL", "http:api.example.test", testAppKey, nil, "base URL"},
		{"unparsable base URL", "http://api.example.test:port/", testAppKey, nil, "base URL"},
		{"base URL with a query", "https://api.example.test/?s=App.User.Login", testAppKey, nil, "base URL"},
		{"base URL with an empty query", "https://api.example.test/?", testAppKey, nil, "base URL"},
		{"base URL with a fragment", "https://api.example.test/#top", testAppKey, nil, "base URL"},
		{"base URL with user info", "https://user:pw@api.example.test", testAppKey, nil, "base URL"},
		{"empty app key", testBase, "", nil, "app key"},
		{"blank app key", testBase, "  \t", nil, "app key"},
		{"empty secret", testBase, testAppKey, []okayapi.Option{okayapi.WithSecret("")}, "app secret"},
		{"nil signer", testBase, testAppKey, []okayapi.Option{okayapi.WithSigner(nil)}, "signer"},
		{"nil http client", testBase, testAppKey, []okayapi.Option{okayapi.WithHTTPClient(nil)}, "http client"},
		{"zero timeout", testBase, testAppKey, []okayapi.Option{okayapi.WithTimeout(0)}, "timeout"},
		{"negative timeout", testBase, testAppKey, []okayapi.Option{okayapi.WithTimeout(-time.Second)}, "timeout"},
		{"unknown URL form", testBase, testAppKey, []okayapi.Option{okayapi.WithURLForm(okayapi.URLForm(7))}, "url form"},
		{"nil location", testBase, testAppKey, []okayapi.Option{okayapi.WithLocation(nil)}, "location"},
		{"zero max response size", testBase, testAppKey, []okayapi.Option{okayapi.WithMaxResponseSize(0)}, "max response size"},
		{"negative max response size", testBase, testAppKey, []okayapi.Option{okayapi.WithMaxResponseSize(-1)}, "max response size"},
		{"negative retries", testBase, testAppKey, []okayapi.Option{okayapi.WithRetries(-1, 0, 0)}, "retries"},
		{"negative min wait", testBase, testAppKey, []okayapi.Option{okayapi.WithRetries(1, -time.Millisecond, time.Millisecond)}, "retry wait"},
		{"max wait below min wait", testBase, testAppKey, []okayapi.Option{okayapi.WithRetries(1, 2*time.Millisecond, time.Millisecond)}, "retry wait"},
		{"bad option after good ones", testBase, testAppKey, []okayapi.Option{okayapi.WithSecret(testSecret), okayapi.WithTimeout(-1)}, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := okayapi.New(tt.base, tt.appKey, tt.opts...)
			require.Error(t, err)
			assert.Nil(t, c)
			var ipe *okayapi.InvalidParamError
			require.ErrorAs(t, err, &ipe)
			assert.Equal(t, tt.field, ipe.Field)
			assert.NotEmpty(t, ipe.Rule)
			assert.Contains(t, err.Error(), tt.field)
		})
	}
}

func TestNewErrorsHideTheSecretAndUserInfo(t *testing.T) {
	t.Parallel()
	_, err := okayapi.New("https://user:"+testSecret+"@api.example.test", testAppKey)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testSecret)
}

func TestNewAcceptsGoodSettings(t *testing.T) {
	t.Parallel()
	for _, base := range []string{
		"http://api.example.test", "https://api.example.test", "https://api.example.test/",
		"http://127.0.0.1:8080", "https://gw.example.test/okay/", "HTTPS://API.example.test",
	} {
		t.Run(base, func(t *testing.T) {
			t.Parallel()
			c, err := okayapi.New(base, testAppKey, nil, okayapi.WithSecret(testSecret))
			require.NoError(t, err)
			assert.Contains(t, c.String(), testAppKey)
		})
	}
}

// TestClientString: what a Client shows of itself (it has no accessors):
// base URL, app key, URL form and signer kind.
func TestClientString(t *testing.T) {
	t.Parallel()
	c, err := okayapi.New("https://gw.example.test/okay/", testAppKey)
	require.NoError(t, err)
	assert.Contains(t, c.String(), "https://gw.example.test/okay/, app key "+testAppKey+", query form")

	c, err = okayapi.New(testBase, testAppKey, okayapi.WithURLForm(okayapi.PathForm))
	require.NoError(t, err)
	assert.Contains(t, c.String(), ", path form")
}

func TestWithHTTPClientDoesNotChangeTheCallersClient(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	var deadline time.Time
	var hasDeadline bool
	mt.RegisterResponder(http.MethodPost, queryURL, func(req *http.Request) (*http.Response, error) {
		deadline, hasDeadline = req.Context().Deadline()
		return httpmock.NewStringResponse(http.StatusOK, envelope(200, `{}`, "")), nil
	})
	hc := &http.Client{Transport: mt}

	c, err := okayapi.New(testBase, testAppKey, okayapi.WithHTTPClient(hc), okayapi.WithTimeout(5*time.Second))
	require.NoError(t, err)
	_, err = c.Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	require.NoError(t, err)

	assert.Equal(t, time.Duration(0), hc.Timeout, "the caller's client keeps its zero Timeout")
	assert.Same(t, mt, hc.Transport, "the caller's transport is left in place")
	assert.Equal(t, 1, mt.GetTotalCallCount(), "calls go through the caller's transport")
	require.True(t, hasDeadline, "the client's timeout bounds the attempt")
	assert.LessOrEqual(t, time.Until(deadline), 5*time.Second)
}

func TestWithHTTPClientKeepsItsOwnTimeout(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, queryURL, httpmock.NewStringResponder(http.StatusOK, envelope(200, `{}`, "")))
	hc := &http.Client{Transport: mt, Timeout: 7 * time.Second}

	c, err := okayapi.New(testBase, testAppKey, okayapi.WithHTTPClient(hc), okayapi.WithTimeout(time.Second))
	require.NoError(t, err)
	_, err = c.Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	require.NoError(t, err)
	assert.Equal(t, 7*time.Second, hc.Timeout)
	assert.Equal(t, 1, mt.GetTotalCallCount())
}

func TestWithHTTPClientIsUsedAsItIsAtEachCall(t *testing.T) {
	t.Parallel()
	hc := &http.Client{}
	c, err := okayapi.New(testBase, testAppKey, okayapi.WithHTTPClient(hc))
	require.NoError(t, err)
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, queryURL, httpmock.NewStringResponder(http.StatusOK, envelope(200, `{}`, "")))
	hc.Transport = mt // after New, as a test activating a mock might
	_, err = c.Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, mt.GetTotalCallCount(), "a mock activated after New is used")
}

// TestWithHTTPClientRedirectPolicyIsNotUsed: the caller's client would
// follow a 307 (re-sending the whole signed form); the SDK does not.
func TestWithHTTPClientRedirectPolicyIsNotUsed(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, queryURL, func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(http.StatusTemporaryRedirect, "")
		resp.Header.Set("Location", testBase+"/moved/?s="+testSvc)
		return resp, nil
	})
	mt.RegisterResponder(http.MethodPost, testBase+"/moved/?s="+testSvc, httpmock.NewStringResponder(http.StatusOK, envelope(200, `{}`, "")))
	follows := &http.Client{Transport: mt, CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	c, err := okayapi.New(testBase, testAppKey, okayapi.WithHTTPClient(follows))
	require.NoError(t, err)
	_, err = c.Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	var te *okayapi.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, http.StatusTemporaryRedirect, te.StatusCode)
	assert.ErrorIs(t, err, okayapi.ErrRedirect)
	assert.Equal(t, 1, mt.GetTotalCallCount(), "the redirect was not followed")
}

func TestClientParseTimeUsesItsLocation(t *testing.T) {
	t.Parallel()
	c, err := okayapi.New(testBase, testAppKey)
	require.NoError(t, err)
	got, err := core.ParseTime(c, "2019-08-11 17:12:02")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2019, 8, 11, 9, 12, 2, 0, time.UTC), got.UTC())

	c, err = okayapi.New(testBase, testAppKey, okayapi.WithLocation(time.UTC))
	require.NoError(t, err)
	got, err = core.ParseTime(c, "2019-08-11 17:12:02")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2019, 8, 11, 17, 12, 2, 0, time.UTC), got.UTC())
}

func TestClientPrintsNoSecrets(t *testing.T) {
	t.Parallel()
	const secret = "TOPSECRET-abcdef-0123456789"
	for name, opt := range map[string]okayapi.Option{
		"dynamic": okayapi.WithSecret(secret),
		"signer":  okayapi.WithSigner(sign.Dynamic(secret)),
		"static":  okayapi.WithSigner(sign.Static(secret)),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := okayapi.New("https://hn216.api.yesapi.cn/base", testAppKey, opt)
			require.NoError(t, err)
			for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
				out := fmt.Sprintf(verb, c)
				assert.NotContains(t, out, secret, verb)
				assert.Contains(t, out, testAppKey, verb)
			}
			var buf bytes.Buffer
			slog.New(slog.NewTextHandler(&buf, nil)).Info("client", "c", c)
			assert.NotContains(t, buf.String(), secret)
			assert.Contains(t, buf.String(), "hn216.api.yesapi.cn", "slog's text handler prints String")
			buf.Reset()
			slog.New(slog.NewJSONHandler(&buf, nil)).Info("client", "c", c)
			assert.NotContains(t, buf.String(), secret)
		})
	}
}

// TestAttemptTimeout: what the SDK's own packages read through
// internal/core: WithTimeout's value (30 s by default), or the Timeout of
// WithHTTPClient's client when it has one.
func TestAttemptTimeout(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		opts []okayapi.Option
		want time.Duration
	}{
		{"default", nil, 30 * time.Second},
		{"WithTimeout", []okayapi.Option{okayapi.WithTimeout(3 * time.Second)}, 3 * time.Second},
		{"http client without a timeout", []okayapi.Option{okayapi.WithTimeout(3 * time.Second), okayapi.WithHTTPClient(&http.Client{})}, 3 * time.Second},
		{"http client's timeout", []okayapi.Option{okayapi.WithTimeout(3 * time.Second), okayapi.WithHTTPClient(&http.Client{Timeout: 7 * time.Second})}, 7 * time.Second},
	} {
		c, err := okayapi.New(testBase, testAppKey, tt.opts...)
		require.NoError(t, err)
		assert.Equal(t, tt.want, core.AttemptTimeout(c), tt.name)
	}
}
