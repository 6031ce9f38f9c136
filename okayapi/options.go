package okayapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/okayapi-go/sdk/sign"
	"golang.org/x/time/rate"
)

// URLForm says how a call's service is put into the URL.
type URLForm int

// String returns "query" or "path".
func (f URLForm) String() string {
	switch f {
	case QueryForm:
		return "query"
	case PathForm:
		return "path"
	}
	return fmt.Sprintf("URLForm(%d)", int(f))
}

const (
	// QueryForm addresses a call as POST {base}/?s=App.Market_ChatMessage.Send.
	// It is the default.
	QueryForm URLForm = iota
	// PathForm addresses a call as POST {base}/api/App/Market_ChatMessage/Send.
	// The service is still sent (and signed) as the s parameter.
	PathForm
)

// An Option configures a Client.
type Option func(*config) error

type config struct {
	secret    string
	signer    sign.Signer
	hc        *http.Client
	timeout   time.Duration
	userAgent string
	form      URLForm
	loc       *time.Location
	log       *slog.Logger
	maxBody   int64
	retries   int
	retryWait [2]time.Duration
	limiter   Limiter
}

// WithSecret signs every call dynamically with the app secret. The secret
// never travels and never appears in logs or errors.
func WithSecret(secret string) Option {
	return func(c *config) error {
		if secret == "" {
			return &InvalidParamError{Field: "app secret", Rule: "must not be empty (use WithSigner(sign.None()) for an unsigned app)"}
		}
		c.signer = sign.Dynamic(secret)
		c.secret = secret
		return nil
	}
}

// WithSigner sets how calls are signed: sign.Dynamic, sign.Static or sign.None.
// Without WithSigner or WithSecret, calls are unsigned. For dynamic signing
// prefer WithSecret: only then does the client know the secret, and so can
// hide it should the service ever echo it back in an answer.
func WithSigner(s sign.Signer) Option {
	return func(c *config) error {
		if s == nil {
			return &InvalidParamError{Field: "signer", Rule: "must not be nil"}
		}
		c.signer = s
		return nil
	}
}

// WithHTTPClient sends calls through hc's Transport, as it is at each call
// (so that a test can mock it, even after New; nil means
// http.DefaultTransport). hc.Timeout, when set, bounds each attempt instead
// of WithTimeout. hc.CheckRedirect and hc.Jar are not used: the client never
// follows a redirect, whatever hc would do (OkayAPI never redirects, and
// following one would carry the member's token and the signature to another
// host), and OkayAPI sets no cookies. hc is never changed, and its idle
// connections are never closed by the client, not even by Close.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return &InvalidParamError{Field: "http client", Rule: "must not be nil"}
		}
		c.hc = hc
		return nil
	}
}

// WithTimeout bounds each HTTP attempt. The call's context bounds the whole
// call, retries included.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return &InvalidParamError{Field: "timeout", Rule: "must be positive"}
		}
		c.timeout = d
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		c.userAgent = ua
		return nil
	}
}

// WithURLForm chooses the query form (the default) or the path form.
func WithURLForm(f URLForm) Option {
	return func(c *config) error {
		if f != QueryForm && f != PathForm {
			return &InvalidParamError{Field: "url form", Rule: "must be QueryForm or PathForm"}
		}
		c.form = f
		return nil
	}
}

// WithLocation sets the time zone in which the service's zone-less times are
// read. The default is Asia/Shanghai (UTC+8).
func WithLocation(loc *time.Location) Option {
	return func(c *config) error {
		if loc == nil {
			return &InvalidParamError{Field: "location", Rule: "must not be nil"}
		}
		c.loc = loc
		return nil
	}
}

// WithLogger logs each call (service, attempt, status, ret, err_code, time
// taken; never parameters, tokens or signatures) to l. Nil, the default, is silent.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.log = l
		return nil
	}
}

// WithMaxResponseSize caps the size of an answer; a larger one fails with a
// *TransportError wrapping ErrResponseTooLarge.
func WithMaxResponseSize(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return &InvalidParamError{Field: "max response size", Rule: "must be positive"}
		}
		c.maxBody = n
		return nil
	}
}

// WithRetries sets how many times a failed attempt may be repeated when the
// retry table (see [Client.Do]) allows it, waiting between min and max with
// exponential backoff. An answer whose Retry-After header asks for a longer
// wait than max is not retried. WithRetries(0, 0, 0) turns retries off.
// Without it, a client repeats an attempt up to DefaultRetries times,
// waiting between 200 ms and 2 s.
func WithRetries(n int, minWait, maxWait time.Duration) Option {
	return func(c *config) error {
		if n < 0 {
			return &InvalidParamError{Field: "retries", Rule: "must be 0 or more"}
		}
		if minWait < 0 || maxWait < minWait {
			return &InvalidParamError{Field: "retry wait", Rule: "must satisfy 0 <= min <= max"}
		}
		c.retries = n
		c.retryWait = [2]time.Duration{minWait, maxWait}
		return nil
	}
}

// Limiter decides when a request may go out: Wait blocks until it may, or
// fails when the context ends first (or would end before). *rate.Limiter
// from golang.org/x/time/rate is one; a limiter shared by many processes
// (through Redis, say) is another:
//
//	type sharedLimiter struct{ … }
//	func (l *sharedLimiter) Wait(ctx context.Context) error { … take a token, or wait … }
type Limiter interface {
	Wait(ctx context.Context) error
}

// WithRateLimit caps the client at perSecond HTTP requests a second on
// average, with bursts of up to burst, retries included: a call waits for
// its turn within its context, and one whose context ends first fails with a
// *TransportError that says nothing was sent.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(c *config) error {
		if perSecond <= 0 || burst < 1 {
			return &InvalidParamError{Field: "rate limit", Rule: "must be a positive rate with a burst of 1 or more"}
		}
		c.limiter = rate.NewLimiter(rate.Limit(perSecond), burst)
		return nil
	}
}

// WithLimiter makes every HTTP request, retries included, wait for l first,
// so that many clients or processes can share one quota through a limiter of
// your choosing. It replaces WithRateLimit.
func WithLimiter(l Limiter) Option {
	return func(c *config) error {
		if l == nil {
			return &InvalidParamError{Field: "limiter", Rule: "must not be nil"}
		}
		c.limiter = l
		return nil
	}
}
