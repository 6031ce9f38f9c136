package watch_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/watch"
	"github.com/okayapi-go/sdk/okayapi"
)

// TestWatchLeavesNoGoroutine: however the loop ends (break, a panic in the
// body, the context, a final error), every goroutine of the watch has
// returned when it is over. Not parallel: goleak looks at the whole
// process, and sequential tests run while no parallel one does.
func TestWatchLeavesNoGoroutine(t *testing.T) { //nolint:paralleltest // see above
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // last: after the server and clients close
	w := newWatchWorld(t)
	members := []okayapi.Member{w.alice, w.carol, w.dave}
	for _, m := range members {
		w.sendN(t, w.bob, m, 30, "hi")
	}
	opts := fastWatch(watch.Options{Concurrency: 2, MarkRead: true})

	n := 0
	for _, err := range watch.Run(context.Background(), w.chat, members, opts) {
		require.NoError(t, err)
		if n++; n == 10 {
			break
		}
	}

	func() {
		defer func() { require.Equal(t, "boom", recover()) }()
		for range watch.Run(context.Background(), w.chat, members, opts) {
			panic("boom")
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	for _, err := range watch.Run(ctx, w.chat, members, opts) {
		if err != nil {
			require.ErrorIs(t, err, context.DeadlineExceeded)
		}
	}

	w.plugin.SetInstalled(false)
	for _, err := range watch.Run(context.Background(), w.chat, members, opts) {
		require.ErrorIs(t, err, chatmsg.ErrNotInstalled)
	}
}
