// Package watch receives chat messages: OkayAPI has no push, so Run polls
// each member's conversations through a chatmsg.Service and yields every new
// message once, in id order within its conversation, across restarts when
// given a Store. docs/watch.md tells the whole story.
package watch

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/internal/callctx"
	"github.com/okayapi-go/sdk/okayapi"
)

// The defaults of Options, stated in its fields' docs.
const (
	defaultMinInterval = time.Second
	defaultMaxInterval = 30 * time.Second
	defaultConcurrency = 4
	defaultRate        = 50
	defaultSettle      = 2 * time.Second
	// minSettle is the shortest Settle a watch accepts: add_time has whole
	// seconds, so a message the same as the one before it, in the same
	// second, leaves the chat-list row as it was, and only a read begun a
	// second after the row changed is sure to see it.
	minSettle = time.Second
	// rows is how many rows of one chat-list answer a poll reads when the
	// service sends more than it asked for; more than that is an error.
	rows = 10 * chatmsg.MaxPerPage
)

// Options tunes Run. The zero value polls each member between every second
// and every 30 s, yields received messages only, everything not yet handled
// (the whole history, the first time), keeps the cursor in memory for this
// watch only, polls 4 members at once and makes at most 50 requests a
// second.
type Options struct {
	// MinInterval is the time between polls right after a new message;
	// 0 means 1 s.
	MinInterval time.Duration
	// MaxInterval is the longest time between polls: each poll that finds
	// nothing new doubles the interval up to it. 0 means 30 s, or
	// MinInterval if that is longer.
	MaxInterval time.Duration
	// IncludeSent also yields the messages the member sent (from its other
	// devices, or through this SDK), Direction Sent.
	IncludeSent bool
	// SinceNow: for a member with no cursor in Store, yield only the
	// messages stored from Since on; without it, a member's first watch
	// yields its whole history.
	SinceNow bool
	// Since is SinceNow's starting point, rounded up to a whole second: a
	// message whose add_time is before it is never yielded. The zero value
	// means the first whole second at or after Run is called. It is kept
	// in the member's cursor, so a restarted watch keeps it.
	Since time.Time
	// MarkRead marks each received message as read (MarkAsReaded) once the
	// consumer has taken it, so that "read" means "handled".
	MarkRead bool
	// Store keeps each member's cursor across watches; nil means a new
	// NewMemoryStore, so that the watch starts from nothing.
	Store Store
	// Concurrency is how many members are polled at once (the watch's
	// goroutines: Concurrency and two); 0 means 4.
	Concurrency int
	// Rate is the most requests a second the whole watch makes, all
	// members together; 0 means 50 (an idle member costs 2 a minute, so
	// 1,500 idle members fill it at the default MaxInterval). When the
	// members' polls need more, they come further apart than MaxInterval.
	Rate float64
	// Settle is how long a stored message may take to show in
	// TakeMessageList and GetAllChatList (a replica's lag, transactions
	// committing out of order); 0 means 2 s, and less than 1 s is refused:
	// add_time has whole seconds, so only a read begun a second after a
	// chat-list row changed is sure to see a message that left it as it
	// was.
	Settle time.Duration

	settle time.Duration // tests only: Settle without its floor
}

// Event is one new message a watch yields.
type Event struct {
	// Member is the uuid, as given, of the watched member that received (or
	// sent) the message.
	Member string
	// Message is the message; Message.With is the other member.
	Message chatmsg.ChatMessage
}

// Error is every error a watch yields: what went wrong, for which member,
// and whether it ended that member's watch or the whole watch. errors.Is
// and errors.As see through it to Err.
type Error struct {
	// Member is the uuid, as given, of the member the error is about; ""
	// when it is about the whole watch.
	Member string
	// Err is what went wrong.
	Err error
	// MemberEnded: Member is no longer watched; the other members are.
	MemberEnded bool
	// WatchEnded: the watch is over, this is its last error.
	WatchEnded bool
}

// Error returns Err's message.
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// Final reports whether the error ended anything: the member's watch or
// the whole watch. The watch goes on after any other error.
func (e *Error) Final() bool { return e.MemberEnded || e.WatchEnded }

// Run watches the members' conversations through chat, by polling: looping
// over it yields each new message as it appears, received ones, and sent
// ones with IncludeSent. Every error is an *Error that says whether it was
// final.
//
//	for ev, err := range watch.Run(ctx, chat, []okayapi.Member{alice}, watch.Options{Store: store}) {
//		if err != nil {
//			log.Print(err) // the watch goes on, unless err.(*watch.Error).Final()
//			continue
//		}
//		handle(ev.Member, ev.Message)
//	}
//
// The contract, in short (docs/watch.md tells the whole story):
//
//   - Every new message once, in id order within its conversation. It is
//     committed (its cursor saved to Store, and with MarkRead marked read)
//     when the loop's body returns for it; one whose body did not return is
//     yielded again by the next watch with the same Store.
//   - With SinceNow, nothing stored before Since (by default: the first
//     whole second at or after Run is called) is ever yielded.
//   - It assumes the service shows a stored message within Settle (2 s by
//     default) and that the service's clock (add_time) agrees with this
//     machine's.
//   - One member, one watch at a time. Members are polled by a pool of
//     Concurrency goroutines, spread over time, within Rate requests a
//     second for all.
//   - Only okayapi.ErrNotLoggedIn ends a member's watch;
//     chatmsg.ErrNotInstalled, okayapi.ErrBadAppKey,
//     okayapi.ErrBadSignature, okayapi.ErrNoSuchService, okayapi.ErrClosed
//     and the end of ctx end the whole watch. Breaking out of the loop
//     stops every request and goroutine before the loop is over.
func Run(ctx context.Context, chat *chatmsg.Service, members []okayapi.Member, opts Options) iter.Seq2[Event, error] {
	called := time.Now() // SinceNow's starting point is fixed now, not at the first poll
	return func(yield func(Event, error) bool) {
		opts := opts // each loop over the watch has its own defaults (and memory store)
		if err := check(ctx, chat, members, &opts, called); err != nil {
			yield(Event{}, &Error{Err: err, WatchEnded: true})
			return
		}
		wctx, cancel := context.WithCancel(ctx)
		wctx = callctx.With(wctx, rate.NewLimiter(rate.Limit(opts.Rate), max(1, int(opts.Rate/10))), rows)
		out := make(chan delivery)
		watchers := make([]*watcher, len(members))
		for i, m := range members {
			watchers[i] = &watcher{s: chat, member: m, key: strings.ToUpper(m.UUID), opts: &opts, ctx: ctx, wctx: wctx, out: out}
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			schedule(wctx, watchers, &opts)
		}()
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
			for d := range out { // until every poller has returned
				if d.ack != nil {
					d.ack <- false
				}
			}
		}()
		for d := range out {
			pending = d.ack
			var err error
			if d.err != nil {
				err = d.err
			}
			more := yield(d.ev, err)
			if pending != nil {
				pending <- true
				pending = nil
			}
			if !more || d.err != nil && d.err.WatchEnded {
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(Event{}, &Error{Err: err, WatchEnded: true})
		}
	}
}

// delivery is what a watcher hands the loop: a message (with ack, which
// the loop answers with whether the body took it) or an error.
type delivery struct {
	ev  Event
	err *Error
	ack chan bool
}

// check checks Run's arguments and fills in the defaults; called is when
// Run was called.
func check(ctx context.Context, chat *chatmsg.Service, members []okayapi.Member, opts *Options, called time.Time) error {
	if ctx == nil {
		return &okayapi.InvalidParamError{Field: "ctx", Rule: "must not be nil (use context.Background() or context.TODO())"}
	}
	if chat == nil {
		return &okayapi.InvalidParamError{Field: "chat", Rule: "must not be nil (use chatmsg.New)"}
	}
	if len(members) == 0 {
		return &okayapi.InvalidParamError{Field: "members", Rule: "must hold at least one member"}
	}
	seen := map[string]bool{}
	for _, m := range members {
		if m.IsZero() {
			return &okayapi.InvalidParamError{Field: "member", Rule: "is required: every chat call acts for a logged-in member (uuid and token)"}
		}
		if err := m.Validate(); err != nil {
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
	case opts.Rate < 0 || opts.Rate != opts.Rate:
		return &okayapi.InvalidParamError{Field: "Rate", Rule: "must be 0 (the default) or more", Value: fmt.Sprint(opts.Rate)}
	case opts.Settle < 0 || opts.Settle > 0 && opts.Settle < minSettle:
		return &okayapi.InvalidParamError{Field: "Settle", Rule: "must be 0 (the default) or at least " + minSettle.String() + " (add_time has whole seconds)", Value: opts.Settle.String()}
	case !opts.Since.IsZero() && !opts.SinceNow:
		return &okayapi.InvalidParamError{Field: "Since", Rule: "is SinceNow's starting point: set SinceNow too"}
	}
	if opts.MinInterval == 0 {
		opts.MinInterval = defaultMinInterval
	}
	if opts.MaxInterval == 0 {
		opts.MaxInterval = max(defaultMaxInterval, opts.MinInterval)
	}
	if opts.MinInterval > opts.MaxInterval {
		return &okayapi.InvalidParamError{Field: "MinInterval", Rule: "must not be longer than MaxInterval (" + opts.MaxInterval.String() + ")", Value: opts.MinInterval.String()}
	}
	if opts.Concurrency == 0 {
		opts.Concurrency = defaultConcurrency
	}
	if opts.Rate == 0 {
		opts.Rate = defaultRate
	}
	if opts.Store == nil {
		opts.Store = NewMemoryStore()
	}
	switch {
	case opts.settle > 0:
		opts.Settle = opts.settle
	case opts.Settle == 0:
		opts.Settle = defaultSettle
	}
	if opts.SinceNow {
		if opts.Since.IsZero() {
			opts.Since = called
		}
		opts.Since = wholeSecondUp(opts.Since)
	}
	return nil
}

// wholeSecondUp is t rounded up to a whole second, as a cursor keeps it.
func wholeSecondUp(t time.Time) time.Time {
	t = t.UTC().Round(0)
	if s := t.Truncate(time.Second); !s.Equal(t) {
		return s.Add(time.Second)
	}
	return t
}

// finalForWatch reports whether err ends the whole watch: no member's poll
// can succeed after it.
func finalForWatch(err error) bool {
	return errors.Is(err, chatmsg.ErrNotInstalled) || errors.Is(err, okayapi.ErrBadAppKey) || errors.Is(err, okayapi.ErrBadSignature) ||
		errors.Is(err, okayapi.ErrNoSuchService) || errors.Is(err, okayapi.ErrClosed)
}

// finalForMember reports whether err ends one member's watch: its token is
// no longer good.
func finalForMember(err error) bool { return errors.Is(err, okayapi.ErrNotLoggedIn) }
