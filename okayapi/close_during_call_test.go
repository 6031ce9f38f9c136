package okayapi_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// A client closed while a call is on its way lets that call finish, retries
// included, and the connection the call gives back at the end is closed too:
// nothing stays open at the server.
func TestCloseDuringACallLeavesNoConnection(t *testing.T) {
	t.Parallel()
	var conns, requests atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if requests.Add(1) == 1 {
			close(started)
			<-release
			w.WriteHeader(http.StatusServiceUnavailable) // retried: the call is idempotent
			return
		}
		io.WriteString(w, envelope(200, `{}`, ""))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			conns.Add(1)
		case http.StateClosed, http.StateHijacked:
			conns.Add(-1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	c, err := okayapi.New(srv.URL, testAppKey, okayapi.WithRetries(1, time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc, Idempotent: true}, nil)
		done <- err
	}()
	select {
	case <-started:
	case err := <-done:
		require.FailNow(t, "the call ended before it reached the server", "%v", err)
	}
	require.NoError(t, c.Close())
	close(release)
	require.NoError(t, <-done, "the call under way finishes")
	assert.EqualValues(t, 2, requests.Load())
	assert.Eventually(t, func() bool { return conns.Load() == 0 }, 2*time.Second, 5*time.Millisecond,
		"the connection the call gave back is closed")
}

// Closing a client made WithHTTPClient while a call is under way is safe: the
// caller's client and its connections are the caller's.
func TestCloseDuringACallWithTheCallersClient(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var c *okayapi.Client
	h.on(queryURL, func(*http.Request) (*http.Response, error) {
		require.NoError(t, c.Close())
		return ok(`{}`)(nil)
	})
	c = h.client()
	_, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	require.NoError(t, err)
	_, err = c.Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	assert.ErrorIs(t, err, okayapi.ErrClosed)
	assert.Equal(t, 1, h.calls())
}
