package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/chatmsg/watch"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// commandCalls answers how many commands Redis has run (scripts' own
// commands included), from INFO commandstats.
func commandCalls(tb testing.TB, rdb *redis.Client) int64 {
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	require.NoError(tb, err)
	var total int64
	for _, line := range strings.Split(info, "\n") {
		if !strings.HasPrefix(line, "cmdstat_") || strings.HasPrefix(line, "cmdstat_info:") {
			continue
		}
		_, rest, _ := strings.Cut(line, "calls=")
		n, _ := strconv.ParseInt(rest[:strings.IndexByte(rest, ',')], 10, 64)
		total += n
	}
	return total
}

// BenchmarkGroupCost: one instance owns 100 members of the fake for 6 s
// (after they are taken), first idle, then with a message to a random member
// every 20 ms; it reports the Redis commands per watch poll (a poll is one
// GetAllChatList of one member) and per handled message, on a redis-server
// of its own. It runs once whatever b.N.
func BenchmarkGroupCost(b *testing.B) {
	srv, err := startRedis("")
	require.NoError(b, err)
	defer srv.stop()
	rdb := redis.NewClient(&redis.Options{Addr: srv.addr})
	defer rdb.Close()
	fake, _ := chatmsgtest.NewServer(b)
	var members []okayapi.Member
	for i := range 100 {
		members = append(members, fake.AddMember(okayapitest.Account{Username: fmt.Sprint("m", i)}))
	}
	sender := fake.AddMember(okayapitest.Account{Username: "sender"})
	client := okayapitest.NewClient(b, fake)
	chat := chatmsg.New(client)
	g, err := NewGroup(rdb, chat, members, GroupOptions{Prefix: "bench:", LeaseTTL: 3 * time.Second,
		Watch: watch.Options{MinInterval: 250 * time.Millisecond, MaxInterval: time.Second}})
	require.NoError(b, err)
	var handled atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = g.Run(ctx, func(context.Context, watch.Event) { handled.Add(1) })
	}()
	for len(g.Owned()) < len(members) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // the first loads and saves are over
	polls := func() (n int64) {
		for _, r := range fake.Requests() {
			if r.Service == "App.Market_ChatMessage.GetAllChatList" {
				n++
			}
		}
		return n
	}
	b.ResetTimer()
	c0, p0 := commandCalls(b, rdb), polls()
	time.Sleep(6 * time.Second)
	c1, p1 := commandCalls(b, rdb), polls()
	h0 := handled.Load()
	stop := time.Now().Add(6 * time.Second)
	for time.Now().Before(stop) {
		_, _ = chat.Send(context.Background(), sender, members[time.Now().UnixNano()%100].UUID, chatmsg.Text{Content: "hi"})
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	c2, p2 := commandCalls(b, rdb), polls()
	h := handled.Load() - h0
	cancel()
	<-done
	b.StopTimer()
	idle := float64(c1-c0) / float64(p1-p0)
	busy := float64(c2-c1) / float64(p2-p1)
	b.ReportMetric(idle, "redis-cmds/poll-idle")
	b.ReportMetric(busy, "redis-cmds/poll-busy")
	b.ReportMetric(float64(c1-c0)/6/100, "redis-cmds/s/member-idle")
	if h > 0 {
		b.ReportMetric(float64(c2-c1)/float64(h), "redis-cmds/message")
	}
	b.Logf("idle 6 s: %d polls, %d Redis commands; busy 8 s: %d polls, %d messages handled, %d Redis commands", p1-p0, c1-c0, p2-p1, h, c2-c1)
}
