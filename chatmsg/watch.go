package chatmsg

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
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

// settleTime is how long after a chat-list row is first seen a read of its
// conversation must begin to be sure no message the same as the latest one,
// in the same second, is hidden behind it: add_time has whole seconds, so the
// row does not change for such a message. One second, and a margin.
const settleTime = 2 * time.Second

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

	settle time.Duration // settleTime unless a test says otherwise
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
	if opts.settle == 0 {
		opts.settle = settleTime
	}
	return nil
}

// watcher polls one member.
type watcher struct {
	s      *Service
	member okayapi.Member
	key    string // the member's uuid in upper case: the store's key
	opts   *WatchOptions
	ctx    context.Context // the caller's: committing outlives the watch's end
	wctx   context.Context // ends when the watch ends
	out    chan<- delivery
	sem    chan struct{}

	cur    Cursor
	loaded bool // cur holds what Store had
	based  bool // cur is a starting point: loaded, or SinceNow's first look taken
}

// pollResult is what one poll found, for the next wait.
type pollResult int

const (
	idle    pollResult = iota // nothing new
	active                    // a new message
	failed                    // an error, yielded
	stopped                   // the watch (or this member's) is over
)

func (w *watcher) run() {
	interval := w.opts.MinInterval
	wait := time.Duration(0) // the first poll at once
	for {
		if !w.sleep(wait) {
			return
		}
		switch w.pollOnce() {
		case stopped:
			return
		case active:
			interval = w.opts.MinInterval
		default:
			interval = min(2*interval, w.opts.MaxInterval)
		}
		wait = jitter(interval)
	}
}

// jitter returns d ± 10%, at random.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}

// sleep waits d, or less if the watch ends: it reports whether to go on.
func (w *watcher) sleep(d time.Duration) bool {
	if d <= 0 {
		return w.wctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-w.wctx.Done():
		return false
	}
}

// pollOnce takes a turn among the members and polls.
func (w *watcher) pollOnce() pollResult {
	select {
	case w.sem <- struct{}{}:
	case <-w.wctx.Done():
		return stopped
	}
	defer func() { <-w.sem }()
	if !w.loaded {
		c, found, err := w.opts.Store.Load(w.wctx, w.key)
		if err != nil {
			return w.fail(fmt.Errorf("chatmsg: watch: loading %s's cursor: %w", w.key, err))
		}
		w.cur, w.loaded, w.based = c, true, found || !w.opts.SinceNow
		if w.cur.Chats == nil {
			w.cur.Chats = map[string]ChatCursor{}
		}
	}
	if !w.based {
		if err := w.sinceNow(); err != nil {
			return w.fail(err)
		}
		w.based = true
		if !w.save() {
			return stopped
		}
		return idle
	}
	return w.poll()
}

// fail yields err, and says what follows: stopped for a final error (or when
// the watch is over), failed otherwise.
func (w *watcher) fail(err error) pollResult {
	if w.wctx.Err() != nil {
		return stopped // the watch is over: the error is its consequence
	}
	d := delivery{ev: Event{Member: w.member.UUID}, err: err}
	memberEnds := errors.Is(err, okayapi.ErrNotLoggedIn) || errors.Is(err, okayapi.ErrInvalidParam)
	d.end = errors.Is(err, ErrNotInstalled) || errors.Is(err, okayapi.ErrBadAppKey) || errors.Is(err, okayapi.ErrBadSignature) ||
		errors.Is(err, okayapi.ErrNoSuchService) || errors.Is(err, okayapi.ErrClosed)
	select {
	case w.out <- d:
	case <-w.wctx.Done():
		return stopped
	}
	if memberEnds || d.end {
		return stopped
	}
	return failed
}

// save stores the cursor; a store that fails is reported (at least once
// still holds: the watch goes on from what it keeps in memory, and a
// restarted one from what the store kept). It reports whether to go on.
func (w *watcher) save() bool {
	ctx, cancel := w.commitContext()
	defer cancel()
	if err := w.opts.Store.Save(ctx, w.key, w.cur.Clone()); err != nil {
		return w.fail(fmt.Errorf("chatmsg: watch: saving %s's cursor: %w", w.key, err)) != stopped
	}
	return w.wctx.Err() == nil
}

// sinceNow takes the place of each existing conversation without yielding
// anything: its newest message, the one its chat-list row shows.
func (w *watcher) sinceNow() error {
	for c, err := range w.s.Chats(w.wctx, w.member, ChatsOptions{}) {
		if err != nil {
			return err
		}
		key := strings.ToUpper(c.With)
		if _, done := w.cur.Chats[key]; done || key == "" {
			continue // done by an attempt that failed later
		}
		seen := wallNow()
		list, err := w.s.TakeMessageList(w.wctx, w.member, c.With, ListOptions{PerPage: sinceNowPage})
		if err != nil {
			return err
		}
		// The row's message, not simply the newest: one that arrived since
		// the row was read is new.
		row, last, newest := rowHash(c), int64(0), int64(0)
		for _, m := range list.Messages {
			newest = max(newest, m.ID)
			if m.ID > last && messageHash(m.SentAt, m.Direction, m.Message, m.Key) == messageHash(c.SentAt, c.Direction, c.Last, c.Key) {
				last = m.ID
			}
		}
		if last == 0 {
			last = newest
		}
		w.cur.Chats[key] = ChatCursor{LastID: last, Row: row, RowSeen: seen}
	}
	return nil
}

// change is a conversation a poll reads.
type change struct {
	key, with string
	row       string // its chat-list row's hash now; "" if not on the pages read
}

// poll reads the chat list and every conversation that changed.
func (w *watcher) poll() pollResult {
	changes, seen, err := w.changes()
	if err != nil {
		return w.fail(err)
	}
	res := idle
	dirty := false
	for _, ch := range changes {
		n, err := w.read(ch, seen)
		if n > 0 {
			res = active
		}
		if w.wctx.Err() != nil {
			return stopped
		}
		if err != nil {
			if w.fail(err) == stopped {
				return stopped
			}
			res = failed
			continue
		}
		dirty = true
	}
	if dirty && !w.save() {
		return stopped
	}
	return res
}

// changes reads the chat list, newest first, and returns the conversations
// to read: those whose row changed or appeared, and those not yet settled.
// seen is when the rows were read.
func (w *watcher) changes() ([]change, time.Time, error) {
	var out []change
	onList := map[string]bool{}
	for page := 1; page <= MaxPage; page++ {
		list, err := w.s.GetAllChatList(w.wctx, w.member, ChatListOptions{Page: page, PerPage: MaxPerPage})
		if err != nil {
			return nil, time.Time{}, err
		}
		var oldestChanged time.Time
		lastChanged := false
		for _, c := range list.Chats {
			key := strings.ToUpper(c.With)
			if key == "" || onList[key] {
				continue
			}
			onList[key] = true
			row := rowHash(c)
			e, known := w.cur.Chats[key]
			changed := !known || e.Row != row
			lastChanged = changed
			if changed {
				oldestChanged = c.SentAt
			}
			if changed || !e.Settled {
				out = append(out, change{key: key, with: c.With, row: row})
			}
		}
		// Conversations with a new message come first; the next page can
		// hold one only if this one ends with one (or with a row of the
		// same second as one, in a tie).
		if len(list.Chats) < MaxPerPage {
			break
		}
		if last := list.Chats[len(list.Chats)-1]; !lastChanged && (oldestChanged.IsZero() || last.SentAt.Before(oldestChanged)) {
			break
		}
	}
	seen := wallNow()
	// Oldest row first, then the unsettled ones the pages read did not show.
	slices.Reverse(out)
	var off []change
	for key, e := range w.cur.Chats {
		if !e.Settled && !onList[key] && e.LastID > 0 {
			off = append(off, change{key: key, with: key, row: e.Row})
		}
	}
	slices.SortFunc(off, func(a, b change) int { return cmp.Compare(a.key, b.key) })
	return append(off, out...), seen, nil
}

// read delivers ch's messages after the cursor, in id order, and then
// remembers its row. It returns how many new messages it found.
func (w *watcher) read(ch change, seen time.Time) (int, error) {
	started := time.Now()
	e := w.cur.Chats[ch.key]
	var msgs iter.Seq2[ChatMessage, error]
	if e.LastID > 0 {
		msgs = w.s.History(w.wctx, w.member, ch.with, HistoryOptions{Order: Newer, From: e.LastID})
	} else {
		// No place yet: the whole conversation, newest first, then in order.
		var all []ChatMessage
		for m, err := range w.s.History(w.wctx, w.member, ch.with, HistoryOptions{}) {
			if err != nil {
				return 0, err
			}
			all = append(all, m)
		}
		slices.Reverse(all)
		msgs = func(yield func(ChatMessage, error) bool) {
			for _, m := range all {
				if !yield(m, nil) {
					return
				}
			}
		}
	}
	n := 0
	for m, err := range msgs {
		if err != nil {
			return n, err
		}
		if m.ID <= w.cur.Chats[ch.key].LastID {
			continue // unreadable (0), or not after the cursor
		}
		n++
		if m.With == "" {
			m.With = ch.with
		}
		if m.Direction == Sent && !w.opts.IncludeSent {
			w.advance(ch.key, m.ID) // saved with the next commit or the poll
			continue
		}
		if !w.deliver(ch.key, m) {
			return n, w.wctx.Err()
		}
	}
	e = w.cur.Chats[ch.key]
	if ch.row != "" && ch.row != e.Row {
		e.Row, e.RowSeen = ch.row, seen
	}
	e.Settled = !e.RowSeen.IsZero() && started.Sub(e.RowSeen) >= w.opts.settle
	w.cur.Chats[ch.key] = e
	return n, nil
}

func (w *watcher) advance(key string, id int64) {
	e := w.cur.Chats[key]
	e.LastID = id
	w.cur.Chats[key] = e
}

// deliver hands m to the loop and, once the body has taken it, commits it:
// marks it read (MarkRead) and saves the cursor. It reports whether to go on.
func (w *watcher) deliver(key string, m ChatMessage) bool {
	d := delivery{ev: Event{Member: w.member.UUID, Message: m}, ack: make(chan bool, 1)}
	select {
	case w.out <- d:
	case <-w.wctx.Done():
		return false
	}
	if !<-d.ack {
		return false
	}
	// The body took it: commit, also when the watch is ending.
	ctx, cancel := w.commitContext()
	defer cancel()
	goOn := true
	if w.opts.MarkRead && m.Direction != Sent {
		if _, err := w.s.MarkAsReaded(ctx, w.member, m.With, m.ID); err != nil {
			goOn = w.fail(err) != stopped
		}
	}
	w.advance(key, m.ID)
	return w.save() && goOn
}

// commitTimeout bounds a commit (marking and saving) that goes on after the
// watch's context ended.
const commitTimeout = 10 * time.Second

// commitContext is the context of a commit: the caller's, without its end,
// for at most commitTimeout.
func (w *watcher) commitContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(w.ctx), commitTimeout)
}

// rowHash is a chat-list row's hash: it changes when a message arrives, is
// sent or is read, except for a message the same as the latest one in the
// same second (see ChatCursor.Settled).
func rowHash(c Chat) string {
	return messageHash(c.SentAt, c.Direction, c.Last, c.Key) + fmt.Sprintf("%t", c.Read)[:1]
}

// messageHash hashes what identifies a message without its id: its time,
// direction, kind, data and key. It keeps no text in the cursor.
func messageHash(at time.Time, dir Direction, m Message, key string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%d\x00%s\x00", at.Unix(), dir, key)
	if m != nil {
		fmt.Fprintf(h, "%s\x00", m.Type())
		if u, ok := m.(Unknown); ok {
			h.Write(u.Raw)
		} else if data, err := m.Data(); err == nil {
			h.Write(data)
		} else {
			fmt.Fprintf(h, "%#v", m)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// wallNow is the time as a Cursor keeps it: UTC, no monotonic reading, so
// that it reads back from JSON equal.
func wallNow() time.Time { return time.Now().UTC().Round(0) }
