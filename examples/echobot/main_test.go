package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// scene is the fake app with the bot's member, alice, and two members who
// write to it.
type scene struct {
	srv              *okayapitest.Server
	plugin           *chatmsgtest.Plugin
	alice, bob, carl okayapi.Member
	env              map[string]string
	chat             *chatmsg.Service
	state            string
}

func newScene(t *testing.T) *scene {
	t.Helper()
	srv, plugin := chatmsgtest.NewServer(t)
	s := &scene{srv: srv, plugin: plugin, state: filepath.Join(t.TempDir(), "echobot.json")}
	s.alice = srv.AddMember(okayapitest.Account{Username: "alice", Password: "pw"})
	s.bob = srv.AddMember(okayapitest.Account{Username: "bob", Password: "pw"})
	s.carl = srv.AddMember(okayapitest.Account{Username: "carl", Password: "pw"})
	s.env = map[string]string{
		"OKAYAPI_HOST":       srv.URL(),
		"OKAYAPI_APP_KEY":    srv.AppKey(),
		"OKAYAPI_APP_SECRET": srv.Secret(),
		"OKAYAPI_UUID":       s.alice.UUID,
		"OKAYAPI_TOKEN":      s.alice.Token(),
	}
	s.chat = chatmsg.New(okayapitest.NewClient(t, srv, okayapi.WithRetries(0, 0, 0)))
	return s
}

func (s *scene) send(t *testing.T, from okayapi.Member, text string) {
	t.Helper()
	_, err := s.chat.Send(t.Context(), from, s.alice.UUID, chatmsg.Text{Content: text})
	require.NoError(t, err)
}

// replies counts alice's answers by their text, and checks that each
// carries a send key.
func (s *scene) replies(t *testing.T) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, m := range s.plugin.Messages() {
		if m.From != s.alice.UUID {
			continue
		}
		var data struct {
			Content string `json:"content"`
			Key     string `json:"okayapi_send_key"`
		}
		require.NoError(t, json.Unmarshal(m.Data, &data))
		assert.Len(t, data.Key, 32, "an answer is sent exactly once, with a send key")
		n[data.Content]++
	}
	return n
}

// bot is a running echobot.
type bot struct {
	cancel context.CancelFunc
	done   chan int
	log    *syncBuffer
}

// start runs the bot in the background, as the process would.
func (s *scene) start(t *testing.T) *bot {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	b := &bot{cancel: cancel, done: make(chan int, 1), log: &syncBuffer{}}
	args := []string{"--state", s.state, "--interval", "20ms", "--max-interval", "200ms"}
	go func() { b.done <- run(ctx, args, func(k string) string { return s.env[k] }, b.log) }()
	t.Cleanup(cancel)
	return b
}

// stop interrupts the bot and returns its exit status.
func (b *bot) stop(t *testing.T) int {
	t.Helper()
	b.cancel()
	select {
	case code := <-b.done:
		return code
	case <-time.After(10 * time.Second):
		t.Fatalf("the bot did not stop; log:\n%s", b.log)
		return -1
	}
}

// waitAnswered waits until every text in want has been answered.
func (s *scene) waitAnswered(t *testing.T, b *bot, want ...string) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got := s.replies(t)
		for _, w := range want {
			assert.Positive(c, got["echo: "+w], "not answered: %q", w)
		}
	}, 10*time.Second, 10*time.Millisecond, "log:\n%s", b.log)
}

func TestEchoBot(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	s.send(t, s.bob, "sent before the bot ever ran")

	// First start: it takes its place (and saves it) before it answers.
	b := s.start(t)
	require.Eventually(t, func() bool { _, err := os.Stat(s.state); return err == nil }, 10*time.Second, 5*time.Millisecond)
	var first []string
	for i := range 6 {
		from := s.bob
		if i%3 == 2 {
			from = s.carl
		}
		first = append(first, fmt.Sprintf("msg-%d", i))
		s.send(t, from, first[i])
	}
	s.waitAnswered(t, b, first...)
	require.Equal(t, 0, b.stop(t), "log:\n%s", b.log)
	beforeRestart, err := os.ReadFile(s.state)
	require.NoError(t, err)

	// Stopped: what arrives meanwhile is answered after the restart.
	s.send(t, s.bob, "while down")
	b = s.start(t)
	s.send(t, s.carl, "after the restart")
	s.waitAnswered(t, b, "while down", "after the restart")
	time.Sleep(300 * time.Millisecond) // a few more polls: nothing is answered twice
	require.Equal(t, 0, b.stop(t), "log:\n%s", b.log)

	// As after a crash between answering and saving the cursor: the bot
	// starts from an older cursor, the watch hands the last two messages
	// over again, and the answers' send keys show they were answered.
	require.NoError(t, os.WriteFile(s.state, beforeRestart, 0o600))
	b = s.start(t)
	require.Eventually(t, func() bool { return strings.Count(b.log.String(), "already answered") == 2 },
		10*time.Second, 5*time.Millisecond, "log:\n%s", b.log)
	s.send(t, s.bob, "last")
	s.waitAnswered(t, b, "last")
	require.Equal(t, 0, b.stop(t), "log:\n%s", b.log)

	want := map[string]int{}
	for _, w := range append(first, "while down", "after the restart", "last") {
		want["echo: "+w] = 1
	}
	assert.Equal(t, want, s.replies(t), "each message answered once, the one before the first start not at all")
	for _, m := range s.plugin.Messages() {
		if m.To == s.alice.UUID {
			assert.Equal(t, !strings.Contains(string(m.Data), "before the bot"), m.Read, "answered messages are marked read: %s", m.Data)
		}
	}
}

// A final error (the token expired) ends the bot with exit status 1; bad
// settings with 2.
func TestEchoBotExit(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	b := s.start(t)
	require.Eventually(t, func() bool { _, err := os.Stat(s.state); return err == nil }, 10*time.Second, 5*time.Millisecond)
	s.srv.ExpireToken(s.alice.UUID)
	select {
	case code := <-b.done:
		assert.Equal(t, 1, code)
		assert.Contains(t, b.log.String(), "not logged in")
	case <-time.After(10 * time.Second):
		t.Fatalf("the bot did not end; log:\n%s", b.log)
	}

	var log syncBuffer
	env := map[string]string{"OKAYAPI_HOST": s.srv.URL()}
	assert.Equal(t, 2, run(t.Context(), nil, func(k string) string { return env[k] }, &log))
	assert.Contains(t, log.String(), "OKAYAPI_APP_KEY is not set")
	assert.Equal(t, 2, run(t.Context(), []string{"--nope"}, func(k string) string { return env[k] }, &log))
}

// syncBuffer is the shared test helper: written by the command while the test reads.
type syncBuffer = wiretest.SyncBuffer

// The first message, sent as soon as the bot says it is answering, is
// answered: the watch's start is fixed before that, not at its first poll
// (which a slow service holds up here).
func TestEchoBotAnswersTheFirstMessageAfterTheBanner(t *testing.T) {
	t.Parallel()
	s := newScene(t)
	s.send(t, s.bob, "sent before the bot ever ran")
	target, err := url.Parse(s.srv.URL())
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var first sync.Once
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first.Do(func() { time.Sleep(300 * time.Millisecond) }) // a slow first answer, not an assertion
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(slow.Close)
	s.env["OKAYAPI_HOST"] = slow.URL

	b := s.start(t)
	require.Eventually(t, func() bool { return strings.Contains(b.log.String(), "answering messages") },
		10*time.Second, time.Millisecond)
	s.send(t, s.carl, "right after the banner")
	s.waitAnswered(t, b, "right after the banner")
	require.Equal(t, 0, b.stop(t), "log:\n%s", b.log)
	assert.Equal(t, map[string]int{"echo: right after the banner": 1}, s.replies(t), "log:\n%s", b.log)
}
