package okayapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// logLines decodes the JSON log lines in buf.
func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(buf.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
		lines = append(lines, m)
	}
	require.NoError(t, sc.Err())
	return lines
}

func debugLogger(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// assertNoSecrets checks that text holds none of the secrets of the request made.
func assertNoSecrets(t *testing.T, text string, h *harness) {
	t.Helper()
	secrets := []string{testToken, testSecret, strings.ToLower(testToken)}
	for _, r := range h.requests() {
		if s := r.Form.Get("sign"); s != "" {
			secrets = append(secrets, s, strings.ToLower(s))
		}
	}
	for _, s := range secrets {
		assert.NotContains(t, text, s)
		assert.NotContains(t, text, s[:12])
	}
}

func TestLogging(t *testing.T) {
	t.Parallel()
	// leak makes the answer carry every secret of the request, as a careless
	// service might.
	leak := func(req *http.Request) string {
		_ = req.ParseForm()
		return req.PostForm.Get("token") + " " + req.PostForm.Get("sign") + " " + testSecret
	}
	tests := []struct {
		name    string
		answer  httpmock.Responder
		retries int
		level   string
		want    map[string]any // attributes the line must carry
		absent  []string       // attributes it must not carry
	}{
		{"success", ok(`{"err_code":0}`), 0, "DEBUG",
			map[string]any{"service": testSvc, "attempts": 1.0, "ret": 200.0, "status": 200.0, "uuid": testUUID},
			[]string{"error", "err_code"}},
		{"plugin error", func(req *http.Request) (*http.Response, error) {
			m, _ := json.Marshal("发送失败 " + leak(req))
			return httpmock.NewStringResponse(200, envelope(200, `{"err_code":2,"err_msg":`+string(m)+`}`, "")), nil
		}, 0, "WARN",
			map[string]any{"service": testSvc, "attempts": 1.0, "ret": 200.0, "err_code": 2.0, "may_have_arrived": false},
			nil},
		{"api error", func(req *http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(200, envelope(401, `{}`, "用户未登录 "+leak(req))), nil
		}, 0, "WARN",
			map[string]any{"service": testSvc, "attempts": 1.0, "ret": 401.0, "may_have_arrived": false},
			[]string{"err_code"}},
		{"transport error after retries", func(req *http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(503, "<html>"+leak(req)+"</html>"), nil
		}, 2, "WARN",
			map[string]any{"service": testSvc, "attempts": 3.0, "status": 503.0, "may_have_arrived": true},
			[]string{"ret", "err_code"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			h := newHarness(t)
			h.on(queryURL, tt.answer)
			c := h.client(okayapi.WithLogger(debugLogger(&buf)), okayapi.WithRetries(tt.retries, time.Millisecond, time.Millisecond))
			_, _ = c.Do(context.Background(), &okayapi.Request{
				Service: testSvc, Member: testMember, Idempotent: true,
				Params: struct {
					Data string `url:"chat_message_data"`
				}{"private words"},
			}, nil)

			lines := logLines(t, &buf)
			require.Len(t, lines, 1, "one line per call")
			line := lines[0]
			assert.Equal(t, tt.level, line["level"])
			for k, v := range tt.want {
				assert.Equal(t, v, line[k], k)
			}
			for _, k := range tt.absent {
				assert.NotContains(t, line, k)
			}
			assert.Contains(t, line, "took")
			if tt.level == "WARN" {
				assert.NotEmpty(t, line["error"])
			}
			assertNoSecrets(t, buf.String(), h)
			assert.NotContains(t, buf.String(), "private words", "parameters are not logged")
		})
	}
}

func TestLoggingAtInfoLevelSkipsSuccesses(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := newHarness(t)
	h.on(queryURL, sequence(ok(`{}`), httpmock.NewStringResponder(200, envelope(500, `{}`, "boom"))))
	c := h.client(okayapi.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	_, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	require.NoError(t, err)
	assert.Empty(t, buf.String())
	_, err = c.Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	require.Error(t, err)
	lines := logLines(t, &buf)
	require.Len(t, lines, 1)
	assert.Equal(t, 500.0, lines[0]["ret"])
}

func TestNilLoggerIsSilent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, sequence(ok(`{}`), ok(`{"err_code":1}`), status(502)))
	c := h.client(okayapi.WithLogger(nil))
	assert.NotPanics(t, func() {
		for range 3 {
			_, _ = c.Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
		}
	})
	assert.Equal(t, 3, h.calls())
}
