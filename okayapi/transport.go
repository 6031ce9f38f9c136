package okayapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// attempt is the transport under the retry layer: one call to RoundTrip is
// one HTTP attempt. It sends through the current transport (the caller's
// client's, as it is now, or the client's own), bounds the attempt with the
// timeout, and reads the whole answer, at most maxBody bytes, before it
// returns: a body cut off or stalled mid-way fails the attempt, which the
// retry table then sees like any network error.
type attempt struct{ c *Client }

// RoundTrip makes one attempt. The response it returns has its body in memory.
func (a attempt) RoundTrip(req *http.Request) (*http.Response, error) {
	if l := a.c.limiter; l != nil {
		if err := l.Wait(req.Context()); err != nil {
			return nil, &notSentError{err}
		}
	}
	rt, timeout := a.c.transport()
	ctx, cancel := context.WithTimeout(req.Context(), timeout)
	defer cancel()
	resp, err := rt.RoundTrip(req.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	body, err := readBody(resp, a.c.maxBody)
	resp.Body.Close()
	if err != nil {
		return nil, &bodyError{status: resp.StatusCode, header: resp.Header, partial: body, err: err}
	}
	resp.Body = &memBody{b: body}
	return resp, nil
}

// transport returns the transport and the timeout for the next attempt.
func (c *Client) transport() (http.RoundTripper, time.Duration) {
	timeout := c.timeout
	np := c.net()
	var rt http.RoundTripper
	switch {
	case np.hc != nil:
		rt = np.hc.Transport
		if np.hc.Timeout > 0 {
			timeout = np.hc.Timeout
		}
	case np.own != nil:
		rt = np.own
	}
	if rt == nil {
		rt = http.DefaultTransport
	}
	return rt, timeout
}

// readBody reads at most max bytes of resp's body; a longer one is
// ErrResponseTooLarge, found out from Content-Length before reading when it
// is announced. An announced body is read into one buffer of that size; one
// without Content-Length (chunked) into pooled chunks, then copied once into
// a buffer of its exact size, so that it costs its size once rather than the
// sum of a growing buffer's copies.
func readBody(resp *http.Response, max int64) ([]byte, error) {
	if resp.ContentLength > max {
		return nil, ErrResponseTooLarge
	}
	if resp.ContentLength < 0 {
		return readChunks(resp.Body, max)
	}
	b := make([]byte, 0, resp.ContentLength+1) // +1: room to see EOF without growing
	for {
		if len(b) == cap(b) {
			if int64(len(b)) > max {
				return nil, ErrResponseTooLarge
			}
			b = append(b, 0)[:len(b)] // grow
		}
		n, err := resp.Body.Read(b[len(b):min(cap(b), int(max)+1)])
		b = b[:len(b)+n]
		if int64(len(b)) > max {
			return nil, ErrResponseTooLarge
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// chunkSize is the size of readChunks' pooled buffers.
const chunkSize = 32 << 10

// chunkPool holds readChunks' buffers (*[chunkSize]byte).
var chunkPool = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// readChunks reads r to EOF, at most max bytes, into pooled chunks and
// answers a copy of exactly what it read (also with an error, as the part
// read). The chunks are cleared before they go back to the pool.
func readChunks(r io.Reader, max int64) ([]byte, error) {
	var chunks []*[chunkSize]byte
	total, last := int64(0), 0 // last: bytes in the last chunk
	defer func() {
		for _, c := range chunks {
			clear(c[:])
			chunkPool.Put(c)
		}
	}()
	join := func() []byte {
		out := make([]byte, 0, total)
		for i, c := range chunks {
			if i == len(chunks)-1 {
				return append(out, c[:last]...)
			}
			out = append(out, c[:]...)
		}
		return out
	}
	for {
		if len(chunks) == 0 || last == chunkSize {
			chunks = append(chunks, chunkPool.Get().(*[chunkSize]byte))
			last = 0
		}
		c, end := chunks[len(chunks)-1], chunkSize
		if rem := max - total; rem < int64(chunkSize-last) {
			end = last + int(rem) + 1 // one byte past max: enough to see it is too long
		}
		n, err := r.Read(c[last:end])
		last += n
		total += int64(n)
		if total > max {
			return nil, ErrResponseTooLarge
		}
		if err == io.EOF {
			return join(), nil
		}
		if err != nil {
			return join(), err
		}
	}
}

// memBody is an answer's body, read already.
type memBody struct {
	b   []byte
	off int
}

// Read reads from the body in memory.
func (m *memBody) Read(p []byte) (int, error) {
	if m.off >= len(m.b) {
		return 0, io.EOF
	}
	n := copy(p, m.b[m.off:])
	m.off += n
	return n, nil
}

// Close does nothing: the body is in memory.
func (*memBody) Close() error { return nil }

// bodyError is an attempt whose answer began (so the request reached a
// server) but whose body could not be read whole.
type bodyError struct {
	status  int
	header  http.Header
	partial []byte // what was read before the failure
	err     error
}

func (e *bodyError) Error() string { return "reading the answer: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// roundTrip sends the request and returns the answer's body, read whole
// inside the attempt (see attempt).
func (cl *call) roundTrip(hreq *retryablehttp.Request, st *callState) (*Response, []byte, error) {
	service := cl.req.Service
	hresp, err := cl.c.net().http.Do(hreq)
	if err != nil {
		if hresp != nil {
			hresp.Body.Close()
		}
		// checkRetry saw every attempt; an error that is not a *url.Error did
		// not come from an attempt (the wait between attempts was cut short).
		arrived := st.mayHaveArrived
		var ue *url.Error
		if errors.As(err, &ue) && !neverSent(err) {
			arrived = true
		}
		r := cl.redactor()
		te := &TransportError{Service: service, Attempts: st.attempts, MayHaveArrived: arrived, Err: r.err(cleanURLError(err))}
		var be *bodyError
		if errors.As(err, &be) {
			te.StatusCode, te.Err = be.status, r.err(be.err)
			te.Excerpt = r.unreadExcerpt(be.partial)
		}
		return nil, nil, te
	}
	defer hresp.Body.Close()
	var raw []byte
	if mb, ok := hresp.Body.(*memBody); ok {
		raw = mb.b
	} else if raw, err = io.ReadAll(io.LimitReader(hresp.Body, cl.c.maxBody+1)); err != nil || int64(len(raw)) > cl.c.maxBody {
		// Not reached: attempt reads every body. Kept so that a change
		// there cannot turn into an unbounded read here.
		return nil, nil, &TransportError{Service: service, StatusCode: hresp.StatusCode, Attempts: st.attempts, MayHaveArrived: true, Err: ErrResponseTooLarge}
	}
	resp := &Response{Service: service, StatusCode: hresp.StatusCode, Attempts: st.attempts, arrived: st.mayHaveArrived, decodeError: cl.decodeError}
	if d, ok := retryAfter(hresp.Header.Get("Retry-After")); ok {
		resp.retryAfter = d
	}
	if hresp.StatusCode >= 300 && hresp.StatusCode < 400 {
		r := cl.redactor()
		return resp, nil, &TransportError{
			Service: service, StatusCode: hresp.StatusCode, Attempts: st.attempts,
			MayHaveArrived: true, Err: ErrRedirect,
			Location: r.redact(redirectHost(cl.c.base, hresp.Header.Get("Location"))),
			Excerpt:  r.unreadExcerpt(raw),
		}
	}
	return resp, raw, nil
}

// redirectHost names where a redirect pointed: the host only, since the rest
// of the URL may carry what was sent.
func redirectHost(base *url.URL, location string) string {
	if location == "" {
		return "(no Location)"
	}
	u, err := base.Parse(location)
	if err != nil || u.Host == "" {
		return "(unreadable Location)"
	}
	return u.Host
}

// notSentError is an attempt given up before anything was sent (the rate
// limiter's wait ended with the context).
type notSentError struct{ err error }

func (e *notSentError) Error() string {
	return "not sent: waiting for the rate limit: " + e.err.Error()
}
func (e *notSentError) Unwrap() error { return e.err }
