package okayapitest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// rawAnswer POSTs body to / and returns the answer with its headers,
// failing on a network error.
func (f *fake) rawAnswer(body url.Values) (*http.Response, string) {
	f.t.Helper()
	resp, err := f.send(f.t.Context(), http.MethodPost, "/", body)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(f.t, err)
	return resp, string(b)
}

// The gateway, rate-limit and reset faults as a plain HTTP client sees
// them, and what each leaves done.
func TestGatewayFaults(t *testing.T) {
	t.Parallel()

	t.Run("ResetBefore", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault("", "reset-before", 1)
		resp, err := f.send(t.Context(), http.MethodPost, "/", f.params(svcPut, ms[0], to(ms[1].UUID, text("lost"))))
		if resp != nil {
			resp.Body.Close()
		}
		require.Error(t, err, "no answer")
		assert.Empty(t, f.box.all(), "nothing was done")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, Fault("reset-before"), reqs[0].Fault)
		assert.Equal(t, 0, reqs[0].Status)
		assert.False(t, reqs[0].Processed)
		assert.Equal(t, 0, reqs[0].Ret, "not processed")
		assert.False(t, reqs[0].WorkDone)
		f.ok(svcPut, ms[0], to(ms[1].UUID, text("kept"))) // used up
	})
	for _, c := range []struct {
		fault  Fault
		status int
		title  string
	}{
		{"503-after", http.StatusServiceUnavailable, "503 Service Temporarily Unavailable"},
		{"504-after", http.StatusGatewayTimeout, "504 Gateway Time-out"},
	} {
		t.Run(string(c.fault), func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			ms := f.members(2)
			f.srv.InjectFault("", c.fault, 1)
			resp, body := f.rawAnswer(f.params(svcPut, ms[0], to(ms[1].UUID, text("stored"))))
			assert.Equal(t, c.status, resp.StatusCode)
			assert.Equal(t, "nginx", resp.Header.Get("Server"))
			assert.Equal(t, "text/html", resp.Header.Get("Content-Type"))
			assert.Contains(t, body, "<center><h1>"+c.title+"</h1></center>")
			assert.Empty(t, resp.Header.Get("Retry-After"))
			msgs := f.box.all()
			require.Len(t, msgs, 1, "the work was done before the gateway answered")
			assert.Equal(t, `{"content":"stored"}`, msgs[0].raw)
			reqs := f.srv.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, RecordedRequest{Method: "POST", Path: "/", Query: reqs[0].Query, Form: reqs[0].Form,
				Service: svcPut, Status: c.status, Processed: true, Ret: 200, Fault: c.fault, WorkDone: true}, reqs[0])
			assert.True(t, reqs[0].WorkDone)
		})
	}
	t.Run("503-after a refusal", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.ExpireToken(ms[0].UUID)
		f.srv.InjectFault("", "503-after", 1)
		resp, _ := f.rawAnswer(f.params(svcPut, ms[0], to(ms[1].UUID, text("refused"))))
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
		assert.Empty(t, f.box.all())
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.True(t, reqs[0].Processed, "the call ran")
		assert.Equal(t, 401, reqs[0].Ret, "and was refused")
		assert.False(t, reqs[0].WorkDone)
	})
	for _, c := range []struct {
		name       string
		fault      Fault
		opts       []Option
		retryAfter string
	}{
		{"429", "429", nil, ""},
		{"429-retry-after", "429-retry-after", nil, "1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, c.opts...)
			ms := f.members(2)
			f.srv.InjectFault("", c.fault, 1)
			resp, body := f.rawAnswer(f.params(svcPut, ms[0], to(ms[1].UUID, text("lost"))))
			assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
			assert.Equal(t, "nginx", resp.Header.Get("Server"))
			assert.Contains(t, body, "<center><h1>429 Too Many Requests</h1></center>")
			got, ok := resp.Header["Retry-After"]
			if c.retryAfter == "" {
				assert.False(t, ok, "no Retry-After: %q", got)
			} else {
				assert.Equal(t, []string{c.retryAfter}, got)
			}
			assert.Empty(t, f.box.all(), "nothing was done")
			reqs := f.srv.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, RecordedRequest{Method: "POST", Path: "/", Query: reqs[0].Query, Form: reqs[0].Form,
				Service: svcPut, Status: 429, Fault: c.fault}, reqs[0])
			assert.False(t, reqs[0].WorkDone)
		})
	}
}

// The early gateway faults answer at once, before the call has run; the
// backend runs it the backend delay later, so that a copy sent after the
// answer is stored too.
func TestEarlyGatewayFaults(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		fault  Fault
		status int
		title  string
	}{
		{"502-early", http.StatusBadGateway, "502 Bad Gateway"},
		{"503-early", http.StatusServiceUnavailable, "503 Service Temporarily Unavailable"},
		{"504-early", http.StatusGatewayTimeout, "504 Gateway Time-out"},
	} {
		t.Run(string(c.fault), func(t *testing.T) {
			t.Parallel()
			f := newFake(t, WithBackendDelay(time.Hour))
			ms := f.members(2)
			f.srv.InjectFault("", c.fault, 1)
			resp, body := f.rawAnswer(f.params(svcPut, ms[0], to(ms[1].UUID, text("later"))))
			assert.Equal(t, c.status, resp.StatusCode)
			assert.Equal(t, "nginx", resp.Header.Get("Server"))
			assert.Contains(t, body, "<center><h1>"+c.title+"</h1></center>")
			assert.Empty(t, f.box.all(), "answered before the backend ran the call")
			reqs := f.srv.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, RecordedRequest{Method: "POST", Path: "/", Query: reqs[0].Query, Form: reqs[0].Form,
				Service: svcPut, Status: c.status, Processed: true, Fault: c.fault}, reqs[0])
			f.srv.Close() // drops the backend's call, without waiting an hour
			assert.Empty(t, f.box.all(), "the backend went down with the server")
		})
	}
	t.Run("stores later", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithBackendDelay(20*time.Millisecond))
		ms := f.members(2)
		f.srv.InjectFault(svcPut, "504-early", 1)
		resp, _ := f.rawAnswer(f.params(svcPut, ms[0], to(ms[1].UUID, text("once"))))
		assert.Equal(t, http.StatusGatewayTimeout, resp.StatusCode)
		// A client that checks at once finds nothing and sends again.
		assert.Empty(t, f.box.all())
		f.ok(svcPut, ms[0], to(ms[1].UUID, text("once")))
		f.srv.Drain()
		assert.Len(t, f.box.all(), 2, "the first copy was stored after the gateway's answer")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, Fault("504-early"), reqs[0].Fault)
		assert.Equal(t, 200, reqs[0].Ret, "filled in when the backend ran it")
		assert.True(t, reqs[0].WorkDone)
	})
	t.Run("refused later", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithBackendDelay(0))
		ms := f.members(2)
		f.srv.ExpireToken(ms[0].UUID)
		f.srv.InjectFault("", "502-early", 1)
		resp, _ := f.rawAnswer(f.params(svcPut, ms[0], to(ms[1].UUID, text("refused"))))
		assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
		f.srv.Drain()
		assert.Empty(t, f.box.all())
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, 401, reqs[0].Ret)
		assert.False(t, reqs[0].WorkDone)
	})
	t.Run("negative delay", func(t *testing.T) {
		t.Parallel()
		_, err := Start(WithBackendDelay(-time.Second))
		assert.ErrorContains(t, err, "backend delay")
	})
}

// The table says, for every fault, whether the call's work is done (run
// says it), and Requests records the same.
func TestFaultProcesses(t *testing.T) {
	t.Parallel()
	for _, f := range Faults() {
		if f == "stall" {
			continue // it needs the client to give up; see TestFaults and TestFaultsThroughSDK
		}
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			fk := newFake(t, WithBackendDelay(time.Millisecond))
			ms := fk.members(2)
			fk.srv.InjectFault("", f, 1)
			resp, err := fk.send(t.Context(), http.MethodPost, "/", fk.params(svcPut, ms[0], to(ms[1].UUID, text("x"))))
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			fk.srv.Drain() // the early gateway faults' backend
			done := len(fk.box.all()) == 1
			k, _ := f.kind()
			assert.Equal(t, k.run != runNever, done, "the table says whether the work is done")
			reqs := fk.srv.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, f, reqs[0].Fault)
			assert.Equal(t, done, reqs[0].Processed)
			assert.Equal(t, done, reqs[0].WorkDone)
		})
	}
}

// sdkFake is a fake with two members and an SDK client that retries
// quickly.
type sdkFake struct {
	*fake
	c  *okayapi.Client
	ms []okayapi.Member
}

func newSDKFake(t *testing.T, maxWait time.Duration, opts ...Option) *sdkFake {
	t.Helper()
	f := newFake(t, opts...)
	c := NewClient(t, f.srv, okayapi.WithRetries(3, time.Millisecond, maxWait))
	return &sdkFake{fake: f, c: c, ms: f.members(2)}
}

// put sends a note from ms[0] to ms[1]: not idempotent.
func (s *sdkFake) put(ctx context.Context, content string) (*okayapi.Response, error) {
	return s.c.Do(ctx, &okayapi.Request{Service: svcPut, Member: s.ms[0], Params: to(s.ms[1].UUID, text(content))}, nil)
}

// count reads how many notes ms[1] received: idempotent.
func (s *sdkFake) count() (*okayapi.Response, error) {
	return s.c.Do(s.t.Context(), &okayapi.Request{Service: svcCount, Member: s.ms[1], Idempotent: true}, nil)
}

// transportError returns err as a *okayapi.TransportError, failing if it is not one.
func transportError(t *testing.T, err error) *okayapi.TransportError {
	t.Helper()
	var te *okayapi.TransportError
	require.ErrorAs(t, err, &te)
	return te
}

// processed lists Requests' Processed.
func processed(reqs []RecordedRequest) []bool {
	out := make([]bool, len(reqs))
	for i, r := range reqs {
		out[i] = r.Processed
	}
	return out
}

// What okayapi.Client.Do, with retries on, makes of the faults over
// loopback, and what the server did meanwhile.
func TestFaultsThroughSDK(t *testing.T) {
	t.Parallel()
	const maxWait = 50 * time.Millisecond

	t.Run("reset-before: a Send is not repeated, nothing is done", func(t *testing.T) {
		t.Parallel()
		s := newSDKFake(t, maxWait)
		s.srv.InjectFault("", "reset-before", 1)
		_, err := s.put(t.Context(), "lost")
		te := transportError(t, err)
		assert.Equal(t, 0, te.StatusCode, "no answer")
		assert.Equal(t, 1, te.Attempts, "it may have arrived: not repeated")
		assert.True(t, te.MayHaveArrived)
		assert.True(t, okayapi.MayHaveArrived(err))
		assert.Empty(t, s.box.all(), "nothing was done")
		reqs := s.srv.Requests()
		require.Len(t, reqs, 1)
		assert.False(t, reqs[0].WorkDone)
	})
	for _, f := range []Fault{"502-early", "503-early", "504-early"} {
		t.Run(string(f)+": a Send is not repeated, and is done after the answer", func(t *testing.T) {
			t.Parallel()
			s := newSDKFake(t, maxWait, WithBackendDelay(0))
			s.srv.InjectFault("", f, 1)
			_, err := s.put(t.Context(), "later")
			te := transportError(t, err)
			k, _ := f.kind()
			assert.Equal(t, k.status, te.StatusCode)
			assert.Equal(t, 1, te.Attempts, "it may have arrived: not repeated")
			assert.True(t, okayapi.MayHaveArrived(err))
			s.srv.Drain()
			assert.Len(t, s.box.all(), 1, "the backend stored it once")
		})
	}
	t.Run("reset-before and drop-after look the same", func(t *testing.T) {
		t.Parallel()
		s := newSDKFake(t, maxWait)
		s.srv.InjectFault("", "reset-before", 1)
		_, errReset := s.put(t.Context(), "same")
		s.srv.InjectFault("", "drop-after", 1)
		_, errDrop := s.put(t.Context(), "same")
		require.Error(t, errReset)
		require.Error(t, errDrop)
		assert.Equal(t, errDrop.Error(), errReset.Error(), "the client cannot tell them apart")
		assert.Equal(t, transportError(t, errDrop), transportError(t, errReset))
		assert.Len(t, s.box.all(), 1, "only the drop-after call did its work")
		reqs := s.srv.Requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, []bool{false, true}, []bool{reqs[0].WorkDone, reqs[1].WorkDone})
	})
	t.Run("reset-before: an idempotent call is repeated", func(t *testing.T) {
		t.Parallel()
		s := newSDKFake(t, maxWait)
		s.srv.InjectFault("", "reset-before", 1)
		resp, err := s.count()
		require.NoError(t, err)
		assert.Equal(t, 2, resp.Attempts)
		assert.Equal(t, []bool{false, true}, processed(s.srv.Requests()))
	})
	for _, c := range []struct {
		fault  Fault
		status int
		title  string
	}{
		{"503-after", http.StatusServiceUnavailable, "503 Service Temporarily Unavailable"},
		{"504-after", http.StatusGatewayTimeout, "504 Gateway Time-out"},
	} {
		t.Run(string(c.fault)+": a Send is not repeated, its work is done", func(t *testing.T) {
			t.Parallel()
			s := newSDKFake(t, maxWait)
			s.srv.InjectFault("", c.fault, 1)
			_, err := s.put(t.Context(), "stored")
			te := transportError(t, err)
			assert.Equal(t, c.status, te.StatusCode)
			assert.Equal(t, 1, te.Attempts, "it may have arrived: not repeated")
			assert.True(t, te.MayHaveArrived)
			assert.Contains(t, te.Excerpt, c.title)
			require.Len(t, s.box.all(), 1, "stored once")
			reqs := s.srv.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, c.status, reqs[0].Status)
			assert.True(t, reqs[0].Processed)
			assert.True(t, reqs[0].WorkDone, "recorded as done")
		})
		t.Run(string(c.fault)+": an idempotent call is repeated", func(t *testing.T) {
			t.Parallel()
			s := newSDKFake(t, maxWait)
			s.srv.InjectFault("", c.fault, 1)
			resp, err := s.count()
			require.NoError(t, err)
			assert.Equal(t, 2, resp.Attempts)
			assert.Equal(t, []bool{true, true}, processed(s.srv.Requests()), "both attempts ran")
		})
	}
	t.Run("429: a Send is repeated and stored once", func(t *testing.T) {
		t.Parallel()
		s := newSDKFake(t, maxWait)
		s.srv.InjectFault("", "429", 1)
		resp, err := s.put(t.Context(), "once")
		require.NoError(t, err)
		assert.Equal(t, 2, resp.Attempts, "a 429 was turned away unprocessed: safe to repeat")
		require.Len(t, s.box.all(), 1)
		reqs := s.srv.Requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, []bool{false, true}, []bool{reqs[0].WorkDone, reqs[1].WorkDone})
		assert.Equal(t, []int{429, 200}, []int{reqs[0].Status, reqs[1].Status})
	})
	t.Run("429 every time: not delivered", func(t *testing.T) {
		t.Parallel()
		s := newSDKFake(t, maxWait)
		s.srv.InjectFault("", "429", 4) // the first attempt and 3 retries
		_, err := s.put(t.Context(), "never")
		require.ErrorIs(t, err, okayapi.ErrRateLimited)
		te := transportError(t, err)
		assert.Equal(t, http.StatusTooManyRequests, te.StatusCode)
		assert.Equal(t, 4, te.Attempts)
		assert.Zero(t, te.RetryAfter, "no Retry-After")
		assert.False(t, te.MayHaveArrived)
		assert.False(t, okayapi.MayHaveArrived(err))
		assert.Empty(t, s.box.all())
		assert.Equal(t, []bool{false, false, false, false}, processed(s.srv.Requests()))
	})
	t.Run("429-retry-after longer than the client waits", func(t *testing.T) {
		t.Parallel()
		s := newSDKFake(t, maxWait) // Retry-After: 1, a second, is past maxWait
		s.srv.InjectFault("", "429-retry-after", 1)
		_, err := s.put(t.Context(), "never")
		require.ErrorIs(t, err, okayapi.ErrRateLimited)
		te := transportError(t, err)
		assert.Equal(t, 1, te.Attempts, "the service asks for a longer wait than the client may take")
		assert.Equal(t, time.Second, te.RetryAfter)
		assert.False(t, te.MayHaveArrived)
		assert.Empty(t, s.box.all())
		assert.Equal(t, []bool{false}, processed(s.srv.Requests()))
	})
	t.Run("stall: a Send is not repeated, nothing is done", func(t *testing.T) {
		t.Parallel()
		s := newSDKFake(t, maxWait)
		s.srv.InjectFault("", "stall", 1)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		errc := make(chan error, 1)
		go func() {
			_, err := s.put(ctx, "never")
			errc <- err
		}()
		require.Eventually(t, func() bool { return s.srv.stalled.Load() == 1 }, 10*time.Second, 5*time.Millisecond,
			"the handler stalls")
		cancel()
		err := <-errc
		require.True(t, errors.Is(err, context.Canceled), "%v", err)
		assert.Equal(t, 1, transportError(t, err).Attempts)
		assert.True(t, okayapi.MayHaveArrived(err), "the client cannot know")
		require.Eventually(t, func() bool { return s.srv.stalled.Load() == 0 }, 5*time.Second, 10*time.Millisecond)
		assert.Empty(t, s.box.all(), "nothing was done")
		reqs := s.srv.Requests()
		require.Len(t, reqs, 1)
		assert.False(t, reqs[0].Processed)
		assert.False(t, reqs[0].WorkDone)
	})
}
