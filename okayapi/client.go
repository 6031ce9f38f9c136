// Package okayapi is the core client for OkayAPI (小白接口 / YesApi), the hosted
// backend-as-a-service.
//
// A [Client] knows the wire: how a call is addressed, signed, sent and
// answered. It turns the {ret, data, msg} envelope into typed results and typed
// errors, and decodes PHP-style JSON tolerantly. Plugin packages such as
// chatmsg build on [Client.Do]; any other OkayAPI service can be called through
// it too.
//
// A Client is safe for concurrent use. It holds no member state: the acting
// member's login state is a [Member] value passed with each call, so one Client
// serves many members at once.
package okayapi

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/okayapi-go/sdk/sign"
)

const (
	// DefaultTimeout bounds one HTTP attempt unless WithTimeout says otherwise.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxResponseSize caps how much of an answer is read.
	DefaultMaxResponseSize = 8 << 20
	// DefaultRetries is how many times a failed attempt may be repeated when
	// the retry table allows it.
	DefaultRetries = 2
	// DefaultUserAgent is sent unless WithUserAgent says otherwise.
	DefaultUserAgent = "okayapi-go-sdk/0.1"
)

// Client calls one OkayAPI app. Create it with [New].
//
// Whatever fmt verb prints a Client (or a Client value), it shows no secret:
// the app secret and the signer are kept behind a pointer.
type Client struct {
	base      *url.URL
	queryURL  string // base + "/"
	pathURL   string // base + "/api/"
	appKey    string
	keys      *clientKeys
	http      *retryablehttp.Client
	hc        *http.Client    // the caller's client (WithHTTPClient), or nil
	own       *http.Transport // the client's own transport, or nil
	timeout   time.Duration   // bounds one attempt when hc has no Timeout
	form      URLForm
	loc       *time.Location
	log       *slog.Logger
	userAgent string
	// userAgentHeader is userAgent as a header value, made once.
	userAgentHeader []string
	maxBody         int64
	limiter         Limiter // WithRateLimit or WithLimiter; nil: none
	closed          atomic.Bool
}

// clientKeys holds what signs the calls. Its secrets sit two pointers deep:
// fmt prints a Client value's pointer fields (with a verb such as %s, one
// level deep), but never deeper.
type clientKeys struct {
	secret *string // set by WithSecret; used to redact (the signer signs)
	signer sign.Signer
}

// New returns a client for the app at baseURL (for example
// "https://hn216.api.yesapi.cn") with the app key appKey.
func New(baseURL, appKey string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, &InvalidParamError{Field: "base URL", Rule: "must be an absolute http or https URL"}
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.User != nil {
		return nil, &InvalidParamError{Field: "base URL", Rule: "must not carry a query, fragment or user info"}
	}
	if appKey == "" {
		return nil, &InvalidParamError{Field: "app key", Rule: "must not be empty"}
	}
	for i := 0; i < len(appKey); i++ {
		if appKey[i] <= ' ' || appKey[i] >= 0x7F {
			return nil, &InvalidParamError{Field: "app key", Rule: "must be printable ASCII with no white space (a trailing newline from a file or an environment variable?)"}
		}
	}
	cfg := config{
		signer:    sign.None(),
		timeout:   DefaultTimeout,
		userAgent: DefaultUserAgent,
		loc:       shanghai,
		maxBody:   DefaultMaxResponseSize,
		retries:   DefaultRetries,
		retryWait: [2]time.Duration{200 * time.Millisecond, 2 * time.Second},
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	base := strings.TrimRight(u.String(), "/")
	c := &Client{
		base:      u,
		queryURL:  base + "/",
		pathURL:   base + "/api/",
		appKey:    appKey,
		keys:      &clientKeys{secret: &cfg.secret, signer: cfg.signer},
		hc:        cfg.hc,
		timeout:   cfg.timeout,
		form:      cfg.form,
		loc:       cfg.loc,
		log:       cfg.log,
		userAgent: cfg.userAgent,
		maxBody:   cfg.maxBody,
		limiter:   cfg.limiter,
	}
	c.userAgentHeader = []string{c.userAgent}
	if c.hc == nil {
		c.own = newTransport()
	}
	c.http = &retryablehttp.Client{
		// One http.Client layer. Its transport makes one attempt: it never
		// follows a redirect (CheckRedirect hands the 3xx back), bounds the
		// attempt with the timeout and reads the whole answer, so that a
		// body cut off or stalled mid-way is a failed attempt that the retry
		// table sees. It has no idle connections to close, so the retry
		// layer, which closes them after a call fails for good, cannot empty
		// a pool that other calls share.
		HTTPClient: &http.Client{
			Transport:     attempt{c},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Logger:       nil, // retryablehttp logs to stderr otherwise; we log through slog
		RetryWaitMin: cfg.retryWait[0],
		RetryWaitMax: cfg.retryWait[1],
		RetryMax:     cfg.retries,
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler, // keep the last answer to decode it
		RequestLogHook: func(_ retryablehttp.Logger, req *http.Request, attempt int) {
			if st, ok := req.Context().Value(callStateKey{}).(*callState); ok {
				st.attempts = attempt + 1
			}
		},
	}
	return c, nil
}

// String describes the client without its secrets: base URL, app key, URL
// form and signer kind.
func (c *Client) String() string {
	return fmt.Sprintf("okayapi.Client{%s, app key %s, %s form, %s}", c.base.Redacted(), c.appKey, c.form, signerKind(c.keys.signer))
}

// signerKind names a signer without printing it: a signer of the caller's
// own might print its secret.
func signerKind(s sign.Signer) string {
	name := fmt.Sprintf("%T", s)
	if str, ok := s.(fmt.Stringer); ok && (strings.HasPrefix(name, "sign.") || strings.HasPrefix(name, "*sign.")) {
		return str.String() // the sign package's own signers never print a secret
	}
	return "signer " + name
}

// GoString hides the secrets from %#v.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb, so that no verb shows a secret.
func (c *Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue hides the secrets from slog.
func (c *Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

// maxIdleConnsPerHost lets one client serve many members at once without
// opening a new connection per call (net/http's default keeps 2).
const maxIdleConnsPerHost = 64

// newTransport is a transport of the client's own: net/http's defaults with
// more idle connections per host. When http.DefaultTransport has been
// replaced (a test mocking it, say), it returns nil, so that the client uses
// the replacement as it is at each call.
func newTransport() *http.Transport {
	dt, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil
	}
	t := dt.Clone()
	t.MaxIdleConns = max(t.MaxIdleConns, 4*maxIdleConnsPerHost)
	t.MaxIdleConnsPerHost = maxIdleConnsPerHost
	return t
}

// Close releases the client's idle connections and makes later calls fail
// with ErrClosed before sending anything. Calls in flight finish. With
// WithHTTPClient, the caller's client is left as it is. Close is safe to call
// more than once and concurrently with calls.
func (c *Client) Close() error {
	c.closed.Store(true)
	if c.own != nil {
		c.own.CloseIdleConnections()
	}
	return nil
}

// AppKey returns the app key the client sends.
func (c *Client) AppKey() string { return c.appKey }

// BaseURL returns the app's base URL.
func (c *Client) BaseURL() string { return c.base.String() }

// AttemptTimeout returns how long one HTTP attempt may take: WithTimeout's
// value, or the Timeout of WithHTTPClient's client when it has one.
func (c *Client) AttemptTimeout() time.Duration {
	_, d := c.transport()
	return d
}

// Location returns the time zone in which the service's times are read.
func (c *Client) Location() *time.Location { return c.loc }
