package watch

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
)

// watcher is one member's part of a watch; a poller of the pool runs its
// polls, one at a time.
type watcher struct {
	s      *chatmsg.Service
	member okayapi.Member
	key    string // the member's uuid in upper case: the store's key
	opts   *Options
	ctx    context.Context // the caller's: committing outlives the watch's end
	wctx   context.Context // ends when the watch ends
	out    chan<- delivery

	cur    cursor
	loaded bool              // cur holds what Store had (or a new cursor)
	fresh  bool              // cur is new: saved at the end of the first poll, Since with it
	bad    map[string]string // rows reported unusable: key → row hash

	due      time.Time     // the next poll (the scheduler's)
	interval time.Duration // the interval after the last poll
	last     pollResult    // what the last poll found
}

// pollResult is what one poll found, for the next wait.
type pollResult int

const (
	idle    pollResult = iota // nothing new
	active                    // a new message
	failed                    // an error, yielded
	stopped                   // the watch (or this member's) is over
)

// jitter returns d ± 10%, at random.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}

// pollOnce loads the member's cursor the first time, and polls.
func (w *watcher) pollOnce() pollResult {
	if w.wctx.Err() != nil {
		return stopped
	}
	if !w.loaded {
		b, found, err := w.opts.Store.Load(w.wctx, w.key)
		if err != nil {
			return w.fail(fmt.Errorf("watch: loading %s's cursor: %w", w.key, err))
		}
		var c cursor
		if found {
			if err := json.Unmarshal(b, &c); err != nil {
				return w.fail(fmt.Errorf("watch: %s's cursor in the store is not a cursor: %w", w.key, err))
			}
		}
		w.cur, w.loaded, w.fresh = c, true, !found
		if !found && w.opts.SinceNow {
			w.cur.Since = w.opts.Since
		}
		if w.cur.Chats == nil {
			w.cur.Chats = map[string]chatCursor{}
		}
	}
	return w.poll()
}

// fail yields err, and says what follows: stopped for a final error (or when
// the watch is over), failed otherwise.
func (w *watcher) fail(err error) pollResult {
	if w.wctx.Err() != nil {
		return stopped // the watch is over: the error is its consequence
	}
	we := &Error{Member: w.member.UUID, Err: err, WatchEnded: finalForWatch(err)}
	we.MemberEnded = we.WatchEnded || finalForMember(err)
	if !w.report(we) || we.Final() {
		return stopped
	}
	return failed
}

// report hands the loop an error; it reports whether the watch goes on.
func (w *watcher) report(we *Error) bool {
	select {
	case w.out <- delivery{ev: Event{Member: w.member.UUID}, err: we}:
		return true
	case <-w.wctx.Done():
		return false
	}
}

// save stores the cursor; a store that fails is reported (at least once
// still holds: the watch goes on from what it keeps in memory, and a
// restarted one from what the store kept). It reports whether to go on.
func (w *watcher) save() bool {
	ctx, cancel := w.commitContext()
	defer cancel()
	b, err := json.Marshal(w.cur)
	if err == nil {
		err = w.opts.Store.Save(ctx, w.key, b)
	}
	if err != nil {
		return w.fail(fmt.Errorf("watch: saving %s's cursor: %w", w.key, err)) != stopped
	}
	return w.wctx.Err() == nil
}

// change is a conversation a poll reads.
type change struct {
	key, with string
	row       string    // its chat-list row's hash now; "" if not on the pages read
	at        time.Time // its chat-list row's add_time; zero if not on the pages read
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
		if w.wctx.Err() != nil || err == errStopped {
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
	if (dirty || w.fresh) && !w.save() {
		return stopped
	}
	w.fresh = false
	return res
}

// changes reads the chat list, newest first, and returns the conversations
// to read: those whose row changed or appeared, and those not yet settled.
// seen is when the rows were read. A row whose other member is not a uuid
// is reported, once, and passed over.
func (w *watcher) changes() ([]change, time.Time, error) {
	var out []change
	onList := map[string]bool{}
	for page := 1; page <= chatmsg.MaxPage; page++ {
		list, err := w.s.GetAllChatList(w.wctx, w.member, chatmsg.ChatListOptions{Page: page, PerPage: chatmsg.MaxPerPage}) // up to rows rows, or an error
		if err != nil {
			return nil, time.Time{}, err
		}
		var oldestChanged time.Time
		lastChanged := false
		for _, c := range list.Chats {
			key := strings.ToUpper(c.With)
			if onList[key] {
				continue
			}
			onList[key] = true
			row := rowHash(c)
			if err := okayapi.CheckUUID("other_uuid", c.With); err != nil {
				if w.bad[key] != row && !w.unusable(key, row, err) {
					return nil, time.Time{}, w.wctx.Err()
				}
				continue
			}
			e, known := w.cur.Chats[key]
			changed := !known || e.Row != row
			lastChanged = changed
			if changed {
				oldestChanged = c.SentAt
			}
			if changed || !e.Settled {
				out = append(out, change{key: key, with: c.With, row: row, at: c.SentAt})
			}
		}
		// Conversations with a new message come first; the next page can
		// hold one only if this one ends with one (or with a row of the
		// same second as one, in a tie).
		if len(list.Chats) < chatmsg.MaxPerPage {
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

// unusable reports a chat-list row that cannot be read (its other member is
// not a uuid): a non-final error, once for each state of the row. It
// reports whether the watch goes on.
func (w *watcher) unusable(key, row string, err error) bool {
	if w.bad == nil {
		w.bad = map[string]string{}
	}
	w.bad[key] = row
	return w.report(&Error{Member: w.member.UUID, Err: fmt.Errorf("watch: passing over a conversation whose other member is not a uuid: %w", err)})
}

// errStopped is what read returns when delivering says not to go on: the
// watch is over, or this member's (its final error has been yielded).
var errStopped = errors.New("watch: stopped")

// read delivers ch's messages after the cursor, in id order, and then
// remembers its row. It returns how many new messages it found.
func (w *watcher) read(ch change, seen time.Time) (int, error) {
	started := time.Now()
	e := w.cur.Chats[ch.key]
	since := w.cur.Since
	var msgs iter.Seq2[chatmsg.ChatMessage, error]
	switch {
	case e.LastID > 0:
		from := e.LastID
		if !e.Settled && len(e.Recent) > 0 {
			from = e.Recent[0] // the window where a message shown late may be
		}
		msgs = w.s.History(w.wctx, w.member, ch.with, chatmsg.HistoryOptions{Order: chatmsg.Newer, From: from})
	case !since.IsZero() && !ch.at.IsZero() && ch.at.Before(since.Add(-w.opts.Settle)):
		msgs = func(func(chatmsg.ChatMessage, error) bool) {} // its latest message is from before the start
	default:
		// No place yet: the whole conversation (with Since, back to a
		// Settle before it), newest first, then in order.
		var all []chatmsg.ChatMessage
		for m, err := range w.s.History(w.wctx, w.member, ch.with, chatmsg.HistoryOptions{}) {
			if err != nil {
				return 0, err
			}
			if !since.IsZero() && m.ID > 0 && !m.SentAt.IsZero() && m.SentAt.Before(since.Add(-w.opts.Settle)) {
				break
			}
			all = append(all, m)
		}
		slices.Reverse(all)
		msgs = func(yield func(chatmsg.ChatMessage, error) bool) {
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
		if m.ID <= 0 || handled(w.cur.Chats[ch.key], m.ID) {
			continue // unreadable, or handled already
		}
		if !since.IsZero() && (m.SentAt.IsZero() || m.SentAt.Before(since)) {
			w.advance(ch.key, m.ID) // stored before the start: passed over
			continue
		}
		n++
		if m.With == "" {
			m.With = ch.with
		}
		if m.Direction == chatmsg.Sent && !w.opts.IncludeSent {
			w.advance(ch.key, m.ID) // saved with the next commit or the poll
			continue
		}
		if !w.deliver(ch.key, m) {
			return n, errStopped
		}
	}
	e = w.cur.Chats[ch.key]
	if ch.row != "" && ch.row != e.Row {
		e.Row, e.RowSeen = ch.row, seen
	}
	e.Settled = !e.RowSeen.IsZero() && started.Sub(e.RowSeen) >= w.opts.Settle
	w.cur.Chats[ch.key] = e
	return n, nil
}

func (w *watcher) advance(key string, id int64) {
	e := w.cur.Chats[key]
	e.LastID = max(e.LastID, id)
	if i, found := slices.BinarySearch(e.Recent, id); !found {
		e.Recent = slices.Insert(slices.Clip(e.Recent), i, id)
	}
	if len(e.Recent) > recentIDs {
		e.Recent = slices.Clone(e.Recent[len(e.Recent)-recentIDs:])
	}
	w.cur.Chats[key] = e
}

// recentIDs is how many handled ids a chatCursor keeps: the window in which
// a message shown late, after a higher id, is still caught.
const recentIDs = 32

// handled reports whether the message with id has been handled in the
// conversation whose cursor is e.
func handled(e chatCursor, id int64) bool {
	if id > e.LastID {
		return false
	}
	if len(e.Recent) == 0 || id < e.Recent[0] {
		return true // before the window: handled, or before the watch began
	}
	_, found := slices.BinarySearch(e.Recent, id)
	return found
}

// deliver hands m to the loop and, once the body has taken it, commits it:
// marks it read (MarkRead) and saves the cursor. It reports whether to go on.
func (w *watcher) deliver(key string, m chatmsg.ChatMessage) bool {
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
	if w.opts.MarkRead && m.Direction != chatmsg.Sent {
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
// same second (see chatCursor.Settled).
func rowHash(c chatmsg.Chat) string {
	return messageHash(c.SentAt, c.Direction, c.Last, c.Key) + fmt.Sprintf("%t", c.Read)[:1]
}

// messageHash hashes what identifies a message without its id: its time,
// direction, kind, data and key. It keeps no text in the cursor.
func messageHash(at time.Time, dir chatmsg.Direction, m chatmsg.Message, key string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%d\x00%s\x00", at.Unix(), dir, key)
	if m != nil {
		if u, ok := m.(chatmsg.Unknown); ok {
			fmt.Fprintf(h, "%s\x00", u.Kind)
			h.Write(u.Raw)
		} else {
			fmt.Fprintf(h, "%#v", m) // the kind and its fields (maps print sorted)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// wallNow is the time as a cursor keeps it: UTC, no monotonic reading, so
// that it reads back from JSON equal.
func wallNow() time.Time { return time.Now().UTC().Round(0) }
