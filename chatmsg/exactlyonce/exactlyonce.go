// Package exactlyonce stores a chat message exactly once, although the
// private-message plugin has no idempotency keys.
//
// Send and MultiSend put a random 128-bit send key into the message (the
// receiving side reads it as chatmsg.ChatMessage.Key). When an attempt fails
// in a way that may have reached the service, they do not guess: they read
// the newest messages of the conversation (as the sender) for the key,
// after Config.Settle and, if not found, again once Config.Horizon has
// passed. Found: the call succeeded, with the message id found. Not found
// after Horizon: they send again with the same key, up to Config.Rounds
// times, within the context. When they cannot tell, the error is an
// *UncertainError carrying the key, and Resume with it finishes the send
// later.
//
// Cost: nothing on the happy path; after an ambiguous failure, one read
// when the message was stored (found after Settle), else a wait of Horizon
// and a second read before sending again. The key adds about 55 bytes to
// the message's encoded size, which counts against the size cap.
package exactlyonce

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/internal/hook"
	"github.com/okayapi-go/sdk/okayapi"
)

// Config says how Send, MultiSend and Resume wait and check; the zero value
// is the defaults.
type Config struct {
	// Settle is how long after an ambiguous failure the first check reads
	// the conversation: a copy found then ends the call at once. 0 means
	// 300 ms. Not finding it there proves nothing: see Horizon.
	Settle time.Duration
	// Horizon is how long after an ambiguous failure a message the service
	// stored may still first appear in the conversation: a backend still
	// working after its gateway answered 502, 503 or 504 at once, plus the
	// lag of the replica the service reads from. The message is sent again
	// only when a check made after Horizon found nothing; after an attempt
	// that timed out, the wait is at least the client's attempt timeout
	// (okayapi.WithTimeout). 0 means 30 s. Its cost: a lost answer whose
	// message was not stored costs up to Horizon before the send is
	// retried.
	Horizon time.Duration
	// Rounds is how many times a message may be sent in one call, each
	// after a check found the earlier one was not stored. 0 means 3.
	Rounds int
	// Pages is the most pages (of chatmsg.MaxPerPage messages) one check
	// reads, newest first. 0 means 10. A check reads back to the messages
	// sent before the first attempt (by add_time, less ClockSkew) or to the
	// start of the conversation; if Pages pages do not get there, the
	// outcome is uncertain (an *UncertainError), never a second copy.
	// Resume, which does not know when the first attempt was, reads Pages
	// pages at most and takes a key not among them for not stored.
	Pages int
	// ClockSkew is how far the service's clock (add_time, read in the
	// client's time zone, okayapi.WithLocation) may be behind ours. 0 means
	// 1 minute. A check reads back to messages this much older than the
	// first attempt; a service clock further behind may end it too soon.
	ClockSkew time.Duration
	// Concurrency is how many conversations a MultiSend check reads at
	// once. 0 means 4.
	Concurrency int
}

func (c Config) settle() time.Duration    { return cmpOr(c.Settle, 300*time.Millisecond) }
func (c Config) horizon() time.Duration   { return cmpOr(c.Horizon, 30*time.Second) }
func (c Config) rounds() int              { return cmpOr(c.Rounds, 3) }
func (c Config) pages() int               { return cmpOr(c.Pages, 10) }
func (c Config) concurrency() int         { return cmpOr(c.Concurrency, 4) }
func (c Config) clockSkew() time.Duration { return cmpOr(c.ClockSkew, time.Minute) }

func cmpOr[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// UncertainError is an exactly-once send that could not tell whether the
// message arrived: its answer was lost and the conversation could not be
// read back to the send (a read failed, the context ended while waiting, or
// more than Pages pages of messages arrived since). Key is the send key;
// Resume with the same message and Key finds out later, sending again only
// if it did not arrive.
type UncertainError struct {
	Key   string   // the send key
	To    []string // the recipients it could not tell about
	Err   error    // the send's error
	Check error    // why the conversation could not be read
}

// Error says the message may have been delivered, and how to resume.
func (e *UncertainError) Error() string {
	return "exactlyonce: the message may have been delivered (send key " + e.Key + ", " + strconv.Itoa(len(e.To)) +
		" recipient(s) unresolved): " + e.Err.Error() + "; checking failed too: " + e.Check.Error() + "; Resume with this key finds out"
}

// Unwrap returns the send's error and the check's.
func (e *UncertainError) Unwrap() []error { return []error{e.Err, e.Check} }

// MayHaveArrived is true: nobody knows yet.
func (e *UncertainError) MayHaveArrived() bool { return true }

// NotDeliveredError is an exactly-once send whose answers were lost Rounds
// times, each time followed by a check that found the message not stored:
// it was not delivered (within the limits documented on Config).
type NotDeliveredError struct {
	Key    string // the send key
	Rounds int    // how many times it was sent
	Err    error  // the last send's error
}

// Error says the message was not delivered.
func (e *NotDeliveredError) Error() string {
	return "exactlyonce: the message was not delivered: sent " + strconv.Itoa(e.Rounds) + " time(s), each answer lost and each check found nothing (send key " + e.Key + "): " + e.Err.Error()
}

// Unwrap returns the last send's error.
func (e *NotDeliveredError) Unwrap() error { return e.Err }

// MayHaveArrived is false: every check found nothing.
func (e *NotDeliveredError) MayHaveArrived() bool { return false }

// Send is chat.Send that stores the message exactly once (see the package
// doc). The guarantee assumes a stored message shows in the conversation
// within cfg.Horizon of the failure. When it cannot tell (a check failed,
// the context ended while waiting, or too many messages arrived to read
// back to the send), the error is an *UncertainError carrying the key:
// Resume with it finds out later. The result's Key is the key; a result
// found by reading has no Response.
func Send(ctx context.Context, chat *chatmsg.Service, member okayapi.Member, to string, msg chatmsg.Message, cfg Config) (*chatmsg.SendResult, error) {
	return sendOnce(ctx, chat, member, to, msg, newKey(), cfg, false)
}

// Resume finishes an exactly-once send whose outcome was uncertain: it
// first looks for key in the conversation (the newest cfg.Pages×100
// messages), and sends msg with that key only if it is not there. Call it
// once the first send's Horizon has passed: a copy that appears later is
// not seen. The key is read in any case; the message carries it in lower
// case.
func Resume(ctx context.Context, chat *chatmsg.Service, member okayapi.Member, to string, msg chatmsg.Message, key string, cfg Config) (*chatmsg.SendResult, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	return sendOnce(ctx, chat, member, to, msg, strings.ToLower(key), cfg, true)
}

// newKey returns a random 128-bit send key as 32 hex digits.
func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	return hex.EncodeToString(b[:])
}

// checkKey checks a send key given back to Resume.
func checkKey(key string) error {
	if len(key) != 32 || strings.Trim(strings.ToLower(key), "0123456789abcdef") != "" {
		return &okayapi.InvalidParamError{Field: "key", Rule: "must be a send key: 32 hexadecimal digits"}
	}
	return nil
}

// send sends msg under key (chatmsg's Send with a key).
func send(ctx context.Context, chat *chatmsg.Service, member okayapi.Member, to string, msg chatmsg.Message, key string) (*chatmsg.SendResult, error) {
	r, err := hook.Send(ctx, chat, member, to, msg, key)
	res, _ := r.(*chatmsg.SendResult)
	return res, err
}

// multiSend sends msg under key (chatmsg's MultiSend with a key).
func multiSend(ctx context.Context, chat *chatmsg.Service, member okayapi.Member, to []string, msg chatmsg.Message, key string) (*chatmsg.MultiSendResult, error) {
	r, err := hook.MultiSend(ctx, chat, member, to, msg, key)
	res, _ := r.(*chatmsg.MultiSendResult)
	return res, err
}

func sendOnce(ctx context.Context, chat *chatmsg.Service, member okayapi.Member, to string, msg chatmsg.Message, key string, cfg Config, resume bool) (*chatmsg.SendResult, error) {
	if err := hook.Begin(ctx, member); err != nil {
		return nil, err
	}
	if err := okayapi.CheckUUID("other_uuid", to); err != nil {
		return nil, err
	}
	if err := hook.CheckMessage(chat, msg, key); err != nil {
		return nil, err
	}
	if resume {
		id, found, cerr := findKey(ctx, chat, member, to, key, cfg, time.Time{})
		if cerr != nil {
			return nil, &UncertainError{Key: key, To: []string{to}, Err: errors.New("resuming"), Check: cerr}
		}
		if found {
			return &chatmsg.SendResult{MessageID: id, Key: key}, nil
		}
	}
	first := time.Now()
	for round := 1; ; round++ {
		res, err := send(ctx, chat, member, to, msg, key)
		if err == nil {
			return res, nil
		}
		if !okayapi.MayHaveArrived(err) {
			return nil, err // refused, or never sent: not delivered
		}
		found, unresolved, cerr := awaitKeys(ctx, chat, member, []string{to}, key, cfg, horizonAfter(chat, err, cfg), first)
		if len(unresolved) > 0 {
			return nil, &UncertainError{Key: key, To: []string{to}, Err: err, Check: cerr}
		}
		if id, ok := found[to]; ok {
			return &chatmsg.SendResult{MessageID: id, Key: key}, nil
		}
		if round == cfg.rounds() {
			return nil, &NotDeliveredError{Key: key, Rounds: round, Err: err}
		}
	}
}

// horizonAfter is how long after err a stored message may still appear:
// Horizon, and after a timeout at least the attempt timeout, since a
// request that timed out may still be on its way or being worked on.
func horizonAfter(chat *chatmsg.Service, err error, cfg Config) time.Duration {
	d := cfg.horizon()
	if errors.Is(err, context.DeadlineExceeded) {
		d = max(d, hook.AttemptTimeout(chat))
	}
	return d
}

// sleep waits d, or until ctx ends; it fails when ctx has ended.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errTooManyMessages is a check that read Pages pages without getting back
// to the messages sent before the first attempt.
var errTooManyMessages = errors.New("exactlyonce: too many messages arrived since the send to read back to it (see Config.Pages)")

// findKey looks for a message member sent to with under key, newest first.
// With since set, it reads back to the messages sent before since (less
// ClockSkew), and fails with errTooManyMessages when Pages pages do not
// get there; without, it reads Pages pages at most.
func findKey(ctx context.Context, chat *chatmsg.Service, member okayapi.Member, with, key string, cfg Config, since time.Time) (int64, bool, error) {
	var last int64
	for page := 0; page < cfg.pages(); page++ {
		list, err := chat.TakeMessageList(ctx, member, with, chatmsg.ListOptions{LastID: last, Order: chatmsg.Older, PerPage: chatmsg.MaxPerPage})
		if err != nil {
			return 0, false, err
		}
		reached := false // a message sent before since is on this page
		for _, m := range list.Messages {
			if strings.EqualFold(m.Key, key) && m.Direction != chatmsg.Received && (m.With == "" || strings.EqualFold(m.With, with)) {
				return m.ID, true, nil
			}
			if m.ID > 0 && (last == 0 || m.ID < last) {
				last = m.ID
			}
			if !since.IsZero() && !m.SentAt.IsZero() && m.SentAt.Before(since.Add(-cfg.clockSkew())) {
				reached = true
			}
		}
		if len(list.Messages) < chatmsg.MaxPerPage || last == 0 || reached {
			return 0, false, nil
		}
	}
	if since.IsZero() {
		return 0, false, nil
	}
	return 0, false, errTooManyMessages
}

// awaitKeys finds out, after an ambiguous failure, which recipients' copy
// of the message under key is stored: it checks each conversation after
// Settle, and those not found again once horizon has passed (the only
// check whose "not found" is final). found maps the recipients (as given)
// whose copy was found to its id; unresolved lists, in to's order, those
// whose final check failed, with the first such error. The rest were not
// stored. Since is the first attempt's start.
func awaitKeys(ctx context.Context, chat *chatmsg.Service, member okayapi.Member, to []string, key string, cfg Config, horizon time.Duration, since time.Time) (found map[string]int64, unresolved []string, err error) {
	deadline := time.Now().Add(horizon)
	found = map[string]int64{}
	left := to
	if settle := cfg.settle(); settle < horizon {
		if err := sleep(ctx, settle); err != nil {
			return found, to, err
		}
		f, _, _ := findKeys(ctx, chat, member, left, key, cfg, since) // not final: errors wait for the last check
		left = notIn(left, f, found)
	}
	if len(left) == 0 {
		return found, nil, nil
	}
	if err := sleep(ctx, time.Until(deadline)); err != nil {
		return found, left, err
	}
	f, failed, err := findKeys(ctx, chat, member, left, key, cfg, since)
	notIn(left, f, found)
	return found, failed, err
}

// notIn moves f's entries into found and returns those of to not in f.
func notIn(to []string, f, found map[string]int64) []string {
	var rest []string
	for _, u := range to {
		if id, ok := f[u]; ok {
			found[u] = id
		} else {
			rest = append(rest, u)
		}
	}
	return rest
}

// findKeys checks each recipient's conversation for key, at most
// cfg.concurrency() at a time. failed lists, in to's order, the recipients
// whose check failed, with the first error.
func findKeys(ctx context.Context, chat *chatmsg.Service, member okayapi.Member, to []string, key string, cfg Config, since time.Time) (found map[string]int64, failed []string, err error) {
	found = map[string]int64{}
	errs := make([]error, len(to))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, cfg.concurrency())
	for i, u := range to {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			id, ok, cerr := findKey(ctx, chat, member, u, key, cfg, since)
			mu.Lock()
			defer mu.Unlock()
			errs[i] = cerr
			if cerr == nil && ok {
				found[u] = id
			}
		}()
	}
	wg.Wait()
	for i, e := range errs {
		if e != nil {
			failed = append(failed, to[i])
			if err == nil {
				err = e
			}
		}
	}
	return found, failed, err
}

// MultiSend is chat.MultiSend that stores the message exactly once for
// each recipient, as Send does for one: after a failure that may have
// reached the service, it checks each recipient's conversation for the key
// (at most cfg.Concurrency at a time, after Settle and again after
// Horizon); recipients whose copy is found are done, those found not
// stored are sent again, together, with the same key, and those whose
// check failed are left uncertain. The result (never nil, also with an
// error, unless the call was refused before anything was sent) has one
// Delivery per recipient that got the message, in the caller's order.
//
// The error is nil when every recipient got the message. Otherwise, when
// some recipients' outcome is unknown, it is an *UncertainError whose To
// lists them (Resume with its Key finishes each); the recipients neither
// delivered nor in To did not get the message, and Err (the last send's
// error, or a *NotDeliveredError) says why. When none is unknown, it is
// that error itself.
func MultiSend(ctx context.Context, chat *chatmsg.Service, member okayapi.Member, to []string, msg chatmsg.Message, cfg Config) (*chatmsg.MultiSendResult, error) {
	if err := hook.Begin(ctx, member); err != nil {
		return nil, err
	}
	if err := hook.CheckRecipients(to); err != nil {
		return nil, err
	}
	key := newKey()
	if err := hook.CheckMessage(chat, msg, key); err != nil {
		return nil, err
	}
	ids := make(map[string]int64, len(to)) // by upper-case uuid
	unsure := map[string]bool{}            // by upper-case uuid: a check failed
	var unsureErr, checkErr error          // the send that made them unsure, and why the check failed
	result := func(err error) (*chatmsg.MultiSendResult, error) {
		res := &chatmsg.MultiSendResult{Key: key}
		var uncertain []string
		for _, u := range to {
			if id, ok := ids[strings.ToUpper(u)]; ok {
				res.Deliveries = append(res.Deliveries, chatmsg.Delivery{To: u, MessageID: id})
			} else if unsure[strings.ToUpper(u)] {
				uncertain = append(uncertain, u)
			}
		}
		if len(uncertain) > 0 {
			if err == nil {
				err = unsureErr
			}
			return res, &UncertainError{Key: key, To: uncertain, Err: err, Check: checkErr}
		}
		return res, err
	}
	first := time.Now()
	remaining := to
	for round := 1; ; round++ {
		r, err := multiSend(ctx, chat, member, remaining, msg, key)
		if err == nil {
			byUUID := map[string]int64{}
			for _, d := range r.Deliveries {
				byUUID[strings.ToUpper(d.To)] = d.MessageID
			}
			for _, u := range remaining {
				ids[strings.ToUpper(u)] = byUUID[strings.ToUpper(u)]
			}
			res, err := result(nil)
			res.Raw, res.Response = r.Raw, r.Response
			return res, err
		}
		if !okayapi.MayHaveArrived(err) {
			return result(err) // refused, or never sent: the remaining were not delivered
		}
		found, failed, cerr := awaitKeys(ctx, chat, member, remaining, key, cfg, horizonAfter(chat, err, cfg), first)
		for u, id := range found {
			ids[strings.ToUpper(u)] = id
		}
		for _, u := range failed {
			unsure[strings.ToUpper(u)] = true
		}
		if cerr != nil {
			unsureErr, checkErr = err, cerr
		}
		var left []string // checked after the horizon and found not stored
		for _, u := range remaining {
			if _, ok := ids[strings.ToUpper(u)]; !ok && !unsure[strings.ToUpper(u)] {
				left = append(left, u)
			}
		}
		if len(left) == 0 {
			return result(nil)
		}
		if round == cfg.rounds() {
			return result(&NotDeliveredError{Key: key, Rounds: round, Err: err})
		}
		remaining = left
	}
}
