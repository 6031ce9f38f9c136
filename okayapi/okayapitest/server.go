// Package okayapitest is an in-process fake OkayAPI for tests and demos.
//
// A [Server] listens on a loopback address and answers like the hosted
// service: it checks the service name, the parameters, the app key, the
// signature (dynamic, static or none) and the member's login state in that
// order, and answers with the {ret, data, msg} envelope in PHP's JSON
// style. It implements App.User.Login, App.User.Register, Hello.World and
// the six calls of the private-message plugin (App.Market_ChatMessage.*),
// keeping messages, read flags and conversations in memory. With quirks on
// it also reproduces the service's PHP and MySQL habits: numbers as strings,
// empty objects as [], a debug field.
//
// Faults can be injected into the next calls (an nginx 502 page, a dropped
// connection after the call was processed, a stalled answer, a truncated
// answer, a PHP error page, an uncaught PHP exception after the call did its
// work as PhalApi answers it with debug mode off or on, a redirect before or
// after the work), and the server records the requests it saw
// (the last DefaultMaxRequests of them) and every message it stored, so
// that a test can check what really happened: for example that a message
// whose answer was lost was stored exactly once. With WithControlEndpoint,
// faults can also be injected over HTTP (POST /_fake/fault), into a fake
// that runs as its own process.
//
//	srv := okayapitest.NewServer(t)
//	alice := srv.AddMember(okayapitest.Profile{Username: "alice", Password: "pw"})
//	bob := srv.AddMember(okayapitest.Profile{Username: "bob", Nickname: "Bob"})
//	client, err := srv.Client()
//
// # What it checks and answers
//
// Calls may be GET or POST (urlencoded or multipart form, or the query);
// the body wins over the query for the same name. The service comes from the
// service parameter, then s, then the path (/api/App/Class/Action). The
// answer is always HTTP 200 with the envelope, unless a fault says
// otherwise. Checks, in order, with PhalApi's messages:
//
//	unknown service                  ret 404 非法请求：服务App.Nope.Nothing不存在
//	parameters, app_key first        ret 400 naming the parameter, e.g.
//	  (required, 32 characters or      客户端非法请求：缺少必要参数app_key
//	  more), then the call's own in    客户端非法请求：缺少必要参数other_uuid
//	  their declared order (required,  非法请求：other_uuid的长度不能小于32
//	  ranges, enums, JSON objects)
//	app_key not this app's           ret 406 客户端非法请求：非法app_key，请核对你所在的接口域名
//	signature (per SignMode)         ret 400 非法请求：签名错误 (also when sign is missing)
//	login (uuid + valid token)       ret 401 用户未登录，或登录凭证已过期
//	chat plugin not installed        ret 200, err_code 9
//
// So a wrong app key shorter than 32 characters answers the parameter 400,
// not 406 (okayapi.ErrBadRequest, not okayapi.ErrBadAppKey).
//
// This order follows PhalApi 2's source: ApiFactory resolves the service,
// then Api::init() runs createMemberValue() (the parameter rules, the
// common app_key rule first), filterCheck() (OkayAPI's filter: app key,
// then signature) and userCheck() (login), and the plugin checks that it is
// installed last. It is not verified against the hosted service, so code
// should not rely on which of two problems in one request is reported.
//
// The dynamic signature must match exactly (upper-case hex); member uuids
// are matched ignoring case, as MySQL would. Stored messages get ids 1, 2,
// 3, …; a message is read or unread for its recipient. TakeMessageList
// lists ascending by id: the newest page, the page after last_id (down) or
// the page before it (up); chat_message_io is "in" for a message the viewer
// sent and "out" for one it received, as the reference says. MarkAsReaded
// with chat_message_id 0 marks what the viewer received from other_uuid,
// otherwise that one message if the viewer received it from other_uuid.
// GetAllChatList has one row per conversation, newest first; GetAllUnreadNum
// answers unread_num. Send answers no id unless WithSendReturnsID.
//
// The server side is written independently of package okayapi's encoding
// and decoding, so that a test against it checks the SDK rather than
// agreeing with it. A Server is safe for concurrent use.
package okayapitest

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/sign"
)

// SignMode is how the fake app checks signatures.
type SignMode int

const (
	// SignDynamic checks the dynamic signature (sign.Compute with the app
	// secret over every received parameter except sign). It is the default.
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
	plugin     bool
	now        func() time.Time
	sendID     bool
	log        *slog.Logger
	control    bool
	maxReqs    int
	redirectTo string
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

// WithQuirks turns the PHP and MySQL habits on or off (default off): with
// them on, ids, flags and counts are written as strings ("id":"12"), empty
// objects as [] (and an object whose keys are "0", "1", … as a list, as
// PHP's json_decode/json_encode round trip does), refusals carry "data":[],
// and answers carry a debug field.
func WithQuirks(on bool) Option { return func(c *config) { c.quirks = on } }

// WithPlugin says whether the private-message plugin is installed (default
// true). When it is not, every chat call answers err_code 9.
func WithPlugin(installed bool) Option { return func(c *config) { c.plugin = installed } }

// WithClock sets the clock that dates stored messages (default time.Now).
// It is called with the server's lock held, once per stored message, so a
// stateful clock needs no locking of its own.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithSendReturnsID makes Send answer the new message's id as
// data.chat_message_id (default false: the reference documents no id).
func WithSendReturnsID(on bool) Option { return func(c *config) { c.sendID = on } }

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

// Server is a running fake OkayAPI app. Create it with [Start] or
// [NewServer]; stop it with Close.
type Server struct {
	cfg       config // fixed after Start
	ts        *httptest.Server
	done      chan struct{} // closed by Close: stalled handlers give up
	closeOnce sync.Once
	stalled   atomic.Int64 // handlers waiting in FaultStall

	mu       sync.Mutex
	quirks   bool
	plugin   bool
	members  map[string]*member // by upper-case uuid
	byName   map[string]*member
	messages []*message // messages[i].id == i+1
	faults   []pendingFault
	// requests holds the kept requests. Once it holds cfg.maxReqs of
	// them it is a ring: oldest is the index of the oldest one, which the
	// next request replaces.
	requests []RecordedRequest
	oldest   int
}

type member struct {
	uuid     string
	username string
	password string    // as App.User.Login compares it: md5 hex of the plain password
	ext      phpObject // ext_info
	tokens   map[string]bool
}

type message struct {
	id     int64
	from   string // sender uuid
	to     string // recipient uuid
	typ    string
	raw    []byte // chat_message_data as received
	data   any    // chat_message_data as PHP decoded it
	read   bool
	sentAt time.Time
}

type pendingFault struct {
	service string // canonical service, or "" for any
	fault   Fault
	left    int
}

// Start starts a fake app on a loopback address and returns it. Call Close
// when done.
func Start(opts ...Option) (*Server, error) {
	cfg := config{sign: SignDynamic, addr: "127.0.0.1:0", plugin: true, now: time.Now, maxReqs: DefaultMaxRequests}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if cfg.sign != SignDynamic && cfg.sign != SignStatic && cfg.sign != SignNone {
		return nil, fmt.Errorf("okayapitest: unknown sign mode %d", int(cfg.sign))
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.redirectTo == "" {
		cfg.redirectTo = DefaultRedirectLocation
	}
	if u, err := url.Parse(cfg.redirectTo); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("okayapitest: redirect location %q is not an absolute http or https URL", cfg.redirectTo)
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
		cfg:     cfg,
		done:    make(chan struct{}),
		quirks:  cfg.quirks,
		plugin:  cfg.plugin,
		members: map[string]*member{},
		byName:  map[string]*member{},
	}
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

// Close stops the server. Stalled calls give up at once. Close may be
// called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.ts.Close()
	})
}

// URL returns the base URL, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return s.ts.URL }

// AppKey returns the app key the server accepts.
func (s *Server) AppKey() string { return s.cfg.appKey }

// Secret returns the app secret in SignDynamic mode, or "".
func (s *Server) Secret() string {
	if s.cfg.sign != SignDynamic {
		return ""
	}
	return s.cfg.secret
}

// StaticSign returns the static sign value in SignStatic mode, or "".
func (s *Server) StaticSign() string {
	if s.cfg.sign != SignStatic {
		return ""
	}
	return s.cfg.staticSign
}

// SignMode returns how the server checks signatures.
func (s *Server) SignMode() SignMode { return s.cfg.sign }

// Client returns an okayapi.Client for this server: its URL, app key and
// the signer for its sign mode. opts are applied after those, so they can
// override them (a wrong secret, the path form, fast retries, …).
func (s *Server) Client(opts ...okayapi.Option) (*okayapi.Client, error) {
	var signer okayapi.Option
	switch s.cfg.sign {
	case SignStatic:
		signer = okayapi.WithSigner(sign.Static(s.cfg.staticSign))
	case SignNone:
		signer = okayapi.WithSigner(sign.None())
	default:
		signer = okayapi.WithSecret(s.cfg.secret)
	}
	return okayapi.New(s.URL(), s.cfg.appKey, append([]okayapi.Option{signer}, opts...)...)
}

// Profile describes a member to create with AddMember.
type Profile struct {
	Username string         // unique; a name is made up when empty
	Password string         // plain text; App.User.Login expects md5 hex of it
	Nickname string         // becomes ext_info.nickname
	Avatar   string         // becomes ext_info.yesapi_avatar
	Age      int            // becomes ext_info.age
	Extra    map[string]any // more ext_info fields; each value must marshal to JSON
}

// AddMember creates a member, logged in, and returns its uuid (32
// upper-case hex characters) and token (64). It panics if the username is
// taken or Extra does not marshal to JSON: both are mistakes in the test.
func (s *Server) AddMember(p Profile) okayapi.Member {
	ext := phpObject{
		{Key: "yesapi_avatar", Value: p.Avatar},
		{Key: "nickname", Value: p.Nickname},
		{Key: "age", Value: phpInt(p.Age)},
	}
	keys := make([]string, 0, len(p.Extra))
	for k := range p.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v, err := phpFromGo(p.Extra[k])
		if err != nil {
			panic(fmt.Sprintf("okayapitest: AddMember: Extra[%q] does not marshal to JSON: %v", k, err))
		}
		ext = ext.set(k, v)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := p.Username
	if name == "" {
		name = fmt.Sprintf("member%d", len(s.members)+1)
		for s.byName[name] != nil {
			name += "_"
		}
	}
	if s.byName[name] != nil {
		panic(fmt.Sprintf("okayapitest: AddMember: username %q is taken", name))
	}
	m := s.newMember(name, md5Hex(p.Password), ext)
	token := s.issueToken(m)
	return okayapi.Member{UUID: m.uuid, Token: token}
}

// newMember stores a new member; s.mu must be held.
func (s *Server) newMember(username, password string, ext phpObject) *member {
	m := &member{username: username, password: password, ext: ext, tokens: map[string]bool{}}
	for {
		m.uuid = randomHex(16)
		if s.members[m.uuid] == nil {
			break
		}
	}
	s.members[m.uuid] = m
	s.byName[username] = m
	return m
}

// issueToken gives m a new valid token; s.mu must be held.
func (s *Server) issueToken(m *member) string {
	t := randomHex(32)
	m.tokens[t] = true
	return t
}

// ExpireToken expires every token the member with this uuid holds: the next
// calls with them answer ret 401 until the member logs in again. An unknown
// uuid is ignored.
func (s *Server) ExpireToken(uuid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.members[strings.ToUpper(uuid)]; m != nil {
		clear(m.tokens)
	}
}

// SetPluginInstalled installs or uninstalls the private-message plugin.
// Stored messages are kept either way.
func (s *Server) SetPluginInstalled(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plugin = on
}

// SetQuirks turns the PHP and MySQL habits on or off (see WithQuirks).
func (s *Server) SetQuirks(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quirks = on
}

// Fault is a way for a call to misbehave; see InjectFault.
//
// Some faults answer before the call runs: nothing is done (FaultHTML502,
// FaultStall, FaultNonJSON, FaultRedirect307). The others run the call first,
// exactly as without the fault (a Send stores its message unless it is
// refused), and then spoil the answer; for those, Messages and Requests show
// what the call did (see RecordedRequest), whatever the client was told.
type Fault int

const (
	// FaultHTML502 answers HTTP 502 with an nginx HTML page; nothing is done.
	FaultHTML502 Fault = iota + 1
	// FaultDropAfter processes the call (a message IS stored), then closes
	// the connection without answering.
	FaultDropAfter
	// FaultStall waits until the client gives up (the request's context is
	// done), the server closes, or 30 seconds pass, then closes the
	// connection; nothing is done.
	FaultStall
	// FaultTruncate processes the call, then sends half of the JSON answer
	// under a Content-Length for all of it, and closes the connection.
	FaultTruncate
	// FaultNonJSON answers HTTP 200 with a plain-text PHP error; nothing is done.
	FaultNonJSON
	// FaultException500 is an uncaught PHP exception after the work is done,
	// with PhalApi's debug mode off (as in production): the call is
	// processed (a message IS stored), then the answer is HTTP 500 with an
	// empty body.
	FaultException500
	// FaultExceptionRet0 is an uncaught PHP exception after the work is
	// done, with PhalApi's debug mode on: the call is processed (a message
	// IS stored), then PhalApi catches the exception and answers HTTP 200
	// with an envelope whose ret is the exception's code, 0 here (a Redis
	// error), msg its message, data empty, and a debug object holding the
	// exception's trace and the stack. So ret 0 does not mean "nothing done".
	FaultExceptionRet0
	// FaultExceptionDB is FaultExceptionRet0 for a database error (a
	// PDOException after the work is done: a message IS stored): ret is
	// the SQLSTATE as a JSON string, "HY000", and msg PDO's text,
	// "SQLSTATE[HY000]: General error: 1205 Lock wait timeout exceeded; …".
	FaultExceptionDB
	// FaultRedirect307 answers HTTP 307 Temporary Redirect with an nginx
	// page and a Location header (see WithRedirectLocation); nothing is
	// done. A client that follows it sends the member's token and the
	// signature to another host.
	FaultRedirect307
	// FaultStoreThenRedirect processes the call (a message IS stored), then
	// answers HTTP 302 Found with a Location header (see
	// WithRedirectLocation) instead of the envelope.
	FaultStoreThenRedirect
)

// String returns the fault's short name, the one ParseFault reads:
// "html502", "drop-after", "stall", "truncate", "non-json", "exception",
// "exception-ret0", "exception-db", "redirect307" or "store-then-redirect".
// The zero Fault (no fault) is "none" and any other value "Fault(N)";
// ParseFault reads neither.
func (f Fault) String() string {
	switch {
	case f == 0:
		return "none"
	case f.valid():
		return faultNames[f]
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// valid reports whether f is one of the declared faults.
func (f Fault) valid() bool { return f >= FaultHTML502 && f <= FaultStoreThenRedirect }

// InjectFault makes the next n calls, to any service, misbehave with f.
// Faults injected earlier are used up first. It panics if n is less than 1
// or f is not one of the declared faults: either is a mistake in the test.
func (s *Server) InjectFault(f Fault, n int) { s.injectFault("InjectFault", "", f, n) }

// InjectFaultFor makes the next n calls to service (e.g.
// "App.Market_ChatMessage.Send"; "" for any) misbehave with f. Calls to
// other services are not affected and do not count. Like InjectFault, it
// panics if n is less than 1 or f is not one of the declared faults.
func (s *Server) InjectFaultFor(service string, f Fault, n int) {
	s.injectFault("InjectFaultFor", service, f, n)
}

func (s *Server) injectFault(method, service string, f Fault, n int) {
	if !f.valid() {
		panic(fmt.Sprintf("okayapitest: %s: unknown fault %s (want one of FaultHTML502 … FaultStoreThenRedirect)", method, f))
	}
	if n < 1 {
		panic(fmt.Sprintf("okayapitest: %s: n must be 1 or more, got %d", method, n))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if service != "" {
		service = canonical(service)
	}
	s.faults = append(s.faults, pendingFault{service: service, fault: f, left: n})
}

// takeFault uses up one pending fault that applies to service, if any.
func (s *Server) takeFault(service string) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := canonical(service)
	for i := range s.faults {
		pf := &s.faults[i]
		if pf.service != "" && pf.service != c {
			continue
		}
		f := pf.fault
		pf.left--
		if pf.left == 0 {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		return f
	}
	return 0
}

// RecordedRequest is one request as the server saw and answered it.
type RecordedRequest struct {
	Method  string     // GET or POST
	Path    string     // the URL path
	Query   url.Values // the URL query
	Form    url.Values // body + query merged as the server read them (one value per name, the body's winning)
	Service string     // as resolved from service, s or the path ("" if none)
	Status  int        // HTTP status answered (0 if the connection was dropped)
	// Ret and ErrCode are the envelope's ret and data.err_code, or 0 if
	// the call was not processed (FaultHTML502, FaultStall, FaultNonJSON,
	// FaultRedirect307). For the faults that process the call and then
	// spoil the answer (FaultDropAfter, FaultTruncate, FaultException500,
	// FaultExceptionRet0, FaultExceptionDB, FaultStoreThenRedirect) they
	// are those of the call's own result, which the client did not get:
	// ret 200 and err_code 0 for a Send that stored its message.
	Ret     int   // the envelope's ret
	ErrCode int   // the envelope's data.err_code
	Fault   Fault // 0 if none
}

// Requests returns a copy of the requests the server saw, oldest first: all
// of them, or the last DefaultMaxRequests (see WithMaxRequests).
func (s *Server) Requests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RecordedRequest, 0, len(s.requests))
	for _, part := range [2][]RecordedRequest{s.requests[s.oldest:], s.requests[:s.oldest]} {
		for _, r := range part {
			r.Query = cloneValues(r.Query)
			r.Form = cloneValues(r.Form)
			out = append(out, r)
		}
	}
	return out
}

// keepRequest adds rec to the kept requests, pushing out the oldest one if
// there are as many as the server keeps; s.mu must be held.
func (s *Server) keepRequest(rec RecordedRequest) {
	if s.cfg.maxReqs < 1 || len(s.requests) < s.cfg.maxReqs {
		s.requests = append(s.requests, rec)
		return
	}
	s.requests[s.oldest] = rec
	s.oldest = (s.oldest + 1) % len(s.requests)
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// StoredMessage is a message as the server keeps it.
type StoredMessage struct {
	ID     int64           // the message id, from 1
	From   string          // sender uuid
	To     string          // recipient uuid
	Type   string          // text/html/image/link/custom
	Data   json.RawMessage // chat_message_data exactly as received
	Read   bool            // read by the recipient
	SentAt time.Time       // when the server stored it (add_time)
}

// Messages returns a copy of every stored message, by id ascending.
func (s *Server) Messages() []StoredMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]StoredMessage, len(s.messages))
	for i, m := range s.messages {
		out[i] = StoredMessage{
			ID: m.id, From: m.from, To: m.to, Type: m.typ,
			Data: slices.Clone(m.raw), Read: m.read, SentAt: m.sentAt,
		}
	}
	return out
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
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
