package chatmsg_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
	"github.com/okayapi-go/sdk/okayapi/okayapitest/cassette"
)

// outcome is what one call gave: its typed result, or its error described
// by its text, the sentinels it matches and whether it may have arrived.
type outcome struct {
	Call      string
	Result    any
	Err       string
	Sentinels []string
	MayArrive bool
}

func outcomeOf(call string, result any, err error) outcome {
	o := outcome{Call: call}
	if err == nil {
		o.Result = withPlainResponse(result)
		return o
	}
	o.Err = err.Error()
	for _, s := range append(append([]error(nil), chatSentinels...), okayapiSentinels...) {
		if errors.Is(err, s) {
			o.Sentinels = append(o.Sentinels, s.Error())
		}
	}
	o.MayArrive = okayapi.MayHaveArrived(err)
	return o
}

// withPlainResponse returns a copy of a result whose Response holds only
// what the answer said (its unexported fields tie it to the client and
// the call, which differ between two sessions).
func withPlainResponse(result any) any {
	v := reflect.ValueOf(result)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return result
	}
	cp := reflect.New(v.Elem().Type())
	cp.Elem().Set(v.Elem())
	if f := cp.Elem().FieldByName("Response"); f.IsValid() && !f.IsNil() {
		r := f.Interface().(*okayapi.Response)
		f.Set(reflect.ValueOf(&okayapi.Response{
			Service: r.Service, StatusCode: r.StatusCode, Ret: r.Ret, Msg: r.Msg, Data: r.Data, Attempts: r.Attempts,
		}))
	}
	return cp.Interface()
}

// roundTripScript is a short session of the chat plugin: a login, sends
// (one to yourself: err_code 1), a multisend, bob's view of the
// conversation, his unread count before and after marking it read (the same
// call twice, answered differently), the chat list, and, once expire has
// expired alice's token, a call answered ret 401. bob acts with bobToken.
func roundTripScript(t *testing.T, client *okayapi.Client, password, bob, carol, bobToken string, expire func()) (okayapi.Member, []outcome) {
	t.Helper()
	ctx := context.Background()
	chat := chatmsg.New(client)
	me, err := client.Login(ctx, "alice", password)
	require.NoError(t, err)
	bobM := okayapi.NewMember(bob, bobToken)
	var out []outcome
	add := func(call string, result any, err error) { out = append(out, outcomeOf(call, result, err)) }

	r1, err := chat.Send(ctx, me, bob, chatmsg.Text{Content: "hello bob 😀 a/b"})
	add("send text", r1, err)
	r2, err := chat.Send(ctx, me, bob, chatmsg.HTML{Content: "<b>周末</b>见 & 🎉"})
	add("send html", r2, err)
	r3, err := chat.Send(ctx, me, me.UUID, chatmsg.Text{Content: "to myself"})
	add("send to self", r3, err)
	r4, err := chat.MultiSend(ctx, me, []string{bob, carol}, chatmsg.Link{URL: "https://www.okayapi.com/?a=1&b=2", Ext: map[string]any{"title": "小白接口"}})
	add("multisend", r4, err)
	r5, err := chat.TakeMessageList(ctx, bobM, me.UUID, chatmsg.ListOptions{PerPage: 10})
	add("bob's list", r5, err)
	r6, err := chat.GetAllUnreadNum(ctx, bobM)
	add("bob's unread", r6, err)
	r7, err := chat.MarkAllAsReaded(ctx, bobM, me.UUID)
	add("bob marks read", r7, err)
	r8, err := chat.GetAllUnreadNum(ctx, bobM)
	add("bob's unread again", r8, err)
	r9, err := chat.GetAllChatList(ctx, me, chatmsg.ChatListOptions{})
	add("alice's chats", r9, err)
	expire()
	r10, err := chat.GetAllUnreadNum(ctx, me)
	add("alice's unread, token expired", r10, err)
	return me, out
}

// TestCassetteRoundTrip records a session against the in-process fake (it
// stands in for the real host), stops the fake, and replays the files: the
// same calls give the same typed results and the same errors, and no file
// holds a secret.
func TestCassetteRoundTrip(t *testing.T) {
	t.Parallel()
	const password = "alice's password ✓"
	dir := t.TempDir()
	srv, plugin := chatmsgtest.NewServer(t, okayapitest.WithQuirks(true))
	first := srv.AddMember(okayapitest.Account{Username: "alice", Password: password, Nickname: "Alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob", Password: "bob's password", Nickname: "Bob"})
	carol := srv.AddMember(okayapitest.Account{Username: "carol", Nickname: "小卡"})

	rec := cassette.New(t, dir, cassette.RecordFrom(srv),
		cassette.WithSecrets(password))
	alice, recorded := roundTripScript(t, rec.Client(okayapi.WithRetries(0, 0, 0)), password, bob.UUID, carol.UUID, bob.Token(),
		func() { srv.ExpireToken(first.UUID) })
	require.Len(t, plugin.Messages(), 4, "the fake stored the sends")
	var signs []string
	for _, r := range srv.Requests() {
		signs = append(signs, r.Form.Get("sign"))
	}
	srv.Close()

	// What the session gave, as the real host would have answered it.
	byCall := map[string]outcome{}
	for _, o := range recorded {
		byCall[o.Call] = o
	}
	assert.Empty(t, byCall["send text"].Err)
	assert.Contains(t, byCall["send to self"].Sentinels, chatmsg.ErrSelf.Error())
	assert.Contains(t, byCall["alice's unread, token expired"].Sentinels, okayapi.ErrNotLoggedIn.Error())
	assert.Contains(t, byCall["alice's unread, token expired"].Err, "ret 401")
	require.IsType(t, &chatmsg.UnreadCount{}, byCall["bob's unread"].Result)
	assert.Equal(t, 3, byCall["bob's unread"].Result.(*chatmsg.UnreadCount).Count)
	assert.Equal(t, 0, byCall["bob's unread again"].Result.(*chatmsg.UnreadCount).Count)
	require.IsType(t, &chatmsg.MessageList{}, byCall["bob's list"].Result)
	assert.Len(t, byCall["bob's list"].Result.(*chatmsg.MessageList).Messages, 3)

	// No file holds a secret.
	secrets := append([]string{srv.AppKey(), srv.Secret(), first.Token(), alice.Token(), bob.Token(), password, md5Hex(password)}, signs...)
	walkFiles(t, dir, func(name, content string) {
		for _, s := range secrets {
			assert.NotContains(t, strings.ToLower(content), strings.ToLower(s), "%s holds a secret", name)
		}
	})

	// Replay, with another app's secret and any token for bob.
	rep := cassette.New(t, dir, cassette.IgnoreEnv())
	replayAlice, replayed := roundTripScript(t, rep.Client(okayapi.WithRetries(0, 0, 0)), password, bob.UUID, carol.UUID, "any token", func() {})
	assert.Equal(t, recorded, replayed)
	assert.Equal(t, alice.UUID, replayAlice.UUID)
	assert.NotEqual(t, alice.Token(), replayAlice.Token(), "the replayed login gives the placeholder token")
	assert.NoError(t, replayAlice.Validate())
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// walkFiles calls f with every file under dir.
func walkFiles(t *testing.T, dir string, f func(name, content string)) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		f(p, string(b))
		return nil
	})
	require.NoError(t, err)
	require.NotZero(t, n, "files written")
}
