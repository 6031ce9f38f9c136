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
// Whatever prints a Client, it shows no secret: fmt's verbs, and
// reflection-based printers (testify's and go-cmp's diffs, spew), which see
// only closures where the app secret and the signer are.
type Client struct {
	base     *url.URL
	queryURL string // base + "/"
	pathURL  string // base + "/api/"
	appKey   string
	keys     *clientKeys
	// net returns what sends: behind a closure, so that a reflective dump
	// of a Client cannot reach net/http's idle connections, whose buffers
	// hold the bytes of past requests (tokens, signatures).
	net       func() *netParts
	timeout   time.Duration // bounds one attempt when hc has no Timeout
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

// netParts is what sends a Client's calls.
type netParts struct {
	http *retryablehttp.Client
	hc   *http.Client    // the caller's client (WithHTTPClient), or nil
	own  *http.Transport // the client's own transport, or nil
}

// clientKeys holds what signs the calls, behind closures: a reflective dump
// shows a func's address, never what it captured.
type clientKeys struct {
	sign   func(url.Values) string // the signer's Sign
	secret func() string           // WithSecret's secret, to redact; "" when none
	kind   string                  // what String says of the signer
}

func newClientKeys(secret string, signer sign.Signer) *clientKeys {
	return &clientKeys{sign: signer.Sign, secret: func() string { return secret }, kind: signerKind(signer)}
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
		keys:      newClientKeys(cfg.secret, cfg.signer),
		timeout:   cfg.timeout,
		form:      cfg.form,
		loc:       cfg.loc,
		log:       cfg.log,
		userAgent: cfg.userAgent,
		maxBody:   cfg.maxBody,
		limiter:   cfg.limiter,
	}
	c.userAgentHeader = []string{c.userAgent}
	np := &netParts{hc: cfg.hc}
	c.net = func() *netParts { return np }
	if np.hc == nil {
		np.own = newTransport()
	}
	np.http = &retryablehttp.Client{
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
	return fmt.Sprintf("okayapi.Client{%s, app key %s, %s form, %s}", c.base.Redacted(), c.appKey, c.form, c.keys.kind)
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
	if own := c.net().own; own != nil {
		own.CloseIdleConnections()
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
