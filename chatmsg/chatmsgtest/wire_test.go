package chatmsgtest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// wireClaim is one claim of docs/wire.md and the check that the fake (with
// the SDK where the claim is the SDK's) behaves as it says. claim is text
// from the first line of the claim's bullet, numbered step or table row.
type wireClaim struct {
	claim string
	check func(t *testing.T)
	// notModelled, for a claim the fake does not reproduce, says why.
	notModelled string
}

// habits is a fake with PHP's habits on, as by default.
func habits(t *testing.T) *fake {
	return newFake(t, okayapitest.WithQuirks(true))
}

// rawPost POSTs p to path and returns the status and the body.
func (f *fake) rawPost(path string, p url.Values) (int, string) {
	f.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, f.srv.URL()+path, strings.NewReader(p.Encode()))
	require.NoError(f.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := f.hc.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(f.t, err)
	return resp.StatusCode, string(b)
}

var wireClaims = []wireClaim{
	{claim: "Each app has its own host", check: func(t *testing.T) {
		f := newFake(t)
		u, err := url.Parse(f.srv.URL())
		require.NoError(t, err)
		assert.Equal(t, "127.0.0.1", u.Hostname(), "one app per fake, on its own address")
	}},
	{claim: "A call names a *service*, `App.Market_ChatMessage.Send`, in one of two URL forms:", check: func(t *testing.T) {
		f := newFake(t)
		alice := f.members(1)[0]
		p := f.params(svcUnread, alice, nil)
		p.Del("s") // the path names the service; s is signed by the SDK but not needed here
		p.Set("sign", signOf(f, p))
		status, body := f.rawPost("/api/App/Market_ChatMessage/GetAllUnreadNum", p)
		assert.Equal(t, http.StatusOK, status)
		assert.Contains(t, body, `"ret":200`)
		f.ok(svcUnread, alice, nil) // the query form, ?s= in the body here as PhalApi reads $_REQUEST
	}},
	{claim: "PhalApi reads the service from `service`, then `s`, then the path.", check: func(t *testing.T) {
		f := newFake(t)
		alice := f.members(1)[0]
		p := f.params(svcUnread, alice, url.Values{"service": {svcChatList}})
		status, body := f.rawPost("/api/App/Nope/Nothing", p)
		assert.Equal(t, http.StatusOK, status)
		assert.Contains(t, body, `"total":0`, "service wins over s and the path: %s", body)
		p = f.params(svcUnread, alice, nil)
		_, body = f.rawPost("/api/App/Nope/Nothing", p)
		assert.Contains(t, body, `"unread_num":0`, "s wins over the path: %s", body)
	}},
	{claim: "Calls are `POST` with `application/x-www-form-urlencoded`", check: func(t *testing.T) {
		f := newFake(t)
		alice := f.members(1)[0]
		c := okayapitest.NewClient(t, f.srv)
		_, err := c.Do(t.Context(), &okayapi.Request{Service: svcUnread, Member: alice, Idempotent: true}, nil)
		require.NoError(t, err)
		r := f.srv.Requests()[0]
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Empty(t, r.Query["token"], "the token is not in the URL")
		assert.Empty(t, r.Query["sign"], "nor the signature")
	}},
	{claim: "Nothing in PhalApi answers with a redirect", check: func(t *testing.T) {
		f := newFake(t)
		f.srv.InjectFault("", "redirect307", 1)
		c := okayapitest.NewClient(t, f.srv)
		_, err := c.Do(t.Context(), &okayapi.Request{Service: svcUnread, Member: f.members(1)[0], Idempotent: true}, nil)
		assert.ErrorIs(t, err, okayapi.ErrRedirect, "a redirect is a fault, and the SDK does not follow it")
	}},
	{claim: "| `s` | the service; always sent, always signed |", check: func(t *testing.T) {
		f := newFake(t)
		c := okayapitest.NewClient(t, f.srv, okayapi.WithURLForm(okayapi.PathForm))
		_, err := c.Do(t.Context(), &okayapi.Request{Service: svcUnread, Member: f.members(1)[0], Idempotent: true}, nil)
		require.NoError(t, err, "signed with s, checked with s")
		assert.Equal(t, svcUnread, f.srv.Requests()[0].Form.Get("s"), "sent in the path form too")
	}},
	{claim: "| `app_key` | the app's key (32 upper-case hex characters", check: func(t *testing.T) {
		assert.Regexp(t, `^[0-9A-F]{32}$`, newFake(t).srv.AppKey())
	}},
	{claim: "| `sign` | the signature; not itself signed |", check: func(t *testing.T) {
		f := newFake(t)
		p := f.params(svcUnread, f.members(1)[0], nil) // signed without sign
		assert.Equal(t, 200, f.post(p).Ret)
	}},
	{claim: "| `uuid`, `token` | the acting member's login state (32 and 64 hex characters)", check: func(t *testing.T) {
		f := newFake(t)
		m := f.members(1)[0]
		assert.Regexp(t, `^[0-9A-F]{32}$`, m.UUID)
		assert.Regexp(t, `^[0-9A-F]{64}$`, m.Token())
		assert.Equal(t, 401, f.call(svcUnread, okayapi.NewMember(m.UUID, ""), nil).Ret, "every chat call needs them")
	}},
	{claim: "`App.User.Login` (`username`, `password` = lower-case MD5 hex of the password)", check: func(t *testing.T) {
		f := newFake(t)
		f.members(1)
		var d struct{ UUID, Token string }
		f.ok("App.User.Login", okayapi.Member{}, url.Values{"username": {"m0"}, "password": {md5hex("pw")}}).into(t, &d)
		assert.Regexp(t, `^[0-9A-F]{64}$`, d.Token)
		assert.Equal(t, 1, f.call("App.User.Login", okayapi.Member{}, url.Values{"username": {"m0"}, "password": {"pw"}}).code(t))
	}},
	{claim: "1. every parameter sent except `sign`;", check: func(t *testing.T) {
		f := newFake(t)
		p := f.params(svcUnread, f.members(1)[0], url.Values{"extra": {"x"}})
		p.Set("extra", "y") // a parameter the service does not read is signed too
		assert.Equal(t, 400, f.post(p).Ret)
	}},
	{claim: "2. sorted by name as PHP's `ksort` sorts them", check: func(t *testing.T) {
		f := newFake(t)
		p := f.params(svcUnread, f.members(1)[0], url.Values{"9": {"a"}, "10": {"b"}}) // signed in byte order: 10, 9
		assert.Equal(t, 400, f.post(p).Ret, "ksort puts 9 before 10")
	}},
	{claim: "3. their values, decoded, concatenated with no names or separators (an empty value adds nothing);", check: func(t *testing.T) {
		f := newFake(t)
		p := f.params(svcUnread, f.members(1)[0], nil)
		p.Set("empty", "") // not in the signature: adds nothing
		assert.Equal(t, 200, f.post(p).Ret)
	}},
	{claim: "4. followed by the app secret;", check: func(t *testing.T) {
		f := newFake(t)
		p := f.params(svcUnread, f.members(1)[0], nil)
		p.Del("sign")
		p.Set("sign", signWith(p, "another secret"))
		assert.Equal(t, 400, f.post(p).Ret)
	}},
	{claim: "5. MD5, upper-case hex.", check: func(t *testing.T) {
		f := newFake(t)
		p := f.params(svcUnread, f.members(1)[0], nil)
		p.Set("sign", strings.ToLower(p.Get("sign")))
		assert.Equal(t, 400, f.post(p).Ret, "compared exactly")
	}},
	{claim: "Public vector: `s=Hello.World`, `name=dogstar`", check: func(t *testing.T) {
		srv, _ := chatmsgtest.NewServer(t, okayapitest.WithAppKey("16BD4337FB1D355902E0502AFCBFD4DF"),
			okayapitest.WithSecret("4c1402596e4cd017eeaO670df6f8B6783475b4ac8A32B4900f20abP2159711ad"))
		srv.Handle(okayapitest.Service{Name: "App.Hello.World", Params: []okayapitest.Param{{Name: "name"}},
			Handler: func(c *okayapitest.Call) okayapitest.Answer {
				return okayapitest.Answer{Data: okayapitest.Object{{Key: "content", Value: "Hello " + c.String("name")}}}
			}})
		f := &fake{t: t, srv: srv, hc: http.DefaultClient}
		r := f.post(url.Values{"s": {"Hello.World"}, "name": {"dogstar"}, "app_key": {"16BD4337FB1D355902E0502AFCBFD4DF"},
			"sign": {"908AA11EC46BB439184B64BA68315718"}})
		assert.Equal(t, 200, r.Ret, "%s", r.Body)
	}},
	{claim: "PHP's form parser delivers values byte for byte", check: func(t *testing.T) {
		f := newFake(t)
		ms := f.members(2)
		v := "& + % # = ? 中文 😀 a\nb"
		f.ok(svcSend, ms[0], to(ms[1].UUID, text(v)))
		assert.JSONEq(t, `{"content":`+quote(v)+`}`, string(f.plugin.Messages()[0].Data))
	}},
	{claim: "rewrites parameter **names**: `.` and space become `_`, `a[b]` becomes an array", check: func(t *testing.T) {
		f := newFake(t)
		alice := f.members(1)[0]
		for _, extra := range []url.Values{{"a.z": {"1"}, "a_b": {"2"}}, {"x[y]": {"v"}}, {"my name": {"1"}, "my_a": {"2"}}} {
			assert.Equal(t, 400, f.post(f.params(svcUnread, alice, extra)).Ret, "%v: PHP sees other names", extra)
		}
		c := okayapitest.NewClient(t, f.srv)
		_, err := c.Do(t.Context(), &okayapi.Request{Service: svcUnread, Member: alice, Params: url.Values{"a.b": {"1"}}}, nil)
		assert.Error(t, err, "Client.Do refuses such a name")
	}},
	{claim: "HTTP 200 for everything PhalApi produced, errors included.", check: func(t *testing.T) {
		f := newFake(t)
		status, _ := f.rawPost("/", url.Values{"s": {svcUnread}})
		assert.Equal(t, http.StatusOK, status, "a refusal")
		f.srv.InjectFault("", "html502", 1)
		c := okayapitest.NewClient(t, f.srv, okayapi.WithRetries(0, 0, 0))
		_, err := c.Do(t.Context(), &okayapi.Request{Service: svcUnread, Member: f.members(1)[0], Idempotent: true}, nil)
		var te *okayapi.TransportError
		assert.ErrorAs(t, err, &te, "any other status is a transport failure")
	}},
	{claim: "`ret` is the framework's verdict: 200 ran the call;", check: func(t *testing.T) {
		f := newFake(t)
		alice := f.members(1)[0]
		assert.Equal(t, 200, f.call(svcUnread, alice, nil).Ret)
		assert.Equal(t, 400, f.call(svcSend, alice, nil).Ret, "a missing parameter")
		assert.Equal(t, 401, f.call(svcUnread, okayapi.Member{}, nil).Ret)
		assert.Equal(t, 404, f.call("App.Nope.Nothing", alice, nil).Ret)
		p := f.params(svcUnread, alice, nil)
		p.Set("app_key", strings.Repeat("A", 32))
		assert.Equal(t, 406, f.post(p).Ret)
	}},
	{claim: "`data.err_code` is the plugin's verdict when `ret` is 200:", check: func(t *testing.T) {
		f := newFake(t)
		ms := f.members(2)
		assert.Equal(t, 0, f.call(svcSend, ms[0], to(ms[1].UUID, text("x"))).code(t))
		assert.Equal(t, 1, f.call(svcSend, ms[0], to(ms[0].UUID, text("x"))).code(t))
		assert.Equal(t, 2, f.call(svcSend, ms[0], to(strings.Repeat("0", 32), text("x"))).code(t))
		f.plugin.SetInstalled(false)
		assert.Equal(t, 9, f.call(svcUnread, ms[0], nil).code(t))
	}},
	{claim: "On every error `data` is empty", check: func(t *testing.T) {
		f := habits(t)
		r := f.call(svcUnread, okayapi.Member{}, nil)
		assert.Equal(t, 401, r.Ret)
		assert.Equal(t, "[]", string(r.Data), "PHP's empty array")
		assert.NotEmpty(t, r.Msg)
		assert.Equal(t, "{}", string(newFake(t).call(svcUnread, okayapi.Member{}, nil).Data), "{} with quirks off")
	}},
	{claim: "**Check order**: service routing (404) before anything else", check: func(t *testing.T) {
		f := newFake(t)
		alice := f.members(1)[0]
		p := f.params(svcSend, alice, nil) // other_uuid missing
		p.Set("sign", "BAD")
		assert.Equal(t, 400, f.post(p).Ret)
		assert.Contains(t, f.post(p).Msg, "缺少必要参数other_uuid", "a missing parameter hides a bad signature")
		p = f.params("App.Nope.Nothing", alice, nil)
		p.Set("app_key", "short")
		assert.Equal(t, 404, f.post(p).Ret, "routing first")
	}},
	{claim: "A wrong signature is `ret` 400 on the hosted service", check: func(t *testing.T) {
		f := newFake(t)
		p := f.params(svcUnread, f.members(1)[0], nil)
		p.Set("sign", strings.Repeat("0", 32))
		r := f.post(p)
		assert.Equal(t, 400, r.Ret)
		assert.Contains(t, r.Msg, "签名错误")
	}},
	{claim: "An **uncaught exception**", check: func(t *testing.T) {
		f := habits(t)
		ms := f.members(2)
		f.srv.InjectFault("", "exception", 1)
		status, body := f.rawPost("/", f.params(svcSend, ms[0], to(ms[1].UUID, text("a"))))
		assert.Equal(t, http.StatusInternalServerError, status)
		assert.Empty(t, body)
		f.srv.InjectFault("", "exception-db", 1)
		status, body = f.rawPost("/", f.params(svcSend, ms[0], to(ms[1].UUID, text("b"))))
		assert.Equal(t, http.StatusOK, status)
		assert.True(t, strings.HasPrefix(body, `{"ret":"HY000"`), body)
		assert.Len(t, f.plugin.Messages(), 2, "both stored before the exception")
	}},
	{claim: "numbers as strings, and the same field as a number in another call", check: func(t *testing.T) {
		f := habits(t)
		ms := f.members(2)
		f.ok(svcSend, ms[0], to(ms[1].UUID, text("x")))
		assert.Contains(t, string(f.call(svcUnread, ms[1], nil).Data), `"unread_num":"1"`)
		assert.Contains(t, string(f.call(svcMark, ms[1], url.Values{"other_uuid": {ms[0].UUID}}).Data), `"readed_num":1`)
	}},
	{claim: "flags as 0/1, numbers or strings: `\"chat_message_is_read\": \"1\"`", check: func(t *testing.T) {
		f := habits(t)
		ms := f.members(2)
		f.ok(svcSend, ms[0], to(ms[1].UUID, text("x")))
		f.ok(svcMark, ms[1], url.Values{"other_uuid": {ms[0].UUID}})
		assert.Contains(t, string(f.call(svcTake, ms[0], url.Values{"other_uuid": {ms[1].UUID}}).Data), `"chat_message_is_read":"1"`)
	}},
	{claim: "an empty object written as `[]` (PHP cannot tell them apart), also nested", check: func(t *testing.T) {
		f := habits(t)
		ms := f.members(2)
		f.ok(svcSend, ms[0], to(ms[1].UUID, url.Values{"chat_message_type": {"custom"}, "chat_message_data": {`{"a":{}}`}}))
		assert.Contains(t, string(f.call(svcTake, ms[0], url.Values{"other_uuid": {ms[1].UUID}}).Data), `"chat_message_data":{"a":[]}`)
	}},
	{claim: "and also inside a JSON", notModelled: "the fake stores no text column holding PHP's re-encoding of {}"},
	{claim: "`null` for absent values; fields the reference does not list;", check: func(t *testing.T) {
		f := habits(t)
		r := f.call(svcUnread, f.members(1)[0], nil)
		assert.Contains(t, string(r.Body), `"debug":{`, "a field the reference does not list")
	}},
	{claim: "times as `\"2019-08-11 17:12:02\"` without a zone: China time", check: func(t *testing.T) {
		f := habits(t) // its clock reads 09:12:02 UTC
		ms := f.members(2)
		f.ok(svcSend, ms[0], to(ms[1].UUID, text("x")))
		assert.Contains(t, string(f.call(svcTake, ms[0], url.Values{"other_uuid": {ms[1].UUID}}).Data), `"add_time":"2019-08-11 17:12:02"`)
	}},
	{claim: "`json_encode` with default flags: non-ASCII as `\\uXXXX`", check: func(t *testing.T) {
		f := habits(t)
		ms := f.members(2)
		f.ok(svcSend, ms[0], to(ms[1].UUID, text("中😀/")))
		assert.Contains(t, string(f.call(svcTake, ms[0], url.Values{"other_uuid": {ms[1].UUID}}).Body), `"content":"\u4e2d\ud83d\ude00\/"`)
	}},
	{claim: "data PHP decodes and re-encodes changes shape: `1.0` → `1`", check: func(t *testing.T) {
		f := habits(t)
		ms := f.members(2)
		f.ok(svcSend, ms[0], to(ms[1].UUID, url.Values{"chat_message_type": {"custom"},
			"chat_message_data": {`{"f":1.0,"big":12345678901234567890,"l":{"0":"a","1":"b"},"e":{}}`}}))
		assert.Contains(t, string(f.call(svcTake, ms[0], url.Values{"other_uuid": {ms[1].UUID}}).Data),
			`"chat_message_data":{"f":1,"big":1.2345678901234567e+19,"l":["a","b"],"e":[]}`)
	}},
	{claim: "a PHP file saved with a byte-order mark", notModelled: "the fake's answers carry no byte-order mark; the SDK's own tests cover it"},
	{claim: "a gateway (nginx) answers 502, 503 or 504 **at once** while PHP goes on", check: func(t *testing.T) {
		for _, delay := range []time.Duration{time.Hour, 0} {
			f := newFake(t, okayapitest.WithBackendDelay(delay))
			ms := f.members(2)
			f.srv.InjectFault("", "504-early", 1)
			status, _ := f.rawPost("/", f.params(svcSend, ms[0], to(ms[1].UUID, text("later"))))
			assert.Equal(t, http.StatusGatewayTimeout, status)
			if delay > 0 {
				assert.Empty(t, f.plugin.Messages(), "not stored when the gateway answered")
				continue
			}
			f.srv.Drain()
			assert.Len(t, f.plugin.Messages(), 1, "stored after the answer")
		}
	}},
	{claim: "a read replica lags: a stored message shows in `TakeMessageList`, `GetAllChatList` and", check: func(t *testing.T) {
		f := newFake(t) // a fixed clock: the lag never passes
		ms := f.members(2)
		f.plugin.SetWorld(chatmsgtest.World{Lag: time.Second})
		f.ok(svcSend, ms[0], to(ms[1].UUID, text("x")))
		assert.Empty(t, f.list(svcTake, ms[1], take(ms[0].UUID, 20)).List)
		assert.Zero(t, f.list(svcChatList, ms[1], chatPage(1, 20)).Total)
		assert.Zero(t, unreadNum(t, f, ms[1]))
	}},
	{claim: "rows with the same `add_time` (one-second resolution) come in another order", check: func(t *testing.T) {
		f := newFake(t)
		ms := f.members(2)
		for range 8 {
			f.ok(svcSend, ms[0], to(ms[1].UUID, text("x")))
		}
		f.plugin.SetWorld(chatmsgtest.World{ShuffleTies: true})
		orders := map[string]bool{}
		for range 20 {
			orders[strings.Join(strconvIDs(ids(f.list(svcTake, ms[0], take(ms[1].UUID, 20)).List)), ",")] = true
		}
		assert.Greater(t, len(orders), 1)
	}},
	{claim: "offset paging (`GetAllChatList`'s `page`) is no snapshot", check: func(t *testing.T) {
		f := newFake(t)
		ms := f.members(3)
		f.ok(svcSend, ms[0], to(ms[1].UUID, text("x")))
		f.ok(svcSend, ms[0], to(ms[2].UUID, text("x")))
		f.plugin.SetWorld(chatmsgtest.World{ShiftPages: true})
		a := f.list(svcChatList, ms[0], chatPage(1, 1)).List[0].ToUUID
		b := f.list(svcChatList, ms[0], chatPage(2, 1)).List[0].ToUUID
		assert.Equal(t, a, b, "one row read twice, the other not at all")
	}},
	{claim: "`perpage` may be ignored: a page holds more rows than asked", check: func(t *testing.T) {
		f := newFake(t)
		ms := f.members(2)
		for range 3 {
			f.ok(svcSend, ms[0], to(ms[1].UUID, text("x")))
		}
		f.plugin.SetWorld(chatmsgtest.World{PerPage: 100})
		assert.Len(t, f.list(svcTake, ms[0], take(ms[1].UUID, 1)).List, 3)
	}},
	{claim: "a chat-list row's other member may be no uuid (a system sender such as `system`)", check: func(t *testing.T) {
		f := newFake(t)
		alice := f.members(1)[0]
		f.plugin.Store(chatmsgtest.StoredMessage{From: "system", To: alice.UUID})
		assert.Equal(t, "system", f.list(svcChatList, alice, chatPage(1, 20)).List[0].ToUUID)
		assert.Equal(t, 400, f.call(svcTake, alice, take("system", 20)).Ret)
	}},
	{claim: "the name of `GetAllUnreadNum`'s count", check: func(t *testing.T) {
		f := newFake(t)
		assert.Contains(t, string(f.call(svcUnread, f.members(1)[0], nil).Data), `"unread_num":0`)
	}},
	{claim: "whether `Send` returns the new message's id", check: func(t *testing.T) {
		f := newFake(t)
		ms := f.members(2)
		assert.NotContains(t, string(f.call(svcSend, ms[0], to(ms[1].UUID, text("x"))).Data), "chat_message_id")
		assert.Contains(t, string(f.call(svcMulti, ms[0], to(ms[1].UUID, text("x"))).Data), `"chat_message_id":2`)
		f.plugin.SetSendReturnsID(true)
		assert.Contains(t, string(f.call(svcSend, ms[0], to(ms[1].UUID, text("x"))).Data), `"chat_message_id":3`)
	}},
	{claim: "`chat_message_io`: the reference says `in` = sent by me", check: func(t *testing.T) {
		f := newFake(t)
		ms := f.members(2)
		f.ok(svcSend, ms[0], to(ms[1].UUID, text("x")))
		assert.Contains(t, string(f.call(svcTake, ms[0], url.Values{"other_uuid": {ms[1].UUID}}).Data), `"chat_message_io":"in"`)
		assert.Contains(t, string(f.call(svcTake, ms[1], url.Values{"other_uuid": {ms[0].UUID}}).Data), `"chat_message_io":"out"`)
	}},
	{claim: "rate limits: none documented", check: func(t *testing.T) {
		f := newFake(t)
		f.srv.InjectFault("", "429", 1)
		status, _ := f.rawPost("/", f.params(svcUnread, f.members(1)[0], nil))
		assert.Equal(t, http.StatusTooManyRequests, status, "only as a fault")
	}},
	{claim: "the order of `TakeMessageList`'s rows within a page and whether `last_id` is exclusive", check: func(t *testing.T) {
		f := newFake(t)
		ms := f.members(2)
		for range 4 {
			f.ok(svcSend, ms[0], to(ms[1].UUID, text("x")))
		}
		var l wireList
		f.ok(svcTake, ms[0], url.Values{"other_uuid": {ms[1].UUID}, "last_id": {"2"}, "direction": {"down"}}).into(t, &l)
		assert.Equal(t, []int64{3, 4}, ids(l.List), "ascending, after last_id")
		f.ok(svcTake, ms[0], url.Values{"other_uuid": {ms[1].UUID}, "last_id": {"3"}, "direction": {"up"}}).into(t, &l)
		assert.Equal(t, []int64{1, 2}, ids(l.List), "before last_id")
	}},
}

// docs/wire.md and the fake agree point by point: every claim of the table
// is in the page, every bullet, step and table row of the page has its
// claim, and each check passes.
func TestWireClaims(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../docs/wire.md")
	require.NoError(t, err)
	page := string(raw)
	claimed := map[string]bool{}
	for _, c := range wireClaims {
		require.Contains(t, page, c.claim, "the claim is in docs/wire.md")
		require.False(t, claimed[c.claim], "one row per claim: %q", c.claim)
		claimed[c.claim] = true
	}
	item := regexp.MustCompile("^(- |[0-9]+\\. |\\| `)")
	sc := bufio.NewScanner(strings.NewReader(page))
	for sc.Scan() {
		line := sc.Text()
		if !item.MatchString(line) {
			continue
		}
		found := false
		for _, c := range wireClaims {
			found = found || strings.Contains(line, c.claim) || strings.Contains(c.claim, strings.TrimSpace(line))
		}
		assert.True(t, found, "docs/wire.md says %q: add a row to wireClaims", line)
	}
	for _, c := range wireClaims {
		t.Run(c.claim, func(t *testing.T) {
			t.Parallel()
			if c.check == nil {
				t.Skip("not modelled by the fake: " + c.notModelled)
			}
			c.check(t)
		})
	}
}

// signOf signs p as the tests' client does.
func signOf(f *fake, p url.Values) string {
	q := url.Values{}
	for k, v := range p {
		if k != "sign" {
			q[k] = v
		}
	}
	return signWith(q, f.srv.Secret())
}

// signWith is the dynamic signature over p with secret, in byte order of
// the names (as the SDK's names need).
func signWith(p url.Values, secret string) string { return wiretest.Sign(p, secret) }

// quote is s as a JSON string.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
