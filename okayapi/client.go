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
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/okayapi-go/sdk/sign"
)

// URLForm says how a call's service is put into the URL.
type URLForm int

const (
	// QueryForm addresses a call as POST {base}/?s=App.Market_ChatMessage.Send.
	// It is the default.
	QueryForm URLForm = iota
	// PathForm addresses a call as POST {base}/api/App/Market_ChatMessage/Send.
	// The service is still sent (and signed) as the s parameter.
	PathForm
)

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
	maxBody   int64
	closed    atomic.Bool
}

// clientKeys holds what signs the calls. Its secrets sit two pointers deep:
// fmt prints a Client value's pointer fields (with a verb such as %s, one
// level deep), but never deeper.
type clientKeys struct {
	secret *string // set by WithSecret; used to redact (the signer signs)
	signer sign.Signer
}

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

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		// No tz database on this machine: China has had no DST since 1991.
		return time.FixedZone("CST", 8*60*60)
	}
	return loc
}()

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
	}
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

// Location returns the time zone in which the service's times are read.
func (c *Client) Location() *time.Location { return c.loc }

// ParseTime reads a time as the service writes it ("2019-08-11 17:12:02", no
// zone) in the client's time zone. An empty string or an all-zero MySQL date
// gives the zero time.
func (c *Client) ParseTime(s string) (time.Time, error) {
	return ParseTime(s, c.loc)
}

// ParseTime reads a time as the service writes it ("2019-08-11 17:12:02", no
// zone) in loc; a nil loc means Asia/Shanghai, the service's own zone. It also
// accepts a date alone, RFC 3339, and Unix seconds as digits. An empty string
// or an all-zero MySQL date gives the zero time.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = shanghai
	}
	s = strings.TrimSpace(s)
	if s == "" || s == "0000-00-00 00:00:00" || s == "0000-00-00" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.DateTime, time.DateOnly, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006/01/02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if allDigits(s) {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			return time.Unix(n, 0).In(loc), nil
		}
	}
	return time.Time{}, errors.New("okayapi: cannot read time " + Excerpt([]byte(s), 40))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
