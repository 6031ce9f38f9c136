package chatmsg_test

// Integration tests: the chatmsg SDK against okayapitest's fake OkayAPI,
// with chatmsgtest's fake plugin installed, over
// real loopback HTTP, in every sign mode, both URL forms, quirks on and off,
// and with injected faults.

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// integStart is when the fake's clock starts; each stored message is one
// minute later than the one before.
var integStart = time.Date(2019, 8, 11, 9, 12, 2, 0, time.UTC)

func integClock() func() time.Time {
	n := 0
	return func() time.Time { // called under the server's lock
		n++
		return integStart.Add(time.Duration(n) * time.Minute)
	}
}

// integWorld is a fake app with the plugin, three members and a chat
// service for it.
type integWorld struct {
	srv               *okayapitest.Server
	plugin            *chatmsgtest.Plugin
	client            *okayapi.Client
	chat              *chatmsg.Service
	alice, bob, carol okayapi.Member
}

func newIntegWorld(t *testing.T, srvOpts []okayapitest.Option, cliOpts ...okayapi.Option) *integWorld {
	t.Helper()
	srv, plugin := chatmsgtest.NewServer(t, append([]okayapitest.Option{okayapitest.WithClock(integClock())}, srvOpts...)...)
	w := &integWorld{
		srv:    srv,
		plugin: plugin,
		alice:  srv.AddMember(okayapitest.Account{Username: "alice", Password: "alice-pw", Nickname: "爱丽丝", Age: 18, Avatar: "https://img.example.com/alice.png"}),
		bob:    srv.AddMember(okayapitest.Account{Username: "bob", Password: "bob-pw", Nickname: "Bob", Age: 31, Extra: map[string]any{"city": "杭州"}}),
		carol:  srv.AddMember(okayapitest.Account{Username: "carol", Password: "carol-pw"}),
	}
	// Fast retries keep fault tests quick; the wait is not what is tested.
	opts := append([]okayapi.Option{okayapi.WithRetries(2, time.Millisecond, 5*time.Millisecond)}, cliOpts...)
	client, err := srv.Client(opts...)
	require.NoError(t, err)
	w.client, w.chat = client, chatmsg.New(client)
	return w
}

// integRequests counts the requests the server saw for a service.
func integRequests(srv *okayapitest.Server, service string) []okayapitest.RecordedRequest {
	var out []okayapitest.RecordedRequest
	for _, r := range srv.Requests() {
		if r.Service == service {
			out = append(out, r)
		}
	}
	return out
}

func integIDs(ms []chatmsg.ChatMessage) []int64 {
	out := []int64{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// integAssertSame checks that a message read back is the one sent: same
// kind, same text or URL, same extension fields and custom object (as JSON).
func integAssertSame(t *testing.T, want, got chatmsg.Message, where string) {
	t.Helper()
	require.Equal(t, chatmsg.Kind(want), chatmsg.Kind(got), where)
	wantData, err := chatmsg.Data(want)
	require.NoError(t, err, where)
	switch g := got.(type) {
	case chatmsg.Custom:
		assert.JSONEq(t, string(wantData), string(g.Object), where)
		return
	case chatmsg.Unknown:
		t.Fatalf("%s: read back as Unknown %s", where, g.Raw)
	}
	gotData, err := chatmsg.Data(got)
	require.NoError(t, err, where)
	assert.JSONEq(t, string(wantData), string(gotData), where)
	switch w := want.(type) { // the main field exactly, byte for byte
	case chatmsg.Text:
		assert.Equal(t, w.Content, got.(chatmsg.Text).Content, where)
	case chatmsg.HTML:
		assert.Equal(t, w.Content, got.(chatmsg.HTML).Content, where)
	case chatmsg.Image:
		assert.Equal(t, w.URL, got.(chatmsg.Image).URL, where)
	case chatmsg.Link:
		assert.Equal(t, w.URL, got.(chatmsg.Link).URL, where)
	}
}

func TestIntegrationSixCalls(t *testing.T) {
	t.Parallel()
	for mode, sign := range signModes() {
		for _, form := range []okayapi.URLForm{okayapi.QueryForm, okayapi.PathForm} {
			for _, quirks := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/form%d/quirks=%v", mode, form, quirks), func(t *testing.T) {
					t.Parallel()
					w := newIntegWorld(t, []okayapitest.Option{sign, okayapitest.WithQuirks(quirks)}, okayapi.WithURLForm(form))
					integScenario(t, w)
					for _, r := range w.srv.Requests() {
						if form == okayapi.PathForm {
							assert.Regexp(t, `^/api/App/Market_ChatMessage/\w+$`, r.Path)
						} else {
							assert.Equal(t, "/", r.Path)
							assert.Equal(t, r.Service, r.Query.Get("s"))
						}
						assert.Equal(t, r.Service, r.Form.Get("s"), "s is always sent")
						assert.Empty(t, r.Query.Get("token"), "no token in the URL")
					}
				})
			}
		}
	}
}

func integScenario(t *testing.T, w *integWorld) {
	ctx := context.Background()
	chat, alice, bob, carol := w.chat, w.alice, w.bob, w.carol
	custom, err := chatmsg.NewCustom(map[string]any{"kind": "order", "order_id": 42, "items": []any{"茶", 2.5, true}, "note": "中文 &+%#= a/b"})
	require.NoError(t, err)
	sent := []struct {
		from okayapi.Member
		to   string
		msg  chatmsg.Message
	}{
		{alice, bob.UUID, chatmsg.Text{Content: "你好 Bob 😀 I ❤ ⚽ &+%#= a/b \"q\" \\ <b> é\n"}},                                          // 1
		{alice, bob.UUID, chatmsg.HTML{Content: `<p class="x">a &amp; b</p><br/>`}},                                                    // 2
		{bob, alice.UUID, chatmsg.Image{URL: "https://img.example.com/a.png?x=1&y=2#frag", Ext: map[string]any{"w": 640, "alt": "猫"}}}, // 3
		{bob, alice.UUID, chatmsg.Link{URL: "https://example.com/p?q=a+b%20c&r=%23"}},                                                  // 4
		{alice, bob.UUID, custom},                                   // 5
		{carol, alice.UUID, chatmsg.Text{Content: "hi from carol"}}, // 6
	}
	for i, s := range sent {
		res, err := chat.Send(ctx, s.from, s.to, s.msg)
		require.NoError(t, err, "send %d", i+1)
		assert.Equal(t, int64(0), res.MessageID, "the fake returns no id by default")
	}
	group := chatmsg.Text{Content: "group 🎉"}
	multi, err := chat.MultiSend(ctx, alice, []string{bob.UUID, carol.UUID}, group)
	require.NoError(t, err)
	assert.Equal(t, []chatmsg.Delivery{{To: bob.UUID, MessageID: 7}, {To: carol.UUID, MessageID: 8}}, multi.Deliveries)

	// What the server stored is exactly what the SDK sent.
	stored := w.plugin.Messages()
	require.Len(t, stored, 8)
	for i, s := range sent {
		data, err := chatmsg.Data(s.msg)
		require.NoError(t, err)
		assert.Equal(t, string(data), string(stored[i].Data), "stored %d", i+1)
		assert.Equal(t, string(chatmsg.Kind(s.msg)), stored[i].Type)
		assert.Equal(t, s.from.UUID, stored[i].From)
		assert.Equal(t, s.to, stored[i].To)
	}

	// Bob reads his conversation with alice: 1 2 3 4 5 7.
	page, err := chat.TakeMessageList(ctx, bob, alice.UUID, chatmsg.ListOptions{})
	require.NoError(t, err)
	require.Equal(t, []int64{1, 2, 3, 4, 5, 7}, integIDs(page.Messages))
	assert.Equal(t, 4, page.Unread, "bob received 1 2 5 7")
	wantDir := map[int64]chatmsg.Direction{1: chatmsg.Received, 2: chatmsg.Received, 3: chatmsg.Sent, 4: chatmsg.Sent, 5: chatmsg.Received, 7: chatmsg.Received}
	for _, m := range page.Messages {
		assert.Equal(t, wantDir[m.ID], m.Direction, "bob's side, message %d", m.ID)
		assert.Equal(t, alice.UUID, m.With)
		assert.False(t, m.Read)
		assert.True(t, m.SentAt.Equal(integStart.Add(time.Duration(m.ID)*time.Minute)), "message %d sent at %v", m.ID, m.SentAt)
		if m.ID <= 5 {
			integAssertSame(t, sent[m.ID-1].msg, m.Message, fmt.Sprintf("message %d", m.ID))
		} else {
			integAssertSame(t, group, m.Message, "message 7")
		}
	}
	img := page.Messages[2].Message.(chatmsg.Image)
	assert.Equal(t, json.Number("640"), img.Ext["w"])

	// Alice sees the same conversation from the other side.
	page, err = chat.TakeMessageList(ctx, alice, bob.UUID, chatmsg.ListOptions{})
	require.NoError(t, err)
	require.Equal(t, []int64{1, 2, 3, 4, 5, 7}, integIDs(page.Messages))
	for _, m := range page.Messages {
		assert.Equal(t, wantDir[m.ID] == chatmsg.Received, m.Direction == chatmsg.Sent, "alice's side, message %d", m.ID)
		assert.Equal(t, bob.UUID, m.With)
	}
	assert.Equal(t, 2, page.Unread, "alice received 3 4 from bob")

	// Paging.
	for _, c := range []struct {
		opts chatmsg.ListOptions
		want []int64
	}{
		{chatmsg.ListOptions{PerPage: 2}, []int64{5, 7}},
		{chatmsg.ListOptions{LastID: 5, Order: chatmsg.Older, PerPage: 2}, []int64{3, 4}},
		{chatmsg.ListOptions{LastID: 3, Order: chatmsg.Older, PerPage: 5}, []int64{1, 2}},
		{chatmsg.ListOptions{LastID: 1, Order: chatmsg.Older}, []int64{}},
		{chatmsg.ListOptions{LastID: 2, Order: chatmsg.Newer, PerPage: 2}, []int64{3, 4}},
		{chatmsg.ListOptions{LastID: 5, Order: chatmsg.Newer, PerPage: 100}, []int64{7}},
		{chatmsg.ListOptions{LastID: 7, Order: chatmsg.Newer}, []int64{}},
		{chatmsg.ListOptions{LastID: 5, PerPage: 100}, []int64{1, 2, 3, 4}}, // the zero Order is Older
		{chatmsg.ListOptions{LastID: 1}, []int64{}},
	} {
		page, err := chat.TakeMessageList(ctx, bob, alice.UUID, c.opts)
		require.NoError(t, err)
		assert.Equal(t, c.want, integIDs(page.Messages), "%+v", c.opts)
	}

	// Unread counts, then marking as read.
	for who, want := range map[string]int{"alice": 3, "bob": 4, "carol": 1} {
		m := map[string]okayapi.Member{"alice": alice, "bob": bob, "carol": carol}[who]
		u, err := chat.GetAllUnreadNum(ctx, m)
		require.NoError(t, err)
		assert.Equal(t, want, u.Count, who)
		assert.Equal(t, "unread_num", u.Field)
	}
	n, err := chat.MarkAsReaded(ctx, bob, alice.UUID, 2)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = chat.MarkAsReaded(ctx, bob, alice.UUID, 2)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "already read")
	n, err = chat.MarkAsReaded(ctx, bob, alice.UUID, 3)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "bob sent 3")
	page, err = chat.TakeMessageList(ctx, alice, bob.UUID, chatmsg.ListOptions{LastID: 3, Order: chatmsg.Older})
	require.NoError(t, err)
	assert.Equal(t, []bool{false, true}, []bool{page.Messages[0].Read, page.Messages[1].Read}, "alice sees bob read 2")
	n, err = chat.MarkAllAsReaded(ctx, bob, alice.UUID)
	require.NoError(t, err)
	assert.Equal(t, 3, n, "1 5 7")
	u, err := chat.GetAllUnreadNum(ctx, bob)
	require.NoError(t, err)
	assert.Equal(t, 0, u.Count)
	u, err = chat.GetAllUnreadNum(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, 3, u.Count, "bob's marking changed nothing for alice")

	// Chat lists: newest conversation first, with the other member's profile.
	list, err := chat.GetAllChatList(ctx, alice, chatmsg.ChatListOptions{})
	require.NoError(t, err)
	assert.Equal(t, 2, list.Total)
	require.Len(t, list.Chats, 2)
	c0, c1 := list.Chats[0], list.Chats[1]
	assert.Equal(t, carol.UUID, c0.With)
	assert.Equal(t, chatmsg.Sent, c0.Direction)
	assert.False(t, c0.Read)
	integAssertSame(t, group, c0.Last, "carol's latest")
	assert.True(t, c0.SentAt.Equal(integStart.Add(8*time.Minute)))
	assert.Equal(t, "carol", c0.User.Username)
	assert.Equal(t, bob.UUID, c1.With)
	assert.True(t, c1.Read, "bob read 7")
	assert.Equal(t, phpjson.Profile{Username: "bob", Nickname: "Bob", Age: 31}, integProfileNoExt(c1.User))
	assert.Equal(t, "杭州", c1.User.Ext["city"])

	list, err = chat.GetAllChatList(ctx, alice, chatmsg.ChatListOptions{Page: 2, PerPage: 1})
	require.NoError(t, err)
	assert.Equal(t, 2, list.Total)
	require.Len(t, list.Chats, 1)
	assert.Equal(t, bob.UUID, list.Chats[0].With)

	list, err = chat.GetAllChatList(ctx, bob, chatmsg.ChatListOptions{PerPage: 10})
	require.NoError(t, err)
	assert.Equal(t, 1, list.Total)
	require.Len(t, list.Chats, 1)
	assert.Equal(t, chatmsg.Received, list.Chats[0].Direction)
	assert.Equal(t, phpjson.Profile{Username: "alice", Nickname: "爱丽丝", Avatar: "https://img.example.com/alice.png", Age: 18}, integProfileNoExt(list.Chats[0].User))

	// The plugin's refusals.
	stranger := "0123456789ABCDEF0123456789ABCDEF"
	_, err = chat.Send(ctx, alice, alice.UUID, chatmsg.Text{Content: "me"})
	assert.ErrorIs(t, err, chatmsg.ErrSelf)
	_, err = chat.Send(ctx, alice, stranger, chatmsg.Text{Content: "who?"})
	assert.ErrorIs(t, err, chatmsg.ErrSendFailed)
	_, err = chat.MultiSend(ctx, alice, []string{bob.UUID, stranger}, chatmsg.Text{Content: "who?"})
	assert.ErrorIs(t, err, chatmsg.ErrSendFailed)
	_, err = chat.MultiSend(ctx, alice, []string{bob.UUID, alice.UUID}, chatmsg.Text{Content: "me"})
	assert.ErrorIs(t, err, chatmsg.ErrSelf)
	_, err = chat.TakeMessageList(ctx, alice, alice.UUID, chatmsg.ListOptions{})
	assert.ErrorIs(t, err, chatmsg.ErrSelf)
	var pe *okayapi.PluginError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 1, pe.Code)
	assert.Len(t, w.plugin.Messages(), 8, "refused sends stored nothing")
}

func integProfileNoExt(p phpjson.Profile) phpjson.Profile {
	p.Ext = nil
	return p
}

func TestIntegrationErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("plugin not installed", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, nil)
		w.plugin.SetInstalled(false)
		bob := w.bob.UUID
		_, err := w.chat.Send(ctx, w.alice, bob, chatmsg.Text{Content: "x"})
		assert.ErrorIs(t, err, chatmsg.ErrNotInstalled)
		_, err = w.chat.MultiSend(ctx, w.alice, []string{bob}, chatmsg.Text{Content: "x"})
		assert.ErrorIs(t, err, chatmsg.ErrNotInstalled)
		_, err = w.chat.TakeMessageList(ctx, w.alice, bob, chatmsg.ListOptions{})
		assert.ErrorIs(t, err, chatmsg.ErrNotInstalled)
		_, err = w.chat.MarkAllAsReaded(ctx, w.alice, bob)
		assert.ErrorIs(t, err, chatmsg.ErrNotInstalled)
		_, err = w.chat.GetAllChatList(ctx, w.alice, chatmsg.ChatListOptions{})
		assert.ErrorIs(t, err, chatmsg.ErrNotInstalled)
		_, err = w.chat.GetAllUnreadNum(ctx, w.alice)
		assert.ErrorIs(t, err, chatmsg.ErrNotInstalled)
		assert.False(t, okayapi.MayHaveArrived(err))
		w.plugin.SetInstalled(true)
		_, err = w.chat.GetAllUnreadNum(ctx, w.alice)
		assert.NoError(t, err)
	})
	t.Run("expired token, then log in again", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, nil)
		w.srv.ExpireToken(w.alice.UUID)
		_, err := w.chat.Send(ctx, w.alice, w.bob.UUID, chatmsg.Text{Content: "x"})
		assert.ErrorIs(t, err, okayapi.ErrNotLoggedIn)
		var ae *okayapi.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 401, ae.Ret)
		assert.NotContains(t, err.Error(), w.alice.Token())
		_, err = w.chat.GetAllUnreadNum(ctx, w.alice)
		assert.ErrorIs(t, err, okayapi.ErrNotLoggedIn)

		alice, err := w.client.Login(ctx, "alice", "alice-pw")
		require.NoError(t, err)
		assert.Equal(t, w.alice.UUID, alice.UUID)
		assert.NotEqual(t, w.alice.Token(), alice.Token())
		_, err = w.chat.Send(ctx, alice, w.bob.UUID, chatmsg.Text{Content: "back"})
		require.NoError(t, err)
		assert.Len(t, w.plugin.Messages(), 1)
	})
	t.Run("login", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, []okayapitest.Option{okayapitest.WithQuirks(true)})
		carol, err := w.client.Login(ctx, "carol", "carol-pw")
		require.NoError(t, err)
		assert.Equal(t, w.carol.UUID, carol.UUID)
		_, err = w.chat.Send(ctx, carol, w.bob.UUID, chatmsg.Text{Content: "hi"})
		require.NoError(t, err)
		_, err = w.client.Login(ctx, "carol", "wrong")
		assert.ErrorIs(t, err, okayapi.ErrLoginFailed)
		_, err = w.client.Login(ctx, "nobody", "carol-pw")
		assert.ErrorIs(t, err, okayapi.ErrLoginFailed)
	})
	t.Run("wrong secret", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, nil, okayapi.WithSecret("not-the-secret"))
		_, err := w.chat.Send(ctx, w.alice, w.bob.UUID, chatmsg.Text{Content: "x"})
		assert.ErrorIs(t, err, okayapi.ErrBadSignature)
		assert.ErrorIs(t, err, okayapi.ErrBadRequest)
		_, err = w.client.Login(ctx, "alice", "alice-pw")
		assert.ErrorIs(t, err, okayapi.ErrBadSignature)
		assert.Empty(t, w.plugin.Messages())
	})
	t.Run("wrong static sign", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, []okayapitest.Option{okayapitest.WithStaticSign("")}, okayapi.WithSecret("dynamic-instead"))
		_, err := w.chat.GetAllUnreadNum(ctx, w.alice)
		assert.ErrorIs(t, err, okayapi.ErrBadSignature)
	})
	t.Run("wrong app key", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, nil)
		client, err := okayapi.New(w.srv.URL(), "00000000000000000000000000000000", okayapi.WithSecret(w.srv.Secret()))
		require.NoError(t, err)
		_, err = chatmsg.New(client).Send(ctx, w.alice, w.bob.UUID, chatmsg.Text{Content: "x"})
		assert.ErrorIs(t, err, okayapi.ErrBadAppKey)
		assert.False(t, okayapi.MayHaveArrived(err))
	})
}

func TestIntegrationFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hello := chatmsg.Text{Content: "hello"}

	t.Run("HTML502 on a read is retried", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, nil)
		_, err := w.chat.Send(ctx, w.alice, w.bob.UUID, hello)
		require.NoError(t, err)
		w.srv.InjectFault("", "html502", 1)
		page, err := w.chat.TakeMessageList(ctx, w.bob, w.alice.UUID, chatmsg.ListOptions{})
		require.NoError(t, err)
		assert.Len(t, page.Messages, 1)
		reqs := integRequests(w.srv, chatmsg.ServiceTakeMessageList)
		require.Len(t, reqs, 2)
		assert.Equal(t, okayapitest.Fault("html502"), reqs[0].Fault)
		assert.Equal(t, 502, reqs[0].Status)
		assert.Equal(t, 200, reqs[1].Status)
	})
	t.Run("HTML502 on Send is not repeated", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, nil)
		w.srv.InjectFault("", "html502", 1)
		_, err := w.chat.Send(ctx, w.alice, w.bob.UUID, hello)
		require.Error(t, err)
		var te *okayapi.TransportError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, 502, te.StatusCode)
		assert.True(t, te.MayHaveArrived)
		assert.True(t, okayapi.MayHaveArrived(err))
		assert.ErrorAs(t, err, new(*okayapi.TransportError))
		assert.Len(t, integRequests(w.srv, chatmsg.ServiceSend), 1, "exactly one request reached the server")
		assert.Empty(t, w.plugin.Messages())
	})
	t.Run("DropAfter on Send: stored once, never re-sent", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, nil)
		// A call first, so that Send goes over a reused keep-alive connection,
		// which is where a transport could be tempted to repeat a request.
		_, err := w.chat.GetAllUnreadNum(ctx, w.bob)
		require.NoError(t, err)
		w.srv.InjectFault("", "drop-after", 1)
		_, err = w.chat.Send(ctx, w.alice, w.bob.UUID, hello)
		require.Error(t, err)
		assert.ErrorAs(t, err, new(*okayapi.TransportError))
		assert.True(t, okayapi.MayHaveArrived(err))
		msgs := w.plugin.Messages()
		require.Len(t, msgs, 1, "the message WAS stored, once")
		assert.Equal(t, `{"content":"hello"}`, string(msgs[0].Data))
		assert.Len(t, integRequests(w.srv, chatmsg.ServiceSend), 1)
	})
	t.Run("DropAfter on MultiSend", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, nil)
		w.srv.InjectFault("", "drop-after", 1)
		_, err := w.chat.MultiSend(ctx, w.alice, []string{w.bob.UUID, w.carol.UUID}, hello)
		require.Error(t, err)
		assert.True(t, okayapi.MayHaveArrived(err))
		assert.Len(t, w.plugin.Messages(), 2)
		assert.Len(t, integRequests(w.srv, chatmsg.ServiceMultiSend), 1)
	})
	t.Run("DropAfter on a read is retried", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, nil)
		w.srv.InjectFault("", "drop-after", 1)
		u, err := w.chat.GetAllUnreadNum(ctx, w.alice)
		require.NoError(t, err)
		assert.Equal(t, 0, u.Count)
		assert.Len(t, integRequests(w.srv, chatmsg.ServiceGetAllUnreadNum), 2)
	})
	t.Run("Stall on Send until the deadline", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, nil)
		w.srv.InjectFault("", "stall", 1)
		cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		_, err := w.chat.Send(cctx, w.alice, w.bob.UUID, hello)
		require.Error(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorAs(t, err, new(*okayapi.TransportError))
		assert.True(t, okayapi.MayHaveArrived(err))
		assert.Empty(t, w.plugin.Messages())
		// On a loaded machine the deadline may pass before the request is
		// read; either way it is never sent twice.
		assert.LessOrEqual(t, len(integRequests(w.srv, chatmsg.ServiceSend)), 1)
	})
	t.Run("Stall on a read until the deadline", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, nil)
		w.srv.InjectFault("", "stall", 1)
		cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		_, err := w.chat.GetAllChatList(cctx, w.alice, chatmsg.ChatListOptions{})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("Truncate on Send", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, nil)
		w.srv.InjectFault("", "truncate", 1)
		_, err := w.chat.Send(ctx, w.alice, w.bob.UUID, hello)
		require.Error(t, err)
		assert.ErrorAs(t, err, new(*okayapi.TransportError))
		assert.True(t, okayapi.MayHaveArrived(err))
		assert.Len(t, w.plugin.Messages(), 1, "processed before the answer was cut")
		assert.Len(t, integRequests(w.srv, chatmsg.ServiceSend), 1)
	})
	t.Run("Truncate on a read", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, nil)
		// A read is idempotent: an answer cut off is read again (okayapi.Do's
		// retry table), here on every one of the 3 attempts.
		w.srv.InjectFault(chatmsg.ServiceTakeMessageList, "truncate", 3)
		_, err := w.chat.TakeMessageList(ctx, w.alice, w.bob.UUID, chatmsg.ListOptions{})
		assert.ErrorAs(t, err, new(*okayapi.TransportError))
		assert.Len(t, integRequests(w.srv, chatmsg.ServiceTakeMessageList), 3)
	})
	t.Run("Truncate once on a read is retried", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, nil)
		w.srv.InjectFault(chatmsg.ServiceTakeMessageList, "truncate", 1)
		_, err := w.chat.TakeMessageList(ctx, w.alice, w.bob.UUID, chatmsg.ListOptions{})
		require.NoError(t, err)
		assert.Len(t, integRequests(w.srv, chatmsg.ServiceTakeMessageList), 2)
	})
	t.Run("NonJSON", func(t *testing.T) {
		t.Parallel()
		w := newIntegWorld(t, nil)
		w.srv.InjectFault("", "non-json", 2)
		_, err := w.chat.Send(ctx, w.alice, w.bob.UUID, hello)
		assert.ErrorAs(t, err, new(*okayapi.TransportError))
		var te *okayapi.TransportError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, 200, te.StatusCode)
		_, err = w.chat.GetAllUnreadNum(ctx, w.alice)
		assert.ErrorAs(t, err, new(*okayapi.TransportError))
		assert.Empty(t, w.plugin.Messages())
		_, err = w.chat.Send(ctx, w.alice, w.bob.UUID, hello)
		assert.NoError(t, err, "only two calls misbehaved")
	})
}

func TestIntegrationConcurrency(t *testing.T) {
	t.Parallel()
	const pairs, each = 24, 5
	srv, plugin := chatmsgtest.NewServer(t, okayapitest.WithQuirks(true))
	client, err := srv.Client()
	require.NoError(t, err)
	chat := chatmsg.New(client)
	type pair struct{ a, b okayapi.Member }
	ps := make([]pair, pairs)
	for i := range ps {
		ps[i] = pair{
			a: srv.AddMember(okayapitest.Account{Username: fmt.Sprintf("a%d", i)}),
			b: srv.AddMember(okayapitest.Account{Username: fmt.Sprintf("b%d", i)}),
		}
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, pairs*each*4)
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < each; j++ {
				if _, err := chat.Send(ctx, p.a, p.b.UUID, chatmsg.Text{Content: fmt.Sprintf("pair %d message %d", i, j)}); err != nil {
					errs <- err
				}
				if _, err := chat.TakeMessageList(ctx, p.b, p.a.UUID, chatmsg.ListOptions{}); err != nil {
					errs <- err
				}
				if _, err := chat.GetAllUnreadNum(ctx, p.b); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	msgs := plugin.Messages()
	require.Len(t, msgs, pairs*each)
	seen := map[int64]bool{}
	for _, m := range msgs {
		assert.False(t, seen[m.ID], "id %d twice", m.ID)
		seen[m.ID] = true
	}
	for i, p := range ps {
		page, err := chat.TakeMessageList(ctx, p.b, p.a.UUID, chatmsg.ListOptions{})
		require.NoError(t, err)
		require.Len(t, page.Messages, each)
		assert.Equal(t, each, page.Unread)
		for j, m := range page.Messages {
			assert.Equal(t, chatmsg.Text{Content: fmt.Sprintf("pair %d message %d", i, j)}, m.Message)
			assert.Equal(t, chatmsg.Received, m.Direction)
		}
	}
}

// signModes are the fake app's three ways of checking signatures, by name.
func signModes() map[string]okayapitest.Option {
	return map[string]okayapitest.Option{"dynamic": okayapitest.WithSecret(""), "static": okayapitest.WithStaticSign(""), "none": okayapitest.WithoutSign()}
}
