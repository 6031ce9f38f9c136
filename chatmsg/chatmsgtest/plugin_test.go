package chatmsgtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// The reference's parameter rules, checked by the core server in PhalApi's
// order before the plugin runs: one row per rule.
func TestParamRules(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(2)
	alice, bob := ms[0], ms[1]
	long := strings.Repeat("A", 33)
	uuids201 := make([]string, 201)
	for i := range uuids201 {
		uuids201[i] = bob.UUID
	}
	cases := []struct {
		name    string
		service string
		who     okayapi.Member
		params  url.Values
		ret     int
		msg     string
	}{
		{"missing other_uuid", svcSend, alice, text("hi"), 400, "客户端非法请求：缺少必要参数other_uuid"},
		{"missing other_uuid before login", svcSend, okayapi.Member{}, text("hi"), 400, "客户端非法请求：缺少必要参数other_uuid"},
		{"params in declared order", svcSend, alice, url.Values{"chat_message_type": {"video"}}, 400, "客户端非法请求：缺少必要参数other_uuid"},
		{"short other_uuid", svcSend, alice, to("ABC", text("hi")), 400, "非法请求：other_uuid的长度不能小于32"},
		{"long other_uuid", svcTake, alice, url.Values{"other_uuid": {long}}, 400, "非法请求：other_uuid的长度不能大于32"},
		{"bad type", svcSend, alice, url.Values{"other_uuid": {bob.UUID}, "chat_message_type": {"video"}, "chat_message_data": {`{}`}},
			400, "非法请求：参数chat_message_type应该为：text/html/image/link/custom，但现在chat_message_type = video"},
		{"missing data", svcSend, alice, url.Values{"other_uuid": {bob.UUID}}, 400, "客户端非法请求：缺少必要参数chat_message_data"},
		{"data not JSON", svcSend, alice, url.Values{"other_uuid": {bob.UUID}, "chat_message_data": {`{content:1}`}}, 400, "chat_message_data"},
		{"data a JSON list", svcSend, alice, url.Values{"other_uuid": {bob.UUID}, "chat_message_data": {`["a"]`}}, 400, "chat_message_data"},
		{"data a JSON string", svcMulti, alice, url.Values{"other_uuid": {bob.UUID}, "chat_message_data": {`"a"`}}, 400, "chat_message_data"},
		{"201 recipients", svcMulti, alice, to(strings.Join(uuids201, ","), text("hi")), 400, "非法请求：other_uuid的个数不能大于200"},
		{"perpage over 100", svcTake, alice, url.Values{"other_uuid": {bob.UUID}, "perpage": {"101"}}, 400, "非法请求：参数perpage的值不能大于100"},
		{"perpage 0", svcChatList, alice, url.Values{"perpage": {"0"}}, 400, "非法请求：参数perpage的值不能小于1"},
		{"perpage not a number", svcChatList, alice, url.Values{"perpage": {"many"}}, 400, "非法请求：参数perpage的值不能小于1"},
		{"page over 100", svcChatList, alice, url.Values{"page": {"101"}}, 400, "非法请求：参数page的值不能大于100"},
		{"negative last_id", svcTake, alice, url.Values{"other_uuid": {bob.UUID}, "last_id": {"-1"}}, 400, "非法请求：参数last_id的值不能小于0"},
		{"bad direction", svcTake, alice, url.Values{"other_uuid": {bob.UUID}, "direction": {"left"}}, 400, "非法请求：参数direction应该为：up/down，但现在direction = left"},
		{"negative chat_message_id", svcMark, alice, url.Values{"other_uuid": {bob.UUID}, "chat_message_id": {"-3"}}, 400, "非法请求：参数chat_message_id的值不能小于0"},
		{"not logged in", svcUnread, okayapi.Member{}, nil, 401, "用户未登录，或登录凭证已过期"},
		{"wrong token", svcMark, okayapi.NewMember(alice.UUID, bob.Token()), url.Values{"other_uuid": {bob.UUID}}, 401, ""},
	}
	t.Cleanup(func() { assert.Empty(t, f.plugin.Messages(), "no refused call stored anything") })
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := f.call(c.service, c.who, c.params)
			assert.Equal(t, c.ret, r.Ret, string(r.Body))
			assert.Contains(t, r.Msg, c.msg)
		})
	}
}

func TestInstall(t *testing.T) {
	t.Parallel()
	srv := okayapitest.NewServer(t)
	plugin := chatmsgtest.Install(srv)
	assert.Empty(t, plugin.Messages())
	assert.Panics(t, func() { chatmsgtest.Install(srv) }, "installed twice")

	// Another server, another plugin: no shared state.
	f := newFake(t)
	g := newFake(t)
	a, b := f.members(2), g.members(2)
	f.ok(svcSend, a[0], to(a[1].UUID, text("f")))
	assert.Len(t, f.plugin.Messages(), 1)
	assert.Empty(t, g.plugin.Messages())
	assert.Equal(t, 2, g.call(svcSend, b[0], to(a[1].UUID, text("g"))).code(t), "f's member is not g's")
}

// Messages are dated by the server's clock, called once per stored message.
func TestClock(t *testing.T) {
	t.Parallel()
	next := fixedTime
	f := newFake(t, okayapitest.WithClock(func() time.Time { next = next.Add(time.Minute); return next }))
	ms := f.members(3)
	f.ok(svcSend, ms[0], to(ms[1].UUID, text("one")))
	f.ok(svcMulti, ms[0], to(ms[1].UUID+","+ms[2].UUID, text("two")))
	var at []time.Time
	for _, m := range f.plugin.Messages() {
		at = append(at, m.SentAt)
	}
	assert.Equal(t, []time.Time{fixedTime.Add(time.Minute), fixedTime.Add(2 * time.Minute), fixedTime.Add(3 * time.Minute)}, at)
	var l wireList
	f.ok(svcTake, ms[1], url.Values{"other_uuid": {ms[0].UUID}}).into(t, &l)
	assert.Equal(t, []string{"2019-08-11 17:13:02", "2019-08-11 17:14:02"}, []string{l.List[0].AddTime, l.List[1].AddTime}, "China time")
}

// The core's faults apply to the plugin's calls: a message whose answer was
// lost is stored once.
func TestFaults(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(2)
	f.srv.InjectFault(svcSend, "drop-after", 1)
	resp, err := f.send(t.Context(), f.params(svcSend, ms[0], to(ms[1].UUID, text("stored"))))
	if resp != nil {
		resp.Body.Close()
	}
	require.Error(t, err, "no answer")
	msgs := f.plugin.Messages()
	require.Len(t, msgs, 1, "the call was processed")
	assert.Equal(t, `{"content":"stored"}`, string(msgs[0].Data))

	f.srv.InjectFault(svcSend, "exception-ret0", 1)
	r := f.call(svcSend, ms[0], to(ms[1].UUID, text("stored too")))
	assert.Equal(t, 0, r.Ret)
	var env struct {
		Debug struct {
			Exception []map[string]any `json:"exception"`
		} `json:"debug"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &env))
	require.NotEmpty(t, env.Debug.Exception)
	assert.Equal(t, "/www/wwwroot/okayapi/src/app/Domain/Market/ChatMessage.php", env.Debug.Exception[0]["file"])
	assert.Len(t, f.plugin.Messages(), 2)

	f.srv.InjectFault(svcSend, "html502", 1)
	resp, err = f.send(t.Context(), f.params(svcSend, ms[0], to(ms[1].UUID, text("lost"))))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	assert.Len(t, f.plugin.Messages(), 2, "nothing was done")
	reqs := f.srv.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, []okayapitest.Fault{"drop-after", "exception-ret0", "html502"},
		[]okayapitest.Fault{reqs[0].Fault, reqs[1].Fault, reqs[2].Fault})
}

// Messages returns copies: changing them changes nothing in the plugin.
func TestCopies(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(2)
	f.ok(svcSend, ms[0], to(ms[1].UUID, text("x")))
	msgs := f.plugin.Messages()
	msgs[0].Data[2] = 'X'
	msgs[0].Read = true
	m := f.plugin.Messages()[0]
	assert.Equal(t, `{"content":"x"}`, string(m.Data))
	assert.False(t, m.Read)
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.plugin.SetSendReturnsID(true)
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
			f.plugin.SetInstalled(true)
			_ = f.plugin.Messages()
		}()
	}
	wg.Wait()
	msgs := f.plugin.Messages()
	require.Len(t, msgs, pairs*each)
	for i, m := range msgs {
		assert.Equal(t, int64(i+1), m.ID)
		assert.True(t, m.Read)
	}
	assert.Len(t, f.srv.Requests(), 3*pairs*each)
}

// The SDK's own client works against the plugin in every sign mode.
func TestWithClient(t *testing.T) {
	t.Parallel()
	for mode, sign := range signModes() {
		srv, plugin := chatmsgtest.NewServer(t, sign)
		alice := srv.AddMember(okayapitest.Account{Username: "alice"})
		bob := srv.AddMember(okayapitest.Account{Username: "bob"})
		client := okayapitest.NewClient(t, srv)
		_, err := client.Do(context.Background(), &okayapi.Request{Service: svcSend, Member: alice,
			Params: url.Values{"other_uuid": {bob.UUID}, "chat_message_data": {`{"content":"hi"}`}}}, nil)
		require.NoError(t, err, mode)
		require.Len(t, plugin.Messages(), 1, mode)
		assert.Equal(t, "text", plugin.Messages()[0].Type, "the default type")
	}
}

// signModes are the fake app's three ways of checking signatures, by name.
func signModes() map[string]okayapitest.Option {
	return map[string]okayapitest.Option{"dynamic": okayapitest.WithSecret(""), "static": okayapitest.WithStaticSign(""), "none": okayapitest.WithoutSign()}
}
