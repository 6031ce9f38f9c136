package redisstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/exactlyonce"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/redis/go-redis/v9"
)

// DefaultClaimTTL is OutboxOptions.ClaimTTL's default.
const DefaultClaimTTL = time.Minute

// enqueueScript writes an outbox entry (unless it is there already) and
// claims it. KEYS: the entry hash, its claim, the pending set. ARGV: the
// send key, the claimer, the claim's TTL (ms), then the entry's fields and
// values. It answers 0, writing nothing, when another process holds the
// claim.
var enqueueScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if redis.call('EXISTS', KEYS[1]) == 0 then
  local t = redis.call('TIME')
  local fields = {}
  for i = 4, #ARGV do table.insert(fields, ARGV[i]) end
  redis.call('HSET', KEYS[1], unpack(fields))
  redis.call('ZADD', KEYS[3], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1
`)

// claimScript claims a pending entry that nobody holds and answers its
// fields; nil when it is claimed or gone (then it leaves the pending set).
// KEYS: the entry, its claim, the pending set. ARGV: the send key, the
// claimer, the TTL (ms).
var claimScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return false
end
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return redis.call('HGETALL', KEYS[1])
`)

// doneScript clears an entry whose outcome is known. KEYS: the entry, its
// claim, the pending set. ARGV: the send key.
var doneScript = redis.NewScript(`
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
`)

// ErrClaimed is what Outbox.SendKey answers when another process is sending
// the same key (or died sending it): the recovery pass finishes that send
// once the other's claim has expired.
var ErrClaimed = errors.New("redisstore: outbox: this send key is being sent by another process; the recovery pass finishes it")

// OutboxOptions configures an Outbox.
type OutboxOptions struct {
	// Prefix starts every key of the outbox (say "myapp:"); required.
	Prefix string
	// ClaimTTL is how long a process holds a pending send: its send is given
	// ClaimTTL/2 (the rest is a margin for a request still on its way), and
	// a crashed process's send is recovered after ClaimTTL. It must be more
	// than twice the longest exactly-once send (rounds × (attempt timeout +
	// settle)). 0 means DefaultClaimTTL.
	ClaimTTL time.Duration
	// Member returns the member (with its token) a pending send is sent as,
	// for the recovery pass: the outbox keeps only uuids in Redis, never
	// tokens. Required for Recover.
	Member func(ctx context.Context, uuid string) (okayapi.Member, error)
	// OnError receives the errors of RunRecovery's passes; nil drops them.
	OnError func(error)
	// ExactlyOnce is how each send looks for its key and waits (see
	// exactlyonce.Config); the zero value is its defaults.
	ExactlyOnce exactlyonce.Config
}

// Outbox makes exactly-once sending (package chatmsg/exactlyonce)
// survive a crash. Before a send, the send key and the message go to Redis;
// once the outcome is known (sent, found sent, or surely not sent), they are
// cleared. A send whose process died in between stays pending, and a
// recovery pass (Recover, from any instance, at start and periodically:
// RunRecovery) finishes it with exactlyonce.Resume, which looks for the key in the
// conversation first: sent before the crash, it is found and not sent
// again; not sent, it is sent once.
//
// Each send is claimed in Redis while a process works on it, so that two
// processes never send one key at once. Limits: those of exactlyonce.Resume
// (the key is looked for in the newest ExactlyOnce.Pages × 100 messages of the
// conversation, so recovery must come before that many more arrive), and
// the claim's (a process paused longer than ClaimTTL/2 in the middle of a
// request may see its request land after another process checked).
//
// Cost: every send is an exactlyonce.Resume (one read of the conversation before
// the send) and two script calls to Redis.
type Outbox struct {
	rdb  redis.Cmdable
	chat *chatmsg.Service
	opts OutboxOptions
	ttl  time.Duration
}

// NewOutbox returns the outbox of chat's sends, kept in rdb.
func NewOutbox(rdb redis.Cmdable, chat *chatmsg.Service, opts OutboxOptions) (*Outbox, error) {
	if rdb == nil || chat == nil {
		return nil, errors.New("redisstore: NewOutbox: nil Redis client or chat service")
	}
	if opts.Prefix == "" {
		return nil, errors.New("redisstore: NewOutbox: OutboxOptions.Prefix is required")
	}
	if opts.ClaimTTL < 0 {
		return nil, errors.New("redisstore: NewOutbox: ClaimTTL must be 0 (the default) or more")
	}
	return &Outbox{rdb: rdb, chat: chat, opts: opts, ttl: cmpOr(opts.ClaimTTL, DefaultClaimTTL)}, nil
}

func (o *Outbox) pending() string            { return o.opts.Prefix + "outbox" }
func (o *Outbox) entry(key string) string    { return o.opts.Prefix + "outbox:" + key }
func (o *Outbox) claim(key string) string    { return o.opts.Prefix + "outbox:" + key + ":claim" }
func (o *Outbox) keys(key string) []string   { return []string{o.entry(key), o.claim(key), o.pending()} }
func newClaimer() string                     { return randomHex(8) }
func (o *Outbox) ttlMillis() int64           { return o.ttl.Milliseconds() }
func (o *Outbox) sendTimeout() time.Duration { return o.ttl / 2 }

// Send sends msg from member to to, exactly once across crashes, with a new
// send key (see SendKey).
func (o *Outbox) Send(ctx context.Context, member okayapi.Member, to string, msg chatmsg.Message) (*chatmsg.SendResult, error) {
	return o.SendKey(ctx, member, to, msg, randomHex(16))
}

// SendKey sends msg from member to to under key (32 hex digits), exactly
// once across crashes: the same key given again (say, one derived from the
// app's own id of the message, after a crash) finds the message and does not
// send it twice. It answers ErrClaimed when another process holds the key.
//
// On success the result is exactlyonce.Resume's: Response is nil when the message
// was found already sent. On an error that leaves the outcome unknown (see
// okayapi.MayHaveArrived) the send stays pending and the recovery pass
// finishes it; on one that says it was not sent, it is cleared.
func (o *Outbox) SendKey(ctx context.Context, member okayapi.Member, to string, msg chatmsg.Message, key string) (*chatmsg.SendResult, error) {
	key = strings.ToLower(key)
	if len(key) != 32 || strings.Trim(key, "0123456789abcdef") != "" {
		return nil, &okayapi.InvalidParamError{Field: "key", Rule: "must be a send key: 32 hexadecimal digits"}
	}
	if err := o.chat.Check(msg); err != nil {
		return nil, err
	}
	typ, data, err := encodeMessage(msg)
	if err != nil {
		return nil, err
	}
	claimer := newClaimer()
	args := []any{key, claimer, o.ttlMillis(),
		"member", strings.ToUpper(member.UUID), "to", strings.ToUpper(to), "type", typ, "data", data}
	ok, err := enqueueScript.Run(ctx, o.rdb, o.keys(key), args...).Int()
	if err != nil {
		return nil, redisError("outbox: writing the send down (nothing was sent)", err)
	}
	if ok == 0 {
		return nil, ErrClaimed
	}
	return o.finish(ctx, member, to, msg, key)
}

// finish sends a claimed entry with exactlyonce.Resume and clears it once the
// outcome is known.
func (o *Outbox) finish(ctx context.Context, member okayapi.Member, to string, msg chatmsg.Message, key string) (*chatmsg.SendResult, error) {
	sctx, cancel := context.WithTimeout(ctx, o.sendTimeout())
	res, err := exactlyonce.Resume(sctx, o.chat, member, to, msg, key, o.opts.ExactlyOnce)
	timedOut := sctx.Err() != nil // read before cancel, which always sets it
	cancel()
	if err != nil && (okayapi.MayHaveArrived(err) || timedOut) {
		// Unknown: the claim expires after ClaimTTL, and then a recovery
		// pass finishes the send.
		return nil, &PendingError{Key: key, Err: err}
	}
	// Known: sent, found sent, or not sent.
	dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer dcancel()
	if derr := doneScript.Run(dctx, o.rdb, o.keys(key), key).Err(); derr != nil && err == nil {
		// Sent, but still pending in Redis: recovery will find it sent.
		return res, nil
	}
	return res, err
}

// PendingError is a send whose outcome is unknown: it stays pending in the
// outbox, and a recovery pass finishes it once the claim has expired.
type PendingError struct {
	Key string // the send key
	Err error  // exactlyonce.Resume's error
}

// Error says the send is pending.
func (e *PendingError) Error() string {
	return "redisstore: outbox: the outcome of send key " + e.Key + " is unknown; it stays pending and the recovery pass finishes it: " + e.Err.Error()
}

// Unwrap returns exactlyonce.Resume's error.
func (e *PendingError) Unwrap() error { return e.Err }

// MayHaveArrived is true: nobody knows yet.
func (e *PendingError) MayHaveArrived() bool { return true }

// Recovered counts what a recovery pass did.
type Recovered struct {
	Found   int // pending sends found already sent (not sent again)
	Sent    int // pending sends sent now
	Failed  int // pending sends that surely were not sent, cleared (the error went to OnError)
	Pending int // pending sends left: claimed by another process, or their outcome still unknown
}

// Recover finishes the pending sends that nobody holds (their process died,
// or its claim expired): each is looked for in its conversation and sent
// only if it is not there. It goes on past a send that fails, and answers
// the first error along with the counts.
func (o *Outbox) Recover(ctx context.Context) (Recovered, error) {
	var r Recovered
	if o.opts.Member == nil {
		return r, errors.New("redisstore: outbox: Recover needs OutboxOptions.Member")
	}
	keys, err := o.rdb.ZRange(ctx, o.pending(), 0, -1).Result()
	if err != nil {
		return r, redisError("outbox: listing pending sends", err)
	}
	var first error
	note := func(err error) {
		if first == nil {
			first = err
		}
	}
	for _, key := range keys {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		fields, err := claimScript.Run(ctx, o.rdb, o.keys(key), key, newClaimer(), o.ttlMillis()).StringSlice()
		if errors.Is(err, redis.Nil) {
			r.Pending++ // held by another process (or done meanwhile)
			continue
		}
		if err != nil {
			return r, redisError("outbox: claiming a pending send", err)
		}
		e := map[string]string{}
		for i := 0; i+1 < len(fields); i += 2 {
			e[fields[i]] = fields[i+1]
		}
		msg, err := decodeMessage(e["type"], []byte(e["data"]))
		if err != nil {
			note(fmt.Errorf("redisstore: outbox: pending send key %s: %w", key, err))
			r.Pending++
			continue
		}
		member, err := o.opts.Member(ctx, e["member"])
		if err != nil {
			note(fmt.Errorf("redisstore: outbox: pending send key %s: the member: %w", key, err))
			r.Pending++
			continue
		}
		res, err := o.finish(ctx, member, e["to"], msg, key)
		switch {
		case err == nil && res.Response == nil:
			r.Found++
		case err == nil:
			r.Sent++
		case okayapi.MayHaveArrived(err):
			r.Pending++
			note(err)
		default:
			r.Failed++
			note(fmt.Errorf("redisstore: outbox: pending send key %s was not sent: %w", key, err))
		}
	}
	return r, first
}

// RunRecovery runs Recover at once and then every interval, until ctx
// ends; errors go to OnError.
func (o *Outbox) RunRecovery(ctx context.Context, interval time.Duration) {
	for {
		if _, err := o.Recover(ctx); err != nil && ctx.Err() == nil && o.opts.OnError != nil {
			o.opts.OnError(err)
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Pending answers how many sends are pending.
func (o *Outbox) Pending(ctx context.Context) (int64, error) {
	n, err := o.rdb.ZCard(ctx, o.pending()).Result()
	if err != nil {
		return 0, redisError("outbox: counting pending sends", err)
	}
	return n, nil
}

// encodeMessage writes msg down as its kind (chat_message_type) and a JSON
// object: the kind's own field (content or url) with the extension fields,
// or Custom's object, for a message chatmsg's Check has passed.
func encodeMessage(msg chatmsg.Message) (string, []byte, error) {
	own := func(typ, key, value string, ext map[string]any) (string, []byte, error) {
		obj := make(map[string]any, len(ext)+1)
		for k, v := range ext {
			obj[k] = v
		}
		obj[key] = value
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(obj); err != nil {
			return "", nil, &okayapi.InvalidParamError{Field: "chat_message_data", Rule: "extension fields must marshal to JSON: " + err.Error()}
		}
		return typ, bytes.TrimRight(buf.Bytes(), "\n"), nil
	}
	switch m := msg.(type) {
	case chatmsg.Text:
		return own("text", "content", m.Content, m.Ext)
	case chatmsg.HTML:
		return own("html", "content", m.Content, m.Ext)
	case chatmsg.Image:
		return own("image", "url", m.URL, m.Ext)
	case chatmsg.Link:
		return own("link", "url", m.URL, m.Ext)
	case chatmsg.Custom:
		var buf bytes.Buffer
		if err := json.Compact(&buf, m.Object); err != nil {
			return "", nil, &okayapi.InvalidParamError{Field: "chat_message_data", Rule: "custom data must be a JSON object"}
		}
		return "custom", buf.Bytes(), nil
	}
	return "", nil, &okayapi.InvalidParamError{Field: "chat_message_type", Rule: "must be one of text, html, image, link, custom"}
}

// decodeMessage makes the message of kind typ that encodeMessage wrote as
// data.
func decodeMessage(typ string, data []byte) (chatmsg.Message, error) {
	if typ == "custom" {
		return chatmsg.Custom{Object: json.RawMessage(data)}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("the stored message is not a JSON object: %w", err)
	}
	take := func(name string) (string, map[string]any) {
		s, _ := obj[name].(string)
		delete(obj, name)
		if len(obj) == 0 {
			return s, nil
		}
		return s, obj
	}
	switch typ {
	case "text":
		c, ext := take("content")
		return chatmsg.Text{Content: c, Ext: ext}, nil
	case "html":
		c, ext := take("content")
		return chatmsg.HTML{Content: c, Ext: ext}, nil
	case "image":
		u, ext := take("url")
		return chatmsg.Image{URL: u, Ext: ext}, nil
	case "link":
		u, ext := take("url")
		return chatmsg.Link{URL: u, Ext: ext}, nil
	}
	return nil, fmt.Errorf("unknown message kind %q", typ)
}
