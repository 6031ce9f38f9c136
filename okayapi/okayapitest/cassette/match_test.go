package cassette_test

import (
	"context"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/chatmsg/exactlyonce"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
	"github.com/okayapi-go/sdk/okayapi/okayapitest/cassette"
)

// login logs alice in with password and says what came of it: "ok" or the
// error's text.
func login(c *okayapi.Client, password string) string {
	_, err := c.Login(context.Background(), "alice", password)
	if err != nil {
		return "error: " + err.Error()
	}
	return "ok"
}

// recordLogins records a wrong login, then a right one.
func recordLogins(t *testing.T) (dir string, fake *fakeApp) {
	t.Helper()
	dir = t.TempDir()
	fake = newFakeApp(t)
	rec := cassette.New(t, dir, cassette.WithMode(cassette.Record), cassette.IgnoreEnv(), cassette.WithApp(fake.app()))
	c := rec.Client(okayapi.WithRetries(0, 0, 0))
	require.Contains(t, login(c, "the wrong password"), "err_code 1")
	require.Equal(t, "ok", login(c, alicePass))
	fake.Close()
	assertNoSecret(t, dir, alicePass, "the wrong password", md5Hex(alicePass), md5Hex("the wrong password"))
	return dir, fake
}

// The password takes part in matching, by keyed hash when the replaying
// app is the one recorded from: in any order, the right password gets the
// success and the wrong one the error.
func TestReplayComparesThePassword(t *testing.T) {
	t.Parallel()
	dir, fake := recordLogins(t)

	tb := capture(t)
	c := cassette.New(tb, dir, cassette.IgnoreEnv(), cassette.WithApp(fake.app())).Client(okayapi.WithRetries(0, 0, 0))
	assert.Equal(t, "ok", login(c, alicePass), "the right password first")
	assert.Contains(t, login(c, "the wrong password"), "err_code 1")
	assert.Empty(t, tb.Errors())

	// A third password has no recording: the miss says which field
	// differs, without the password.
	tb = capture(t)
	c = cassette.New(tb, dir, cassette.IgnoreEnv(), cassette.WithApp(fake.app())).Client(okayapi.WithRetries(0, 0, 0))
	got := login(c, "a third password")
	assert.Contains(t, got, "no recording")
	require.Len(t, tb.Errors(), 1)
	msg := tb.Errors()[0]
	assert.Regexp(t, `password: sent another value than the recorded "REDACTED-PASSWORD-\d" \(compared by keyed hash\)`, msg)
	assert.NotContains(t, msg, "a third password")
	assert.NotContains(t, msg, md5Hex("a third password"))
}

// Replayed with another app (CI: no key for the hashes), each password
// placeholder stands for one password: the first one sent in its place.
func TestPlaceholderMatchesOnlyItsOwnSecret(t *testing.T) {
	t.Parallel()
	dir, _ := recordLogins(t)

	tb := capture(t)
	c := cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0))
	assert.Contains(t, login(c, "typed wrong"), "err_code 1", "the first placeholder, in the recorded order")
	assert.Equal(t, "ok", login(c, "the right one"))
	assert.Empty(t, tb.Errors())

	got := login(c, "a third")
	assert.Contains(t, got, "no recording")
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], "nearest recording: login/0001_err1.json")
	assert.Contains(t, tb.Errors()[0], "\n\tpassword: recorded REDACTED-PASSWORD-1, which this session tied to another value sent earlier")
	assert.NotContains(t, tb.Errors()[0], "a third")

	// The wrong password again is not served the right one's answer.
	tb = capture(t)
	c = cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0))
	assert.Contains(t, login(c, "typed wrong"), "err_code 1")
	got = login(c, "typed wrong")
	assert.Contains(t, got, "no recording", "the other recording is another password's")
	require.Len(t, tb.Errors(), 1)
	assert.NotContains(t, tb.Errors()[0], "typed wrong")
}

// The acting member takes part in matching: another member is not served
// the recorded member's answers; and among several logins, each token's
// calls are served to the token that stands in for it.
func TestReplayComparesTheMember(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fake := newFakeApp(t)
	bob := fake.AddMember(okayapitest.Account{Username: "bob", Password: "bob's password"})
	ctx := context.Background()
	rec := cassette.New(t, dir, cassette.WithMode(cassette.Record), cassette.IgnoreEnv(), cassette.WithApp(fake.app()))
	c := rec.Client(okayapi.WithRetries(0, 0, 0))
	first, err := c.Login(ctx, "alice", alicePass)
	require.NoError(t, err)
	second, err := c.Login(ctx, "alice", alicePass)
	require.NoError(t, err)
	require.NotEqual(t, first, second, "two tokens")
	require.JSONEq(t, `{"err_code":0,"err_msg":"","n":"1"}`, counter(ctx, c, first))
	require.JSONEq(t, `{"err_code":0,"err_msg":"","n":"2"}`, counter(ctx, c, second))
	fake.Close()

	// Another member: a miss.
	tb := capture(t)
	c = cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0))
	got := counter(ctx, c, bob)
	assert.Contains(t, got, "no recording")
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], `member: sent member "`+bob.UUID+`", recorded member "`+fake.alice.UUID+`"`)

	// The second login's token, used first, gets the second login's answer.
	tb = capture(t)
	c = cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0))
	a1, err := c.Login(ctx, "alice", alicePass)
	require.NoError(t, err)
	a2, err := c.Login(ctx, "alice", alicePass)
	require.NoError(t, err)
	assert.NotEqual(t, a1, a2, "a placeholder token each")
	assert.JSONEq(t, `{"err_code":0,"err_msg":"","n":"2"}`, counter(ctx, c, a2))
	assert.JSONEq(t, `{"err_code":0,"err_msg":"","n":"1"}`, counter(ctx, c, a1))
	assert.Empty(t, tb.Errors())

	// Members the test has without a replayed login (here the real ones,
	// whose tokens the cassette never saw in clear): each token stands for
	// one recorded token, and only it does.
	tb = capture(t)
	c = cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0))
	assert.JSONEq(t, `{"err_code":0,"err_msg":"","n":"1"}`, counter(ctx, c, first))
	assert.JSONEq(t, `{"err_code":0,"err_msg":"","n":"2"}`, counter(ctx, c, second), "the other recorded token")
	got = counter(ctx, c, fake.alice) // a third token of alice's
	assert.Contains(t, got, "no recording", "a third login's token")
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], "token (the member's login): recorded ")
	assertNoToken(t, tb.Errors()[0])
}

// assertNoToken checks that msg shows no token: no run of 64 hexadecimal
// digits but the cassette's placeholders (000…001).
func assertNoToken(t *testing.T, msg string) {
	t.Helper()
	for _, run := range regexp.MustCompile(`[0-9A-Fa-f]{64}`).FindAllString(msg, -1) {
		assert.Regexp(t, `^0{60}`, run, "a token in %s", msg)
	}
}

// An exactly-once send replays although its send key is new each time,
// and a conversation read back refers to the new key: here the send's
// answer was lost (HTTP 500 after the message was stored), and the check
// finds the message under this session's key. (It fails if the cassette's
// copy of the key's field name is not the one chatmsg writes: the key would
// not be matched.)
func TestExactlyOnceSendReplays(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, plugin := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice", Password: alicePass})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	ctx := context.Background()
	once := exactlyonce.Config{Settle: 1, Horizon: 10 * time.Millisecond}

	rec := cassette.New(t, dir, cassette.RecordFrom(srv))
	chat := chatmsg.New(rec.Client(okayapi.WithRetries(0, 0, 0)))
	plain, err := exactlyonce.Send(ctx, chat, alice, bob.UUID, chatmsg.Text{Content: "hi"}, once)
	require.NoError(t, err)
	srv.InjectFault(chatmsg.ServiceSend, "exception", 1)
	lost, err := exactlyonce.Send(ctx, chat, alice, bob.UUID, chatmsg.Text{Content: "again"}, once)
	require.NoError(t, err)
	require.Nil(t, lost.Response, "found by the check")
	require.Len(t, plugin.Messages(), 2)
	srv.Close()

	tb := capture(t)
	chat = chatmsg.New(cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0)))
	r1, err := exactlyonce.Send(ctx, chat, alice, bob.UUID, chatmsg.Text{Content: "hi"}, once)
	require.NoError(t, err)
	assert.Equal(t, plain.MessageID, r1.MessageID)
	assert.NotEqual(t, plain.Key, r1.Key, "a new key")
	r2, err := exactlyonce.Send(ctx, chat, alice, bob.UUID, chatmsg.Text{Content: "again"}, once)
	require.NoError(t, err)
	assert.Equal(t, lost.MessageID, r2.MessageID, "the check found the message under the new key")
	assert.NotEqual(t, lost.Key, r2.Key)
	assert.Empty(t, tb.Errors())

	// Served by NewHandler (fakeserver -replay), again and again, each
	// time with a new key.
	h, err := cassette.NewHandler(dir, cassette.App{AppKey: srv.AppKey(), Secret: srv.Secret()})
	require.NoError(t, err)
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	for range 2 {
		c, err := okayapi.New(hs.URL, srv.AppKey(), okayapi.WithSecret(srv.Secret()), okayapi.WithRetries(0, 0, 0))
		require.NoError(t, err)
		chat = chatmsg.New(c)
		r, err := exactlyonce.Send(ctx, chat, alice, bob.UUID, chatmsg.Text{Content: "again"}, once)
		require.NoError(t, err)
		assert.Equal(t, lost.MessageID, r.MessageID)
		require.NoError(t, c.Close())
	}

	// Another message does not match: the diff names the parameter.
	tb = capture(t)
	chat = chatmsg.New(cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0)))
	_, err = exactlyonce.Send(ctx, chat, alice, bob.UUID, chatmsg.Text{Content: "bye"}, once)
	require.Error(t, err)
	require.NotEmpty(t, tb.Errors())
	assert.Contains(t, tb.Errors()[0], "chat_message_data: sent ")
}

// Another member asking for the same conversation is not served the
// recorded member's private messages.
func TestAnotherMemberMissesTheConversation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, _ := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	carol := srv.AddMember(okayapitest.Account{Username: "carol"})
	ctx := context.Background()
	rec := cassette.New(t, dir, cassette.RecordFrom(srv))
	chat := chatmsg.New(rec.Client(okayapi.WithRetries(0, 0, 0)))
	_, err := chat.Send(ctx, bob, alice.UUID, chatmsg.Text{Content: "alice only"})
	require.NoError(t, err)
	list, err := chat.TakeMessageList(ctx, alice, bob.UUID, chatmsg.ListOptions{})
	require.NoError(t, err)
	require.Len(t, list.Messages, 1)
	srv.Close()

	tb := capture(t)
	chat = chatmsg.New(cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0)))
	_, err = chat.TakeMessageList(ctx, carol, bob.UUID, chatmsg.ListOptions{})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "alice only")
	require.Len(t, tb.Errors(), 1)
	assert.Contains(t, tb.Errors()[0], `member: sent member "`+carol.UUID+`", recorded member "`+alice.UUID+`"`)

	// Alice herself is served.
	tb = capture(t)
	chat = chatmsg.New(cassette.New(tb, dir, cassette.IgnoreEnv()).Client(okayapi.WithRetries(0, 0, 0)))
	got, err := chat.TakeMessageList(ctx, alice, bob.UUID, chatmsg.ListOptions{})
	require.NoError(t, err)
	assert.Len(t, got.Messages, 1)
	assert.Empty(t, tb.Errors())
}
