package okayapi

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// checkRetry applies the retry table documented on Do. retryablehttp calls it
// after every attempt, so it also keeps count of whether any attempt may have
// reached the service.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st, _ := ctx.Value(callStateKey{}).(*callState)
	if st == nil {
		st = &callState{}
	}
	if err != nil && !neverSent(err) || err == nil && resp.StatusCode != http.StatusTooManyRequests {
		st.mayHaveArrived = true
	}
	if ctx.Err() != nil {
		return false, nil
	}
	if err != nil {
		if errors.Is(err, ErrResponseTooLarge) {
			return false, nil // the same answer would come again
		}
		return st.idempotent || neverSent(err), nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if d, ok := retryAfter(resp.Header.Get("Retry-After")); ok && d > c.net().http.RetryWaitMax {
			return false, nil // the service asks for a longer wait than we may take
		}
		// 429 means the call was turned away unprocessed: safe to repeat.
		return st.idempotent || resp.StatusCode == http.StatusTooManyRequests, nil
	}
	return false, nil
}

// backoff waits as Retry-After asks, or exponentially from minWait with
// jitter (between half and all of the step, never below minWait, so that
// callers that failed together do not retry together), never longer than
// maxWait. A minWait of 0 retries at once.
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
			return min(d, maxWait)
		}
	}
	if minWait <= 0 {
		return 0 // WithRetries(n, 0, max): retry at once
	}
	d := maxWait
	if attempt < 32 && minWait<<attempt > 0 && minWait<<attempt < maxWait {
		d = minWait << attempt
	}
	low := max(minWait, d/2)
	if d <= low {
		return d
	}
	return low + rand.N(d-low+1)
}

// retryAfter reads a Retry-After header: delay seconds or an HTTP date.
func retryAfter(h string) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(math.MaxInt64/time.Second) {
			return math.MaxInt64, true
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// neverSent reports whether err proves the request never left this machine:
// the connection (or the name look-up before it) failed.
//
// Only the transport's own dial error counts, directly under the client's
// url.Error: a transport that follows redirects or retries by itself (an
// http.Client, a retrying RoundTripper) wraps the dial error of its last hop,
// and an earlier hop may have reached a server.
func neverSent(err error) bool {
	if ue, ok := err.(*url.Error); ok {
		err = ue.Err
	}
	switch e := err.(type) {
	case *net.OpError:
		return e.Op == "dial"
	case *net.DNSError, *notSentError:
		return true
	}
	return false
}

// cleanURLError drops *url.Error's URL (it names the host and service, which
// the TransportError already has) and keeps the cause.
func cleanURLError(err error) error {
	for {
		ue, ok := err.(*url.Error)
		if !ok {
			return err
		}
		err = ue.Err
	}
}
