package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var redisAddr string

// TestMain uses $OKAYAPI_REDIS_ADDR, or starts a redis-server of its own;
// without one the tests fail, saying how to get one.
func TestMain(m *testing.M) {
	redisAddr = os.Getenv("OKAYAPI_REDIS_ADDR")
	var stop func()
	if redisAddr == "" {
		if os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "OKAYAPI_REDIS_ADDR is not set in CI: .ci/run starts redis-server and sets it")
			os.Exit(1)
		}
		bin, err := exec.LookPath("redis-server")
		if err != nil {
			fmt.Fprintln(os.Stderr, "no Redis: set OKAYAPI_REDIS_ADDR, or install redis-server (apt-get install -y redis-server); scripts/redis-test.sh does both")
			os.Exit(1)
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		redisAddr = l.Addr().String()
		l.Close()
		_, port, _ := net.SplitHostPort(redisAddr)
		cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no")
		if err := cmd.Start(); err != nil {
			panic(err)
		}
		stop = func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	}
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	for i := 0; rdb.Ping(context.Background()).Err() != nil; i++ {
		if i == 100 {
			fmt.Fprintln(os.Stderr, "Redis at", redisAddr, "does not answer")
			os.Exit(1)
		}
		time.Sleep(50 * time.Millisecond)
	}
	rdb.Close()
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

// TestTwoInstances: two instances share alice; the one answering is
// stopped, the other takes over; every message bob sends, before and after,
// is answered once.
func TestTwoInstances(t *testing.T) {
	t.Parallel()
	srv, plugin := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	prefix := fmt.Sprintf("echobot-test:%d:", time.Now().UnixNano())
	env := map[string]string{"OKAYAPI_HOST": srv.URL(), "OKAYAPI_APP_KEY": srv.AppKey(), "OKAYAPI_APP_SECRET": srv.Secret(),
		"OKAYAPI_UUID": alice.UUID, "OKAYAPI_TOKEN": alice.Token()}
	getenv := func(k string) string { return env[k] }
	args := []string{"--redis", "redis://" + redisAddr + "/0", "--prefix", prefix, "--lease", "1s", "--interval", "100ms", "--max-interval", "300ms", "--rate", "50"}

	var logs [2]wiretest.SyncBuffer
	var cancels [2]context.CancelFunc
	var wg sync.WaitGroup
	for i := range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i] = cancel
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.Equal(t, 0, run(ctx, append(args, "--instance", fmt.Sprint("i", i)), getenv, &logs[i]))
		}()
	}
	t.Cleanup(func() {
		for _, c := range cancels {
			c()
		}
		wg.Wait()
	})
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	t.Cleanup(func() { rdb.Close() })
	require.Eventually(t, func() bool {
		return rdb.Exists(context.Background(), prefix+"cursor:"+strings.ToUpper(alice.UUID)).Val() == 1
	}, 20*time.Second, 20*time.Millisecond, "nobody watches alice")
	owner := 0
	if strings.Contains(logs[1].String(), "now answering") {
		owner = 1
	}

	chat := chatmsg.New(okayapitest.NewClient(t, srv))
	send := func(text string) {
		_, err := chat.Send(context.Background(), bob, alice.UUID, chatmsg.Text{Content: text})
		require.NoError(t, err)
	}
	answered := func(text string) int {
		n := 0
		for _, m := range plugin.Messages() {
			if strings.EqualFold(m.From, alice.UUID) && strings.Contains(string(m.Data), `"echo: `+text+`"`) {
				n++
			}
		}
		return n
	}
	for i := range 3 {
		send(fmt.Sprint("before ", i))
	}
	require.Eventually(t, func() bool { return answered("before 2") == 1 }, 20*time.Second, 20*time.Millisecond)
	cancels[owner]() // the owner stops: alice moves to the other instance
	for i := range 3 {
		send(fmt.Sprint("after ", i))
	}
	require.Eventually(t, func() bool { return answered("after 2") == 1 }, 20*time.Second, 20*time.Millisecond,
		"the other instance did not take over:\n%s\n%s", logs[0].String(), logs[1].String())
	for _, text := range []string{"before 0", "before 1", "before 2", "after 0", "after 1", "after 2"} {
		assert.Equal(t, 1, answered(text), text)
	}
	assert.Contains(t, logs[1-owner].String(), "now answering")
	assert.Contains(t, logs[owner].String(), "handed")
}

// TestAnswersTheFirstMessageAfterTheBanner: a message sent as soon as the
// instance says it is sharing its members is answered: the start of a
// member's first watch is fixed before that, not when the member's watch
// starts.
func TestAnswersTheFirstMessageAfterTheBanner(t *testing.T) {
	t.Parallel()
	srv, plugin := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	chat := chatmsg.New(okayapitest.NewClient(t, srv))
	_, err := chat.Send(context.Background(), bob, alice.UUID, chatmsg.Text{Content: "before the bot ever ran"})
	require.NoError(t, err)
	prefix := fmt.Sprintf("echobot-test:%d:", time.Now().UnixNano())
	env := map[string]string{"OKAYAPI_HOST": srv.URL(), "OKAYAPI_APP_KEY": srv.AppKey(), "OKAYAPI_APP_SECRET": srv.Secret(),
		"OKAYAPI_UUID": alice.UUID, "OKAYAPI_TOKEN": alice.Token()}
	args := []string{"--redis", "redis://" + redisAddr + "/0", "--prefix", prefix, "--lease", "1s", "--interval", "100ms", "--max-interval", "300ms"}
	var log wiretest.SyncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- run(ctx, args, func(k string) string { return env[k] }, &log) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	require.Eventually(t, func() bool { return strings.Contains(log.String(), "sharing") }, 10*time.Second, time.Millisecond)
	_, err = chat.Send(context.Background(), bob, alice.UUID, chatmsg.Text{Content: "right after the banner"})
	require.NoError(t, err)
	answers := func() []string {
		var out []string
		for _, m := range plugin.Messages() {
			if strings.EqualFold(m.From, alice.UUID) {
				out = append(out, string(m.Data))
			}
		}
		return out
	}
	require.Eventually(t, func() bool { return len(answers()) > 0 }, 10*time.Second, 10*time.Millisecond, "log:\n%s", log.String())
	time.Sleep(500 * time.Millisecond) // polls that would answer the old message, were it new; not a timing assertion
	got := answers()
	require.Len(t, got, 1, "log:\n%s", log.String())
	assert.Contains(t, got[0], `"content":"echo: right after the banner"`)
}
