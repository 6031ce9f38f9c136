package cassette

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/sign"
)

// Mode says where a cassette's answers come from.
type Mode int

const (
	// Replay answers every call from the files; nothing leaves the
	// process, and a call without a recording fails the test.
	Replay Mode = iota
	// Record sends every call to the real app and writes every exchange
	// down. New starts the cassette afresh: the recordings already in the
	// directory are deleted first (hand-written exchanges, whose sidecar
	// has no recorded time, are kept).
	Record
	// RecordMissing replays the calls that have a recording and sends the
	// others to the real app, recording them.
	RecordMissing
)

// String returns "replay", "record" or "missing", as envMode spells them.
func (m Mode) String() string {
	switch m {
	case Replay:
		return "replay"
	case Record:
		return "record"
	case RecordMissing:
		return "missing"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// envMode is the environment variable that overrides the mode a test
// chooses: record, replay or missing (RecordMissing). Unset or empty, it
// changes nothing; any other value fails the test.
const envMode = "OKAYAPI_CASSETTE"

// The environment variables that name the app to record from when WithApp
// does not: the ones okchat and fakeserver use.
const (
	envHost   = "OKAYAPI_HOST"
	envAppKey = "OKAYAPI_APP_KEY"
	envSecret = "OKAYAPI_APP_SECRET"
)

// replayHost is the made-up host of a replaying client: .invalid never
// resolves.
const replayHost = "https://okayapi-cassette.invalid"

// App is an OkayAPI app: where it is, its key, and its secret ("" for an
// app that does not sign dynamically: then signatures are not checked).
type App struct {
	BaseURL string // e.g. https://hn216.api.yesapi.cn
	AppKey  string // the app_key sent with every call
	Secret  string // the app secret that signs calls dynamically; "" for none
}

// An Option configures a cassette.
type Option func(*config)

type config struct {
	mode      Mode
	ignoreEnv bool
	app       *App
	secrets   []string
	files     []string
}

// WithMode sets the test's mode (default Replay); envMode overrides it
// unless IgnoreEnv is given.
func WithMode(m Mode) Option { return func(c *config) { c.mode = m } }

// IgnoreEnv makes the mode WithMode's whatever envMode says: for a cassette
// that is a fixture rather than a recording of the developer's app (a
// hand-written one, or one recorded from an in-process fake).
func IgnoreEnv() Option { return func(c *config) { c.ignoreEnv = true } }

// WithApp sets the app: in Record and RecordMissing modes the one calls go
// to (its key and secret are hidden in what is written); in Replay mode the
// one the client pretends to call, whose secret the signatures are checked
// with. Without it, recording uses OKAYAPI_HOST, OKAYAPI_APP_KEY and
// OKAYAPI_APP_SECRET, and replay a made-up host with the public test
// vector's key and secret (docs/wire.md).
func WithApp(app App) Option { return func(c *config) { c.app = &app } }

// RecordFrom records from a server the test runs, such as the SDK's fake
// (*okayapitest.Server): Record mode, with the server's URL, key and secret
// as the app (WithApp), whatever OKAYAPI_CASSETTE says (IgnoreEnv). It is
// the one option a test needs to turn a session with the fake into a
// cassette:
//
//	cas := cassette.New(t, dir, cassette.RecordFrom(srv))
func RecordFrom(srv interface {
	URL() string
	AppKey() string
	Secret() string
}) Option {
	return func(c *config) {
		c.mode, c.ignoreEnv = Record, true
		c.app = &App{BaseURL: srv.URL(), AppKey: srv.AppKey(), Secret: srv.Secret()}
	}
}

// WithSecrets names more values that must never be written (plain-text
// passwords, say): each is replaced by REDACTED-SECRET wherever it appears.
// Values shorter than 8 bytes are not replaced: they would mangle ordinary
// text.
func WithSecrets(values ...string) Option {
	return func(c *config) { c.secrets = append(c.secrets, values...) }
}

// WithFiles replays only the named answer files (paths in the cassette's
// directory, such as "send/success.json"), each with its sidecar if it has
// one: a test picks the recordings it needs from a shared directory of
// fixtures.
func WithFiles(names ...string) Option {
	return func(c *config) { c.files = append(c.files, names...) }
}

func apply(opts []Option) config {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return cfg
}

// modeFor resolves the mode: the test's, unless getenv(envMode) overrides it.
func modeFor(cfg config, getenv func(string) string) (Mode, error) {
	if cfg.ignoreEnv {
		return cfg.mode, nil
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv(envMode))); v {
	case "":
		return cfg.mode, nil
	case "replay":
		return Replay, nil
	case "record":
		return Record, nil
	case "missing", "record-missing", "recordmissing":
		return RecordMissing, nil
	default:
		return 0, fmt.Errorf("%s=%q: want record, replay or missing", envMode, v)
	}
}

// appFor resolves the app for a mode; ok is false when a recording mode
// has no app to record from.
func appFor(cfg config, mode Mode, getenv func(string) string) (app App, ok bool) {
	if cfg.app != nil {
		return *cfg.app, true
	}
	if mode != Replay {
		env := App{
			BaseURL: strings.TrimSpace(getenv(envHost)),
			AppKey:  strings.TrimSpace(getenv(envAppKey)),
			Secret:  strings.TrimSpace(getenv(envSecret)),
		}
		if env.BaseURL != "" && env.AppKey != "" {
			return env, true
		}
	}
	return App{BaseURL: replayHost, AppKey: wiretest.VectorAppKey, Secret: wiretest.VectorSecret}, mode == Replay
}

// Cassette is a test's cassette: an http.Client whose answers come from a
// directory of recordings, or go to the real app and are recorded there.
// Make it with New.
type Cassette struct {
	t    testing.TB
	mode Mode
	app  App
	hc   *http.Client
}

// New opens the cassette in dir for t, in the mode the options and envMode
// give. It fails t at once if the cassette cannot be read, if envMode holds
// an unknown mode, or if Record mode has no app to record from; later, each
// call without a recording, or wrongly signed, fails t (and the call). In
// Record mode the recordings already in dir are deleted first: give each
// test a directory of its own.
func New(t testing.TB, dir string, opts ...Option) *Cassette {
	t.Helper()
	return newCassette(t, dir, os.Getenv, opts...)
}

func newCassette(t testing.TB, dir string, getenv func(string) string, opts ...Option) *Cassette {
	t.Helper()
	cfg := apply(opts)
	mode, err := modeFor(cfg, getenv)
	if err != nil {
		t.Fatalf("cassette %s: %v", dir, err)
	}
	app, haveApp := appFor(cfg, mode, getenv)
	if mode == Record && !haveApp {
		t.Fatalf("cassette %s: record mode needs the app to record from: WithApp, or %s and %s (and %s) in the environment",
			dir, envHost, envAppKey, envSecret)
	}
	files := cfg.files
	if mode == Record {
		files = nil
	}
	xs, err := load(dir, files)
	if err != nil {
		t.Fatalf("%v", err)
	}
	if mode == Record {
		if xs, err = removeRecorded(dir, xs); err != nil {
			t.Fatalf("%v", err)
		}
	}
	e := newEngine(dir, xs)
	e.appSecret = app.Secret
	e.m.setKey(app)
	e.hideApp(app, cfg.secrets)
	e.fail = func(msg string) { t.Errorf("%s", msg) }
	e.logf = t.Logf
	c := &Cassette{t: t, mode: mode, app: app}

	var real *http.Transport
	if mode != Replay && haveApp {
		if dt, ok := http.DefaultTransport.(*http.Transport); ok {
			real = dt.Clone()
		} else {
			real = &http.Transport{Proxy: http.ProxyFromEnvironment}
		}
		t.Cleanup(real.CloseIdleConnections)
	}
	switch mode {
	case Record:
		c.hc = &http.Client{Transport: roundTripper(func(req *http.Request) (*http.Response, error) { return e.record(req, real) })}
	default:
		var next http.RoundTripper
		if real != nil {
			next = real
		}
		switch {
		case mode == Replay && !cfg.ignoreEnv:
			e.hint = fmt.Sprintf("\n(to record what is missing: %s=missing with the app in %s, %s and %s)", envMode, envHost, envAppKey, envSecret)
		case mode == RecordMissing && next == nil:
			e.hint = fmt.Sprintf("\n(no app to record it from: set %s, %s and %s, or use WithApp)", envHost, envAppKey, envSecret)
		}
		mt := httpmock.NewMockTransport()
		mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) { return e.replay(req, next) })
		c.hc = &http.Client{Transport: mt}
	}
	return c
}

// Mode returns the cassette's mode, after envMode.
func (c *Cassette) Mode() Mode { return c.mode }

// App returns the app the cassette's client calls (see WithApp).
func (c *Cassette) App() App { return c.app }

// HTTPClient returns the cassette's own http.Client, for
// okayapi.WithHTTPClient: in Replay mode an httpmock transport answers from
// the files; in Record mode a real transport sends and the answers are
// written down; in RecordMissing mode both.
func (c *Cassette) HTTPClient() *http.Client { return c.hc }

// Client returns an okayapi.Client on the cassette: App's base URL and key,
// WithSecret(App's secret) (or no signature when it has none), the
// cassette's http.Client, then opts, which may override any of them. It
// fails the test if okayapi.New refuses the options, and closes the client
// when the test ends.
func (c *Cassette) Client(opts ...okayapi.Option) *okayapi.Client {
	c.t.Helper()
	signing := okayapi.WithSigner(sign.None())
	if c.app.Secret != "" {
		signing = okayapi.WithSecret(c.app.Secret)
	}
	all := append([]okayapi.Option{signing, okayapi.WithHTTPClient(c.hc)}, opts...)
	cl, err := okayapi.New(c.app.BaseURL, c.app.AppKey, all...)
	if err != nil {
		c.t.Fatalf("cassette: %v", err)
	}
	c.t.Cleanup(func() { _ = cl.Close() })
	return cl
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
