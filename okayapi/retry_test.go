package okayapi_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// fastRetries keeps retry tests quick: up to 3 retries, 1–2ms apart.
var fastRetries = okayapi.WithRetries(3, time.Millisecond, 2*time.Millisecond)

var (
	errDial  = &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	errReset = errors.New("read tcp: connection reset by peer")
)

// sequence answers with the responders in turn, repeating the last one.
func sequence(rs ...httpmock.Responder) httpmock.Responder {
	var n atomic.Int64
	return func(req *http.Request) (*http.Response, error) {
		i := int(n.Add(1)) - 1
		if i >= len(rs) {
			i = len(rs) - 1
		}
		return rs[i](req)
	}
}

func status(code int) httpmock.Responder {
	return httpmock.NewStringResponder(code, "<html><body>"+http.StatusText(code)+"</body></html>")
}

func TestRetryIdempotentCallsOnRetryableFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer httpmock.Responder
		status int
		cause  error
	}{
		{"HTTP 502", status(502), 502, nil},
		{"HTTP 503", status(503), 503, nil},
		{"HTTP 504", status(504), 504, nil},
		{"HTTP 429", status(429), 429, nil},
		{"network error", httpmock.NewErrorResponder(errReset), 0, errReset},
		{"dial error", httpmock.NewErrorResponder(errDial), 0, errDial},
	}
	for _, tt := range tests {
		t.Run(tt.name+" until retries run out", func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, tt.answer)
			_, err := h.client(fastRetries).Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember, Idempotent: true}, nil)
			require.Error(t, err)
			assert.Equal(t, 4, h.calls(), "the first attempt and 3 retries")
			var te *okayapi.TransportError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, 4, te.Attempts)
			assert.Equal(t, tt.status, te.StatusCode, "the last answer is reported")
			assert.Contains(t, err.Error(), "after 4 attempts")
			if tt.cause != nil {
				assert.ErrorIs(t, err, tt.cause)
			}
			// Every attempt carried the same signed request.
			reqs := h.requests()
			require.Len(t, reqs, 4)
			for _, r := range reqs {
				assert.Equal(t, reqs[0].Body, r.Body)
				assert.Equal(t, wiretest.Sign(signedFields(r), testSecret), r.Form.Get("sign"))
			}
		})
		t.Run(tt.name+" then success", func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, sequence(tt.answer, tt.answer, ok(`{"n":"5"}`)))
			var out struct {
				N phpjson.Int `json:"n"`
			}
			resp, err := h.client(fastRetries).Do(context.Background(), &okayapi.Request{Service: testSvc, Idempotent: true}, &out)
			require.NoError(t, err)
			assert.Equal(t, 3, h.calls())
			assert.Equal(t, 3, resp.Attempts)
			assert.Equal(t, phpjson.Int(5), out.N)
		})
	}
}

func TestNoRetryForNonIdempotentCallsThatMayHaveArrived(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer httpmock.Responder
	}{
		{"HTTP 502", status(502)},
		{"HTTP 503", status(503)},
		{"HTTP 504", status(504)},
		{"network error", httpmock.NewErrorResponder(errReset)},
		{"read error", httpmock.NewErrorResponder(&net.OpError{Op: "read", Net: "tcp", Err: errors.New("i/o timeout")})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, sequence(tt.answer, ok(`{}`)))
			_, err := h.client(fastRetries).Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
			require.Error(t, err, "the success that a retry would get must not be reached")
			assert.Equal(t, 1, h.calls(), "a call that may have arrived is not sent again")
			var te *okayapi.TransportError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, 1, te.Attempts)
			assert.True(t, te.MayHaveArrived)
			assert.NotContains(t, err.Error(), "attempts")
		})
	}
}

func TestRetryNonIdempotentCallsThatNeverLeft(t *testing.T) {
	t.Parallel()
	dns := &net.DNSError{Err: "no such host", Name: "api.example.test", IsNotFound: true}
	for name, cause := range map[string]error{"dial error": errDial, "DNS error": dns} {
		t.Run(name+" then success", func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, sequence(httpmock.NewErrorResponder(cause), httpmock.NewErrorResponder(cause), ok(`{}`)))
			resp, err := h.client(fastRetries).Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
			require.NoError(t, err)
			assert.Equal(t, 3, h.calls())
			assert.Equal(t, 3, resp.Attempts)
		})
		t.Run(name+" every time", func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, httpmock.NewErrorResponder(cause))
			_, err := h.client(fastRetries).Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
			require.Error(t, err)
			assert.Equal(t, 4, h.calls())
			var te *okayapi.TransportError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, 4, te.Attempts)
			assert.False(t, te.MayHaveArrived, "no attempt ever connected")
			assert.False(t, okayapi.MayHaveArrived(err))
			assert.ErrorIs(t, err, cause)
		})
	}
	t.Run("dial error then a failure that may have arrived", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(queryURL, sequence(httpmock.NewErrorResponder(errDial), status(502), ok(`{}`)))
		_, err := h.client(fastRetries).Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
		require.Error(t, err)
		assert.Equal(t, 2, h.calls(), "retried after the dial error, not after the 502")
		var te *okayapi.TransportError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, 502, te.StatusCode)
		assert.Equal(t, 2, te.Attempts)
		assert.True(t, te.MayHaveArrived)
	})
}

// TestTooManyRequests: a 429 turns the call away unprocessed, so even a
// non-idempotent call is repeated, and a call that only ever got 429s did not
// arrive; a 429 after an attempt that may have arrived does not undo it.
func TestTooManyRequests(t *testing.T) {
	t.Parallel()
	t.Run("then success", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(queryURL, sequence(status(429), ok(`{}`)))
		resp, err := h.client(fastRetries).Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
		require.NoError(t, err)
		assert.Equal(t, 2, h.calls())
		assert.Equal(t, 2, resp.Attempts)
	})
	t.Run("every time", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(queryURL, status(429))
		_, err := h.client(fastRetries).Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
		var te *okayapi.TransportError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, 429, te.StatusCode)
		assert.Equal(t, 4, h.calls())
		assert.False(t, te.MayHaveArrived)
		assert.False(t, okayapi.MayHaveArrived(err))
		assert.Contains(t, err.Error(), "did not reach the service")
	})
	t.Run("after a network error", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(queryURL, sequence(httpmock.NewErrorResponder(errReset), status(429)))
		_, err := h.client(fastRetries).Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember, Idempotent: true}, nil)
		var te *okayapi.TransportError
		require.ErrorAs(t, err, &te)
		assert.True(t, te.MayHaveArrived, "the first attempt may have arrived")
	})
}

// TestMayHaveArrivedRemembersEarlierAttempts: an idempotent call whose first
// attempt may have arrived stays "may have arrived" even if its last attempt
// could not connect.
func TestMayHaveArrivedRemembersEarlierAttempts(t *testing.T) {
	t.Parallel()
	for name, first := range map[string]httpmock.Responder{"network error": httpmock.NewErrorResponder(errReset), "HTTP 503": status(503)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, sequence(first, httpmock.NewErrorResponder(errDial)))
			_, err := h.client(okayapi.WithRetries(1, time.Millisecond, time.Millisecond)).Do(context.Background(),
				&okayapi.Request{Service: testSvc, Idempotent: true}, nil)
			require.Error(t, err)
			assert.Equal(t, 2, h.calls())
			assert.ErrorIs(t, err, errDial, "the last failure is reported")
			assert.True(t, okayapi.MayHaveArrived(err), "but the first attempt may have arrived")
		})
	}
}

func TestNoRetryOnOtherAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer httpmock.Responder
	}{
		{"HTTP 500", status(500)},
		{"HTTP 501", status(501)},
		{"HTTP 400", status(400)},
		{"HTTP 404", status(404)},
		{"HTTP 200 HTML", status(200)},
		{"ret 500", httpmock.NewStringResponder(200, envelope(500, `{}`, "服务器运行错误"))},
		{"ret 503", httpmock.NewStringResponder(200, envelope(503, `{}`, ""))},
		{"ret 401", httpmock.NewStringResponder(200, envelope(401, `{}`, ""))},
		{"ret 400", httpmock.NewStringResponder(200, envelope(400, `{}`, ""))},
		{"err_code", ok(`{"err_code":2,"err_msg":"发送失败"}`)},
		{"decode error", ok(`"x"`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, sequence(tt.answer, ok(`{}`)))
			_, err := h.client(fastRetries).Do(context.Background(), &okayapi.Request{Service: testSvc, Idempotent: true}, nil)
			require.Error(t, err)
			assert.Equal(t, 1, h.calls(), "not retried even though idempotent")
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	withRetryAfter := func(code int, v string) httpmock.Responder {
		return status(code).HeaderSet(http.Header{"Retry-After": {v}})
	}
	tests := []struct {
		name  string
		first httpmock.Responder
		calls int
	}{
		{"429 asking for no wait is retried", withRetryAfter(429, "0"), 2},
		{"503 asking for no wait is retried", withRetryAfter(503, "0"), 2},
		{"429 asking for an hour is not retried", withRetryAfter(429, "3600"), 1},
		{"503 asking for an hour is not retried", withRetryAfter(503, "3600"), 1},
		{"503 asking until a date far ahead is not retried", withRetryAfter(503, time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)), 1},
		{"503 asking until a date passed is retried", withRetryAfter(503, time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)), 2},
		{"an unreadable Retry-After is ignored", withRetryAfter(503, "soon"), 2},
		{"502 asking for a huge wait is not retried", withRetryAfter(502, strconv.FormatInt(1<<62, 10)), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, sequence(tt.first, ok(`{}`)))
			// A guard against a client that would sleep as long as asked.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := h.client(fastRetries).Do(ctx, &okayapi.Request{Service: testSvc, Idempotent: true}, nil)
			assert.Equal(t, tt.calls, h.calls())
			if tt.calls == 1 {
				var te *okayapi.TransportError
				require.ErrorAs(t, err, &te)
				assert.NotErrorIs(t, err, context.DeadlineExceeded, "the client gave up at once, not after waiting")
				assert.NotZero(t, te.StatusCode, "the answer asking for the wait is reported")
			} else {
				require.NoError(t, err)
			}
		})
	}
}

func TestContextCancellation(t *testing.T) {
	t.Parallel()
	t.Run("cancelled before the call", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(queryURL, ok(`{}`))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := h.client(fastRetries).Do(ctx, &okayapi.Request{Service: testSvc, Idempotent: true}, nil)
		require.Error(t, err)
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, err, okayapi.ErrTransport)
		assert.Equal(t, 0, h.calls(), "nothing is sent")
		assert.False(t, okayapi.MayHaveArrived(err))
	})
	t.Run("cancelled during an attempt", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		h.on(queryURL, func(req *http.Request) (*http.Response, error) {
			cancel()
			<-req.Context().Done()
			return nil, req.Context().Err()
		})
		_, err := h.client(fastRetries).Do(ctx, &okayapi.Request{Service: testSvc, Idempotent: true}, nil)
		require.Error(t, err)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, h.calls(), "no retry after the caller gave up")
		assert.True(t, okayapi.MayHaveArrived(err), "the request was on its way")
	})
	t.Run("deadline during an attempt", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		h.on(queryURL, func(req *http.Request) (*http.Response, error) {
			<-req.Context().Done()
			return nil, req.Context().Err()
		})
		_, err := h.client(fastRetries).Do(ctx, &okayapi.Request{Service: testSvc, Idempotent: true}, nil)
		require.Error(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 1, h.calls())
	})
	t.Run("cancelled while waiting to retry", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		h.on(queryURL, func(req *http.Request) (*http.Response, error) {
			time.AfterFunc(50*time.Millisecond, cancel) // while the client waits an hour to retry
			return nil, errDial
		})
		c := h.client(okayapi.WithRetries(3, time.Hour, time.Hour))
		_, err := c.Do(ctx, &okayapi.Request{Service: testSvc, Member: testMember}, nil)
		require.Error(t, err)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, h.calls())
		var te *okayapi.TransportError
		require.ErrorAs(t, err, &te)
		assert.False(t, te.MayHaveArrived, "the only attempt never connected")
	})
}
