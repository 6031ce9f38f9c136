package chatmsg

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"sync"
	"time"

	"github.com/okayapi-go/sdk/okayapi"
)

// Defaults of WatchOptions.
const (
	DefaultWatchMinInterval = time.Second
	DefaultWatchMaxInterval = 30 * time.Second
	DefaultWatchConcurrency = 4
)

// DefaultWatchSettle is WatchOptions.Settle's default: add_time has whole
// seconds, so a message the same as the one before it, in the same second,
// leaves the chat-list row as it was; reads begun a second after the row
// changed see it. One second, and a margin.
const DefaultWatchSettle = 2 * time.Second

// sinceNowPage is how many of a conversation's newest messages a SinceNow
// watch reads at its start to find the one the chat list showed.
const sinceNowPage = 20

// WatchOptions tunes Watch. The zero value polls between
// DefaultWatchMinInterval and DefaultWatchMaxInterval, yields received
// messages only, everything not yet handled (the whole history, the first
// time), keeps the cursor in memory for this watch only, and polls
// DefaultWatchConcurrency members at once.
type WatchOptions struct {
	// MinInterval is the time between polls right after a new message;
	// 0 means DefaultWatchMinInterval.
	MinInterval time.Duration
	// MaxInterval is the longest time between polls: each poll that finds
	// nothing new doubles the interval up to it. 0 means
	// DefaultWatchMaxInterval, or MinInterval if that is longer.
	MaxInterval time.Duration
	// IncludeSent also yields the messages the member sent (from its other
	// devices, or through this SDK), Direction Sent.
	IncludeSent bool
	// SinceNow: for a member with no cursor in Store, what is there when the
	// watch starts is not new. The start then costs one GetAllChatList per
	// 100 conversations and one TakeMessageList per conversation, to learn
	// where each one is. Without it, a member's first watch yields its whole
	// history, conversation by conversation.
	SinceNow bool
	// MarkRead marks each received message as read (MarkAsReaded) once the
	// consumer has taken it, so that "read" means "handled".
	MarkRead bool
	// Store keeps each member's Cursor across watches; nil means a new
	// MemoryStore, so that the watch starts from nothing.
	Store CursorStore
	// Concurrency is how many members are polled at once; 0 means
	// DefaultWatchConcurrency.
	Concurrency int
	// Settle is how long after a conversation's chat-list row changes the
	// watch keeps reading the conversation at each poll; 0 means
	// DefaultWatchSettle. A service that shows a stored message in the
	// conversation later than that after its row changed needs more.
	Settle time.Duration
}

// Event is one new message a watch yields.
type Event struct {
	// Member is the uuid, as given, of the watched member that received (or
	// sent) the message. A yielded error's Event names the member it is
	// about, or none.
	Member string
	// Message is the message; Message.With is the other member.
	Message ChatMessage
}

// Watch yields each new message of the members' conversations as it
// appears, by polling: received messages, and sent ones with IncludeSent.
// Members are polled concurrently, at most opts.Concurrency at once.
//
//	for ev, err := range chat.Watch(ctx, []okayapi.Member{alice}, chatmsg.WatchOptions{Store: store}) {
//		if err != nil {
//			log.Print(err) // the watch goes on, unless the error is final
//			continue
//		}
//		handle(ev.Member, ev.Message)
//	}
//
// # What it guarantees
//
// Every message once, and within a conversation in id order: also when more
// than a page (100) arrive between two polls, when several conversations
// change at once, and when the member reads messages elsewhere in between.
// Across conversations and members there is no order.
//
// A message is committed (its conversation's ChatCursor.LastID saved to
// Store, and the message marked read with MarkRead) when the loop's body
// returns for it, also when the body breaks out of the loop or ctx ends
// meanwhile (the commit then has up to 10 s more). A watch
// started again with the same Store goes on after the last committed message
// of each conversation, so:
//
//   - nothing committed is yielded again, and nothing that arrived while no
//     watch ran is missed (if the store's Save fails, the error is yielded,
//     and a restarted watch goes on from the last cursor saved);
//   - at least once across crashes: a message whose body did not return
//     (the process died, or the body panicked) is yielded again by the next
//     watch. A body that must not act twice on a message keeps its own record
//     of ids (or ChatMessage.Key) it has acted on;
//   - a message whose marking failed stays unread (the error is yielded);
//   - one member must be watched by one watch at a time: two watches of one
//     member, even with one shared store, both yield every message.
//
// What it assumes of the service (the fake behaves so; the hosted service
// is not documented either way, see docs/wire.md), and misses otherwise:
//
//   - a stored message shows in TakeMessageList within Settle (2 s by
//     default) of its chat-list row changing;
//   - a message that becomes visible after one with a higher id (two
//     transactions committing out of order) is delivered when it shows, out
//     of id order, if it shows within Settle and lies above the oldest of the
//     conversation's last 32 handled ids (ChatCursor.Recent); otherwise it is
//     passed over;
//   - GetAllChatList orders conversations by their latest message: with
//     more than 100 conversations whose latest messages share one second,
//     a change to one that lands past the first page may be seen only with
//     the conversation's next message.
//
// Several machines can share the work: each watches its own members, all
// with one CursorStore they reach, say a table keyed by member whose Load
// is a SELECT of the cursor's JSON and Save an upsert. Machine k of n:
//
//	var mine []okayapi.Member
//	for i, m := range members {
//		if i%n == k {
//			mine = append(mine, m)
//		}
//	}
//	for ev, err := range chat.Watch(ctx, mine, chatmsg.WatchOptions{Store: sqlStore{db}}) { … }
//
// When a member moves to another machine, the old watch must have stopped
// before the new one starts, or both yield what arrives in between. Sharing
// one member's watch among machines is not supported.
//
// # What it costs
//
// Each poll reads GetAllChatList's first page (100 conversations, newest
// first), and further pages only while a page ends with a changed one. A
// conversation whose row changed (time, direction, read flag or latest
// message), or appeared, is read from its last handled id forward,
// TakeMessageList pages of 100; a new one is read whole. So a poll in which
// nothing changed costs one call. After a change, the conversation is read
// again at each poll for two more seconds: add_time has whole seconds, and a
// message the same as the one before it, in the same second, leaves the row
// as it was. The interval is MinInterval after a poll that found a new
// message and doubles after each poll that found none (or failed), up to
// MaxInterval, each wait ±10% at random; an idle member costs about 60 s ÷
// MaxInterval calls a minute (2 at the default). The client's own rate limit
// (okayapi.WithRateLimit) applies to every call: a watch never calls faster.
// The Cursor holds one entry per conversation, and one new conversation's
// history is held in memory while it is read.
//
// # Errors
//
// A failed poll is yielded (with Event.Member set) and tried again at the
// next poll, after a longer wait; the watch goes on. Some errors are final:
// okayapi.ErrNotLoggedIn and okayapi.ErrInvalidParam end the watch of that
// member (the others go on; the watch ends when none is left); ErrNotInstalled,
// okayapi.ErrBadAppKey, okayapi.ErrBadSignature, okayapi.ErrNoSuchService
// and okayapi.ErrClosed end the whole watch. When ctx ends, the watch yields
// its error and ends. Breaking out of the loop stops everything: when the
// loop is over, the watch's requests have been cancelled and its goroutines
// have returned.
//
// Bad options or members are the first error, before anything is sent.
// Messages whose id cannot be read are passed over: they cannot be
// delivered once. A member with more than MaxPage × 100 conversations is
// watched in its newest MaxPage × 100.
func (s *Service) Watch(ctx context.Context, members []okayapi.Member, opts WatchOptions) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		opts := opts // each loop over the watch has its own defaults (and MemoryStore)
		if err := checkWatch(ctx, members, &opts); err != nil {
			yield(Event{}, err)
			return
		}
		wctx, cancel := context.WithCancel(ctx)
		out := make(chan delivery)
		sem := make(chan struct{}, opts.Concurrency)
		var wg sync.WaitGroup
		for _, m := range members {
			w := &watcher{s: s, member: m, key: strings.ToUpper(m.UUID), opts: &opts, ctx: ctx, wctx: wctx, out: out, sem: sem}
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.run()
			}()
		}
		go func() {
			wg.Wait()
			close(out)
		}()

		var pending chan bool // the ack of a message handed to the body
		defer func() {
			cancel() // first: a watcher told "not taken" finds the watch over
			if pending != nil {
				pending <- false // the body panicked or exited: not taken
			}
			for d := range out { // until every watcher has returned
				if d.ack != nil {
					d.ack <- false
				}
			}
		}()
		for d := range out {
			pending = d.ack
			more := yield(d.ev, d.err)
			if pending != nil {
				pending <- true
				pending = nil
			}
			if !more || d.end {
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(Event{}, err)
		}
	}
}

// delivery is what a watcher hands the loop: a message (with ack, which
// the loop answers with whether the body took it) or an error (end: final
// for the whole watch).
type delivery struct {
	ev  Event
	err error
	ack chan bool
	end bool
}

// checkWatch checks Watch's arguments and fills in the defaults.
func checkWatch(ctx context.Context, members []okayapi.Member, opts *WatchOptions) error {
	if ctx == nil {
		return begin(ctx, okayapi.Member{})
	}
	if len(members) == 0 {
		return &okayapi.InvalidParamError{Field: "members", Rule: "must hold at least one member"}
	}
	seen := map[string]bool{}
	for _, m := range members {
		if err := begin(ctx, m); err != nil {
			return err
		}
		key := strings.ToUpper(m.UUID)
		if seen[key] {
			return &okayapi.InvalidParamError{Field: "members", Rule: "must not hold a member twice", Value: m.UUID}
		}
		seen[key] = true
	}
	switch {
	case opts.MinInterval < 0:
		return &okayapi.InvalidParamError{Field: "MinInterval", Rule: "must be 0 (the default) or more", Value: opts.MinInterval.String()}
	case opts.MaxInterval < 0:
		return &okayapi.InvalidParamError{Field: "MaxInterval", Rule: "must be 0 (the default) or more", Value: opts.MaxInterval.String()}
	case opts.Concurrency < 0:
		return &okayapi.InvalidParamError{Field: "Concurrency", Rule: "must be 0 (the default) or more", Value: fmt.Sprint(opts.Concurrency)}
	}
	if opts.MinInterval == 0 {
		opts.MinInterval = DefaultWatchMinInterval
	}
	if opts.MaxInterval == 0 {
		opts.MaxInterval = max(DefaultWatchMaxInterval, opts.MinInterval)
	}
	if opts.MinInterval > opts.MaxInterval {
		return &okayapi.InvalidParamError{Field: "MinInterval", Rule: "must not be longer than MaxInterval (" + opts.MaxInterval.String() + ")", Value: opts.MinInterval.String()}
	}
	if opts.Concurrency == 0 {
		opts.Concurrency = DefaultWatchConcurrency
	}
	if opts.Store == nil {
		opts.Store = NewMemoryStore()
	}
	if opts.Settle < 0 {
		return &okayapi.InvalidParamError{Field: "Settle", Rule: "must be 0 (the default) or more", Value: opts.Settle.String()}
	}
	if opts.Settle == 0 {
		opts.Settle = DefaultWatchSettle
	}
	return nil
}
