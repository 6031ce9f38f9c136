package okayapitest

// These tests check the fake with a plain net/http client and their own
// signing code, not the SDK, so that the fake is checked independently of
// what it is used to test. The services they call are registered through
// Handle by the tests themselves (hello and box below), as a plugin's fake
// would register them.

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
)

// The public test vector from the wire notes.
const (
	vectorAppKey = "16BD4337FB1D355902E0502AFCBFD4DF"
	vectorSecret = "4c1402596e4cd017eeaO670df6f8B6783475b4ac8A32B4900f20abP2159711ad"
	vectorSign   = "908AA11EC46BB439184B64BA68315718"
)

// The test services.
const (
	svcHello = "Hello.World"
	svcPut   = "App.Test_Box.Put"   // login: stores a note for other_uuid
	svcCount = "App.Test_Box.Count" // login: how many notes the member received
	svcList  = "App.Test_Box.List"  // login: the notes the member received
	svcWhois = "App.Test_Box.Whois" // login: other_uuid's username and ext_info
	svcRules = "App.Test_Box.Rules" // one parameter rule of each kind
)

// handleHello registers Hello.World as the wire notes' test vector uses it.
func handleHello(srv *Server) {
	srv.Handle(Service{
		Name:   "App.Hello.World",
		Params: []Param{{Name: "name", Default: "PhalApi"}},
		Handler: func(c *Call) Answer {
			return Answer{Data: Object{{Key: "content", Value: "Hello " + c.String("name")}}}
		},
	})
}

// box is a small plugin: members leave each other notes.
type box struct {
	mu    sync.Mutex
	notes []note
}

type note struct {
	id       int64
	from, to string // uuids
	typ      string
	raw      string // data as received
	data     Object // data as PHP decoded it
	at       time.Time
}

var otherUUID = Param{Name: "other_uuid", Required: true, Min: "32", Max: "32"}

// handleBox registers the box services on srv and returns the box.
func handleBox(srv *Server) *box {
	b := &box{}
	srv.Handle(Service{
		Name: svcPut, Login: true,
		Params: []Param{
			otherUUID,
			{Name: "type", Type: "enum", Enum: []string{"text", "html"}, Required: true, Default: "text"},
			{Name: "data", Type: "object", Required: true},
		},
		Handler: b.put,
	})
	srv.Handle(Service{Name: svcCount, Login: true, Handler: b.count})
	srv.Handle(Service{Name: svcList, Login: true, Handler: b.list})
	srv.Handle(Service{Name: svcWhois, Login: true, Params: []Param{otherUUID}, Handler: whois})
	srv.Handle(Service{
		Name: svcRules,
		Params: []Param{
			{Name: "perpage", Type: "int", Default: "20", Min: "1", Max: "100"},
			{Name: "last_id", Type: "int", Default: "0", Min: "0"},
			{Name: "direction", Type: "enum", Enum: []string{"up", "down"}, Default: "down"},
			{Name: "to", Type: "list", Min: "1", Max: "3"},
			{Name: "code", Max: "4"},
		},
		Handler: func(c *Call) Answer {
			return OK(Field{Key: "perpage", Value: c.Int("perpage")}, Field{Key: "to", Value: len(strings.Split(c.String("to"), ","))})
		},
	})
	return b
}

func (b *box) put(c *Call) Answer {
	to := strings.ToUpper(c.String("other_uuid"))
	if to == c.User.UUID {
		return Fail(1, "not to yourself")
	}
	if _, ok := c.LookupUser(to); !ok {
		return Fail(2, "no such member")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	n := note{id: int64(len(b.notes) + 1), from: c.User.UUID, to: to, typ: c.String("type"),
		raw: c.String("data"), data: c.Object("data"), at: c.Now()}
	b.notes = append(b.notes, n)
	return OK(Field{Key: "id", Value: DBInt(n.id)})
}

func (b *box) received(uuid string) []note {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []note
	for _, n := range b.notes {
		if n.to == uuid {
			out = append(out, n)
		}
	}
	return out
}

func (b *box) count(c *Call) Answer {
	return OK(Field{Key: "count", Value: DBInt(len(b.received(c.User.UUID)))})
}

func (b *box) list(c *Call) Answer {
	items := []any{}
	for _, n := range b.received(c.User.UUID) {
		items = append(items, Object{{Key: "id", Value: DBInt(n.id)}, {Key: "data", Value: n.data}, {Key: "type", Value: n.typ}})
	}
	return OK(Field{Key: "list", Value: items}, Field{Key: "total", Value: DBInt(len(items))})
}

func whois(c *Call) Answer {
	u, ok := c.LookupUser(c.String("other_uuid"))
	if !ok {
		return Fail(2, "no such member")
	}
	return OK(Field{Key: "user", Value: Object{{Key: "username", Value: u.Username}, {Key: "ext_info", Value: u.ExtInfo}}})
}

// all returns a copy of the notes.
func (b *box) all() []note {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]note(nil), b.notes...)
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

var fixedTime = time.Date(2019, 8, 11, 9, 12, 2, 0, time.UTC)

// fake is one server with hello and box, and a plain HTTP client for it.
type fake struct {
	t   *testing.T
	srv *Server
	box *box
	hc  *http.Client
}

func newFake(t *testing.T, opts ...Option) *fake {
	t.Helper()
	opts = append([]Option{WithClock(func() time.Time { return fixedTime })}, opts...)
	srv := NewServer(t, opts...)
	handleHello(srv)
	// No keep-alive: a dropped connection is never a reused one, so the
	// transport never repeats a request by itself.
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	return &fake{t: t, srv: srv, box: handleBox(srv), hc: hc}
}

// reply is an answer and its envelope.
type reply struct {
	Status int
	Body   []byte
	Ret    int
	Msg    string
	Data   json.RawMessage
}

// code returns data.err_code.
func (r reply) code(t *testing.T) int {
	t.Helper()
	var d struct {
		ErrCode int `json:"err_code"`
	}
	require.NoError(t, json.Unmarshal(r.Data, &d), string(r.Body))
	return d.ErrCode
}

// into decodes data into v.
func (r reply) into(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Data, v), string(r.Body))
}

// params returns the common parameters of a signed call by who.
func (f *fake) params(service string, who okayapi.Member, extra url.Values) url.Values {
	p := url.Values{"s": {service}, "app_key": {f.srv.AppKey()}}
	if who.UUID != "" {
		p.Set("uuid", who.UUID)
		p.Set("token", who.Token())
	}
	for k, vs := range extra {
		p[k] = vs
	}
	switch {
	case f.srv.Secret() != "":
		p.Set("sign", wiretest.Sign(p, f.srv.Secret()))
	case f.srv.StaticSign() != "":
		p.Set("sign", f.srv.StaticSign())
	}
	return p
}

// call POSTs a signed call in the query form and expects an envelope.
func (f *fake) call(service string, who okayapi.Member, extra url.Values) reply {
	f.t.Helper()
	p := f.params(service, who, extra)
	p.Del("s")
	return f.do(http.MethodPost, "/?s="+url.QueryEscape(service), p)
}

// ok is call that expects ret 200 and err_code 0.
func (f *fake) ok(service string, who okayapi.Member, extra url.Values) reply {
	f.t.Helper()
	r := f.call(service, who, extra)
	require.Equal(f.t, 200, r.Ret, "%s: %s", service, r.Body)
	require.Equal(f.t, 0, r.code(f.t), "%s: %s", service, r.Body)
	return r
}

// do sends body as a form (or, for GET, nothing) to path and decodes the envelope.
func (f *fake) do(method, path string, body url.Values) reply {
	f.t.Helper()
	r := f.raw(method, path, body)
	require.Equal(f.t, http.StatusOK, r.Status, string(r.Body))
	var env struct {
		Ret  *int            `json:"ret"`
		Data json.RawMessage `json:"data"`
		Msg  string          `json:"msg"`
	}
	require.NoError(f.t, json.Unmarshal(r.Body, &env), string(r.Body))
	require.NotNil(f.t, env.Ret, string(r.Body))
	r.Ret, r.Msg, r.Data = *env.Ret, env.Msg, env.Data
	assert.NotEmpty(f.t, r.Msg, "msg is never empty")
	return r
}

// raw sends a request and returns the status and body, failing on a network error.
func (f *fake) raw(method, path string, body url.Values) reply {
	f.t.Helper()
	resp, err := f.send(context.Background(), method, path, body)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(f.t, err)
	return reply{Status: resp.StatusCode, Body: b}
}

func (f *fake) send(ctx context.Context, method, path string, body url.Values) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, f.srv.URL()+path, rd)
	require.NoError(f.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return f.hc.Do(req)
}

// text is a note's parameters with data {"content": s}.
func text(s string) url.Values {
	return url.Values{"type": {"text"}, "data": {`{"content":` + strconv.Quote(s) + `}`}}
}

func to(uuid string, v url.Values) url.Values {
	v.Set("other_uuid", uuid)
	return v
}

// members adds n members named m0, m1, …
func (f *fake) members(n int) []okayapi.Member {
	out := make([]okayapi.Member, n)
	for i := range out {
		out[i] = f.srv.AddMember(Account{Username: fmt.Sprintf("m%d", i), Password: "pw", Nickname: fmt.Sprintf("M%d", i), Age: 20 + i})
	}
	return out
}

// redirected is a redirect as a client that does not follow it sees it.
type redirected struct {
	status   int
	location string
	body     string
}

// noFollow POSTs body to target with a client that does not follow redirects.
func noFollow(t *testing.T, target string, body url.Values) redirected {
	t.Helper()
	hc := &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := hc.PostForm(target, body)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return redirected{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b)}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
