package okayapitest

// These tests check the fake with a plain net/http client and their own
// signing code, not the SDK, so that the fake is checked independently of
// what it is used to test.

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
)

// The public test vector from WIRE.md.
const (
	vectorAppKey = "16BD4337FB1D355902E0502AFCBFD4DF"
	vectorSecret = "4c1402596e4cd017eeaO670df6f8B6783475b4ac8A32B4900f20abP2159711ad"
	vectorSign   = "908AA11EC46BB439184B64BA68315718"
)

const (
	svcSend     = "App.Market_ChatMessage.Send"
	svcMulti    = "App.Market_ChatMessage.MultiSend"
	svcTake     = "App.Market_ChatMessage.TakeMessageList"
	svcMark     = "App.Market_ChatMessage.MarkAsReaded"
	svcChatList = "App.Market_ChatMessage.GetAllChatList"
	svcUnread   = "App.Market_ChatMessage.GetAllUnreadNum"
)

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

var fixedTime = time.Date(2019, 8, 11, 9, 12, 2, 0, time.UTC) // 17:12:02 in Shanghai

// fake is one server and a plain HTTP client for it.
type fake struct {
	t   *testing.T
	srv *Server
	hc  *http.Client
}

func newFake(t *testing.T, opts ...Option) *fake {
	t.Helper()
	opts = append([]Option{WithClock(func() time.Time { return fixedTime })}, opts...)
	srv := NewServer(t, opts...)
	// No keep-alive: a dropped connection is never a reused one, so the
	// transport never repeats a request by itself.
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	return &fake{t: t, srv: srv, hc: hc}
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
		p.Set("token", who.Token)
	}
	for k, vs := range extra {
		p[k] = vs
	}
	switch f.srv.SignMode() {
	case SignDynamic:
		p.Set("sign", wiretest.Sign(p, f.srv.Secret()))
	case SignStatic:
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

func text(s string) url.Values {
	return url.Values{"chat_message_type": {"text"}, "chat_message_data": {`{"content":` + strconv.Quote(s) + `}`}}
}

func to(uuid string, v url.Values) url.Values {
	v.Set("other_uuid", uuid)
	return v
}

// members adds n members named m0, m1, …
func (f *fake) members(n int) []okayapi.Member {
	out := make([]okayapi.Member, n)
	for i := range out {
		out[i] = f.srv.AddMember(Profile{Username: fmt.Sprintf("m%d", i), Password: "pw", Nickname: fmt.Sprintf("M%d", i), Age: 20 + i})
	}
	return out
}

func TestWireVectorHelloWorld(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithAppKey(vectorAppKey), WithSecret(vectorSecret))
	base := url.Values{"s": {"Hello.World"}, "name": {"dogstar"}, "app_key": {vectorAppKey}}
	require.Equal(t, vectorSign, wiretest.Sign(base, vectorSecret), "the test's own signer agrees with WIRE.md")

	t.Run("POST form", func(t *testing.T) {
		t.Parallel()
		body := url.Values{"name": {"dogstar"}, "app_key": {vectorAppKey}, "sign": {vectorSign}}
		r := f.do(http.MethodPost, "/?s=Hello.World", body)
		assert.Equal(t, 200, r.Ret)
		assert.JSONEq(t, `{"content":"Hello dogstar"}`, string(r.Data))
		assert.Equal(t, "V2.5.1 YesApi Hello.World", r.Msg)
	})
	t.Run("GET query", func(t *testing.T) {
		t.Parallel()
		q := url.Values{"s": {"Hello.World"}, "name": {"dogstar"}, "app_key": {vectorAppKey}, "sign": {vectorSign}}
		r := f.do(http.MethodGet, "/?"+q.Encode(), nil)
		assert.Equal(t, 200, r.Ret)
		assert.JSONEq(t, `{"content":"Hello dogstar"}`, string(r.Data))
	})
	for name, bad := range map[string]string{
		"altered":    "908AA11EC46BB439184B64BA68315719",
		"lower case": strings.ToLower(vectorSign),
		"empty":      "",
	} {
		t.Run("sign "+name, func(t *testing.T) {
			t.Parallel()
			body := url.Values{"name": {"dogstar"}, "app_key": {vectorAppKey}}
			if bad != "" {
				body.Set("sign", bad)
			}
			r := f.do(http.MethodPost, "/?s=Hello.World", body)
			assert.Equal(t, 400, r.Ret)
			assert.Equal(t, "非法请求：签名错误", r.Msg)
		})
	}
	t.Run("signed value altered", func(t *testing.T) {
		t.Parallel()
		body := url.Values{"name": {"dogstar2"}, "app_key": {vectorAppKey}, "sign": {vectorSign}}
		r := f.do(http.MethodPost, "/?s=Hello.World", body)
		assert.Equal(t, 400, r.Ret)
	})
}

func TestRetErrors(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(2)
	alice, bob := ms[0], ms[1]
	expired := f.srv.AddMember(Profile{Username: "gone"})
	f.srv.ExpireToken(expired.UUID)

	type tc struct {
		name    string
		service string
		who     okayapi.Member
		params  url.Values
		mutate  func(url.Values) // after signing
		ret     int
		msg     string
	}
	long := strings.Repeat("A", 33)
	uuids201 := make([]string, 201)
	for i := range uuids201 {
		uuids201[i] = bob.UUID
	}
	cases := []tc{
		{name: "missing app_key", service: svcSend, who: alice, params: to(bob.UUID, text("hi")),
			mutate: func(p url.Values) { p.Del("app_key") }, ret: 400, msg: "客户端非法请求：缺少必要参数app_key"},
		{name: "wrong app_key", service: svcSend, who: alice, params: to(bob.UUID, text("hi")),
			mutate: func(p url.Values) { p.Set("app_key", strings.Repeat("0", 32)) }, ret: 406, msg: "客户端非法请求：非法app_key，请核对你所在的接口域名"},
		{name: "short app_key", service: svcSend, who: alice, params: to(bob.UUID, text("hi")),
			mutate: func(p url.Values) { p.Set("app_key", strings.Repeat("0", 31)) }, ret: 400, msg: "非法请求：app_key的长度不能小于32"},
		{name: "wrong app_key before a bad sign", service: svcSend, who: alice, params: to(bob.UUID, text("hi")),
			mutate: func(p url.Values) { p.Set("app_key", strings.Repeat("0", 32)); p.Set("sign", "X") },
			ret:    406, msg: "客户端非法请求：非法app_key，请核对你所在的接口域名"},
		{name: "wrong app_key before login", service: svcUnread,
			mutate: func(p url.Values) { p.Set("app_key", strings.Repeat("0", 32)) }, ret: 406, msg: "非法app_key"},
		{name: "missing param before a wrong app_key", service: svcSend, who: alice, params: text("hi"),
			mutate: func(p url.Values) { p.Set("app_key", strings.Repeat("0", 32)) }, ret: 400, msg: "客户端非法请求：缺少必要参数other_uuid"},
		{name: "missing app_key before a missing param", service: svcSend, who: alice, params: text("hi"),
			mutate: func(p url.Values) { p.Del("app_key") }, ret: 400, msg: "客户端非法请求：缺少必要参数app_key"},
		{name: "unknown service", service: "App.Nope.Nothing", who: alice,
			ret: 404, msg: "非法请求：服务App.Nope.Nothing不存在"},
		{name: "unknown service before a bad sign", service: "App.Nope.Nothing",
			mutate: func(p url.Values) { p.Set("sign", "X") }, ret: 404},
		{name: "unknown service before a missing app_key", service: "App.Nope.Nothing",
			mutate: func(p url.Values) { p.Del("app_key") }, ret: 404, msg: "非法请求：服务App.Nope.Nothing不存在"},
		{name: "unknown service before a wrong app_key", service: "App.Nope.Nothing",
			mutate: func(p url.Values) { p.Set("app_key", "X") }, ret: 404},
		{name: "missing sign", service: svcSend, who: alice, params: to(bob.UUID, text("hi")),
			mutate: func(p url.Values) { p.Del("sign") }, ret: 400, msg: "非法请求：签名错误"},
		{name: "param changed after signing", service: svcSend, who: alice, params: to(bob.UUID, text("hi")),
			mutate: func(p url.Values) { p.Set("chat_message_data", `{"content":"bye"}`) }, ret: 400, msg: "非法请求：签名错误"},
		{name: "missing param before a bad sign", service: svcSend, who: alice, params: text("hi"),
			mutate: func(p url.Values) { p.Set("sign", "X") }, ret: 400, msg: "客户端非法请求：缺少必要参数other_uuid"},
		{name: "params in declared order", service: svcSend, who: alice,
			params: url.Values{"chat_message_type": {"video"}}, ret: 400, msg: "客户端非法请求：缺少必要参数other_uuid"},
		{name: "bad sign before login", service: svcUnread,
			mutate: func(p url.Values) { p.Set("sign", "X") }, ret: 400, msg: "非法请求：签名错误"},
		{name: "missing other_uuid", service: svcSend, who: alice, params: text("hi"),
			ret: 400, msg: "客户端非法请求：缺少必要参数other_uuid"},
		{name: "missing other_uuid before login", service: svcSend, params: text("hi"),
			ret: 400, msg: "客户端非法请求：缺少必要参数other_uuid"},
		{name: "short other_uuid", service: svcSend, who: alice, params: to("ABC", text("hi")),
			ret: 400, msg: "非法请求：other_uuid的长度不能小于32"},
		{name: "long other_uuid", service: svcTake, who: alice, params: url.Values{"other_uuid": {long}},
			ret: 400, msg: "非法请求：other_uuid的长度不能大于32"},
		{name: "bad type", service: svcSend, who: alice,
			params: url.Values{"other_uuid": {bob.UUID}, "chat_message_type": {"video"}, "chat_message_data": {`{}`}},
			ret:    400, msg: "非法请求：参数chat_message_type应该为：text/html/image/link/custom，但现在chat_message_type = video"},
		{name: "missing data", service: svcSend, who: alice, params: url.Values{"other_uuid": {bob.UUID}},
			ret: 400, msg: "客户端非法请求：缺少必要参数chat_message_data"},
		{name: "data not JSON", service: svcSend, who: alice,
			params: url.Values{"other_uuid": {bob.UUID}, "chat_message_data": {`{content:1}`}}, ret: 400, msg: "chat_message_data"},
		{name: "data a JSON list", service: svcSend, who: alice,
			params: url.Values{"other_uuid": {bob.UUID}, "chat_message_data": {`["a"]`}}, ret: 400, msg: "chat_message_data"},
		{name: "data a JSON string", service: svcMulti, who: alice,
			params: url.Values{"other_uuid": {bob.UUID}, "chat_message_data": {`"a"`}}, ret: 400, msg: "chat_message_data"},
		{name: "201 recipients", service: svcMulti, who: alice,
			params: to(strings.Join(uuids201, ","), text("hi")), ret: 400, msg: "非法请求：other_uuid的个数不能大于200"},
		{name: "perpage over 100", service: svcTake, who: alice, params: url.Values{"other_uuid": {bob.UUID}, "perpage": {"101"}},
			ret: 400, msg: "非法请求：参数perpage的值不能大于100"},
		{name: "perpage 0", service: svcChatList, who: alice, params: url.Values{"perpage": {"0"}},
			ret: 400, msg: "非法请求：参数perpage的值不能小于1"},
		{name: "perpage not a number", service: svcChatList, who: alice, params: url.Values{"perpage": {"many"}},
			ret: 400, msg: "非法请求：参数perpage的值不能小于1"},
		{name: "page over 100", service: svcChatList, who: alice, params: url.Values{"page": {"101"}},
			ret: 400, msg: "非法请求：参数page的值不能大于100"},
		{name: "negative last_id", service: svcTake, who: alice, params: url.Values{"other_uuid": {bob.UUID}, "last_id": {"-1"}},
			ret: 400, msg: "非法请求：参数last_id的值不能小于0"},
		{name: "bad direction", service: svcTake, who: alice, params: url.Values{"other_uuid": {bob.UUID}, "direction": {"left"}},
			ret: 400, msg: "非法请求：参数direction应该为：up/down，但现在direction = left"},
		{name: "negative chat_message_id", service: svcMark, who: alice, params: url.Values{"other_uuid": {bob.UUID}, "chat_message_id": {"-3"}},
			ret: 400, msg: "非法请求：参数chat_message_id的值不能小于0"},
		{name: "not logged in", service: svcUnread, ret: 401, msg: "用户未登录，或登录凭证已过期"},
		{name: "wrong token", service: svcUnread, who: okayapi.Member{UUID: alice.UUID, Token: bob.Token}, ret: 401},
		{name: "unknown uuid", service: svcUnread, who: okayapi.Member{UUID: strings.Repeat("F", 32), Token: alice.Token}, ret: 401},
		{name: "expired token", service: svcUnread, who: expired, ret: 401, msg: "用户未登录，或登录凭证已过期"},
		{name: "login missing password", service: "App.User.Login", params: url.Values{"username": {"m0"}},
			ret: 400, msg: "客户端非法请求：缺少必要参数password"},
	}
	t.Cleanup(func() { // after the parallel subtests
		assert.Empty(t, f.srv.Messages(), "no refused call stored anything")
		assert.Len(t, f.srv.Requests(), len(cases))
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := f.params(c.service, c.who, c.params)
			if c.mutate != nil {
				c.mutate(p)
			}
			r := f.do(http.MethodPost, "/", p)
			assert.Equal(t, c.ret, r.Ret, string(r.Body))
			if c.msg != "" {
				assert.Contains(t, r.Msg, c.msg)
			}
			assert.Contains(t, []string{"{}", "null"}, string(r.Data), "data on a refusal")
		})
	}
}

func TestURLForms(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(2)
	alice, bob := ms[0], ms[1]

	t.Run("path form with s in the body", func(t *testing.T) {
		t.Parallel()
		r := f.do(http.MethodPost, "/api/App/Market_ChatMessage/GetAllUnreadNum", f.params(svcUnread, alice, nil))
		assert.Equal(t, 200, r.Ret, string(r.Body))
	})
	t.Run("path form without s", func(t *testing.T) {
		t.Parallel()
		p := url.Values{"app_key": {f.srv.AppKey()}, "uuid": {alice.UUID}, "token": {alice.Token}}
		p.Set("sign", wiretest.Sign(p, f.srv.Secret()))
		r := f.do(http.MethodPost, "/api/App/Market_ChatMessage/GetAllUnreadNum", p)
		assert.Equal(t, 200, r.Ret, string(r.Body))
		assert.Equal(t, "V2.5.1 YesApi App.Market_ChatMessage.GetAllUnreadNum", r.Msg)
	})
	t.Run("path form, unknown service", func(t *testing.T) {
		t.Parallel()
		p := url.Values{"app_key": {f.srv.AppKey()}}
		p.Set("sign", wiretest.Sign(p, f.srv.Secret()))
		r := f.do(http.MethodPost, "/api/App/Market_ChatMessage/Nothing", p)
		assert.Equal(t, 404, r.Ret)
		assert.Contains(t, r.Msg, "App.Market_ChatMessage.Nothing")
	})
	t.Run("s wins over the path", func(t *testing.T) {
		t.Parallel()
		r := f.do(http.MethodPost, "/api/App/Market_ChatMessage/Nothing", f.params(svcUnread, alice, nil))
		assert.Equal(t, 200, r.Ret, string(r.Body))
	})
	t.Run("service wins over s", func(t *testing.T) {
		t.Parallel()
		p := url.Values{"service": {svcUnread}, "s": {"App.Nope.Nothing"}, "app_key": {f.srv.AppKey()}, "uuid": {alice.UUID}, "token": {alice.Token}}
		p.Set("sign", wiretest.Sign(p, f.srv.Secret()))
		r := f.do(http.MethodPost, "/", p)
		assert.Equal(t, 200, r.Ret, string(r.Body))
	})
	t.Run("query form, s in the query and signed", func(t *testing.T) {
		t.Parallel()
		r := f.call(svcSend, alice, to(bob.UUID, text("via query")))
		assert.Equal(t, 200, r.Ret, string(r.Body))
		reqs := f.srv.Requests()
		var seen bool
		for _, rq := range reqs {
			if rq.Query.Get("s") == svcSend && rq.Form.Get("chat_message_data") == `{"content":"via query"}` {
				seen = true
				assert.Equal(t, svcSend, rq.Service)
				assert.Equal(t, "/", rq.Path)
				assert.Equal(t, http.MethodPost, rq.Method)
				assert.Equal(t, http.StatusOK, rq.Status)
				assert.Equal(t, 200, rq.Ret)
			}
		}
		assert.True(t, seen, "the request was recorded")
	})
	t.Run("short service name", func(t *testing.T) {
		t.Parallel()
		r := f.do(http.MethodPost, "/", f.params("Market_ChatMessage.GetAllUnreadNum", alice, nil))
		assert.Equal(t, 200, r.Ret, string(r.Body))
	})
	t.Run("no service at all", func(t *testing.T) {
		t.Parallel()
		p := url.Values{"app_key": {f.srv.AppKey()}}
		p.Set("sign", wiretest.Sign(p, f.srv.Secret()))
		r := f.do(http.MethodPost, "/", p)
		assert.Equal(t, 404, r.Ret)
	})
}

func TestGETAndPOST(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(2)
	alice, bob := ms[0], ms[1]

	// GET: everything in the query.
	p := f.params(svcSend, alice, to(bob.UUID, text("by GET")))
	r := f.do(http.MethodGet, "/?"+p.Encode(), nil)
	require.Equal(t, 200, r.Ret, string(r.Body))

	// POST: the body wins over the query for the same name.
	p = f.params(svcSend, alice, to(bob.UUID, text("by POST")))
	r = f.do(http.MethodPost, "/?chat_message_data=ignored&s="+svcSend, p)
	require.Equal(t, 200, r.Ret, string(r.Body))

	// Multipart bodies are forms too.
	p = f.params(svcSend, alice, to(bob.UUID, text("multipart")))
	var buf bytes.Buffer
	var boundary = "xXxBoundary"
	for k := range p {
		fmt.Fprintf(&buf, "--%s\r\nContent-Disposition: form-data; name=%q\r\n\r\n%s\r\n", boundary, k, p.Get(k))
	}
	fmt.Fprintf(&buf, "--%s--\r\n", boundary)
	req, err := http.NewRequest(http.MethodPost, f.srv.URL()+"/", &buf)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	resp, err := f.hc.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(body), `"ret":200`)

	msgs := f.srv.Messages()
	require.Len(t, msgs, 3)
	assert.Equal(t, `{"content":"by GET"}`, string(msgs[0].Data))
	assert.Equal(t, `{"content":"by POST"}`, string(msgs[1].Data))
	assert.Equal(t, `{"content":"multipart"}`, string(msgs[2].Data))
	for _, m := range msgs {
		assert.Equal(t, alice.UUID, m.From)
		assert.Equal(t, bob.UUID, m.To)
		assert.Equal(t, "text", m.Type)
		assert.True(t, m.SentAt.Equal(fixedTime))
	}
	reqs := f.srv.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, http.MethodGet, reqs[0].Method)
	assert.Equal(t, "ignored", reqs[1].Query.Get("chat_message_data"))
	assert.Equal(t, `{"content":"by POST"}`, reqs[1].Form.Get("chat_message_data"))
}

func TestSignModes(t *testing.T) {
	t.Parallel()
	t.Run("static", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithSignMode(SignStatic), WithStaticSign("STATIC-VALUE"))
		assert.Equal(t, "", f.srv.Secret())
		assert.Equal(t, "STATIC-VALUE", f.srv.StaticSign())
		p := url.Values{"s": {"Hello.World"}, "app_key": {f.srv.AppKey()}, "name": {"x"}, "sign": {"STATIC-VALUE"}}
		assert.Equal(t, 200, f.do(http.MethodPost, "/", p).Ret)
		p.Set("sign", wiretest.Sign(p, ""))
		assert.Equal(t, 400, f.do(http.MethodPost, "/", p).Ret)
		p.Del("sign")
		assert.Equal(t, 400, f.do(http.MethodPost, "/", p).Ret)
	})
	t.Run("static random value", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithSignMode(SignStatic))
		assert.Len(t, f.srv.StaticSign(), 32)
		r := f.call("Hello.World", okayapi.Member{}, nil)
		assert.Equal(t, 200, r.Ret)
	})
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithSignMode(SignNone))
		assert.Equal(t, "", f.srv.Secret())
		assert.Equal(t, "", f.srv.StaticSign())
		p := url.Values{"s": {"Hello.World"}, "app_key": {f.srv.AppKey()}}
		assert.Equal(t, 200, f.do(http.MethodPost, "/", p).Ret)
		p.Set("sign", "anything")
		assert.Equal(t, 200, f.do(http.MethodPost, "/", p).Ret)
		p.Set("app_key", strings.Repeat("0", 32))
		assert.Equal(t, 406, f.do(http.MethodPost, "/", p).Ret, "the app key is still checked")
	})
	t.Run("dynamic defaults", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		assert.Regexp(t, `^[0-9A-F]{32}$`, f.srv.AppKey())
		assert.Regexp(t, `^[0-9A-Za-z]{64}$`, f.srv.Secret())
		assert.Equal(t, "", f.srv.StaticSign())
		assert.Equal(t, SignDynamic, f.srv.SignMode())
	})
}

func TestLoginAndRegister(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	alice := f.srv.AddMember(Profile{Username: "alice", Password: "s3cret"})

	var login struct {
		ErrCode int    `json:"err_code"`
		ErrMsg  string `json:"err_msg"`
		UUID    string `json:"uuid"`
		Token   string `json:"token"`
	}
	r := f.ok("App.User.Login", okayapi.Member{}, url.Values{"username": {"alice"}, "password": {md5hex("s3cret")}})
	r.into(t, &login)
	assert.Equal(t, alice.UUID, login.UUID)
	assert.Regexp(t, `^[0-9A-F]{64}$`, login.Token)
	assert.NotEqual(t, alice.Token, login.Token, "each login gets its own token")
	fresh := okayapi.Member{UUID: login.UUID, Token: login.Token}
	f.ok(svcUnread, fresh, nil)
	f.ok(svcUnread, alice, nil) // the older token stays valid

	for name, params := range map[string]url.Values{
		"wrong password":     {"username": {"alice"}, "password": {md5hex("nope")}},
		"plain password":     {"username": {"alice"}, "password": {"s3cret"}},
		"upper-case md5":     {"username": {"alice"}, "password": {strings.ToUpper(md5hex("s3cret"))}},
		"unknown username":   {"username": {"nobody"}, "password": {md5hex("s3cret")}},
		"username case diff": {"username": {"Alice"}, "password": {md5hex("s3cret")}},
	} {
		r := f.call("App.User.Login", okayapi.Member{}, params)
		require.Equal(t, 200, r.Ret, name)
		r.into(t, &login)
		assert.Equal(t, 1, login.ErrCode, name)
		assert.NotEmpty(t, login.ErrMsg, name)
	}

	f.srv.ExpireToken(alice.UUID)
	assert.Equal(t, 401, f.call(svcUnread, alice, nil).Ret)
	assert.Equal(t, 401, f.call(svcUnread, fresh, nil).Ret)
	r = f.ok("App.User.Login", okayapi.Member{}, url.Values{"username": {"alice"}, "password": {md5hex("s3cret")}})
	r.into(t, &login)
	f.ok(svcUnread, okayapi.Member{UUID: login.UUID, Token: login.Token}, nil)

	// Register, then log in as the new member.
	var reg struct {
		ErrCode int    `json:"err_code"`
		UUID    string `json:"uuid"`
	}
	r = f.ok("App.User.Register", okayapi.Member{}, url.Values{"username": {"dave"}, "password": {md5hex("pw")}, "ext_info": {`{"nickname":"戴夫","age":30}`}})
	r.into(t, &reg)
	assert.Regexp(t, `^[0-9A-F]{32}$`, reg.UUID)
	r = f.ok("App.User.Login", okayapi.Member{}, url.Values{"username": {"dave"}, "password": {md5hex("pw")}})
	r.into(t, &login)
	assert.Equal(t, reg.UUID, login.UUID)

	r = f.call("App.User.Register", okayapi.Member{}, url.Values{"username": {"dave"}, "password": {md5hex("pw")}})
	assert.Equal(t, 1, r.code(t), "duplicate username")
	r = f.call("App.User.Register", okayapi.Member{}, url.Values{"username": {"erin"}, "password": {md5hex("pw")}, "ext_info": {`[1]`}})
	assert.Equal(t, 400, r.Ret, "ext_info must be an object")

	assert.PanicsWithValue(t, `okayapitest: AddMember: username "alice" is taken`, func() { f.srv.AddMember(Profile{Username: "alice"}) })
	anon := f.srv.AddMember(Profile{})
	assert.Regexp(t, `^[0-9A-F]{32}$`, anon.UUID)
	assert.Regexp(t, `^[0-9A-F]{64}$`, anon.Token)
}

func TestPluginNotInstalled(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithPlugin(false))
	ms := f.members(2)
	alice, bob := ms[0], ms[1]
	for service, params := range map[string]url.Values{
		svcSend:     to(bob.UUID, text("hi")),
		svcMulti:    to(bob.UUID, text("hi")),
		svcTake:     {"other_uuid": {bob.UUID}},
		svcMark:     {"other_uuid": {bob.UUID}},
		svcChatList: nil,
		svcUnread:   nil,
	} {
		r := f.call(service, alice, params)
		require.Equal(t, 200, r.Ret, service)
		var d struct {
			ErrCode int    `json:"err_code"`
			ErrMsg  string `json:"err_msg"`
		}
		r.into(t, &d)
		assert.Equal(t, 9, d.ErrCode, service)
		assert.Equal(t, "插件未安装", d.ErrMsg, service)
	}
	// The framework's checks come first.
	assert.Equal(t, 400, f.call(svcSend, alice, text("no recipient")).Ret)
	assert.Equal(t, 401, f.call(svcUnread, okayapi.Member{}, nil).Ret)
	// Other services are not the plugin's.
	f.ok("App.User.Login", okayapi.Member{}, url.Values{"username": {"m0"}, "password": {md5hex("pw")}})
	assert.Empty(t, f.srv.Messages())

	f.srv.SetPluginInstalled(true)
	f.ok(svcSend, alice, to(bob.UUID, text("now")))
	f.srv.SetPluginInstalled(false)
	assert.Equal(t, 9, f.call(svcUnread, bob, nil).code(t))
	assert.Len(t, f.srv.Messages(), 1)
}

func TestFaults(t *testing.T) {
	t.Parallel()

	t.Run("HTML502", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault(FaultHTML502, 1)
		r := f.raw(http.MethodPost, "/", f.params(svcSend, ms[0], to(ms[1].UUID, text("lost"))))
		assert.Equal(t, http.StatusBadGateway, r.Status)
		assert.Contains(t, string(r.Body), "<center><h1>502 Bad Gateway</h1></center>")
		assert.Empty(t, f.srv.Messages(), "nothing was done")
		f.ok(svcSend, ms[0], to(ms[1].UUID, text("kept")))
		assert.Len(t, f.srv.Messages(), 1, "only the next call misbehaved")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, RecordedRequest{Method: "POST", Path: "/", Query: url.Values{}, Form: reqs[0].Form,
			Service: svcSend, Status: 502, Fault: FaultHTML502}, reqs[0])
		assert.Equal(t, Fault(0), reqs[1].Fault)
	})
	t.Run("NonJSON", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault(FaultNonJSON, 1)
		r := f.raw(http.MethodPost, "/", f.params(svcSend, ms[0], to(ms[1].UUID, text("lost"))))
		assert.Equal(t, http.StatusOK, r.Status)
		assert.False(t, json.Valid(r.Body))
		assert.Contains(t, string(r.Body), "PHP Fatal error")
		assert.Empty(t, f.srv.Messages())
	})
	t.Run("DropAfter", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault(FaultDropAfter, 1)
		resp, err := f.send(context.Background(), http.MethodPost, "/", f.params(svcSend, ms[0], to(ms[1].UUID, text("stored"))))
		if resp != nil {
			resp.Body.Close()
		}
		require.Error(t, err, "no answer")
		msgs := f.srv.Messages()
		require.Len(t, msgs, 1, "the call was processed")
		assert.Equal(t, `{"content":"stored"}`, string(msgs[0].Data))
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, 0, reqs[0].Status)
		assert.Equal(t, 200, reqs[0].Ret)
		assert.Equal(t, FaultDropAfter, reqs[0].Fault)
	})
	t.Run("Truncate", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.ok(svcSend, ms[0], to(ms[1].UUID, text("one")))
		f.srv.InjectFault(FaultTruncate, 1)
		resp, err := f.send(context.Background(), http.MethodPost, "/", f.params(svcTake, ms[1], url.Values{"other_uuid": {ms[0].UUID}}))
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		body, err := io.ReadAll(resp.Body)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		assert.Equal(t, resp.ContentLength/2, int64(len(body)), "half of the announced body")
		assert.True(t, bytes.HasPrefix(body, []byte(`{"ret":200,"data":{"err_code":0`)), string(body))
		assert.False(t, json.Valid(body))

		f.srv.InjectFault(FaultTruncate, 1)
		resp2, err := f.send(context.Background(), http.MethodPost, "/", f.params(svcSend, ms[0], to(ms[1].UUID, text("two"))))
		require.NoError(t, err)
		_, err = io.ReadAll(resp2.Body)
		resp2.Body.Close()
		assert.Error(t, err)
		assert.Len(t, f.srv.Messages(), 2, "the truncated call was processed")
	})
	t.Run("Stall until the client gives up", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault(FaultStall, 1)
		// The client gives up once the handler is seen stalling, rather than
		// at a fixed deadline that a loaded machine might pass before the
		// request is even read.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		errc := make(chan error, 1)
		go func() {
			resp, err := f.send(ctx, http.MethodPost, "/", f.params(svcSend, ms[0], to(ms[1].UUID, text("never"))))
			if resp != nil {
				resp.Body.Close()
			}
			errc <- err
		}()
		require.Eventually(t, func() bool { return f.srv.stalled.Load() == 1 }, 10*time.Second, 5*time.Millisecond,
			"the handler stalls")
		cancel()
		require.ErrorIs(t, <-errc, context.Canceled)
		// Far below the 30-second stall limit, and the server is not closed:
		// only the client's cancellation can release the handler this soon.
		require.Eventually(t, func() bool { return f.srv.stalled.Load() == 0 }, 5*time.Second, 10*time.Millisecond,
			"the handler gives up with the client")
		assert.Empty(t, f.srv.Messages(), "nothing was done")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, FaultStall, reqs[0].Fault)
		assert.Equal(t, 0, reqs[0].Status)
		assert.Equal(t, 0, reqs[0].Ret, "not processed")
	})
	t.Run("Stall ends at Close", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.srv.InjectFault(FaultStall, 1)
		// A client with no timeout: only the server can end this call.
		hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		body := f.params("Hello.World", okayapi.Member{}, nil)
		req, err := http.NewRequest(http.MethodPost, f.srv.URL()+"/", strings.NewReader(body.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var callErr atomic.Pointer[error] // set when the call ends
		go func() {
			resp, err := hc.Do(req)
			if resp != nil {
				resp.Body.Close()
			}
			callErr.Store(&err)
		}()
		require.Eventually(t, func() bool { return f.srv.stalled.Load() == 1 }, 10*time.Second, 5*time.Millisecond,
			"the handler stalls")

		var closed atomic.Bool
		go func() {
			f.srv.Close()
			closed.Store(true)
		}()
		// Far below the 30-second stall limit, and the client never gives
		// up by itself: only Close can end the call this soon.
		require.Eventually(t, func() bool { return closed.Load() && callErr.Load() != nil }, 5*time.Second, 10*time.Millisecond,
			"Close returns and ends the stalled call")
		assert.Error(t, *callErr.Load(), "the stalled call ends with an error")
		assert.Zero(t, f.srv.stalled.Load(), "Close released the stalled handler")
		f.srv.Close() // twice is fine
	})
	t.Run("Exception500", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault(FaultException500, 1)
		r := f.raw(http.MethodPost, "/", f.params(svcSend, ms[0], to(ms[1].UUID, text("stored"))))
		assert.Equal(t, http.StatusInternalServerError, r.Status)
		assert.Empty(t, r.Body, "debug off: PHP sends nothing")
		msgs := f.srv.Messages()
		require.Len(t, msgs, 1, "the work was done before the exception")
		assert.Equal(t, `{"content":"stored"}`, string(msgs[0].Data))
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, RecordedRequest{Method: "POST", Path: "/", Query: url.Values{}, Form: reqs[0].Form,
			Service: svcSend, Status: 500, Ret: 200, ErrCode: 0, Fault: FaultException500}, reqs[0],
			"recorded as processed: the call's own ret and err_code")
		f.ok(svcSend, ms[0], to(ms[1].UUID, text("next"))) // used up
	})
	t.Run("ExceptionRet0", func(t *testing.T) {
		t.Parallel()
		for _, quirks := range []bool{false, true} {
			f := newFake(t, WithQuirks(quirks))
			ms := f.members(2)
			f.srv.InjectFault(FaultExceptionRet0, 1)
			r := f.do(http.MethodPost, "/", f.params(svcSend, ms[0], to(ms[1].UUID, text("stored"))))
			assert.Equal(t, 0, r.Ret, "the exception's code: %s", r.Body)
			assert.Equal(t, redisErrorMsg, r.Msg)
			if quirks {
				assert.Equal(t, "[]", string(r.Data))
			} else {
				assert.Equal(t, "{}", string(r.Data))
			}
			var env struct {
				Debug struct {
					Exception []map[string]any `json:"exception"`
					Stack     []string         `json:"stack"`
				} `json:"debug"`
			}
			require.NoError(t, json.Unmarshal(r.Body, &env), string(r.Body))
			assert.NotEmpty(t, env.Debug.Stack, "debug mode: a stack")
			require.NotEmpty(t, env.Debug.Exception, "debug mode: the exception's trace")
			assert.Equal(t, "Redis", env.Debug.Exception[0]["class"])
			assert.Contains(t, string(r.Body), `"ret":0,"data":`, "ret is the number 0")
			assert.Len(t, f.srv.Messages(), 1, "the work was done before the exception")
			reqs := f.srv.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, 200, reqs[0].Status)
			assert.Equal(t, 200, reqs[0].Ret, "recorded as processed")
			assert.Equal(t, FaultExceptionRet0, reqs[0].Fault)
		}
	})
	t.Run("ExceptionDB", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFaultFor(svcSend, FaultExceptionDB, 1)
		r := f.raw(http.MethodPost, "/", f.params(svcSend, ms[0], to(ms[1].UUID, text("stored"))))
		require.Equal(t, http.StatusOK, r.Status)
		var env struct {
			Ret   any             `json:"ret"`
			Data  json.RawMessage `json:"data"`
			Msg   string          `json:"msg"`
			Debug struct {
				Exception []map[string]any `json:"exception"`
				Stack     []string         `json:"stack"`
			} `json:"debug"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &env), string(r.Body))
		assert.Equal(t, "HY000", env.Ret, "ret is the SQLSTATE, a JSON string")
		assert.True(t, strings.HasPrefix(string(r.Body), `{"ret":"HY000","data":{},"msg":"SQLSTATE[HY000]: General error`), string(r.Body))
		assert.Equal(t, "{}", string(env.Data))
		assert.True(t, strings.HasPrefix(env.Msg, "SQLSTATE[HY000]: General error"), env.Msg)
		assert.NotEmpty(t, env.Debug.Stack)
		require.NotEmpty(t, env.Debug.Exception)
		assert.Equal(t, "PDOStatement", env.Debug.Exception[0]["class"])
		assert.Len(t, f.srv.Messages(), 1, "the work was done before the exception")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, 200, reqs[0].Ret, "recorded as processed")
		assert.Equal(t, FaultExceptionDB, reqs[0].Fault)
	})
	t.Run("exception after a refusal", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.ExpireToken(ms[0].UUID)
		f.srv.InjectFault(FaultExceptionRet0, 1)
		r := f.do(http.MethodPost, "/", f.params(svcSend, ms[0], to(ms[1].UUID, text("refused"))))
		assert.Equal(t, 0, r.Ret, "the fault answers whatever the call did")
		assert.Empty(t, f.srv.Messages(), "the call was refused: nothing stored")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, 401, reqs[0].Ret, "what the call really did")
	})
	t.Run("Redirect307", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault(FaultRedirect307, 1)
		resp := noFollow(t, f.srv.URL()+"/", f.params(svcSend, ms[0], to(ms[1].UUID, text("lost"))))
		assert.Equal(t, http.StatusTemporaryRedirect, resp.status)
		assert.Equal(t, DefaultRedirectLocation, resp.location)
		assert.Contains(t, resp.body, "307 Temporary Redirect")
		assert.Empty(t, f.srv.Messages(), "nothing was done")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, 307, reqs[0].Status)
		assert.Equal(t, 0, reqs[0].Ret, "not processed")
		assert.Equal(t, FaultRedirect307, reqs[0].Fault)

		// A client that follows it finds nobody at the default location.
		f.srv.InjectFault(FaultRedirect307, 1)
		_, err := f.send(t.Context(), http.MethodPost, "/", f.params(svcSend, ms[0], to(ms[1].UUID, text("lost"))))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "127.0.0.1:1")
		assert.Empty(t, f.srv.Messages())
	})
	t.Run("StoreThenRedirect", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFault(FaultStoreThenRedirect, 1)
		resp := noFollow(t, f.srv.URL()+"/", f.params(svcSend, ms[0], to(ms[1].UUID, text("stored"))))
		assert.Equal(t, http.StatusFound, resp.status)
		assert.Equal(t, DefaultRedirectLocation, resp.location)
		assert.Len(t, f.srv.Messages(), 1, "the work was done before the redirect")
		reqs := f.srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, 302, reqs[0].Status)
		assert.Equal(t, 200, reqs[0].Ret, "recorded as processed")
		assert.Equal(t, FaultStoreThenRedirect, reqs[0].Fault)
	})
	t.Run("redirect location", func(t *testing.T) {
		t.Parallel()
		var hits atomic.Int64
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.WriteHeader(http.StatusTeapot)
		}))
		t.Cleanup(other.Close)
		f := newFake(t, WithRedirectLocation(other.URL+"/elsewhere?x=1"))
		hello := f.params("Hello.World", okayapi.Member{}, nil)
		for _, fault := range []Fault{FaultRedirect307, FaultStoreThenRedirect} {
			f.srv.InjectFault(fault, 1)
			resp := noFollow(t, f.srv.URL()+"/", hello)
			assert.Equal(t, other.URL+"/elsewhere?x=1", resp.location, "%s", fault)
			f.srv.InjectFault(fault, 1)
			assert.Equal(t, http.StatusTeapot, f.raw(http.MethodPost, "/", hello).Status, "%s: a following client lands there", fault)
		}
		assert.Equal(t, int64(2), hits.Load())
	})
	t.Run("n calls, then normal", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.srv.InjectFault(FaultNonJSON, 2)
		hello := f.params("Hello.World", okayapi.Member{}, nil)
		assert.False(t, json.Valid(f.raw(http.MethodPost, "/", hello).Body))
		assert.False(t, json.Valid(f.raw(http.MethodPost, "/", hello).Body))
		assert.Equal(t, 200, f.do(http.MethodPost, "/", hello).Ret)
	})
	t.Run("in order", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.srv.InjectFault(FaultHTML502, 1)
		f.srv.InjectFault(FaultNonJSON, 1)
		hello := f.params("Hello.World", okayapi.Member{}, nil)
		assert.Equal(t, 502, f.raw(http.MethodPost, "/", hello).Status)
		r := f.raw(http.MethodPost, "/", hello)
		assert.Equal(t, 200, r.Status)
		assert.False(t, json.Valid(r.Body))
		assert.Equal(t, 200, f.do(http.MethodPost, "/", hello).Ret)
	})
	t.Run("for one service", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		ms := f.members(2)
		f.srv.InjectFaultFor(svcSend, FaultHTML502, 1)
		f.ok(svcUnread, ms[0], nil) // another service: not affected, does not count
		f.ok(svcTake, ms[0], url.Values{"other_uuid": {ms[1].UUID}})
		r := f.raw(http.MethodPost, "/api/App/Market_ChatMessage/Send", f.params(svcSend, ms[0], to(ms[1].UUID, text("x"))))
		assert.Equal(t, 502, r.Status, "path form resolves to the same service")
		f.ok(svcSend, ms[0], to(ms[1].UUID, text("y")))
		f.srv.InjectFaultFor("Market_ChatMessage.GetAllUnreadNum", FaultNonJSON, 1) // short name
		assert.False(t, json.Valid(f.raw(http.MethodPost, "/", f.params(svcUnread, ms[0], nil)).Body))
		f.ok(svcUnread, ms[0], nil)
	})
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

// Injecting no calls, a negative number of them or a fault that does not
// exist is a mistake in the test: it panics, saying what is wrong.
func TestInjectFaultPanics(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"n 0", func() { srv.InjectFault(FaultHTML502, 0) }, "okayapitest: InjectFault: n must be 1 or more, got 0"},
		{"n -3", func() { srv.InjectFaultFor(svcSend, FaultStall, -3) }, "okayapitest: InjectFaultFor: n must be 1 or more, got -3"},
		{"fault 0", func() { srv.InjectFault(0, 1) }, "okayapitest: InjectFault: unknown fault none (want one of FaultHTML502 … FaultStoreThenRedirect)"},
		{"fault 42", func() { srv.InjectFaultFor("", Fault(42), 1) }, "okayapitest: InjectFaultFor: unknown fault Fault(42) (want one of FaultHTML502 … FaultStoreThenRedirect)"},
		{"fault -1", func() { srv.InjectFault(Fault(-1), 5) }, "okayapitest: InjectFault: unknown fault Fault(-1) (want one of FaultHTML502 … FaultStoreThenRedirect)"},
	} {
		assert.PanicsWithValue(t, c.want, c.f, c.name)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	assert.Empty(t, srv.faults, "nothing was injected")
}

// Requests keeps the last WithMaxRequests requests, oldest first.
func TestRequestsCap(t *testing.T) {
	t.Parallel()
	hello := func(f *fake, i int) {
		f.ok("Hello.World", okayapi.Member{}, url.Values{"name": {strconv.Itoa(i)}})
	}
	names := func(reqs []RecordedRequest) []string {
		out := make([]string, len(reqs))
		for i, r := range reqs {
			out[i] = r.Form.Get("name")
		}
		return out
	}
	t.Run("option", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithMaxRequests(3))
		for i := 1; i <= 2; i++ {
			hello(f, i)
		}
		assert.Equal(t, []string{"1", "2"}, names(f.srv.Requests()))
		for i := 3; i <= 8; i++ {
			hello(f, i)
			if i == 4 {
				assert.Equal(t, []string{"2", "3", "4"}, names(f.srv.Requests()))
			}
		}
		assert.Equal(t, []string{"6", "7", "8"}, names(f.srv.Requests()))
	})
	t.Run("unbounded", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithMaxRequests(0))
		for i := 1; i <= 5; i++ {
			hello(f, i)
		}
		assert.Equal(t, []string{"1", "2", "3", "4", "5"}, names(f.srv.Requests()))
		f.srv.mu.Lock()
		defer f.srv.mu.Unlock()
		for i := 6; i <= 2*DefaultMaxRequests; i++ {
			f.srv.keepRequest(RecordedRequest{Service: strconv.Itoa(i)})
		}
		assert.Len(t, f.srv.requests, 2*DefaultMaxRequests)
	})
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		srv := NewServer(t)
		// As the handler records them, without DefaultMaxRequests round trips.
		for i := 1; i <= DefaultMaxRequests+5; i++ {
			srv.record(RecordedRequest{Service: strconv.Itoa(i), Form: url.Values{"n": {strconv.Itoa(i)}}})
		}
		reqs := srv.Requests()
		require.Len(t, reqs, DefaultMaxRequests)
		for i, r := range reqs {
			want := strconv.Itoa(i + 6)
			if r.Service != want || r.Form.Get("n") != want {
				t.Fatalf("Requests()[%d] is request %s (n=%s), want %s: the last %d, oldest first",
					i, r.Service, r.Form.Get("n"), want, DefaultMaxRequests)
			}
		}
	})
}

func TestQuirksJSON(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	alice := f.srv.AddMember(Profile{Username: "alice", Nickname: "爱丽丝", Avatar: "https://img.example.com/a.png", Age: 18})
	bob := f.srv.AddMember(Profile{Username: "bob/b"})
	dave := f.members(1)[0]
	f.ok("App.User.Register", okayapi.Member{}, url.Values{"username": {"plain"}, "password": {md5hex("pw")}})
	content := `中文 😀 a/b "q" \ <tag> & é` + "\n"
	f.ok(svcSend, alice, to(bob.UUID, text(content)))

	const wantContent = `"\u4e2d\u6587 \ud83d\ude00 a\/b \"q\" \\ <tag> & \u00e9\n"`
	want := func(id, read, unread string) string {
		return `{"ret":200,"data":{"err_code":0,"err_msg":"","list":[{"id":` + id + `,"chat_message_to_uuid":"` + alice.UUID +
			`","chat_message_data":{"content":` + wantContent + `},"chat_message_type":"text","chat_message_is_read":` + read +
			`,"chat_message_io":"out","add_time":"2019-08-11 17:12:02"}],"unread_num":` + unread +
			`},"msg":"V2.5.1 YesApi App.Market_ChatMessage.TakeMessageList"`
	}
	take := url.Values{"other_uuid": {alice.UUID}}

	r := f.ok(svcTake, bob, take)
	assert.Equal(t, want("1", "0", "1")+"}", string(r.Body), "quirks off")

	f.srv.SetQuirks(true)
	r = f.ok(svcTake, bob, take)
	body := string(r.Body)
	assert.True(t, strings.HasPrefix(body, want(`"1"`, `"0"`, `"1"`)+`,"debug":{`), body)
	assert.NotContains(t, body, f.srv.Secret())
	assert.NotContains(t, body, bob.Token)

	// Empty objects as [], sequential keys as a list, PHP floats.
	f.ok(svcSend, alice, to(bob.UUID, url.Values{"chat_message_type": {"custom"},
		"chat_message_data": {`{"empty":{},"list":{"0":"a","1":"b"},"map":{"1":"a"},"f":1.50,"i":10.0,"big":1e25,"n":-0,"t":true,"z":null}`}}))
	f.ok(svcSend, alice, to(bob.UUID, url.Values{"chat_message_type": {"custom"}, "chat_message_data": {`{}`}}))
	r = f.ok(svcTake, bob, url.Values{"other_uuid": {alice.UUID}, "last_id": {"1"}})
	assert.Contains(t, string(r.Body), `"chat_message_data":{"empty":[],"list":["a","b"],"map":{"1":"a"},"f":1.5,"i":10.0,"big":1.0e+25,"n":0,"t":true,"z":null}`)
	assert.Contains(t, string(r.Body), `"chat_message_data":[],"chat_message_type":"custom"`)
	assert.Contains(t, string(r.Body), `"unread_num":"3"`)
	msgs := f.srv.Messages()
	assert.Equal(t, `{}`, string(msgs[2].Data), "stored as received")

	// Profiles: age as a string, empty ext_info as [].
	f.ok(svcSend, dave, to(alice.UUID, text("hi")))
	plain := f.ok("App.User.Login", okayapi.Member{}, url.Values{"username": {"plain"}, "password": {md5hex("pw")}})
	var login struct{ UUID, Token string }
	plain.into(t, &login)
	f.ok(svcSend, okayapi.Member{UUID: login.UUID, Token: login.Token}, to(bob.UUID, text("hi")))
	r = f.ok(svcChatList, bob, nil)
	assert.Contains(t, string(r.Body), `"user":{"username":"plain","ext_info":[]}`)
	assert.Contains(t, string(r.Body), `"user":{"username":"alice","ext_info":{"yesapi_avatar":"https:\/\/img.example.com\/a.png","nickname":"\u7231\u4e3d\u4e1d","age":"18"}}`)
	assert.Contains(t, string(r.Body), `"total":"2"`)
	r = f.ok(svcUnread, alice, nil)
	assert.Contains(t, string(r.Body), `"data":{"err_code":0,"err_msg":"","unread_num":"1"}`)
	r = f.ok(svcMark, alice, url.Values{"other_uuid": {dave.UUID}})
	assert.Contains(t, string(r.Body), `"data":{"err_code":0,"err_msg":"","readed_num":1}`)

	// Refusals: data is [] with quirks on.
	r = f.call(svcUnread, okayapi.Member{}, nil)
	assert.True(t, strings.HasPrefix(string(r.Body), `{"ret":401,"data":[],"msg":"\u7528\u6237\u672a\u767b\u5f55\uff0c\u6216\u767b\u5f55\u51ed\u8bc1\u5df2\u8fc7\u671f","debug":`), string(r.Body))

	f.srv.SetQuirks(false)
	r = f.ok(svcChatList, bob, nil)
	assert.Contains(t, string(r.Body), `"user":{"username":"plain","ext_info":{}}`)
	assert.Contains(t, string(r.Body), `"age":18`)
	assert.Contains(t, string(r.Body), `"total":2}`)
	assert.NotContains(t, string(r.Body), `"debug"`)
	r = f.call(svcUnread, okayapi.Member{}, nil)
	assert.Equal(t, `{"ret":401,"data":{},"msg":"\u7528\u6237\u672a\u767b\u5f55\uff0c\u6216\u767b\u5f55\u51ed\u8bc1\u5df2\u8fc7\u671f"}`, string(r.Body))
}

// wireItem is a list item with quirks off.
type wireItem struct {
	ID      int64          `json:"id"`
	ToUUID  string         `json:"chat_message_to_uuid"`
	Data    map[string]any `json:"chat_message_data"`
	Type    string         `json:"chat_message_type"`
	IsRead  int            `json:"chat_message_is_read"`
	IO      string         `json:"chat_message_io"`
	AddTime string         `json:"add_time"`
	User    *struct {
		Username string         `json:"username"`
		ExtInfo  map[string]any `json:"ext_info"`
	} `json:"user"`
}

type wireList struct {
	ErrCode   int        `json:"err_code"`
	List      []wireItem `json:"list"`
	UnreadNum int        `json:"unread_num"`
	Total     int        `json:"total"`
}

func ids(items []wireItem) []int64 {
	out := []int64{}
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func TestTakeMessageListPaging(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(3)
	alice, bob, carol := ms[0], ms[1], ms[2]
	for i := 1; i <= 10; i++ {
		switch {
		case i%3 == 0:
			f.ok(svcSend, carol, to(alice.UUID, text("c"+strconv.Itoa(i))))
		case i%2 == 1:
			f.ok(svcSend, alice, to(bob.UUID, text("a"+strconv.Itoa(i))))
		default:
			f.ok(svcSend, bob, to(alice.UUID, text("b"+strconv.Itoa(i))))
		}
	}
	// The alice–bob conversation holds ids 1, 2, 4, 5, 7, 8, 10.
	cases := []struct {
		name   string
		params url.Values
		want   []int64
	}{
		{"defaults", url.Values{}, []int64{1, 2, 4, 5, 7, 8, 10}},
		{"down from the newest", url.Values{"perpage": {"3"}}, []int64{7, 8, 10}},
		{"down explicit", url.Values{"direction": {"down"}, "last_id": {"0"}, "perpage": {"3"}}, []int64{7, 8, 10}},
		{"down after 4", url.Values{"last_id": {"4"}, "perpage": {"2"}}, []int64{5, 7}},
		{"down after 3 (not in the conversation)", url.Values{"last_id": {"3"}, "perpage": {"2"}}, []int64{4, 5}},
		{"down after the newest", url.Values{"last_id": {"10"}}, []int64{}},
		{"up before 7", url.Values{"direction": {"up"}, "last_id": {"7"}, "perpage": {"2"}}, []int64{4, 5}},
		{"up before 2", url.Values{"direction": {"up"}, "last_id": {"2"}, "perpage": {"5"}}, []int64{1}},
		{"up before 1", url.Values{"direction": {"up"}, "last_id": {"1"}}, []int64{}},
		{"up from the newest", url.Values{"direction": {"up"}, "perpage": {"2"}}, []int64{8, 10}},
		{"up before 100", url.Values{"direction": {"up"}, "last_id": {"100"}, "perpage": {"1"}}, []int64{10}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.params.Set("other_uuid", bob.UUID)
			var l wireList
			f.ok(svcTake, alice, c.params).into(t, &l)
			assert.Equal(t, c.want, ids(l.List))
		})
	}

	t.Run("each side", func(t *testing.T) {
		t.Parallel()
		var l wireList
		f.ok(svcTake, alice, url.Values{"other_uuid": {bob.UUID}, "perpage": {"2"}, "last_id": {"0"}, "direction": {"up"}}).into(t, &l)
		require.Len(t, l.List, 2)
		assert.Equal(t, wireItem{ID: 8, ToUUID: bob.UUID, Data: map[string]any{"content": "b8"}, Type: "text", IO: "out", AddTime: "2019-08-11 17:12:02"}, l.List[0])
		assert.Equal(t, wireItem{ID: 10, ToUUID: bob.UUID, Data: map[string]any{"content": "b10"}, Type: "text", IO: "out", AddTime: "2019-08-11 17:12:02"}, l.List[1])
		assert.Equal(t, 4, l.UnreadNum, "alice received 2, 4, 8, 10 from bob, all unread")

		f.ok(svcTake, bob, url.Values{"other_uuid": {strings.ToLower(alice.UUID)}, "last_id": {"5"}, "direction": {"up"}, "perpage": {"1"}}).into(t, &l)
		require.Len(t, l.List, 1)
		assert.Equal(t, int64(4), l.List[0].ID)
		assert.Equal(t, alice.UUID, l.List[0].ToUUID, "the other member, whatever the case sent")
		assert.Equal(t, "in", l.List[0].IO, "bob sent 4: in")
		f.ok(svcTake, bob, url.Values{"other_uuid": {alice.UUID}, "last_id": {"2"}, "direction": {"up"}, "perpage": {"1"}}).into(t, &l)
		assert.Equal(t, "out", l.List[0].IO, "bob received 1: out")
		assert.Equal(t, 3, l.UnreadNum, "bob received 1, 5, 7")

		f.ok(svcTake, carol, url.Values{"other_uuid": {bob.UUID}}).into(t, &l)
		assert.Empty(t, l.List)
		f.ok(svcTake, carol, url.Values{"other_uuid": {strings.Repeat("0", 32)}}).into(t, &l)
		assert.Empty(t, l.List, "not a member: an empty conversation")
		r := f.call(svcTake, carol, url.Values{"other_uuid": {carol.UUID}})
		assert.Equal(t, 1, r.code(t), "with yourself")
	})
}

func TestReadAndUnread(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(3)
	alice, bob, carol := ms[0], ms[1], ms[2]
	for _, c := range []struct {
		from okayapi.Member
		to   string
	}{{alice, bob.UUID}, {alice, bob.UUID}, {alice, bob.UUID}, {carol, bob.UUID}, {carol, bob.UUID}, {bob, alice.UUID}} {
		f.ok(svcSend, c.from, to(c.to, text("x")))
	}
	unread := func(who okayapi.Member) int {
		var d struct {
			UnreadNum int `json:"unread_num"`
		}
		f.ok(svcUnread, who, nil).into(t, &d)
		return d.UnreadNum
	}
	mark := func(who okayapi.Member, other string, id string) int {
		p := url.Values{"other_uuid": {other}}
		if id != "" {
			p.Set("chat_message_id", id)
		}
		var d struct {
			ReadedNum int `json:"readed_num"`
		}
		f.ok(svcMark, who, p).into(t, &d)
		return d.ReadedNum
	}
	take := func(who okayapi.Member, other string) wireList {
		var l wireList
		f.ok(svcTake, who, url.Values{"other_uuid": {other}}).into(t, &l)
		return l
	}
	assert.Equal(t, 5, unread(bob))
	assert.Equal(t, 1, unread(alice))
	assert.Equal(t, 0, unread(carol))
	assert.Equal(t, 3, take(bob, alice.UUID).UnreadNum)
	assert.Equal(t, 1, take(alice, bob.UUID).UnreadNum, "only what alice received")

	assert.Equal(t, 1, mark(bob, alice.UUID, "2"))
	assert.Equal(t, 0, mark(bob, alice.UUID, "2"), "already read")
	assert.Equal(t, 0, mark(bob, alice.UUID, "6"), "bob sent 6: not his to mark")
	assert.Equal(t, 0, mark(bob, alice.UUID, "4"), "4 is carol's, not in this conversation")
	assert.Equal(t, 0, mark(bob, alice.UUID, "999"), "no such message")
	assert.Equal(t, 4, unread(bob))

	l := take(bob, alice.UUID)
	assert.Equal(t, 2, l.UnreadNum)
	reads := map[int64]int{}
	for _, it := range l.List {
		reads[it.ID] = it.IsRead
	}
	assert.Equal(t, map[int64]int{1: 0, 2: 1, 3: 0, 6: 0}, reads)
	l = take(alice, bob.UUID)
	assert.Equal(t, 1, l.List[1].IsRead, "alice sees that bob read 2")

	assert.Equal(t, 2, mark(bob, alice.UUID, "0"))
	assert.Equal(t, 0, mark(bob, alice.UUID, ""))
	assert.Equal(t, 2, unread(bob), "carol's two are still unread")
	assert.Equal(t, 1, unread(alice), "marking is per recipient")
	assert.Equal(t, 2, mark(bob, carol.UUID, ""))
	assert.Equal(t, 0, unread(bob))

	var read []bool
	for _, m := range f.srv.Messages() {
		read = append(read, m.Read)
	}
	assert.Equal(t, []bool{true, true, true, true, true, false}, read)
}

func TestSendAndMultiSend(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(3)
	alice, bob, carol := ms[0], ms[1], ms[2]
	stranger := strings.Repeat("AB", 16)

	r := f.ok(svcSend, alice, to(strings.ToLower(bob.UUID), text("lower-case uuid")))
	assert.JSONEq(t, `{"err_code":0,"err_msg":""}`, string(r.Data), "no id unless WithSendReturnsID")
	assert.Equal(t, bob.UUID, f.srv.Messages()[0].To)

	var d struct {
		ErrCode int    `json:"err_code"`
		ErrMsg  string `json:"err_msg"`
		Detail  []struct {
			OtherUUID     string `json:"other_uuid"`
			ChatMessageID int64  `json:"chat_message_id"`
		} `json:"detail"`
	}
	for name, c := range map[string]struct {
		service string
		to      string
		code    int
	}{
		"send to self":         {svcSend, alice.UUID, 1},
		"send to a stranger":   {svcSend, stranger, 2},
		"multi with self":      {svcMulti, bob.UUID + "," + alice.UUID, 1},
		"multi with stranger":  {svcMulti, bob.UUID + "," + stranger, 2},
		"multi with a blank":   {svcMulti, bob.UUID + ",", 2},
		"multi self, stranger": {svcMulti, stranger + "," + alice.UUID, 1},
	} {
		r := f.call(c.service, alice, to(c.to, text("no")))
		require.Equal(t, 200, r.Ret, name)
		r.into(t, &d)
		assert.Equal(t, c.code, d.ErrCode, name)
		assert.NotEmpty(t, d.ErrMsg, name)
	}
	assert.Len(t, f.srv.Messages(), 1, "refused sends store nothing")

	f.ok(svcMulti, alice, to(carol.UUID+","+bob.UUID, url.Values{"chat_message_type": {"image"}, "chat_message_data": {`{"url":"https://x.test/a.png"}`}})).into(t, &d)
	require.Len(t, d.Detail, 2)
	assert.Equal(t, carol.UUID, d.Detail[0].OtherUUID)
	assert.Equal(t, int64(2), d.Detail[0].ChatMessageID)
	assert.Equal(t, bob.UUID, d.Detail[1].OtherUUID)
	assert.Equal(t, int64(3), d.Detail[1].ChatMessageID)
	msgs := f.srv.Messages()
	require.Len(t, msgs, 3)
	assert.Equal(t, []string{carol.UUID, bob.UUID}, []string{msgs[1].To, msgs[2].To})
	assert.Equal(t, "image", msgs[2].Type)

	many := make([]string, 200)
	for i := range many {
		many[i] = carol.UUID
	}
	f.ok(svcMulti, bob, to(strings.Join(many, ","), text("200"))).into(t, &d)
	assert.Len(t, d.Detail, 200)
	assert.Len(t, f.srv.Messages(), 203)

	// chat_message_type defaults to text.
	f.ok(svcSend, alice, url.Values{"other_uuid": {bob.UUID}, "chat_message_data": {`{"content":"typeless"}`}})
	assert.Equal(t, "text", f.srv.Messages()[203].Type)

	g := newFake(t, WithSendReturnsID(true))
	gm := g.members(2)
	g.ok(svcSend, gm[0], to(gm[1].UUID, text("a")))
	r = g.ok(svcSend, gm[0], to(gm[1].UUID, text("b")))
	assert.JSONEq(t, `{"err_code":0,"err_msg":"","chat_message_id":2}`, string(r.Data))
}

func TestGetAllChatList(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	alice := f.srv.AddMember(Profile{Username: "alice", Nickname: "Alice"})
	bob := f.srv.AddMember(Profile{Username: "bob", Nickname: "Bobby", Avatar: "https://x.test/b.png", Age: 31,
		Extra: map[string]any{"city": "杭州", "vip": true, "age": 32}})
	carol := f.srv.AddMember(Profile{Username: "carol"})
	dave := f.srv.AddMember(Profile{Username: "dave"})
	f.ok(svcSend, bob, to(alice.UUID, text("1")))
	f.ok(svcSend, alice, to(carol.UUID, text("2")))
	f.ok(svcSend, dave, to(alice.UUID, text("3")))
	f.ok(svcSend, bob, to(alice.UUID, text("4")))
	f.ok(svcMark, alice, url.Values{"other_uuid": {bob.UUID}})

	var l wireList
	f.ok(svcChatList, alice, nil).into(t, &l)
	assert.Equal(t, 3, l.Total)
	require.Len(t, l.List, 3)
	assert.Equal(t, []string{bob.UUID, dave.UUID, carol.UUID}, []string{l.List[0].ToUUID, l.List[1].ToUUID, l.List[2].ToUUID}, "newest first")
	first := l.List[0]
	assert.Equal(t, int64(0), first.ID, "no id in the chat list")
	assert.Equal(t, map[string]any{"content": "4"}, first.Data)
	assert.Equal(t, "out", first.IO)
	assert.Equal(t, 1, first.IsRead)
	require.NotNil(t, first.User)
	assert.Equal(t, "bob", first.User.Username)
	assert.Equal(t, map[string]any{"yesapi_avatar": "https://x.test/b.png", "nickname": "Bobby", "age": float64(32), "city": "杭州", "vip": true}, first.User.ExtInfo, "Extra overrides")
	assert.Equal(t, "in", l.List[2].IO)
	assert.Equal(t, 0, l.List[1].IsRead)
	assert.Equal(t, "carol", l.List[2].User.Username)

	f.ok(svcChatList, alice, url.Values{"page": {"2"}, "perpage": {"2"}}).into(t, &l)
	assert.Equal(t, 3, l.Total)
	require.Len(t, l.List, 1)
	assert.Equal(t, carol.UUID, l.List[0].ToUUID)
	f.ok(svcChatList, alice, url.Values{"page": {"3"}, "perpage": {"2"}}).into(t, &l)
	assert.Equal(t, 3, l.Total)
	assert.Empty(t, l.List)

	f.ok(svcChatList, carol, nil).into(t, &l)
	assert.Equal(t, 1, l.Total)
	assert.Equal(t, alice.UUID, l.List[0].ToUUID)
	assert.Equal(t, map[string]any{"yesapi_avatar": "", "nickname": "Alice", "age": float64(0)}, l.List[0].User.ExtInfo)
}

func TestStartOptions(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:0", "nonsense"} {
		_, err := Start(WithAddr(addr))
		assert.Error(t, err, addr)
	}
	_, err := Start(WithSignMode(SignMode(7)))
	assert.Error(t, err)
	_, err = Start(WithAppKey(strings.Repeat("K", 31)))
	assert.ErrorContains(t, err, "shorter than 32")

	myKey := strings.Repeat("MYKEY", 7)
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		srv, err := Start(WithAddr(addr), WithAppKey(myKey), WithSecret("mysecret"), nil)
		require.NoError(t, err, addr)
		assert.True(t, strings.HasPrefix(srv.URL(), "http://127.0.0.1:") || strings.HasPrefix(srv.URL(), "http://[::1]:"), srv.URL())
		assert.Equal(t, myKey, srv.AppKey())
		assert.Equal(t, "mysecret", srv.Secret())
		srv.Close()
	}
	assert.Equal(t, "dynamic static none SignMode(9)", fmt.Sprint(SignDynamic, SignStatic, SignNone, SignMode(9)))
	assert.Equal(t, "none html502 drop-after stall truncate non-json exception exception-ret0 exception-db redirect307 store-then-redirect Fault(11)",
		fmt.Sprint(Fault(0), FaultHTML502, FaultDropAfter, FaultStall, FaultTruncate, FaultNonJSON,
			FaultException500, FaultExceptionRet0, FaultExceptionDB, FaultRedirect307, FaultStoreThenRedirect, Fault(11)))
	for _, loc := range []string{"/relative", "127.0.0.1:1", "ftp://example.com/", "http://", "::"} {
		_, err := Start(WithRedirectLocation(loc))
		assert.ErrorContains(t, err, "redirect location", loc)
	}
}

func TestCopies(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(2)
	f.ok(svcSend, ms[0], to(ms[1].UUID, text("x")))
	reqs := f.srv.Requests()
	reqs[0].Form.Set("chat_message_data", "changed")
	reqs[0].Query.Set("s", "changed")
	reqs[0].Service = "changed"
	msgs := f.srv.Messages()
	msgs[0].Data[2] = 'X'
	msgs[0].Read = true
	again := f.srv.Requests()[0]
	assert.Equal(t, `{"content":"x"}`, again.Form.Get("chat_message_data"))
	assert.Equal(t, svcSend, again.Query.Get("s"))
	assert.Equal(t, svcSend, again.Service)
	m := f.srv.Messages()[0]
	assert.Equal(t, `{"content":"x"}`, string(m.Data))
	assert.False(t, m.Read)
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithSendReturnsID(true))
	const pairs, each = 10, 5
	ms := f.members(2 * pairs)
	var wg sync.WaitGroup
	for p := 0; p < pairs; p++ {
		a, b := ms[2*p], ms[2*p+1]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				f.ok(svcSend, a, to(b.UUID, text("m")))
				f.ok(svcTake, b, url.Values{"other_uuid": {a.UUID}})
				f.ok(svcMark, b, url.Values{"other_uuid": {a.UUID}})
			}
			f.srv.SetQuirks(p%2 == 0)
			_ = f.srv.Requests()
		}()
	}
	wg.Wait()
	msgs := f.srv.Messages()
	require.Len(t, msgs, pairs*each)
	for i, m := range msgs {
		assert.Equal(t, int64(i+1), m.ID)
		assert.True(t, m.Read)
	}
	assert.Len(t, f.srv.Requests(), 3*pairs*each)
}

func TestPHPEncode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in           any
		plain, quirk string
	}{
		{"a/b\"\\\b\f\n\r\t\x01\x7f<>&'", `"a\/b\"\\\b\f\n\r\t\u0001` + "\x7f" + `<>&'"`, ""},
		{"é中😀", `"\u00e9\u4e2d\ud83d\ude00"`, ""},
		{"\xff", `"\ufffd"`, ""},
		{phpInt(12), `12`, `"12"`},
		{-3, `-3`, ""},
		{phpObject{}, `{}`, `[]`},
		{[]any{}, `[]`, ""},
		{phpObject{{"0", 1}, {"1", phpInt(2)}}, `{"0":1,"1":2}`, `[1,"2"]`},
		{phpObject{{"1", 1}}, `{"1":1}`, ""},
		{phpObject{{"b", nil}, {"a", false}}, `{"b":null,"a":false}`, ""},
		{phpNumber("1.50"), `1.5`, ""},
		{phpNumber("10.0"), `10.0`, ""},
		{phpNumber("100"), `100`, ""},
		{phpNumber("-0"), `0`, ""},
		{phpNumber("1e25"), `1.0e+25`, ""},
		{phpNumber("1.5e-7"), `1.5e-7`, ""},
		{phpNumber("0.001"), `0.001`, ""},
		{phpNumber("12345678901234567890"), `1.2345678901234567e+19`, ""},
	}
	for _, c := range cases {
		quirk := c.quirk
		if quirk == "" {
			quirk = c.plain
		}
		assert.Equal(t, c.plain, string(phpEncode(c.in, false)), "%#v", c.in)
		assert.Equal(t, quirk, string(phpEncode(c.in, true)), "%#v quirks", c.in)
	}
	assert.Panics(t, func() { phpEncode(struct{}{}, false) })
}

func TestPHPDecode(t *testing.T) {
	t.Parallel()
	v, err := phpDecode([]byte(` {"b":1,"a":[true,null,"x"],"b":2} `))
	require.NoError(t, err)
	assert.Equal(t, phpObject{{"b", phpNumber("2")}, {"a", []any{true, nil, "x"}}}, v, "a repeated key keeps its place and its last value")
	for _, bad := range []string{``, `{`, `{"a":1}{}`, `{"a":1,}`, "{\"a\":\"\xff\"}", `{a:1}`, `nul`} {
		_, err := phpDecode([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func TestIntval(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{
		"12": 12, " 12": 12, "12abc": 12, "abc": 0, "": 0, "-5": -5, "+7": 7,
		"99999999999999999999": 1<<63 - 1, "-99999999999999999999": -1 << 63,
	} {
		assert.Equal(t, want, intval(in), in)
	}
}

func TestClientLoggerAndQuirksOption(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	srv := NewServer(t, WithQuirks(true), WithLogger(logger))
	alice := srv.AddMember(Profile{Username: "alice"})
	bob := srv.AddMember(Profile{Username: "bob"})

	c, err := srv.Client()
	require.NoError(t, err)
	assert.Equal(t, srv.URL(), c.BaseURL())
	assert.Equal(t, srv.AppKey(), c.AppKey())
	var out struct {
		Content string `json:"content"`
	}
	resp, err := c.Do(context.Background(), &okayapi.Request{Service: "Hello.World", Params: url.Values{"name": {"你好"}}}, &out)
	require.NoError(t, err)
	assert.Equal(t, "Hello 你好", out.Content)
	assert.Contains(t, string(resp.Data), `\u4f60\u597d`, "quirks on from the option")

	srv.InjectFault(FaultHTML502, 1)
	_, _ = c.Do(context.Background(), &okayapi.Request{Service: svcUnread, Member: alice}, nil)
	_, err = c.Do(context.Background(), &okayapi.Request{Service: svcSend, Member: alice,
		Params: url.Values{"other_uuid": {bob.UUID}, "chat_message_data": {`{"content":"x"}`}}}, nil)
	require.NoError(t, err)

	mu.Lock()
	defer mu.Unlock()
	out2 := logs.String()
	assert.Contains(t, out2, "service=Hello.World")
	assert.Contains(t, out2, "fault=html502")
	assert.Contains(t, out2, "service="+svcSend+" status=200 ret=200 err_code=0")
	for _, secret := range []string{srv.Secret(), alice.Token, srv.Requests()[2].Form.Get("sign")} {
		assert.NotContains(t, out2, secret)
	}

	assert.Panics(t, func() { srv.AddMember(Profile{Username: "x", Extra: map[string]any{"c": make(chan int)}}) })
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
