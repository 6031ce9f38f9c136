package cassette_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/redact/redacttest"
	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest/cassette"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// recordOn records one call of do, answered with body, and returns the
// cassette's files.
func recordOn(t *testing.T, body string, do func(*okayapi.Client)) map[string]string {
	t.Helper()
	dir := t.TempDir()
	next := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if req.Body != nil {
			req.Body.Close()
		}
		return &http.Response{
			StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:        http.Header{"Content-Type": {"text/html; charset=UTF-8"}},
			Body:          io.NopCloser(strings.NewReader(body)),
			ContentLength: int64(len(body)),
			Request:       req,
		}, nil
	})
	rec, err := cassette.NewRecorder(dir, next)
	require.NoError(t, err)
	c, err := okayapi.New("https://api.example.test", wiretest.VectorAppKey, okayapi.WithSecret(wiretest.VectorSecret),
		okayapi.WithHTTPClient(&http.Client{Transport: rec}), okayapi.WithRetries(0, 0, 0))
	require.NoError(t, err)
	do(c)
	require.NoError(t, rec.Err())
	all := files(t, dir)
	require.NotEmpty(t, all, "recorded")
	return all
}

// Every shape of a login answer that is not one clean envelope is written
// without any 16-character piece of the token it hands out.
func TestMalformedLoginAnswersAreRecordedWithoutTheToken(t *testing.T) {
	t.Parallel()
	for _, c := range redacttest.MalformedLogins {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			all := recordOn(t, c.Body, func(cl *okayapi.Client) {
				_, _ = cl.Login(context.Background(), "alice", "correct horse battery")
			})
			for name, content := range all {
				lower := strings.ToLower(content)
				for i := 0; i+16 <= len(redacttest.NewToken); i++ {
					if piece := strings.ToLower(redacttest.NewToken[i : i+16]); strings.Contains(lower, piece) {
						t.Errorf("%s holds %q of the token:\n%s", name, redacttest.NewToken[i:i+16], content)
						break
					}
				}
			}
		})
	}
}

// A clean answer is written as it came, but for the secrets it hands out.
func TestCleanLoginAnswerKeepsItsShape(t *testing.T) {
	t.Parallel()
	all := recordOn(t, redacttest.LoginOK(redacttest.NewToken), func(cl *okayapi.Client) {
		_, err := cl.Login(context.Background(), "alice", "correct horse battery")
		require.NoError(t, err)
	})
	for name, content := range all {
		assert.NotContains(t, strings.ToLower(content), strings.ToLower(redacttest.NewToken[:16]), name)
		if strings.HasSuffix(name, "success.json") && !strings.HasSuffix(name, ".req.json") {
			assert.Contains(t, content, `"uuid":"0123456789ABCDEF0123456789ABCDEF"`, "no token-like rule on a clean answer")
		}
	}
}

// A parameter named passwd is a password: recorded as a placeholder.
func TestPasswdIsASecret(t *testing.T) {
	t.Parallel()
	const pw = "hunter2hunter2-passwd"
	all := recordOn(t, `{"ret":200,"data":{"err_code":0,"echo":"`+pw+`"},"msg":""}`, func(cl *okayapi.Client) {
		_, err := cl.Do(context.Background(), &okayapi.Request{Service: "App.User.Change", Params: url.Values{"old_passwd": {pw}}}, nil)
		require.NoError(t, err)
	})
	for name, content := range all {
		assert.NotContains(t, content, pw[:16], name)
		if strings.HasSuffix(name, ".req.json") {
			assert.Contains(t, content, `"old_passwd": "REDACTED-PASSWORD`, name)
		}
	}
}
