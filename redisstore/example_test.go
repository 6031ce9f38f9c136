package redisstore_test

import (
	"context"
	"log"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/watch"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/redisstore"
	"github.com/redis/go-redis/v9"
)

// Every instance of an app runs the same code: one quota for all of them,
// the members' watches shared out, sends that survive a crash.
func Example() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "10.0.0.5:6379"})

	// One quota for every process: 50 requests a second in all, bursts of 10.
	lim, err := redisstore.NewLimiter(rdb, "myapp:rate", 50, 10)
	if err != nil {
		log.Fatal(err)
	}
	client, err := okayapi.New("https://hn216.api.okayapi.com", "APP_KEY", okayapi.WithSecret("APP_SECRET"), okayapi.WithLimiter(lim))
	if err != nil {
		log.Fatal(err)
	}
	chat := chatmsg.New(client)
	members := []okayapi.Member{ /* the members whose messages the app handles, with their tokens */ }
	byUUID := map[string]okayapi.Member{}

	// Sends that survive a crash, finished by any instance.
	ob, err := redisstore.NewOutbox(rdb, chat, redisstore.OutboxOptions{
		Prefix: "myapp:",
		Member: func(_ context.Context, uuid string) (okayapi.Member, error) { return byUUID[uuid], nil },
	})
	if err != nil {
		log.Fatal(err)
	}
	go ob.RunRecovery(ctx, time.Minute)

	// Each member watched by exactly one live instance.
	g, err := redisstore.NewGroup(rdb, chat, members, redisstore.GroupOptions{
		Prefix: "myapp:watch:",
		Watch:  watch.Options{MarkRead: true},
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = g.Run(ctx, func(ctx context.Context, ev watch.Event) {
		me := byUUID[ev.Member]
		if _, err := ob.Send(ctx, me, ev.Message.With, chatmsg.Text{Content: "got it"}); err != nil {
			log.Print(err) // a *PendingError: the recovery pass finishes it
		}
	})
}
