package chatmsg

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// ExactlyOnce configures exactly-once sending (see SendOnce).
type ExactlyOnce struct {
	// Settle is how long to wait, after an answer was lost, before reading
	// the conversation: the time the service may need to show a message it
	// stored. 0 means 300 ms. After an attempt that timed out, the request
	// may still be on its way or being worked on, so the wait is at least
	// the client's attempt timeout (okayapi.Client.AttemptTimeout).
	Settle time.Duration
	// Rounds is how many times a message may be sent in one call, each
	// after a check found the earlier one was not stored. 0 means 3.
	Rounds int
	// Pages is how many pages (of MaxPerPage messages) of the conversation a
	// check reads, newest first. 0 means 1: the key is found as long as the
	// recipient got fewer than 100 messages from anyone since. More pages
	// widen that window at one read each, only on an ambiguous failure.
	Pages int
	// Concurrency is how many conversations a MultiSend check reads at
	// once. 0 means 4.
	Concurrency int
}

func (e ExactlyOnce) settle() time.Duration { return cmpOr(e.Settle, 300*time.Millisecond) }
func (e ExactlyOnce) rounds() int           { return cmpOr(e.Rounds, 3) }
func (e ExactlyOnce) pages() int            { return cmpOr(e.Pages, 1) }
func (e ExactlyOnce) concurrency() int      { return cmpOr(e.Concurrency, 4) }

func cmpOr[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// WithExactlyOnce makes the Service's Send and MultiSend exactly-once, as
// SendOnce and MultiSendOnce are.
func WithExactlyOnce(cfg ExactlyOnce) Option {
	return func(s *Service) { s.once = &cfg }
}

// UncertainError is an exactly-once send that could not tell whether the
// message arrived: its answer was lost and reading the conversation failed
// too. Key is the send key; ResumeSend with the same message and Key finds
// out later, sending again only if it did not arrive.
type UncertainError struct {
	Key   string   // the send key
	To    []string // the recipients it could not tell about
	Err   error    // the send's error
	Check error    // why the conversation could not be read
}

// Error says the message may have been delivered, and how to resume.
func (e *UncertainError) Error() string {
	return "chatmsg: the message may have been delivered (send key " + e.Key + ", " + strconv.Itoa(len(e.To)) +
		" recipient(s) unresolved): " + e.Err.Error() + "; checking failed too: " + e.Check.Error() + "; ResumeSend with this key finds out"
}

// Unwrap returns the send's error and the check's.
func (e *UncertainError) Unwrap() []error { return []error{e.Err, e.Check} }

// MayHaveArrived is true: nobody knows yet.
func (e *UncertainError) MayHaveArrived() bool { return true }

// NotDeliveredError is an exactly-once send whose answers were lost Rounds
// times, each time followed by a check that found the message not stored:
// it was not delivered (within the limits documented on SendOnce).
type NotDeliveredError struct {
	Key    string // the send key
	Rounds int    // how many times it was sent
	Err    error  // the last send's error
}

// Error says the message was not delivered.
func (e *NotDeliveredError) Error() string {
	return "chatmsg: the message was not delivered: sent " + strconv.Itoa(e.Rounds) + " time(s), each answer lost and each check found nothing (send key " + e.Key + "): " + e.Err.Error()
}

// Unwrap returns the last send's error.
func (e *NotDeliveredError) Unwrap() error { return e.Err }

// MayHaveArrived is false: every check found nothing.
func (e *NotDeliveredError) MayHaveArrived() bool { return false }

// SendOnce is Send that stores the message exactly once, although the
// service has no idempotency keys. It puts a random 128-bit send key into
// the message (KeyField). When an attempt fails in a way that may have
// reached the service, it does not guess: after Settle it reads the newest
// messages of the conversation (as the sender) and looks for the key.
// Found: the call succeeded, with the message id found. Not found: it sends
// again with the same key, up to Rounds times, within the context.
//
// Cost: nothing on the happy path; one read (Pages reads at most) per
// ambiguous failure. Limits: a check sees the newest Pages×100 messages of
// the conversation, so a message lost among more than that many arriving in
// between is taken for not stored (and sent again); and a service that shows
// a stored message only after more than Settle makes it look not stored.
// When the check itself fails, the error is an *UncertainError carrying the
// key: ResumeSend with it finds out later. The result's Key is the key; the
// receiving side sees it as ChatMessage.Key. The key adds about 55 bytes to
// the message's encoded size, which counts against the size cap.
func (s *Service) SendOnce(ctx context.Context, member okayapi.Member, to string, msg Message) (*SendResult, error) {
	return s.sendOnce(ctx, member, to, msg, newKey(), false)
}

// ResumeSend finishes an exactly-once send whose outcome was uncertain: it
// first looks for key in the conversation (as SendOnce's checks do), and
// sends msg with that key only if it is not there.
func (s *Service) ResumeSend(ctx context.Context, member okayapi.Member, to string, msg Message, key string) (*SendResult, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	return s.sendOnce(ctx, member, to, msg, strings.ToLower(key), true)
}

func (s *Service) sendOnce(ctx context.Context, member okayapi.Member, to string, msg Message, key string, checkFirst bool) (*SendResult, error) {
	if err := begin(ctx, member); err != nil {
		return nil, err
	}
	if err := okayapi.CheckUUID("other_uuid", to); err != nil {
		return nil, err
	}
	p, err := s.keyedParams(to, msg, key)
	if err != nil {
		return nil, err
	}
	cfg := s.onceConfig()
	var last error
	if checkFirst {
		id, found, cerr := s.findKey(ctx, member, to, key, cfg, 0)
		if cerr != nil {
			return nil, &UncertainError{Key: key, To: []string{to}, Err: errors.New("resuming"), Check: cerr}
		}
		if found {
			return &SendResult{MessageID: id, Key: key}, nil
		}
	}
	for round := 1; ; round++ {
		var out sendData
		resp, err := s.do(ctx, member, ServiceSend, p, false, &out)
		if err == nil {
			return &SendResult{MessageID: out.messageID(), Raw: resp.Data, Response: resp, Key: key}, nil
		}
		if !okayapi.MayHaveArrived(err) {
			return nil, err // refused, or never sent: not delivered
		}
		last = err
		id, found, cerr := s.findKey(ctx, member, to, key, cfg, s.settleAfter(err, cfg))
		if cerr != nil {
			return nil, &UncertainError{Key: key, To: []string{to}, Err: err, Check: cerr}
		}
		if found {
			return &SendResult{MessageID: id, Key: key}, nil
		}
		if round == cfg.rounds() {
			return nil, &NotDeliveredError{Key: key, Rounds: round, Err: last}
		}
	}
}

// onceConfig is the Service's exactly-once configuration, or the defaults.
func (s *Service) onceConfig() ExactlyOnce {
	if s.once != nil {
		return *s.once
	}
	return ExactlyOnce{}
}

// settleAfter is how long to wait before checking, after err: Settle, or,
// after a timeout, at least the attempt timeout, since a request that timed
// out may still land.
func (s *Service) settleAfter(err error, cfg ExactlyOnce) time.Duration {
	d := cfg.settle()
	if errors.Is(err, context.DeadlineExceeded) {
		d = max(d, s.c.AttemptTimeout())
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

// findKey looks for a message member sent to with under key, newest first,
// after waiting settle for the service to show it.
func (s *Service) findKey(ctx context.Context, member okayapi.Member, with, key string, cfg ExactlyOnce, settle time.Duration) (int64, bool, error) {
	if err := sleep(ctx, settle); err != nil {
		return 0, false, err
	}
	var last int64
	for page := 0; page < cfg.pages(); page++ {
		list, err := s.TakeMessageList(ctx, member, with, ListOptions{LastID: last, Order: Older, PerPage: MaxPerPage})
		if err != nil {
			return 0, false, err
		}
		for _, m := range list.Messages {
			if strings.EqualFold(m.Key, key) && m.Direction != Received {
				return m.ID, true, nil
			}
			if m.ID > 0 && (last == 0 || m.ID < last) {
				last = m.ID
			}
		}
		if len(list.Messages) < MaxPerPage || last == 0 {
			return 0, false, nil
		}
	}
	return 0, false, nil
}

// MultiSendOnce is MultiSend that stores the message exactly once for each
// recipient, as SendOnce does for one: after a failure that may have reached
// the service, it checks each recipient's conversation for the key (at most
// Concurrency at a time); recipients whose copy is found are done, and the
// rest are sent again, together, with the same key. The result has one
// Delivery per recipient that got the message, in the caller's order. On an
// error, the result (never nil then) lists those delivered so far.
func (s *Service) MultiSendOnce(ctx context.Context, member okayapi.Member, to []string, msg Message) (*MultiSendResult, error) {
	if err := begin(ctx, member); err != nil {
		return nil, err
	}
	if err := checkRecipients(to); err != nil {
		return nil, err
	}
	key := newKey()
	if _, err := s.keyedParams(to[0], msg, key); err != nil {
		return nil, err
	}
	cfg := s.onceConfig()
	ids := make(map[string]int64, len(to))
	done := func() *MultiSendResult {
		res := &MultiSendResult{Key: key}
		for _, u := range to {
			if id, ok := ids[u]; ok {
				res.Deliveries = append(res.Deliveries, Delivery{To: u, MessageID: id})
			}
		}
		return res
	}
	remaining := to
	for round := 1; ; round++ {
		p, err := s.keyedParams(strings.Join(remaining, ","), msg, key)
		if err != nil {
			return done(), err
		}
		out := multiSendData{Detail: phpjson.Lenient[phpjson.List[wireDelivery]]{Value: phpjson.List[wireDelivery]{Max: len(remaining)}}}
		resp, err := s.do(ctx, member, ServiceMultiSend, p, false, &out)
		if err == nil {
			byUUID := map[string]int64{}
			for _, d := range out.deliveries() {
				byUUID[strings.ToUpper(d.To)] = d.MessageID
			}
			for _, u := range remaining {
				ids[u] = byUUID[strings.ToUpper(u)]
			}
			res := done()
			res.Raw, res.Response = resp.Data, resp
			return res, nil
		}
		if !okayapi.MayHaveArrived(err) {
			return done(), err
		}
		found, unresolved, cerr := s.findKeys(ctx, member, remaining, key, cfg, s.settleAfter(err, cfg))
		for u, id := range found {
			ids[u] = id
		}
		if cerr != nil {
			return done(), &UncertainError{Key: key, To: unresolved, Err: err, Check: cerr}
		}
		var left []string
		for _, u := range remaining {
			if _, ok := ids[u]; !ok {
				left = append(left, u)
			}
		}
		if len(left) == 0 {
			return done(), nil
		}
		if round == cfg.rounds() {
			return done(), &NotDeliveredError{Key: key, Rounds: round, Err: err}
		}
		remaining = left
	}
}

// findKeys checks each recipient's conversation for key, after one settle
// wait, at most cfg.concurrency() at a time. unresolved lists the recipients
// whose check failed.
func (s *Service) findKeys(ctx context.Context, member okayapi.Member, to []string, key string, cfg ExactlyOnce, settle time.Duration) (found map[string]int64, unresolved []string, err error) {
	if err := sleep(ctx, settle); err != nil {
		return nil, to, err
	}
	found = map[string]int64{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, cfg.concurrency())
	for _, u := range to {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			id, ok, cerr := s.findKey(ctx, member, u, key, cfg, 0)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case cerr != nil:
				unresolved = append(unresolved, u)
				if err == nil {
					err = cerr
				}
			case ok:
				found[u] = id
			}
		}()
	}
	wg.Wait()
	return found, unresolved, err
}
