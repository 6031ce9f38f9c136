package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/exactlyonce"
	"github.com/okayapi-go/sdk/internal/wiretest"
)

// fast are watch flags for tests: polls every 20 ms after a message, at
// most 200 ms apart.
var fast = []string{"--interval", "20ms", "--max-interval", "200ms"}

// watching is an okchat watch running in the background.
type watching struct {
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int
	env            map[string]string
}

// startWatch runs okchat with args (a watch) until stop or the test's end.
func (f *fixture) startWatch(t *testing.T, stdout io.Writer, args ...string) *watching {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	w := &watching{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1), env: f.env}
	if stdout == nil {
		stdout = w.stdout
	}
	go func() {
		w.done <- run(ctx, args, system{
			getenv: func(k string) string { return f.env[k] },
			stdin:  strings.NewReader(""),
			stdout: stdout,
			stderr: w.stderr,
		})
	}()
	t.Cleanup(cancel)
	return w
}

// lines waits until the watch has printed at least n lines, and returns them.
func (w *watching) lines(t *testing.T, n int) []string {
	t.Helper()
	var lines []string
	require.Eventually(t, func() bool {
		lines = strings.SplitAfter(w.stdout.String(), "\n")
		lines = lines[:len(lines)-1] // after the last "\n"
		return len(lines) >= n
	}, 10*time.Second, 5*time.Millisecond, "stdout:\n%s\nstderr:\n%s", w.stdout, w.stderr)
	return lines
}

// wait waits for the watch to end by itself.
func (w *watching) wait(t *testing.T) result {
	t.Helper()
	select {
	case code := <-w.done:
		r := result{code: code, stdout: w.stdout.String(), stderr: w.stderr.String()}
		for _, name := range []string{"OKAYAPI_TOKEN", "OKAYAPI_APP_SECRET", "OKAYAPI_STATIC_SIGN"} {
			if s := w.env[name]; s != "" {
				assert.NotContains(t, r.stdout+r.stderr, s, "okchat printed %s", name)
			}
		}
		return r
	case <-time.After(10 * time.Second):
		t.Fatalf("the watch did not end\nstdout:\n%s\nstderr:\n%s", w.stdout, w.stderr)
		return result{}
	}
}

// stop interrupts the watch, as Ctrl-C does, and waits for it to end.
func (w *watching) stop(t *testing.T) result {
	t.Helper()
	w.cancel()
	return w.wait(t)
}

// polled waits until alice's watch has read the chat list n times: with
// --since-now, twice means it has taken its place.
func (f *fixture) polled(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		count := 0
		for _, r := range f.srv.Requests() {
			if r.Service == chatmsg.ServiceGetAllChatList && strings.EqualFold(r.Form.Get("uuid"), f.alice.UUID) {
				count++
			}
		}
		return count >= n
	}, 10*time.Second, 5*time.Millisecond)
}

// watchLine is a plain watch line: id, time, direction and the other
// member, type, read flag, message.
var watchLine = regexp.MustCompile(`^#(\d+)  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+  (received from|sent to) ([0-9A-F]{32})  (\w+)  (read|unread)  (.*)\n$`)

// Messages that arrive while the watch runs are printed once each, in
// order within a conversation, after what was there (no --since-now);
// without --sent, not alice's own; without --mark-read, they stay unread.
func TestWatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.send(t, f.bob, f.alice, "old")
	w := f.startWatch(t, nil, append([]string{"watch"}, fast...)...)
	first := w.lines(t, 1)
	assert.Regexp(t, `  received from `+f.bob.UUID+`  text  unread  old\n$`, first[0])

	want := []string{"old"}
	for i := range 6 {
		from, text := f.bob, fmt.Sprintf("bob %d", i)
		if i%2 == 1 {
			from, text = f.carol, fmt.Sprintf("carol %d", i)
		}
		f.send(t, from, f.alice, text)
		want = append(want, text)
		if i == 2 {
			f.send(t, f.alice, f.bob, "alice's own")
			time.Sleep(50 * time.Millisecond) // some in one poll, some in the next
		}
	}
	lines := w.lines(t, len(want))
	time.Sleep(400 * time.Millisecond) // a few more polls: nothing twice
	r := w.stop(t).ok(t)
	assert.Equal(t, strings.Join(lines, ""), r.stdout, "nothing more")

	var got []string
	lastID := map[string]int64{}
	for _, line := range lines {
		m := watchLine.FindStringSubmatch(line)
		require.NotNil(t, m, "line %q", line)
		assert.Equal(t, "received from", m[2])
		with, text := m[3], m[6]
		wantWith := f.bob.UUID
		if strings.HasPrefix(text, "carol") {
			wantWith = f.carol.UUID
		}
		assert.Equal(t, wantWith, with, "line %q", line)
		id := int64(0)
		fmt.Sscan(m[1], &id)
		stored := storedByID(t, f.plugin, id)
		assert.Contains(t, string(stored.Data), text)
		assert.Greater(t, id, lastID[with], "in id order within a conversation")
		lastID[with] = id
		got = append(got, text)
	}
	assert.ElementsMatch(t, want, got, "each message once")
	for _, m := range f.plugin.Messages() {
		assert.False(t, m.Read, "without --mark-read nothing is marked read")
	}
}

// --json, before or after the command: one object per line with history
// --json's keys plus other_uuid; an exactly-once message's key is its
// send_key, never its content. --sent adds alice's own messages.
func TestWatchJSON(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--json", "watch", "--sent"}, {"watch", "--sent", "--json"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			w := f.startWatch(t, nil, append(args, fast...)...)
			f.send(t, f.bob, f.alice, "hello <b>&</b> 你好")
			once, err := exactlyonce.Send(t.Context(), f.chat, f.carol, f.alice.UUID, chatmsg.Text{Content: "exactly once"}, exactlyonce.Config{})
			require.NoError(t, err)
			require.Len(t, once.Key, 32)
			f.send(t, f.alice, f.bob, "from alice")
			lines := w.lines(t, 3)
			r := w.stop(t).ok(t)
			assert.Len(t, lines, 3, "stdout:\n%s", r.stdout)

			byText := map[string]map[string]any{}
			for _, line := range lines {
				var m map[string]any
				require.NoError(t, json.Unmarshal([]byte(line), &m), "line %q", line)
				assert.NotContains(t, strings.TrimSuffix(line, "\n"), "\n", "one line per object")
				for _, k := range []string{"id", "chat_message_to_uuid", "chat_message_type", "chat_message_data",
					"chat_message_is_read", "chat_message_io", "direction", "add_time", "other_uuid"} {
					assert.Contains(t, m, k, "line %q", line)
				}
				assert.Equal(t, m["chat_message_to_uuid"], m["other_uuid"])
				assert.Equal(t, "text", m["chat_message_type"])
				_, err := time.Parse(time.RFC3339, m["add_time"].(string))
				assert.NoError(t, err)
				data := m["chat_message_data"].(map[string]any)
				assert.NotContains(t, data, keyField, "the key is never content")
				byText[data["content"].(string)] = m
			}
			require.Len(t, byText, 3, "stdout:\n%s", r.stdout)

			bob := byText["hello <b>&</b> 你好"]
			require.NotNil(t, bob, "HTML characters are not escaped: stdout:\n%s", r.stdout)
			assert.Equal(t, f.bob.UUID, bob["other_uuid"])
			assert.Equal(t, "received", bob["direction"])
			assert.Equal(t, "out", bob["chat_message_io"])
			assert.Equal(t, false, bob["chat_message_is_read"])
			assert.NotContains(t, bob, "send_key")
			stored := storedByID(t, f.plugin, int64(bob["id"].(float64)))
			assert.Equal(t, f.bob.UUID, stored.From)

			carol := byText["exactly once"]
			require.NotNil(t, carol)
			assert.Equal(t, f.carol.UUID, carol["other_uuid"])
			assert.Equal(t, once.Key, carol["send_key"])

			mine := byText["from alice"]
			require.NotNil(t, mine, "--sent prints alice's own messages")
			assert.Equal(t, f.bob.UUID, mine["other_uuid"])
			assert.Equal(t, "sent", mine["direction"])
			assert.Equal(t, "in", mine["chat_message_io"])
		})
	}
	t.Run("the plain line never shows the key", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		once, err := exactlyonce.Send(t.Context(), f.chat, f.carol, f.alice.UUID, chatmsg.Text{Content: "exactly once"}, exactlyonce.Config{})
		require.NoError(t, err)
		w := f.startWatch(t, nil, append([]string{"watch"}, fast...)...)
		line := w.lines(t, 1)[0]
		r := w.stop(t).ok(t)
		assert.Regexp(t, `  received from `+f.carol.UUID+`  text  unread  exactly once\n$`, line)
		assert.NotContains(t, r.stdout, once.Key)
		assert.NotContains(t, r.stdout, keyField)
	})
}

// --since-now: what was there when the watch started is not printed.
func TestWatchSinceNow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.send(t, f.bob, f.alice, "old 1")
	f.send(t, f.carol, f.alice, "old 2")
	w := f.startWatch(t, nil, append([]string{"watch", "--since-now"}, fast...)...)
	f.polled(t, 2) // its place taken, and a poll after it
	f.send(t, f.bob, f.alice, "new")
	lines := w.lines(t, 1)
	time.Sleep(300 * time.Millisecond)
	r := w.stop(t).ok(t)
	require.Len(t, lines, 1)
	assert.Equal(t, lines[0], r.stdout)
	assert.Regexp(t, `  received from `+f.bob.UUID+`  text  unread  new\n$`, r.stdout)
}

// --mark-read marks each message read once it is printed, and only those.
func TestWatchMarkRead(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.send(t, f.bob, f.alice, "before")
	f.send(t, f.alice, f.bob, "alice's own, which bob has not read")
	w := f.startWatch(t, nil, append([]string{"--json", "watch", "--mark-read"}, fast...)...)
	f.send(t, f.carol, f.alice, "during 1")
	f.send(t, f.bob, f.alice, "during 2")
	lines := w.lines(t, 3)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		for _, m := range f.plugin.Messages() {
			assert.Equal(c, m.To == f.alice.UUID, m.Read, "message #%d %s", m.ID, m.Data)
		}
	}, 10*time.Second, 10*time.Millisecond)
	w.stop(t).ok(t)
	for _, line := range lines {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		assert.Equal(t, false, m["chat_message_is_read"], "printed as it arrived: unread")
	}
}

// An interruption ends the watch with exit status 0 once the line being
// written is whole, even in the middle of many messages.
func TestWatchInterrupted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const n = 150
	for i := range n {
		f.send(t, f.bob, f.alice, fmt.Sprintf("message %03d", i))
	}
	out := &slowWriter{delay: 2 * time.Millisecond}
	w := f.startWatch(t, out, append([]string{"watch", "--json"}, fast...)...)
	require.Eventually(t, func() bool { return strings.Count(out.String(), "\n") >= 10 }, 10*time.Second, time.Millisecond)
	r := w.stop(t).ok(t)
	stdout := out.String()
	require.True(t, strings.HasSuffix(stdout, "\n"), "the last line is whole: %q", stdout[max(0, len(stdout)-200):])
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	assert.Less(t, len(lines), n, "interrupted before the end")
	var ids []int64
	for _, line := range lines {
		var m struct {
			ID   int64 `json:"id"`
			Data struct {
				Content string `json:"content"`
			} `json:"chat_message_data"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &m), "line %q", line)
		assert.Equal(t, fmt.Sprintf("message %03d", len(ids)), m.Data.Content, "in order, none missing")
		ids = append(ids, m.ID)
	}
	assert.True(t, slices.IsSorted(ids))
	assert.Empty(t, r.stderr)
}

// --timeout bounds each HTTP attempt, not the watch.
func TestWatchOutlivesTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	w := f.startWatch(t, nil, append([]string{"--timeout", "200ms", "watch"}, fast...)...)
	time.Sleep(600 * time.Millisecond)
	f.send(t, f.bob, f.alice, "late")
	w.lines(t, 1)
	w.stop(t).ok(t)
}

// A failed poll is told on stderr as it happens and the watch goes on; a
// final error (the token expired) ends it with exit status 1.
func TestWatchErrors(t *testing.T) {
	t.Parallel()
	t.Run("a failed poll", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		w := f.startWatch(t, nil, append([]string{"watch"}, fast...)...)
		f.polled(t, 1)
		f.srv.InjectFault(chatmsg.ServiceGetAllChatList, "non-json", 1)
		require.Eventually(t, func() bool { return w.stderr.String() != "" }, 10*time.Second, 5*time.Millisecond)
		f.send(t, f.bob, f.alice, "after the failure")
		w.lines(t, 1)
		r := w.stop(t)
		assert.Equal(t, 0, r.code)
		assert.Regexp(t, `^okchat watch: a poll failed \(trying again\): no usable answer: .+\n$`, r.stderr)
		assert.Contains(t, r.stdout, "after the failure")
	})
	t.Run("the token expired", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		w := f.startWatch(t, nil, append([]string{"watch"}, fast...)...)
		f.send(t, f.bob, f.alice, "before it expired")
		w.lines(t, 1)
		f.srv.ExpireToken(f.alice.UUID)
		r := w.wait(t)
		assert.Equal(t, 1, r.code, "stderr: %s", r.stderr)
		assert.Contains(t, r.stdout, "before it expired")
		assert.NotContains(t, r.stderr, "trying again", "a final error is told once, as the end")
		assert.Contains(t, r.stderr, "okchat watch: the service refused App.Market_ChatMessage.")
		assert.Contains(t, r.stderr, "okchat: the member is not logged in or the token expired")
	})
	t.Run("plugin not installed", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.plugin.SetInstalled(false)
		r := f.run(t, append([]string{"watch"}, fast...)...)
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "err_code 9")
		assert.Contains(t, r.stderr, "not installed")
	})
	t.Run("the output cannot be written", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.send(t, f.bob, f.alice, "hi")
		r := runWith(t, f.env, &failingWriter{}, nil, append([]string{"watch"}, fast...)...)
		assert.Equal(t, 4, r.code)
		assert.Contains(t, r.stderr, "okchat watch: a message arrived")
		assert.Contains(t, r.stderr, "no space left on device")
	})
}

func TestWatchUsage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"watch", "--interval", "0"}, "--interval must be a positive duration"},
		{[]string{"watch", "--interval", "-1s"}, "--interval must be a positive duration"},
		{[]string{"watch", "--interval", "fast"}, `invalid value "fast" for --interval: must be a duration`},
		{[]string{"watch", "--interval", "300"}, `invalid value "300" for --interval: must be a duration`},
		{[]string{"watch", "--max-interval", "0s"}, "--max-interval must be a positive duration"},
		{[]string{"watch", "--interval", "2m", "--max-interval", "1m"}, "--interval (2m0s) must not be longer than --max-interval (1m0s)"},
		{[]string{"watch", "--with", f.bob.UUID}, "unknown flag --with"},
		{[]string{"watch", "now"}, `unexpected argument "now"`},
	} {
		r := f.run(t, tc.args...)
		assert.Equal(t, 2, r.code, "%v: %s", tc.args, r.stderr)
		assert.Contains(t, r.stderr, "okchat watch: "+tc.want, "%v", tc.args)
		assert.Empty(t, r.stdout)
	}
	assert.Empty(t, f.srv.Requests(), "nothing is sent on bad usage")

	help := f.run(t, "watch", "--help").ok(t).stdout
	for _, w := range []string{"--interval DURATION", "--max-interval DURATION", "--since-now", "--mark-read", "--sent", "--json",
		"other_uuid", "exits 0", "SIGTERM"} {
		assert.Contains(t, help, w)
	}
	assert.Regexp(t, `(?m)^  watch +print each new message as it arrives`, f.run(t, "--help").ok(t).stdout)
}

// slowWriter is a terminal that takes its time: each write lands in two
// halves, delay apart, so an interruption can come in the middle of one.
type slowWriter struct {
	syncBuffer
	delay time.Duration
}

func (s *slowWriter) Write(p []byte) (int, error) {
	half := len(p) / 2
	s.syncBuffer.Write(p[:half])
	time.Sleep(s.delay)
	s.syncBuffer.Write(p[half:])
	return len(p), nil
}

// syncBuffer is the shared test helper: written by the command while the test reads.
type syncBuffer = wiretest.SyncBuffer
