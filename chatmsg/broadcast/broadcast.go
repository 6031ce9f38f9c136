// Package broadcast sends one chat message to any number of members, in
// chatmsg MultiSend batches, and says what became of it for each.
package broadcast

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/exactlyonce"
	"github.com/okayapi-go/sdk/chatmsg/internal/hook"
	"github.com/okayapi-go/sdk/okayapi"
)

// Options tunes Send; the zero value is the defaults.
type Options struct {
	// Concurrency is how many batches are in flight at once; 0 means 4.
	Concurrency int
	// ExactlyOnce, when set, sends each batch with exactlyonce.MultiSend
	// and this configuration (&exactlyonce.Config{} for its defaults): a
	// lost answer is followed by checks, and each recipient's outcome is
	// then Delivered (stored once), NotDelivered (found not stored) or
	// MaybeDelivered (its check failed: exactlyonce.Resume with Outcome.Key
	// finishes it). Nil: plain chatmsg MultiSend, never sent twice.
	ExactlyOnce *exactlyonce.Config
}

// State is what became of a message for one recipient.
type State int

const (
	// Delivered: the service stored the message for the recipient.
	Delivered State = iota + 1
	// NotDelivered: the service refused the batch (an err_code, a ret
	// 400–499), or it never reached the service; the message was not stored.
	NotDelivered
	// MaybeDelivered: the batch's answer was lost (and, with ExactlyOnce,
	// the recipient's check failed); the message may have been delivered.
	// Check the conversation before sending again.
	MaybeDelivered
)

// String returns "delivered", "not delivered" or "maybe delivered".
func (s State) String() string {
	switch s {
	case Delivered:
		return "delivered"
	case NotDelivered:
		return "not delivered"
	case MaybeDelivered:
		return "maybe delivered"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Outcome is what became of the message for one recipient.
type Outcome struct {
	To        string // the recipient's uuid, as given
	State     State
	MessageID int64 // the new message's id when Delivered and the service said it; else 0
	Err       error // why, when not Delivered: the batch's error
	// Key is the send key with Options.ExactlyOnce: exactlyonce.Resume
	// with it finishes a MaybeDelivered one.
	Key string
}

// Result is what Send answers: one Outcome per recipient, in the order the
// recipients were given.
type Result struct {
	Outcomes []Outcome
}

// Count returns how many outcomes are in state s.
func (r *Result) Count(s State) int {
	n := 0
	for _, o := range r.Outcomes {
		if o.State == s {
			n++
		}
	}
	return n
}

// Error summarises a Send in which some recipients did not get the message
// for sure. errors.Is and errors.As look into the batches' errors;
// okayapi.MayHaveArrived reports whether any outcome is MaybeDelivered.
type Error struct {
	Delivered, NotDelivered, MaybeDelivered int
	Errs                                    []error // each failed batch's error, once
}

// Error counts the outcomes and shows the first batch error.
func (e *Error) Error() string {
	s := fmt.Sprintf("broadcast: %d delivered, %d not delivered, %d may have been delivered", e.Delivered, e.NotDelivered, e.MaybeDelivered)
	if len(e.Errs) > 0 {
		s += ": " + e.Errs[0].Error()
		if len(e.Errs) > 1 {
			s += fmt.Sprintf(" (and %d more batch errors)", len(e.Errs)-1)
		}
	}
	return s
}

// Unwrap returns the batches' errors.
func (e *Error) Unwrap() []error { return e.Errs }

// MayHaveArrived reports whether some recipient's outcome is
// MaybeDelivered, and so what okayapi.MayHaveArrived answers for the error.
func (e *Error) MayHaveArrived() bool { return e.MaybeDelivered > 0 }

// sizeKey stands for a send key when the message's size is checked: only
// its length counts.
const sizeKey = "00000000000000000000000000000000"

// Send sends msg from member to any number of recipients: it checks them
// all (uuids, no blanks, no duplicates) and the message once, before
// anything is sent, then sends MultiSend batches of at most
// chatmsg.MaxRecipients, at most opts.Concurrency at a time, and returns
// one Outcome per recipient, in the caller's order, none missing and none
// twice.
//
// The error is nil when every recipient got the message. Otherwise it is an
// *Error counting the outcomes, alongside the full result: partial failure
// is a result, not a lost one; also when the only failures are
// MaybeDelivered. A context that ends stops further batches: no request is
// made after it ends, and their recipients are NotDelivered with the
// context's error. Without opts.ExactlyOnce, like chatmsg's MultiSend, no
// batch is ever sent twice; with it, as exactlyonce.MultiSend.
func Send(ctx context.Context, chat *chatmsg.Service, member okayapi.Member, to []string, msg chatmsg.Message, opts Options) (*Result, error) {
	if err := hook.Begin(ctx, member); err != nil {
		return nil, err
	}
	if err := hook.CheckAudience(to); err != nil {
		return nil, err
	}
	if opts.Concurrency < 0 {
		return nil, &okayapi.InvalidParamError{Field: "Concurrency", Rule: "must be 0 (the default) or more"}
	}
	workers := opts.Concurrency
	if workers == 0 {
		workers = 4
	}
	key := "" // exactly-once batches carry a send key: check the size with one
	if opts.ExactlyOnce != nil {
		key = sizeKey
	}
	if err := hook.CheckMessage(chat, msg, key); err != nil {
		return nil, err
	}

	res := &Result{Outcomes: make([]Outcome, len(to))}
	for i, uuid := range to {
		res.Outcomes[i] = Outcome{To: uuid}
	}
	type batch struct{ n, from, to int }
	var batches []batch
	for i := 0; i < len(to); i += chatmsg.MaxRecipients {
		batches = append(batches, batch{len(batches), i, min(i+chatmsg.MaxRecipients, len(to))})
	}
	errs := make([]error, len(batches)) // each sent batch's error
	var skipped atomic.Bool             // some batches were not sent: the context ended
	jobs := make(chan batch)
	var wg sync.WaitGroup
	for range min(workers, len(batches)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				if err := ctx.Err(); err != nil { // ended while the batch waited for a worker
					notSent(res.Outcomes[b.from:b.to], err)
					skipped.Store(true)
					continue
				}
				errs[b.n] = sendBatch(ctx, chat, member, msg, opts.ExactlyOnce, res.Outcomes[b.from:b.to])
			}
		}()
	}
	for _, b := range batches {
		jobs <- b
	}
	close(jobs)
	wg.Wait()
	if skipped.Load() {
		errs = append(errs, ctx.Err()) // once for all the batches not sent
	}
	return res, res.err(errs)
}

// notSent marks out NotDelivered with err: the batch was not sent.
func notSent(out []Outcome, err error) {
	for i := range out {
		out[i].State, out[i].Err = NotDelivered, err
	}
}

// sendBatch sends one MultiSend (exactlyonce.MultiSend when once is set)
// and fills in its recipients' outcomes. It returns the batch's error.
func sendBatch(ctx context.Context, chat *chatmsg.Service, member okayapi.Member, msg chatmsg.Message, once *exactlyonce.Config, out []Outcome) error {
	uuids := make([]string, len(out))
	for i, o := range out {
		uuids[i] = o.To
	}
	var (
		r   *chatmsg.MultiSendResult
		err error
	)
	if once != nil {
		r, err = exactlyonce.MultiSend(ctx, chat, member, uuids, msg, *once)
	} else {
		r, err = chat.MultiSend(ctx, member, uuids, msg)
	}
	got := map[string]int64{} // by upper-case uuid
	if r != nil {
		for _, d := range r.Deliveries {
			got[strings.ToUpper(d.To)] = d.MessageID
		}
		for i := range out {
			out[i].Key = r.Key
		}
	}
	if err == nil {
		// err_code 0: the batch was stored; ids come from detail where it says.
		for i := range out {
			out[i].State, out[i].MessageID = Delivered, got[strings.ToUpper(out[i].To)]
		}
		return nil
	}
	// Without ExactlyOnce, the batch's recipients share its fate. With it,
	// only an *UncertainError's To may have a copy; the others not delivered
	// were found not stored, or never sent (exactlyonce.MultiSend's other
	// errors say MayHaveArrived false).
	maybe := func(string) bool { return okayapi.MayHaveArrived(err) }
	rest := err // the error of those not delivered
	var ue *exactlyonce.UncertainError
	if errors.As(err, &ue) {
		unsure := map[string]bool{}
		for _, u := range ue.To {
			unsure[strings.ToUpper(u)] = true
		}
		maybe = func(u string) bool { return unsure[strings.ToUpper(u)] }
		rest = ue.Err
	}
	for i := range out {
		u := out[i].To
		switch id, ok := got[strings.ToUpper(u)]; {
		case ok:
			out[i].State, out[i].MessageID = Delivered, id
		case maybe(u):
			out[i].State, out[i].Err = MaybeDelivered, err
		default:
			out[i].State, out[i].Err = NotDelivered, rest
		}
	}
	return err
}

// err is nil when every outcome is Delivered, else an *Error with
// batchErrs, the non-nil ones in order.
func (r *Result) err(batchErrs []error) error {
	e := &Error{}
	for _, o := range r.Outcomes {
		switch o.State {
		case Delivered:
			e.Delivered++
		case MaybeDelivered:
			e.MaybeDelivered++
		default:
			e.NotDelivered++
		}
	}
	if e.NotDelivered == 0 && e.MaybeDelivered == 0 {
		return nil
	}
	for _, err := range batchErrs {
		if err != nil {
			e.Errs = append(e.Errs, err)
		}
	}
	return e
}
