package okayapitest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/sign"
)

// Server is a running fake OkayAPI app. Create it with [Start] or
// [NewServer]; stop it with Close. A Server is safe for concurrent use.
type Server struct {
	cfg       config // fixed after Start
	ts        *httptest.Server
	done      chan struct{} // closed by Close: stalled handlers give up
	closeOnce sync.Once
	stalled   atomic.Int64 // handlers waiting in the stall fault

	mu sync.Mutex
	// backendCalls counts the calls an early gateway fault left to the
	// backend that it has not run yet; backendIdle (on mu) is broadcast
	// when it drops to 0.
	backendCalls int
	backendIdle  sync.Cond
	services     map[string]*service // by canonical name
	members      map[string]*member  // by upper-case uuid
	byName       map[string]*member
	faults       []pendingFault
	// requests holds the kept requests. Once it holds cfg.maxReqs of
	// them it is a ring: oldest is the index of the oldest one, which the
	// next request replaces.
	requests []RecordedRequest
	seqs     []uint64 // seqs[i] is requests[i]'s number, for setResult
	lastSeq  uint64
	oldest   int
}

// Start starts a fake app on a loopback address and returns it. The app
// answers App.User.Login and App.User.Register; add other services with
// Handle. Call Close when done.
func Start(opts ...Option) (*Server, error) {
	cfg := config{addr: "127.0.0.1:0", now: time.Now, maxReqs: defaultMaxRequests, backendDelay: defaultBackendDelay, quirks: true}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.redirectTo == "" {
		cfg.redirectTo = defaultRedirectLocation
	}
	if u, err := url.Parse(cfg.redirectTo); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("okayapitest: redirect location %q is not an absolute http or https URL", cfg.redirectTo)
	}
	if cfg.backendDelay < 0 {
		return nil, fmt.Errorf("okayapitest: backend delay %v: must be 0 or more", cfg.backendDelay)
	}
	if cfg.appKey == "" {
		cfg.appKey = randomHex(16)
	}
	if len(cfg.appKey) < int(appKeyRule.min) {
		return nil, fmt.Errorf("okayapitest: app key %q is shorter than %d characters: every call would be refused", cfg.appKey, appKeyRule.min)
	}
	if cfg.secret == "" {
		cfg.secret = randomAlnum(64)
	}
	if cfg.staticSign == "" {
		cfg.staticSign = randomHex(16)
	}
	ln, err := listenLoopback(cfg.addr)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		done:     make(chan struct{}),
		services: map[string]*service{},
		members:  map[string]*member{},
		byName:   map[string]*member{},
	}
	s.backendIdle.L = &s.mu
	s.handleUserServices()
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.ts.Listener.Close() // the default 127.0.0.1:0 one; ours honours WithAddr
	s.ts.Listener = ln
	s.ts.Start()
	return s, nil
}

// NewServer starts a fake app for a test: it fails t if the server cannot
// start, and closes the server when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("okayapitest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// listenLoopback listens on addr after checking that it is a loopback address.
func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("okayapitest: listen address %q: %w", addr, err)
	}
	notLoopback := fmt.Errorf("okayapitest: listen address %q is not a loopback address (use 127.0.0.1, ::1 or localhost)", addr)
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, notLoopback
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("okayapitest: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, notLoopback
	}
	return ln, nil
}

// Close stops the server. Stalled calls give up at once, and calls left
// to the backend by an early gateway fault are dropped (the backend went
// down before running them). Close may be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.ts.Close()
		s.Drain()
	})
}

// URL returns the base URL, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return s.ts.URL }

// AppKey returns the app key the server accepts.
func (s *Server) AppKey() string { return s.cfg.appKey }

// Secret returns the app secret if the app checks the dynamic signature
// (the default; see WithSecret), or "".
func (s *Server) Secret() string {
	if s.cfg.sign != signDynamic {
		return ""
	}
	return s.cfg.secret
}

// StaticSign returns the static signature if the app checks one (see
// WithStaticSign), or "".
func (s *Server) StaticSign() string {
	if s.cfg.sign != signStatic {
		return ""
	}
	return s.cfg.staticSign
}

// Client returns an okayapi.Client for this server: its URL, app key and
// the signer for the signature it checks. opts are applied after those, so they can
// override them (a wrong secret, the path form, fast retries, …).
func (s *Server) Client(opts ...okayapi.Option) (*okayapi.Client, error) {
	var signer okayapi.Option
	switch s.cfg.sign {
	case signStatic:
		signer = okayapi.WithSigner(sign.Static(s.cfg.staticSign))
	case signNone:
		signer = okayapi.WithSigner(sign.None())
	default:
		signer = okayapi.WithSecret(s.cfg.secret)
	}
	return okayapi.New(s.URL(), s.cfg.appKey, append([]okayapi.Option{signer}, opts...)...)
}

// NewClient is srv.Client for a test: it fails t if the client cannot be
// made (an option refused it), and closes the client when the test ends.
func NewClient(t testing.TB, srv *Server, opts ...okayapi.Option) *okayapi.Client {
	t.Helper()
	c, err := srv.Client(opts...)
	if err != nil {
		t.Fatalf("okayapitest: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(errors.New("okayapitest: no randomness: " + err.Error()))
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

const alnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func randomAlnum(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(errors.New("okayapitest: no randomness: " + err.Error()))
	}
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}
