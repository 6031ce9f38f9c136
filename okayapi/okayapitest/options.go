package okayapitest

import (
	"log/slog"
	"time"
)

// signMode is how the fake app checks signatures.
type signMode int

const (
	signDynamic signMode = iota // docs/wire.md's signature with the app secret (the default)
	signStatic                  // sign equals the app's fixed value
	signNone                    // no signature checked
)

// An Option configures a Server.
type Option func(*config)

type config struct {
	sign       signMode
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

	backendDelay time.Duration
}

// WithAddr sets the listen address (default "127.0.0.1:0"). It must be a
// loopback address: 127.0.0.0/8, ::1 or localhost.
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithAppKey sets the app key (default: 32 random upper-case hex characters).
// It must be at least 32 characters long, as the app_key parameter rule
// requires; Start refuses a shorter one.
func WithAppKey(key string) Option { return func(c *config) { c.appKey = key } }

// WithSecret makes the app check the dynamic signature of docs/wire.md
// with secret ("": 64 random letters and digits, as without any of these
// options; see Server.Secret): over every parameter except sign, as PHP reads them
// (names rewritten, in ksort's order), with the fake's own code rather
// than package sign. Of WithSecret, WithStaticSign and WithoutSign, the
// last given wins.
func WithSecret(secret string) Option {
	return func(c *config) { c.sign, c.secret = signDynamic, secret }
}

// WithStaticSign makes the app check that sign equals value, the app's
// static signature ("": 32 random upper-case hex characters; see
// Server.StaticSign).
func WithStaticSign(value string) Option {
	return func(c *config) { c.sign, c.staticSign = signStatic, value }
}

// WithoutSign makes the app check no signature, as an app whose signing
// is turned off.
func WithoutSign() Option { return func(c *config) { c.sign = signNone } }

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

// WithMaxRequests sets how many requests the server keeps for Requests
// (default 10000): past n, each new request pushes out the oldest, so that
// a long-running fake does not grow without bound. n < 1 keeps every
// request.
func WithMaxRequests(n int) Option { return func(c *config) { c.maxReqs = n } }

// defaultMaxRequests is how many requests a Server keeps unless
// WithMaxRequests says otherwise.
const defaultMaxRequests = 10000

// WithRedirectLocation sets the Location header of the redirect faults
// (redirect307, store-then-redirect), exactly as given (default
// "http://127.0.0.1:1/", a loopback port where nothing listens, so that a
// client that follows the redirect fails to connect). It must be an
// absolute http or https URL; Start refuses anything else. Pointing it at
// a server of the test's own shows whether a client follows the redirect.
func WithRedirectLocation(location string) Option { return func(c *config) { c.redirectTo = location } }

// defaultRedirectLocation is where the redirect faults send the client
// unless WithRedirectLocation says otherwise.
const defaultRedirectLocation = "http://127.0.0.1:1/"

// retryAfter is the Retry-After header, in seconds, of 429-retry-after.
const retryAfter = 1

// WithControlEndpoint turns on (default off) an HTTP endpoint that injects
// faults into the running server from outside the process, e.g. with curl
// while a command-line client talks to it, at Server.URL() + "/_fake/fault":
//
//	POST /_fake/fault?kind=drop-after&service=App.Market_ChatMessage.Send&n=1
//
// kind is a fault's name (see Fault), in any case (required); service is
// the service the fault applies to (optional: any service); n is how many
// calls misbehave (optional: 1). The parameters may be in the query or in
// an urlencoded body. The endpoint works as
// InjectFault and answers 204 No Content; it answers 400 with a
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
// (502-early, 503-early, 504-early) has answered the backend
// runs the call (default 1 second). Start refuses a negative
// delay.
func WithBackendDelay(d time.Duration) Option { return func(c *config) { c.backendDelay = d } }
