package okayapitest

import (
	"fmt"
	"log/slog"
	"time"
)

// SignMode is how the fake app checks signatures.
type SignMode int

const (
	// SignDynamic checks the dynamic signature of docs/wire.md with the app
	// secret over every parameter except sign, as PHP reads them (names
	// rewritten, in ksort's order), with the fake's own code rather than
	// package sign. It is the default.
	SignDynamic SignMode = iota
	// SignStatic checks that sign equals the app's fixed static value.
	SignStatic
	// SignNone checks no signature.
	SignNone
)

// String returns "dynamic", "static" or "none".
func (m SignMode) String() string {
	switch m {
	case SignDynamic:
		return "dynamic"
	case SignStatic:
		return "static"
	case SignNone:
		return "none"
	}
	return fmt.Sprintf("SignMode(%d)", int(m))
}

// An Option configures a Server.
type Option func(*config)

type config struct {
	sign       SignMode
	addr       string
	appKey     string
	secret     string
	staticSign string
	quirks     bool
	now        func() time.Time
	log        *slog.Logger
	control    bool
	maxReqs    int
	redirectTo string
	retryAfter int // seconds

	backendDelay time.Duration
}

// WithSignMode sets how signatures are checked (default SignDynamic).
func WithSignMode(m SignMode) Option { return func(c *config) { c.sign = m } }

// WithAddr sets the listen address (default "127.0.0.1:0"). It must be a
// loopback address: 127.0.0.0/8, ::1 or localhost.
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithAppKey sets the app key (default: 32 random upper-case hex characters).
// It must be at least 32 characters long, as the app_key parameter rule
// requires; Start refuses a shorter one.
func WithAppKey(key string) Option { return func(c *config) { c.appKey = key } }

// WithSecret sets the app secret used in SignDynamic mode (default: 64
// random letters and digits).
func WithSecret(secret string) Option { return func(c *config) { c.secret = secret } }

// WithStaticSign sets the sign value expected in SignStatic mode (default:
// 32 random upper-case hex characters).
func WithStaticSign(value string) Option { return func(c *config) { c.staticSign = value } }

// WithQuirks turns the PHP and MySQL habits on or off (default on, as the
// production service has them; a test about something else may turn them
// off): with them on, DBInt values are written as strings ("id":"12"), empty objects
// as [] (and an object whose keys are "0", "1", … as a list, as PHP's
// json_decode/json_encode round trip does), refusals carry "data":[], and
// answers carry a debug field.
func WithQuirks(on bool) Option { return func(c *config) { c.quirks = on } }

// WithClock sets the server's clock (default time.Now), which services read
// with Call.Now. It is called with the server's lock held, so a stateful
// clock needs no locking of its own.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithLogger logs every request the server answers (method, service, HTTP
// status, ret, err_code, fault; never parameters, tokens or signatures) to l.
// Nil, the default, is silent.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// DefaultMaxRequests is how many requests a Server keeps for Requests
// unless WithMaxRequests says otherwise.
const DefaultMaxRequests = 10000

// WithMaxRequests sets how many requests the server keeps for Requests
// (default DefaultMaxRequests): past n, each new request pushes out the
// oldest, so that a long-running fake does not grow without bound. n < 1
// keeps every request.
func WithMaxRequests(n int) Option { return func(c *config) { c.maxReqs = n } }

// DefaultRedirectLocation is where the redirect faults (FaultRedirect307,
// FaultStoreThenRedirect) send the client unless WithRedirectLocation says
// otherwise: a loopback port where nothing listens, so that a client that
// follows the redirect fails to connect.
const DefaultRedirectLocation = "http://127.0.0.1:1/"

// WithRedirectLocation sets the Location header of the redirect faults
// (default DefaultRedirectLocation), exactly as given. It must be an
// absolute http or https URL; Start refuses anything else. Pointing it at a
// server of the test's own shows whether a client follows the redirect.
func WithRedirectLocation(location string) Option { return func(c *config) { c.redirectTo = location } }

// DefaultRetryAfter is the Retry-After header, in seconds, of
// Fault429RetryAfter unless WithRetryAfter says otherwise.
const DefaultRetryAfter = 1

// WithRetryAfter sets the Retry-After header, in whole seconds, that
// Fault429RetryAfter answers (default DefaultRetryAfter). 0 is allowed
// ("Retry-After: 0": retry at once); Start refuses a negative value.
func WithRetryAfter(seconds int) Option { return func(c *config) { c.retryAfter = seconds } }

// WithControlEndpoint turns on (default off) an HTTP endpoint that injects
// faults into the running server from outside the process, e.g. with curl
// while a command-line client talks to it (Server.ControlURL is its URL):
//
//	POST /_fake/fault?kind=drop-after&service=App.Market_ChatMessage.Send&n=1
//
// kind is a fault's name as Fault.UnmarshalText reads it, "none" excepted
// (required); service is the service the fault applies to (optional: any
// service); n is how many calls misbehave (optional: 1). The parameters may
// be in the query or in an urlencoded body. The endpoint works as
// InjectFaultFor and answers 204 No Content; it answers 400 with a
// plain-text reason naming the parameter for a missing, repeated, unknown or
// bad parameter. GET lists the faults, one a line: its name and what it
// does. It answers 405 for a method other than POST and GET, 404 for another path
// under /_fake/, and 403 to a client whose address is not a loopback one.
// Its requests are not recorded and no fault applies to them.
func WithControlEndpoint(on bool) Option { return func(c *config) { c.control = on } }

// defaultBackendDelay is how long after an early gateway fault's answer
// the backend runs the call, unless WithBackendDelay says otherwise.
const defaultBackendDelay = time.Second

// WithBackendDelay sets how long after an early gateway fault
// (Fault502Early, Fault503Early, Fault504Early) has answered the backend
// runs the call (default 1 second). Start refuses a negative
// delay.
func WithBackendDelay(d time.Duration) Option { return func(c *config) { c.backendDelay = d } }
