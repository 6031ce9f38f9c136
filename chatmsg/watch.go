package chatmsg

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/okayapi-go/sdk/okayapi"
)

// Defaults of WatchOptions.
const (
	DefaultWatchMinInterval = time.Second
	DefaultWatchMaxInterval = 30 * time.Second
	DefaultWatchConcurrency = 4
	// DefaultWatchRate is WatchOptions.Rate's default, in requests per
	// second for the whole watch: an idle member costs 2 a minute, so 1,500
	// idle members fill it at the default MaxInterval.
	DefaultWatchRate = 50
)

// DefaultWatchSettle is WatchOptions.Settle's default: how long a stored
// message may take to show in the service's lists. It must be at least
// MinWatchSettle.
const DefaultWatchSettle = 2 * time.Second

// MinWatchSettle is the shortest Settle a watch accepts: add_time has whole
// seconds, so a message the same as the one before it, in the same second,
// leaves the chat-list row as it was, and only a read begun a second after
// the row changed is sure to see it.
const MinWatchSettle = time.Second

// WatchOptions tunes Watch. The zero value polls between
// DefaultWatchMinInterval and DefaultWatchMaxInterval, yields received
// messages only, everything not yet handled (the whole history, the first
// time), keeps the cursor in memory for this watch only, polls
// DefaultWatchConcurrency members at once and makes at most
// DefaultWatchRate requests a second.
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
	// SinceNow: for a member with no cursor in Store, yield only the
	// messages stored from Since on; without it, a member's first watch
	// yields its whole history.
	SinceNow bool
	// Since is SinceNow's starting point, rounded up to a whole second: a
	// message whose add_time is before it is never yielded. The zero value
	// means the first whole second at or after Watch is called. It is kept
	// in the member's Cursor, so a restarted watch keeps it.
	Since time.Time
	// MarkRead marks each received message as read (MarkAsReaded) once the
	// consumer has taken it, so that "read" means "handled".
	MarkRead bool
	// Store keeps each member's Cursor across watches; nil means a new
	// MemoryStore, so that the watch starts from nothing.
	Store CursorStore
	// Concurrency is how many members are polled at once (the watch's
	// goroutines: Concurrency and two); 0 means DefaultWatchConcurrency.
	Concurrency int
	// Rate is the most requests a second the whole watch makes, all
	// members together; 0 means DefaultWatchRate. When the members' polls
	// need more, they come further apart than MaxInterval.
	Rate float64
	// Settle is how long a stored message may take to show in
	// TakeMessageList and GetAllChatList (a replica's lag, transactions
	// committing out of order); 0 means DefaultWatchSettle, and less than
	// MinWatchSettle is refused.
	Settle time.Duration

	settle time.Duration // tests only: Settle without its floor
}

// Event is one new message a watch yields.
type Event struct {
	// Member is the uuid, as given, of the watched member that received (or
	// sent) the message.
	Member string
	// Message is the message; Message.With is the other member.
	Message ChatMessage
}

// WatchError is every error a watch yields: what went wrong, for which
// member, and whether it ended that member's watch or the whole watch.
// errors.Is and errors.As see through it to Err.
type WatchError struct {
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
func (e *WatchError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *WatchError) Unwrap() error { return e.Err }

// Final reports whether the error ended anything: the member's watch or
// the whole watch. The watch goes on after any other error.
func (e *WatchError) Final() bool { return e.MemberEnded || e.WatchEnded }

// Watch yields each new message of the members' conversations as it
// appears, by polling: received messages, and sent ones with IncludeSent.
// Every error is a *WatchError that says whether it was final.
//
//	for ev, err := range chat.Watch(ctx, []okayapi.Member{alice}, chatmsg.WatchOptions{Store: store}) {
//		if err != nil {
//			log.Print(err) // the watch goes on, unless err.(*chatmsg.WatchError).Final()
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
//     whole second at or after Watch is called) is ever yielded.
//   - It assumes the service shows a stored message within Settle (2 s by
//     default) and that the service's clock (add_time) agrees with this
//     machine's.
//   - One member, one watch at a time. Members are polled by a pool of
//     Concurrency goroutines, spread over time, within Rate requests a
//     second for all.
//   - Only okayapi.ErrNotLoggedIn ends a member's watch; ErrNotInstalled,
//     okayapi.ErrBadAppKey, okayapi.ErrBadSignature,
//     okayapi.ErrNoSuchService, okayapi.ErrClosed and the end of ctx end
//     the whole watch. Breaking out of the loop stops every request and
//     goroutine before the loop is over.
func (s *Service) Watch(ctx context.Context, members []okayapi.Member, opts WatchOptions) iter.Seq2[Event, error] {
	called := time.Now() // SinceNow's starting point is fixed now, not at the first poll
	return func(yield func(Event, error) bool) {
		opts := opts // each loop over the watch has its own defaults (and MemoryStore)
		if err := checkWatch(ctx, members, &opts, called); err != nil {
			yield(Event{}, &WatchError{Err: err, WatchEnded: true})
			return
		}
		wctx, cancel := context.WithCancel(ctx)
		wctx = withLimiter(wctx, rate.NewLimiter(rate.Limit(opts.Rate), max(1, int(opts.Rate/10))))
		out := make(chan delivery)
		watchers := make([]*watcher, len(members))
		for i, m := range members {
			watchers[i] = &watcher{s: s, member: m, key: strings.ToUpper(m.UUID), opts: &opts, ctx: ctx, wctx: wctx, out: out}
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
			yield(Event{}, &WatchError{Err: err, WatchEnded: true})
		}
	}
}

// delivery is what a watcher hands the loop: a message (with ack, which
// the loop answers with whether the body took it) or an error.
type delivery struct {
	ev  Event
	err *WatchError
	ack chan bool
}

// limiterKey is the context key of a watch's request budget.
type limiterKey struct{}

func withLimiter(ctx context.Context, l *rate.Limiter) context.Context {
	return context.WithValue(ctx, limiterKey{}, l)
}

// waitBudget waits for ctx's request budget, if it has one (a watch's).
func waitBudget(ctx context.Context) error {
	l, ok := ctx.Value(limiterKey{}).(*rate.Limiter)
	if !ok {
		return nil
	}
	r := l.Reserve() // not Wait, which fails at once when ctx would end first
	d := r.Delay()
	if d == 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	}
}

// checkWatch checks Watch's arguments and fills in the defaults; called is
// when Watch was called.
func checkWatch(ctx context.Context, members []okayapi.Member, opts *WatchOptions, called time.Time) error {
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
	case opts.Rate < 0 || opts.Rate != opts.Rate:
		return &okayapi.InvalidParamError{Field: "Rate", Rule: "must be 0 (the default) or more", Value: fmt.Sprint(opts.Rate)}
	case opts.Settle < 0 || opts.Settle > 0 && opts.Settle < MinWatchSettle:
		return &okayapi.InvalidParamError{Field: "Settle", Rule: "must be 0 (the default) or at least " + MinWatchSettle.String() + " (add_time has whole seconds)", Value: opts.Settle.String()}
	case !opts.Since.IsZero() && !opts.SinceNow:
		return &okayapi.InvalidParamError{Field: "Since", Rule: "is SinceNow's starting point: set SinceNow too"}
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
	if opts.Rate == 0 {
		opts.Rate = DefaultWatchRate
	}
	if opts.Store == nil {
		opts.Store = NewMemoryStore()
	}
	switch {
	case opts.settle > 0:
		opts.Settle = opts.settle
	case opts.Settle == 0:
		opts.Settle = DefaultWatchSettle
	}
	if opts.SinceNow {
		if opts.Since.IsZero() {
			opts.Since = called
		}
		opts.Since = wholeSecondUp(opts.Since)
	}
	return nil
}

// wholeSecondUp is t rounded up to a whole second, as a Cursor keeps it.
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
	return errors.Is(err, ErrNotInstalled) || errors.Is(err, okayapi.ErrBadAppKey) || errors.Is(err, okayapi.ErrBadSignature) ||
		errors.Is(err, okayapi.ErrNoSuchService) || errors.Is(err, okayapi.ErrClosed)
}

// finalForMember reports whether err ends one member's watch: its token is
// no longer good.
func finalForMember(err error) bool { return errors.Is(err, okayapi.ErrNotLoggedIn) }
