package okayapitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
)

func TestWireVectorHelloWorld(t *testing.T) {
	t.Parallel()
	f := newFake(t, WithAppKey(vectorAppKey), WithSecret(vectorSecret))
	base := url.Values{"s": {"Hello.World"}, "name": {"dogstar"}, "app_key": {vectorAppKey}}
	require.Equal(t, vectorSign, wiretest.Sign(base, vectorSecret), "the test's own signer agrees with the wire notes")

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

// TestRetErrors checks PhalApi's order: service, parameters (app_key
// first), app key, signature, login; and each parameter rule's message.
func TestRetErrors(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(2)
	alice, bob := ms[0], ms[1]
	expired := f.srv.AddMember(Account{Username: "gone"})
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
	cases := []tc{
		{name: "missing app_key", service: svcPut, who: alice, params: to(bob.UUID, text("hi")),
			mutate: func(p url.Values) { p.Del("app_key") }, ret: 400, msg: "客户端非法请求：缺少必要参数app_key"},
		{name: "wrong app_key", service: svcPut, who: alice, params: to(bob.UUID, text("hi")),
			mutate: func(p url.Values) { p.Set("app_key", strings.Repeat("0", 32)) }, ret: 406, msg: "客户端非法请求：非法app_key，请核对你所在的接口域名"},
		{name: "short app_key", service: svcPut, who: alice, params: to(bob.UUID, text("hi")),
			mutate: func(p url.Values) { p.Set("app_key", strings.Repeat("0", 31)) }, ret: 400, msg: "非法请求：app_key的长度不能小于32"},
		{name: "wrong app_key before a bad sign", service: svcPut, who: alice, params: to(bob.UUID, text("hi")),
			mutate: func(p url.Values) { p.Set("app_key", strings.Repeat("0", 32)); p.Set("sign", "X") },
			ret:    406, msg: "客户端非法请求：非法app_key，请核对你所在的接口域名"},
		{name: "wrong app_key before login", service: svcCount,
			mutate: func(p url.Values) { p.Set("app_key", strings.Repeat("0", 32)) }, ret: 406, msg: "非法app_key"},
		{name: "missing param before a wrong app_key", service: svcPut, who: alice, params: text("hi"),
			mutate: func(p url.Values) { p.Set("app_key", strings.Repeat("0", 32)) }, ret: 400, msg: "客户端非法请求：缺少必要参数other_uuid"},
		{name: "missing app_key before a missing param", service: svcPut, who: alice, params: text("hi"),
			mutate: func(p url.Values) { p.Del("app_key") }, ret: 400, msg: "客户端非法请求：缺少必要参数app_key"},
		{name: "unknown service", service: "App.Nope.Nothing", who: alice,
			ret: 404, msg: "非法请求：服务App.Nope.Nothing不存在"},
		{name: "unknown service before a bad sign", service: "App.Nope.Nothing",
			mutate: func(p url.Values) { p.Set("sign", "X") }, ret: 404},
		{name: "unknown service before a missing app_key", service: "App.Nope.Nothing",
			mutate: func(p url.Values) { p.Del("app_key") }, ret: 404, msg: "非法请求：服务App.Nope.Nothing不存在"},
		{name: "unknown service before a wrong app_key", service: "App.Nope.Nothing",
			mutate: func(p url.Values) { p.Set("app_key", "X") }, ret: 404},
		{name: "missing sign", service: svcPut, who: alice, params: to(bob.UUID, text("hi")),
			mutate: func(p url.Values) { p.Del("sign") }, ret: 400, msg: "非法请求：签名错误"},
		{name: "param changed after signing", service: svcPut, who: alice, params: to(bob.UUID, text("hi")),
			mutate: func(p url.Values) { p.Set("data", `{"content":"bye"}`) }, ret: 400, msg: "非法请求：签名错误"},
		{name: "missing param before a bad sign", service: svcPut, who: alice, params: text("hi"),
			mutate: func(p url.Values) { p.Set("sign", "X") }, ret: 400, msg: "客户端非法请求：缺少必要参数other_uuid"},
		{name: "params in declared order", service: svcPut, who: alice,
			params: url.Values{"type": {"video"}}, ret: 400, msg: "客户端非法请求：缺少必要参数other_uuid"},
		{name: "bad sign before login", service: svcCount,
			mutate: func(p url.Values) { p.Set("sign", "X") }, ret: 400, msg: "非法请求：签名错误"},
		{name: "missing other_uuid", service: svcPut, who: alice, params: text("hi"),
			ret: 400, msg: "客户端非法请求：缺少必要参数other_uuid"},
		{name: "missing other_uuid before login", service: svcPut, params: text("hi"),
			ret: 400, msg: "客户端非法请求：缺少必要参数other_uuid"},
		{name: "short other_uuid", service: svcPut, who: alice, params: to("ABC", text("hi")),
			ret: 400, msg: "非法请求：other_uuid的长度不能小于32"},
		{name: "long other_uuid", service: svcWhois, who: alice, params: url.Values{"other_uuid": {long}},
			ret: 400, msg: "非法请求：other_uuid的长度不能大于32"},
		{name: "bad enum", service: svcPut, who: alice,
			params: url.Values{"other_uuid": {bob.UUID}, "type": {"video"}, "data": {`{}`}},
			ret:    400, msg: "非法请求：参数type应该为：text/html，但现在type = video"},
		{name: "enum case-sensitive", service: svcPut, who: alice,
			params: url.Values{"other_uuid": {bob.UUID}, "type": {"Text"}, "data": {`{}`}}, ret: 400, msg: "type = Text"},
		{name: "missing object", service: svcPut, who: alice, params: url.Values{"other_uuid": {bob.UUID}},
			ret: 400, msg: "客户端非法请求：缺少必要参数data"},
		{name: "object not JSON", service: svcPut, who: alice,
			params: url.Values{"other_uuid": {bob.UUID}, "data": {`{content:1}`}}, ret: 400, msg: "非法请求：参数data应该是JSON格式的对象"},
		{name: "object a JSON list", service: svcPut, who: alice,
			params: url.Values{"other_uuid": {bob.UUID}, "data": {`["a"]`}}, ret: 400, msg: "data"},
		{name: "object a JSON string", service: svcPut, who: alice,
			params: url.Values{"other_uuid": {bob.UUID}, "data": {`"a"`}}, ret: 400, msg: "data"},
		{name: "list too long", service: svcRules, params: url.Values{"to": {"a,b,c,d"}},
			ret: 400, msg: "非法请求：to的个数不能大于3"},
		{name: "string too long", service: svcRules, params: url.Values{"code": {"ABCDE"}},
			ret: 400, msg: "非法请求：code的长度不能大于4"},
		{name: "int over max", service: svcRules, params: url.Values{"perpage": {"101"}},
			ret: 400, msg: "非法请求：参数perpage的值不能大于100"},
		{name: "int under min", service: svcRules, params: url.Values{"perpage": {"0"}},
			ret: 400, msg: "非法请求：参数perpage的值不能小于1"},
		{name: "int not a number", service: svcRules, params: url.Values{"perpage": {"many"}},
			ret: 400, msg: "非法请求：参数perpage的值不能小于1"},
		{name: "negative int", service: svcRules, params: url.Values{"last_id": {"-1"}},
			ret: 400, msg: "非法请求：参数last_id的值不能小于0"},
		{name: "rules in declared order", service: svcRules, params: url.Values{"code": {"ABCDE"}, "direction": {"left"}},
			ret: 400, msg: "非法请求：参数direction应该为：up/down，但现在direction = left"},
		{name: "not logged in", service: svcCount, ret: 401, msg: "用户未登录，或登录凭证已过期"},
		{name: "wrong token", service: svcCount, who: okayapi.NewMember(alice.UUID, bob.Token()), ret: 401},
		{name: "unknown uuid", service: svcCount, who: okayapi.NewMember(strings.Repeat("F", 32), alice.Token()), ret: 401},
		{name: "expired token", service: svcCount, who: expired, ret: 401, msg: "用户未登录，或登录凭证已过期"},
		{name: "login missing password", service: "App.User.Login", params: url.Values{"username": {"m0"}},
			ret: 400, msg: "客户端非法请求：缺少必要参数password"},
	}
	t.Cleanup(func() { // after the parallel subtests
		assert.Empty(t, f.box.all(), "no refused call stored anything")
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
			assert.Contains(t, []string{"{}", "[]", "null"}, string(r.Data), "data on a refusal")
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
		r := f.do(http.MethodPost, "/api/App/Test_Box/Count", f.params(svcCount, alice, nil))
		assert.Equal(t, 200, r.Ret, string(r.Body))
	})
	t.Run("path form without s", func(t *testing.T) {
		t.Parallel()
		p := url.Values{"app_key": {f.srv.AppKey()}, "uuid": {alice.UUID}, "token": {alice.Token()}}
		p.Set("sign", wiretest.Sign(p, f.srv.Secret()))
		r := f.do(http.MethodPost, "/api/App/Test_Box/Count", p)
		assert.Equal(t, 200, r.Ret, string(r.Body))
		assert.Equal(t, "V2.5.1 YesApi App.Test_Box.Count", r.Msg)
	})
	t.Run("path form, unknown service", func(t *testing.T) {
		t.Parallel()
		p := url.Values{"app_key": {f.srv.AppKey()}}
		p.Set("sign", wiretest.Sign(p, f.srv.Secret()))
		r := f.do(http.MethodPost, "/api/App/Test_Box/Nothing", p)
		assert.Equal(t, 404, r.Ret)
		assert.Contains(t, r.Msg, "App.Test_Box.Nothing")
	})
	t.Run("s wins over the path", func(t *testing.T) {
		t.Parallel()
		r := f.do(http.MethodPost, "/api/App/Test_Box/Nothing", f.params(svcCount, alice, nil))
		assert.Equal(t, 200, r.Ret, string(r.Body))
	})
	t.Run("service wins over s", func(t *testing.T) {
		t.Parallel()
		p := url.Values{"service": {svcCount}, "s": {"App.Nope.Nothing"}, "app_key": {f.srv.AppKey()}, "uuid": {alice.UUID}, "token": {alice.Token()}}
		p.Set("sign", wiretest.Sign(p, f.srv.Secret()))
		r := f.do(http.MethodPost, "/", p)
		assert.Equal(t, 200, r.Ret, string(r.Body))
	})
	t.Run("query form, s in the query and signed", func(t *testing.T) {
		t.Parallel()
		r := f.call(svcPut, alice, to(bob.UUID, text("via query")))
		assert.Equal(t, 200, r.Ret, string(r.Body))
		reqs := f.srv.Requests()
		var seen bool
		for _, rq := range reqs {
			if rq.Query.Get("s") == svcPut && rq.Form.Get("data") == `{"content":"via query"}` {
				seen = true
				assert.Equal(t, svcPut, rq.Service)
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
		r := f.do(http.MethodPost, "/", f.params("Test_Box.Count", alice, nil))
		assert.Equal(t, 200, r.Ret, string(r.Body))
		assert.Equal(t, "V2.5.1 YesApi Test_Box.Count", r.Msg, "as the call named it")
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
	p := f.params(svcPut, alice, to(bob.UUID, text("by GET")))
	r := f.do(http.MethodGet, "/?"+p.Encode(), nil)
	require.Equal(t, 200, r.Ret, string(r.Body))

	// POST: the body wins over the query for the same name.
	p = f.params(svcPut, alice, to(bob.UUID, text("by POST")))
	r = f.do(http.MethodPost, "/?data=ignored&s="+svcPut, p)
	require.Equal(t, 200, r.Ret, string(r.Body))

	// Multipart bodies are forms too.
	p = f.params(svcPut, alice, to(bob.UUID, text("multipart")))
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

	notes := f.box.all()
	require.Len(t, notes, 3)
	assert.Equal(t, `{"content":"by GET"}`, notes[0].raw)
	assert.Equal(t, `{"content":"by POST"}`, notes[1].raw)
	assert.Equal(t, `{"content":"multipart"}`, notes[2].raw)
	for _, n := range notes {
		assert.Equal(t, alice.UUID, n.from)
		assert.Equal(t, bob.UUID, n.to)
		assert.Equal(t, "text", n.typ)
		assert.True(t, n.at.Equal(fixedTime), "the handler reads the server's clock")
	}
	reqs := f.srv.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, http.MethodGet, reqs[0].Method)
	assert.Equal(t, "ignored", reqs[1].Query.Get("data"))
	assert.Equal(t, `{"content":"by POST"}`, reqs[1].Form.Get("data"))
}

func TestSignModes(t *testing.T) {
	t.Parallel()
	t.Run("static", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithSecret("ignored"), WithStaticSign("STATIC-VALUE"))
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
		f := newFake(t, WithStaticSign(""))
		assert.Len(t, f.srv.StaticSign(), 32)
		r := f.call("Hello.World", okayapi.Member{}, nil)
		assert.Equal(t, 200, r.Ret)
	})
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, WithoutSign())
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
	})
}

func TestLoginAndRegister(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	alice := f.srv.AddMember(Account{Username: "alice", Password: "s3cret"})

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
	assert.NotEqual(t, alice.Token(), login.Token, "each login gets its own token")
	fresh := okayapi.NewMember(login.UUID, login.Token)
	f.ok(svcCount, fresh, nil)
	f.ok(svcCount, alice, nil) // the older token stays valid

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
	assert.Equal(t, 401, f.call(svcCount, alice, nil).Ret)
	assert.Equal(t, 401, f.call(svcCount, fresh, nil).Ret)
	r = f.ok("App.User.Login", okayapi.Member{}, url.Values{"username": {"alice"}, "password": {md5hex("s3cret")}})
	r.into(t, &login)
	f.ok(svcCount, okayapi.NewMember(login.UUID, login.Token), nil)

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
	r = f.ok(svcWhois, okayapi.NewMember(login.UUID, login.Token), url.Values{"other_uuid": {strings.ToLower(reg.UUID)}})
	assert.JSONEq(t, `{"err_code":0,"err_msg":"","user":{"username":"dave","ext_info":{"nickname":"戴夫","age":30}}}`, string(r.Data),
		"ext_info as registered; uuids ignore case")

	r = f.call("App.User.Register", okayapi.Member{}, url.Values{"username": {"dave"}, "password": {md5hex("pw")}})
	assert.Equal(t, 1, r.code(t), "duplicate username")
	r = f.call("App.User.Register", okayapi.Member{}, url.Values{"username": {"erin"}, "password": {md5hex("pw")}, "ext_info": {`[1]`}})
	assert.Equal(t, 400, r.Ret, "ext_info must be an object")
	r = f.call("App.User.Register", okayapi.Member{}, url.Values{"username": {strings.Repeat("n", 51)}, "password": {md5hex("pw")}})
	assert.Equal(t, 400, r.Ret, "username at most 50 characters")

	assert.PanicsWithValue(t, `okayapitest: AddMember: username "alice" is taken`, func() { f.srv.AddMember(Account{Username: "alice"}) })
	anon := f.srv.AddMember(Account{})
	assert.Regexp(t, `^[0-9A-F]{32}$`, anon.UUID)
	assert.Regexp(t, `^[0-9A-F]{64}$`, anon.Token())
}

// An Account's profile becomes the member's ext_info.
func TestAccountProfile(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	alice := f.srv.AddMember(Account{Username: "alice", Nickname: "Alice"})
	bob := f.srv.AddMember(Account{Username: "bob", Nickname: "Bobby", Avatar: "https://x.test/b.png", Age: 31,
		Extra: map[string]any{"city": "杭州", "vip": true, "age": 32}})
	var d struct {
		User struct {
			Username string         `json:"username"`
			ExtInfo  map[string]any `json:"ext_info"`
		} `json:"user"`
	}
	f.ok(svcWhois, alice, url.Values{"other_uuid": {bob.UUID}}).into(t, &d)
	assert.Equal(t, "bob", d.User.Username)
	assert.Equal(t, map[string]any{"yesapi_avatar": "https://x.test/b.png", "nickname": "Bobby", "age": float64(32), "city": "杭州", "vip": true},
		d.User.ExtInfo, "Extra overrides")
	d.User.ExtInfo = nil
	f.ok(svcWhois, bob, url.Values{"other_uuid": {alice.UUID}}).into(t, &d)
	assert.Equal(t, map[string]any{"yesapi_avatar": "", "nickname": "Alice", "age": "0"}, d.User.ExtInfo, "a MySQL number: a string")
	assert.Equal(t, 2, f.call(svcWhois, bob, url.Values{"other_uuid": {strings.Repeat("0", 32)}}).code(t), "not a member")

	assert.Panics(t, func() { f.srv.AddMember(Account{Username: "x", Extra: map[string]any{"c": make(chan int)}}) })
}

func TestStartOptions(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:0", "nonsense"} {
		_, err := Start(WithAddr(addr))
		assert.Error(t, err, addr)
	}
	_, err := Start(WithAppKey(strings.Repeat("K", 31)))
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
	for _, loc := range []string{"/relative", "127.0.0.1:1", "ftp://example.com/", "http://", "::"} {
		_, err := Start(WithRedirectLocation(loc))
		assert.ErrorContains(t, err, "redirect location", loc)
	}
}

// Requests returns copies: changing them changes nothing in the server.
func TestCopies(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(2)
	f.ok(svcPut, ms[0], to(ms[1].UUID, text("x")))
	reqs := f.srv.Requests()
	reqs[0].Form.Set("data", "changed")
	reqs[0].Query.Set("s", "changed")
	reqs[0].Service = "changed"
	again := f.srv.Requests()[0]
	assert.Equal(t, `{"content":"x"}`, again.Form.Get("data"))
	assert.Equal(t, svcPut, again.Query.Get("s"))
	assert.Equal(t, svcPut, again.Service)
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	const pairs, each = 10, 5
	ms := f.members(2 * pairs)
	var wg sync.WaitGroup
	for p := 0; p < pairs; p++ {
		a, b := ms[2*p], ms[2*p+1]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				f.ok(svcPut, a, to(b.UUID, text("m")))
				f.ok(svcCount, b, nil)
				f.ok("App.User.Login", okayapi.Member{}, url.Values{"username": {fmt.Sprintf("m%d", 2*p)}, "password": {md5hex("pw")}})
			}
			_ = f.srv.Requests()
		}()
	}
	wg.Wait()
	notes := f.box.all()
	require.Len(t, notes, pairs*each)
	for i, n := range notes {
		assert.Equal(t, int64(i+1), n.id)
	}
	assert.Len(t, f.srv.Requests(), 3*pairs*each)
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
	handleHello(srv)
	handleBox(srv)
	alice := srv.AddMember(Account{Username: "alice"})
	bob := srv.AddMember(Account{Username: "bob"})

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

	srv.InjectFault("", "html502", 1)
	_, _ = c.Do(context.Background(), &okayapi.Request{Service: svcCount, Member: alice}, nil)
	_, err = c.Do(context.Background(), &okayapi.Request{Service: svcPut, Member: alice,
		Params: url.Values{"other_uuid": {bob.UUID}, "data": {`{"content":"x"}`}}}, nil)
	require.NoError(t, err)

	mu.Lock()
	defer mu.Unlock()
	out2 := logs.String()
	assert.Contains(t, out2, "service=Hello.World")
	assert.Contains(t, out2, "fault=html502")
	assert.Contains(t, out2, "service="+svcPut+" status=200 ret=200 err_code=0")
	for _, secret := range []string{srv.Secret(), alice.Token(), srv.Requests()[2].Form.Get("sign")} {
		assert.NotContains(t, out2, secret)
	}
}

// NewClient is Client for a test: wired to the server, closed at the end.
func TestNewClient(t *testing.T) {
	t.Parallel()
	for mode, sign := range map[string]Option{"dynamic": WithSecret(""), "static": WithStaticSign(""), "none": WithoutSign()} {
		srv := NewServer(t, sign)
		handleHello(srv)
		c := NewClient(t, srv, okayapi.WithUserAgent("okayapitest-test"))
		var out struct {
			Content string `json:"content"`
		}
		_, err := c.Do(t.Context(), &okayapi.Request{Service: "Hello.World", Params: url.Values{"name": {"x"}}}, &out)
		require.NoError(t, err, mode)
		assert.Equal(t, "Hello x", out.Content, mode)
	}
}
