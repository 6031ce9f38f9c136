package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
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

// session is what a short chat session gave: alice sends bob two messages
// and one to herself, bob reads the conversation and his unread count.
type session struct {
	sent   []string // the data of each send's answer, or its error
	list   string   // bob's page of the conversation (its data)
	unread string
}

func chatSession(t *testing.T, chat *chatmsg.Service, alice, bob okayapi.Member) session {
	t.Helper()
	ctx := context.Background()
	var s session
	for _, c := range []struct {
		to   string
		text string
	}{{bob.UUID, "hello bob"}, {bob.UUID, "周末见 😀"}, {alice.UUID, "to myself"}} {
		r, err := chat.Send(ctx, alice, c.to, chatmsg.Text{Content: c.text})
		if err != nil {
			s.sent = append(s.sent, err.Error())
		} else {
			s.sent = append(s.sent, string(r.Raw))
		}
	}
	page, err := chat.TakeMessageList(ctx, bob, alice.UUID, chatmsg.ListOptions{})
	require.NoError(t, err)
	s.list = string(page.Raw)
	u, err := chat.GetAllUnreadNum(ctx, bob)
	require.NoError(t, err)
	s.unread = string(u.Raw)
	return s
}

// recordSession records chatSession against chatmsgtest's fake into a new
// cassette and returns its directory, what the session gave, and alice and
// bob.
func recordSession(t *testing.T) (string, session, okayapi.Member, okayapi.Member) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "bug-report")
	srv, _ := chatmsgtest.NewServer(t, okayapitest.WithQuirks(true))
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	cas := cassette.New(t, dir, cassette.RecordFrom(srv))
	got := chatSession(t, chatmsg.New(cas.Client(okayapi.WithRetries(0, 0, 0))), alice, bob)
	srv.Close()
	return dir, got, alice, bob
}

func TestReplay(t *testing.T) {
	t.Parallel()
	dir, recorded, alice, bob := recordSession(t)
	require.Contains(t, recorded.sent[2], "err_code 1", "the send to herself was refused")

	s := startFake(t, "-replay", dir, "-v")
	assert.Regexp(t, `^# Replaying the cassette .*bug-report \(5 answers\) on http://127\.0\.0\.1:\d+ \(sign: dynamic\)`, s.comments[0])
	assert.Regexp(t, `^[0-9A-F]{32}$`, s.vars["OKAYAPI_APP_KEY"])
	assert.Len(t, s.vars["OKAYAPI_APP_SECRET"], 64)
	assert.Equal(t, alice.UUID, s.vars["OKAYAPI_UUID"], "the member the cassette acted as most")
	assert.Equal(t, bob.UUID, s.vars["OKAYAPI_OTHER_UUID"], "the one it talked to most")
	assert.NotContains(t, s.vars, "FAKE_FAULT_URL")

	client, err := okayapi.New(s.vars["OKAYAPI_HOST"], s.vars["OKAYAPI_APP_KEY"], okayapi.WithSecret(s.vars["OKAYAPI_APP_SECRET"]),
		okayapi.WithRetries(0, 0, 0))
	require.NoError(t, err)
	chat := chatmsg.New(client)
	me := okayapi.NewMember(s.vars["OKAYAPI_UUID"], s.vars["OKAYAPI_TOKEN"])
	other := okayapi.NewMember(s.vars["OKAYAPI_OTHER_UUID"], "whatever bob's token is")
	assert.Equal(t, recorded, chatSession(t, chat, me, other), "the same answers, any token")

	// A call that was not recorded: ret 404, naming the nearest recording.
	_, err = chat.Send(context.Background(), me, other.UUID, chatmsg.Text{Content: "something new"})
	assert.ErrorIs(t, err, okayapi.ErrNoSuchService)
	assert.Contains(t, err.Error(), "no recording for App.Market_ChatMessage.Send")
	assert.Contains(t, err.Error(), `chat_message_data: sent "{\"content\":\"something new\"}", recorded `)

	// The signature is checked with the printed secret.
	wrong, err := okayapi.New(s.vars["OKAYAPI_HOST"], s.vars["OKAYAPI_APP_KEY"], okayapi.WithSecret("not-the-printed-secret"),
		okayapi.WithRetries(0, 0, 0))
	require.NoError(t, err)
	_, err = chatmsg.New(wrong).GetAllUnreadNum(context.Background(), other)
	assert.ErrorIs(t, err, okayapi.ErrBadSignature)

	assert.Contains(t, s.stderr.String(), "service=App.Market_ChatMessage.Send status=200")
	assert.NotContains(t, s.stderr.String(), s.vars["OKAYAPI_APP_SECRET"])
}

func TestReplayUnsigned(t *testing.T) {
	t.Parallel()
	dir, recorded, _, _ := recordSession(t)
	s := startFake(t, "-replay", dir, "-sign", "none", "-export")
	assert.NotContains(t, s.vars, "OKAYAPI_APP_SECRET")
	for _, l := range s.lines {
		if !strings.HasPrefix(l, "#") {
			assert.True(t, strings.HasPrefix(l, "export "), l)
		}
	}
	client, err := okayapi.New(s.vars["OKAYAPI_HOST"], s.vars["OKAYAPI_APP_KEY"], okayapi.WithRetries(0, 0, 0))
	require.NoError(t, err)
	u, err := chatmsg.New(client).GetAllUnreadNum(context.Background(), okayapi.NewMember(s.vars["OKAYAPI_OTHER_UUID"], "t"))
	require.NoError(t, err)
	assert.Equal(t, recorded.unread, string(u.Raw))
}

// The project's own fixtures are a cassette too.
func TestReplayProjectFixtures(t *testing.T) {
	t.Parallel()
	s := startFake(t, "-replay", filepath.Join("..", "..", "testdata"))
	assert.Equal(t, strings.Repeat("0", 32), s.vars["OKAYAPI_UUID"], "no member recorded")
	client, err := okayapi.New(s.vars["OKAYAPI_HOST"], s.vars["OKAYAPI_APP_KEY"], okayapi.WithSecret(s.vars["OKAYAPI_APP_SECRET"]),
		okayapi.WithRetries(0, 0, 0))
	require.NoError(t, err)
	list, err := chatmsg.New(client).GetAllChatList(context.Background(), okayapi.NewMember(s.vars["OKAYAPI_UUID"], "t"), chatmsg.ChatListOptions{})
	require.NoError(t, err)
	assert.Equal(t, 2, list.Total, "the reference's recorded answer")
}

func TestReplayRefusals(t *testing.T) {
	t.Parallel()
	dir, _, _, _ := recordSession(t)
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	broken := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(broken, "a.req.json"), []byte(`{"service":"A.B"}`), 0o644))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-replay", dir, "-sign", "static"}, "-sign static cannot be used with -replay"},
		{[]string{"-replay", dir, "-quirks", "-fault", "stall"}, "-fault, -quirks cannot be used with -replay"},
		{[]string{"-replay", dir, "-plugin=false"}, "-plugin cannot be used with -replay"},
		{[]string{"-replay", filepath.Join(dir, "nope")}, "not a directory"},
		{[]string{"-replay", file}, "not a directory"},
		{[]string{"-replay", broken}, "has no answer file"},
		{[]string{"-replay", dir, "-addr", "0.0.0.0:0"}, "not a loopback address"},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, cli(context.Background(), c.args, &stdout, &stderr), c.args)
		assert.Contains(t, stderr.String(), c.want, c.args)
		assert.Equal(t, 1, strings.Count(stderr.String(), "\n"), "%v: one line: %s", c.args, stderr.String())
		assert.Empty(t, stdout.String(), c.args)
	}
}
