package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

func noEnv(string) string { return "" }

// calls are what every transcript must name: the six calls (MarkAsReaded
// twice over) and the message kinds.
var calls = []string{"Send", "MultiSend", "TakeMessageList", "MarkAsReaded", "MarkAllAsReaded", "GetAllChatList", "GetAllUnreadNum"}

func TestRunEmbeddedFake(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), noEnv, &out))
	transcript := out.String()
	t.Log("\n" + transcript)

	lines := strings.Split(strings.TrimRight(transcript, "\n"), "\n")
	assert.GreaterOrEqual(t, len(lines), 25, "the transcript is a walk through, not a one-liner")
	assert.LessOrEqual(t, len(lines), 45, "the transcript should stay short")

	for _, call := range calls {
		assert.Contains(t, transcript, call+":", "the transcript must show %s", call)
	}
	assert.Contains(t, transcript, "App.User.Login")
	// One Send line per kind, showing it as a member sees it.
	for _, want := range []string{
		"  text    你好！",
		"  html    <p>",
		"  image   https://",
		"  link    https://",
		"  custom  {\"event_id\":42,",
	} {
		assert.Contains(t, transcript, want)
	}
	assert.Contains(t, transcript, "Send: bob → alice  text")
	assert.Contains(t, transcript, "MultiSend: alice → bob, carol")
	assert.Regexp(t, `(?m)^  to bob +chat_message_id [1-9][0-9]*$`, transcript)
	assert.Regexp(t, `(?m)^  to carol +chat_message_id [1-9][0-9]*$`, transcript)

	// Bob's side of the conversation: alice's six messages arrive, his reply goes out.
	assert.Contains(t, transcript, "TakeMessageList: bob's conversation with alice, newest 4; 6 unread")
	assert.Regexp(t, `TakeMessageList: older than #\d+ \(up, last_id=\d+\)`, transcript)
	assert.Equal(t, 6, strings.Count(transcript, " received "), "bob received six messages from alice")
	assert.Regexp(t, `(?m)^  #\d+ +\S+ \S+ \S+ +sent +text +unread +好的！See you there 👍$`, transcript)
	for _, kind := range []string{"text", "html", "image", "link", "custom"} {
		assert.Regexp(t, `(?m)^  #\d+ .* received +`+kind+` `, transcript, "bob's history shows the %s message", kind)
	}

	// Reading: one message, then the rest.
	assert.Regexp(t, `MarkAsReaded: #\d+ read, readed_num 1; bob's unread 6 → 5`, transcript)
	assert.Contains(t, transcript, "MarkAllAsReaded: the rest with alice, readed_num 5; bob's unread 5 → 0")

	// Alice's conversations: both of them, with the other member's nickname.
	assert.Contains(t, transcript, "GetAllChatList: alice's conversations (total 2)")
	assert.Regexp(t, `(?m)^  Bob 鲍勃 \(bob, 31\) +sent +text `, transcript)
	assert.Regexp(t, `(?m)^  Carol 卡萝 \(carol, 25\) +sent +text `, transcript)

	assert.Contains(t, transcript, "GetAllUnreadNum: alice 1, bob 0, carol 1")
	assert.Contains(t, transcript, "errors.Is(err, chatmsg.ErrSelf) is true (err_code 1")
}

func TestRunPartialEnv(t *testing.T) {
	t.Parallel()
	cases := []struct {
		set     []string
		missing []string
	}{
		{[]string{"OKAYAPI_HOST"}, []string{"OKAYAPI_APP_KEY", "OKAYAPI_APP_SECRET", "OKAYAPI_UUID", "OKAYAPI_TOKEN", "OKAYAPI_OTHER_UUID"}},
		{[]string{"OKAYAPI_HOST", "OKAYAPI_APP_KEY", "OKAYAPI_APP_SECRET"}, []string{"OKAYAPI_UUID", "OKAYAPI_TOKEN", "OKAYAPI_OTHER_UUID"}},
		{[]string{"OKAYAPI_HOST", "OKAYAPI_APP_KEY", "OKAYAPI_APP_SECRET", "OKAYAPI_UUID", "OKAYAPI_TOKEN"}, []string{"OKAYAPI_OTHER_UUID"}},
		{[]string{"OKAYAPI_TOKEN", "OKAYAPI_OTHER_UUID"}, []string{"OKAYAPI_HOST", "OKAYAPI_APP_KEY", "OKAYAPI_APP_SECRET", "OKAYAPI_UUID"}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.missing, ","), func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			for _, name := range tc.set {
				env[name] = "some-value-for-" + name
			}
			var out bytes.Buffer
			err := run(t.Context(), func(k string) string { return env[k] }, &out)
			require.Error(t, err)
			_, missing, ok := strings.Cut(err.Error(), "missing: ")
			require.True(t, ok, "the error must list what is missing: %v", err)
			for _, name := range tc.missing {
				assert.Contains(t, missing, name)
			}
			for _, name := range tc.set {
				assert.NotContains(t, missing, name)
			}
			assert.NotContains(t, err.Error(), "some-value-for-", "values, secrets among them, are never shown")
			assert.Empty(t, out.String(), "nothing runs on a partial configuration")
		})
	}
}

// realEnv points the tour at srv as if it were a real app, acting as alice
// with bob as the other member.
func realEnv(srv *okayapitest.Server, alice, bob string, aliceToken string) map[string]string {
	return map[string]string{
		"OKAYAPI_HOST":       srv.URL(),
		"OKAYAPI_APP_KEY":    srv.AppKey(),
		"OKAYAPI_APP_SECRET": srv.Secret(),
		"OKAYAPI_UUID":       alice,
		"OKAYAPI_TOKEN":      aliceToken,
		"OKAYAPI_OTHER_UUID": bob,
	}
}

func TestRunRealAppFromEnv(t *testing.T) {
	t.Parallel()
	srv, plugin := chatmsgtest.NewServer(t, okayapitest.WithSecret(""), okayapitest.WithQuirks(true))
	alice := srv.AddMember(okayapitest.Account{Username: "alice", Password: "pw-a", Nickname: "Alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob", Password: "pw-b", Nickname: "Bob", Age: 31})
	// Bob wrote first, so that alice has unread messages to mark.
	client, err := srv.Client()
	require.NoError(t, err)
	chat := chatmsg.New(client)
	for _, s := range []string{"hi alice", "are you there?"} {
		_, err := chat.Send(t.Context(), bob, alice.UUID, chatmsg.Text{Content: s})
		require.NoError(t, err)
	}

	env := realEnv(srv, alice.UUID, bob.UUID, alice.Token())
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), func(k string) string { return env[k] }, &out))
	transcript := out.String()
	t.Log("\n" + transcript)

	assert.Contains(t, transcript, srv.URL(), "the tour names the app it ran on")
	assert.NotContains(t, transcript, alice.Token())
	assert.NotContains(t, transcript, srv.Secret())
	for _, call := range calls {
		assert.Contains(t, transcript, call)
	}

	// The server saw every call, signed with the secret from the environment.
	seen := map[string]bool{}
	for _, r := range srv.Requests() {
		require.Equal(t, 200, r.Ret, "%s answered ret %d", r.Service, r.Ret)
		seen[r.Service] = true
	}
	for _, s := range []string{chatmsg.ServiceSend, chatmsg.ServiceMultiSend, chatmsg.ServiceTakeMessageList,
		chatmsg.ServiceMarkAsReaded, chatmsg.ServiceGetAllChatList, chatmsg.ServiceGetAllUnreadNum} {
		assert.True(t, seen[s], "the tour never called %s", s)
	}

	// Alice sent bob one message of each kind, then one through MultiSend;
	// bob's two messages to her are now read.
	kinds := map[string]int{}
	for _, m := range plugin.Messages() {
		switch {
		case m.From == alice.UUID && m.To == bob.UUID:
			kinds[m.Type]++
		case m.From == bob.UUID && m.To == alice.UUID:
			assert.True(t, m.Read, "bob's message #%d should be marked read", m.ID)
		default:
			t.Errorf("unexpected message #%d from %s to %s", m.ID, m.From, m.To)
		}
	}
	assert.Equal(t, map[string]int{"text": 2, "html": 1, "image": 1, "link": 1, "custom": 1}, kinds)
	assert.Regexp(t, `MarkAsReaded: #\d+ read, readed_num 1; your unread 2 → 1`, transcript)
	assert.Contains(t, transcript, "MarkAllAsReaded: the rest with "+bob.UUID[:8]+"…, readed_num 1; your unread 1 → 0")
	assert.Contains(t, transcript, "GetAllUnreadNum: you 0")
}

func TestRunRealAppErrors(t *testing.T) {
	t.Parallel()
	t.Run("plugin not installed", func(t *testing.T) {
		t.Parallel()
		srv, plugin := chatmsgtest.NewServer(t)
		plugin.SetInstalled(false)
		alice := srv.AddMember(okayapitest.Account{Username: "alice", Password: "pw-a"})
		bob := srv.AddMember(okayapitest.Account{Username: "bob", Password: "pw-b"})
		env := realEnv(srv, alice.UUID, bob.UUID, alice.Token())
		err := run(t.Context(), func(k string) string { return env[k] }, &bytes.Buffer{})
		require.Error(t, err)
		assert.True(t, errors.Is(err, chatmsg.ErrNotInstalled), "got %v", err)
		assert.Empty(t, plugin.Messages())
	})
	t.Run("invalid other uuid", func(t *testing.T) {
		t.Parallel()
		srv, _ := chatmsgtest.NewServer(t)
		alice := srv.AddMember(okayapitest.Account{Username: "alice", Password: "pw-a"})
		env := realEnv(srv, alice.UUID, "bob", alice.Token())
		err := run(t.Context(), func(k string) string { return env[k] }, &bytes.Buffer{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "OKAYAPI_OTHER_UUID")
		assert.Empty(t, srv.Requests(), "nothing is sent with an invalid configuration")
	})
}

func TestCLIHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"-help"}, {"--h"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := cli(t.Context(), args, noEnv, &stdout, &stderr)
			require.Equal(t, 0, code, "stderr: %s", stderr.String())
			assert.Empty(t, stderr.String())
			help := stdout.String()
			assert.True(t, strings.HasPrefix(help, "Usage: go run ./examples/quickstart"), help)
			assert.Contains(t, help, "embedded fake OkayAPI")
			for _, name := range envVars {
				assert.Contains(t, help, name, "the usage names every variable for a real app")
			}
			assert.Contains(t, help, "Exit status")
			assert.NotContains(t, help, "Send:", "the tour did not run")
		})
	}
}

func TestCLIUsageErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"-v"}, "flag provided but not defined: -v"},
		{[]string{"now"}, `unexpected argument "now"`},
		{[]string{"--", "--help"}, `unexpected argument "--help"`},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := cli(t.Context(), c.args, noEnv, &stdout, &stderr)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr.String(), c.want)
			assert.Contains(t, stderr.String(), "--help' for usage")
			assert.Empty(t, stdout.String(), "the tour did not run")
		})
	}
}

func TestCLIRuns(t *testing.T) {
	t.Parallel()
	t.Run("the tour", func(t *testing.T) {
		t.Parallel()
		var stdout, stderr bytes.Buffer
		require.Equal(t, 0, cli(t.Context(), nil, noEnv, &stdout, &stderr), "stderr: %s", stderr.String())
		assert.Contains(t, stdout.String(), "GetAllUnreadNum:")
		assert.Empty(t, stderr.String())
	})
	t.Run("a failure", func(t *testing.T) {
		t.Parallel()
		env := map[string]string{"OKAYAPI_HOST": "http://127.0.0.1:1"}
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 1, cli(t.Context(), nil, func(k string) string { return env[k] }, &stdout, &stderr))
		assert.Contains(t, stderr.String(), "quickstart: to use a real app set all of")
	})
}
