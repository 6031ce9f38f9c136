package watch_test

// The watch soak: messages keep arriving, before and after a SinceNow
// watch's start, in a world with replica lag, ties in another order at each
// read, rows moving between pages and perpage ignored; reads fail at
// random, and the watch is stopped and started again from its store again
// and again. Then: every message stored from the start on was yielded once,
// in order, and none stored before it ever. Short by default;
// OKAYAPI_WATCH_SOAK=60s runs the long one (the README's Receiving section
// reports it).

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/watch"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// watchSoakFaults are the faults injected into the watch's reads.
var watchSoakFaults = []okayapitest.Fault{
	"html502", "exception", "reset-before", "truncate",
	"non-json", "429", "exception-db", "drop-after",
}

func TestWatchSoak(t *testing.T) {
	t.Parallel()
	sending := 3 * time.Second
	if v := os.Getenv("OKAYAPI_WATCH_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		require.NoError(t, err, "OKAYAPI_WATCH_SOAK")
		sending = d
	}
	const lag = 300 * time.Millisecond
	w := newWatchWorld(t, okayapitest.WithMaxRequests(0))
	w.plugin.SetWorld(hostileWorld(lag))
	watched := []okayapi.Member{w.alice, w.carol, w.dave, w.erin}
	isWatched := map[string]bool{}
	for _, m := range watched {
		isWatched[m.UUID] = true
	}
	senders := make([]okayapi.Member, 120) // more conversations than a page
	for i := range senders {
		senders[i] = w.srv.AddMember(okayapitest.Account{})
	}
	chat := chatmsg.New(okayapitest.NewClient(t, w.srv, okayapi.WithRetries(0, 0, 0), okayapi.WithTimeout(2*time.Second)))
	send := func(rnd *rand.Rand, n int) {
		for i := range n {
			from, to := senders[rnd.IntN(len(senders))], watched[rnd.IntN(len(watched))]
			_, err := w.send.Send(context.Background(), from, to.UUID, chatmsg.Text{Content: fmt.Sprint("m", i)})
			require.NoError(t, err)
		}
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	send(rnd, 300) // the history, many in one second

	// Messages keep arriving across the start (the next whole second).
	stopSending := make(chan struct{})
	var senderDone sync.WaitGroup
	senderDone.Add(1)
	go func() {
		defer senderDone.Done()
		rnd := rand.New(rand.NewPCG(3, 4))
		for {
			select {
			case <-stopSending:
				return
			case <-time.After(time.Duration(rnd.IntN(15)) * time.Millisecond):
				send(rnd, 1+rnd.IntN(3))
			}
		}
	}()
	since := time.Now().Truncate(time.Second).Add(time.Second)
	store := watch.NewMemoryStore()
	opts := watch.Options{SinceNow: true, Since: since, Store: store, Settle: time.Second,
		MinInterval: 20 * time.Millisecond, MaxInterval: 200 * time.Millisecond, Rate: 2000, Concurrency: 3}

	var mu sync.Mutex
	got := map[int64]int{}
	var events []watch.Event
	restarts, faults, errs := 0, 0, 0
	run := func(d time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		for ev, err := range watch.Run(ctx, chat, watched, opts) {
			if err != nil {
				var we *watch.Error
				require.ErrorAs(t, err, &we)
				if !we.WatchEnded {
					require.False(t, we.Final(), "only passing faults here: %v", err)
				}
				errs++
				if os.Getenv("OKAYAPI_WATCH_SOAK_DEBUG") != "" {
					t.Log(err)
				}
				continue
			}
			mu.Lock()
			got[ev.Message.ID]++
			events = append(events, ev)
			mu.Unlock()
		}
	}
	deadline := time.Now().Add(sending)
	for time.Now().Before(deadline) {
		for range 1 + rnd.IntN(3) {
			w.srv.InjectFault([]string{chatmsg.ServiceGetAllChatList, chatmsg.ServiceTakeMessageList}[rnd.IntN(2)],
				watchSoakFaults[rnd.IntN(len(watchSoakFaults))], 1)
			faults++
		}
		run(time.Duration(200+rnd.IntN(500)) * time.Millisecond)
		restarts++
	}
	close(stopSending)
	senderDone.Wait()

	// What must be yielded: every message to a watched member from the start on.
	var want []int64
	before := 0
	for _, m := range w.plugin.Messages() {
		if !isWatched[m.To] {
			continue
		}
		if m.SentAt.Before(since) {
			before++
			continue
		}
		want = append(want, m.ID)
	}
	// The last watch runs until everything has shown and been yielded.
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for ev, err := range watch.Run(ctx, chat, watched, opts) {
			if err == nil {
				mu.Lock()
				got[ev.Message.ID]++
				events = append(events, ev)
				mu.Unlock()
			}
		}
	}()
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, id := range want {
			if got[id] == 0 {
				return false
			}
		}
		return true
	}, 30*time.Second, 10*time.Millisecond, "every message from the start on is yielded")
	time.Sleep(opts.Settle + lag) // anything late would show by now
	cancel()
	<-finished

	mu.Lock()
	defer mu.Unlock()
	dup, lost, old := 0, 0, 0
	wanted := map[int64]bool{}
	for _, id := range want {
		wanted[id] = true
		switch n := got[id]; {
		case n == 0:
			lost++
		case n > 1:
			dup += n - 1
		}
	}
	for id := range got {
		if !wanted[id] {
			old++
		}
	}
	last := map[string]int64{}
	order := 0
	for _, ev := range events {
		conv := ev.Member + "/" + strings.ToUpper(ev.Message.With)
		if ev.Message.ID < last[conv] {
			order++
		}
		last[conv] = max(last[conv], ev.Message.ID)
	}
	t.Logf("watch soak: %d messages stored before the start, %d after; %d watches (restarts from the store), %d faults injected, %d errors yielded; "+
		"%d yielded, %d twice, %d lost, %d from before the start, %d out of order; lag %v, ties shuffled, pages shifting, perpage ignored",
		before, len(want), restarts+1, faults, errs, len(events), dup, lost, old, order, lag)
	assert.Zero(t, dup, "yielded twice")
	assert.Zero(t, lost, "never yielded")
	assert.Zero(t, old, "stored before the start, yet yielded")
	assert.Zero(t, order, "out of id order within a conversation")
	assert.Positive(t, before)
}
