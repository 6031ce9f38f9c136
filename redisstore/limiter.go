package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// gcraScript reserves the next slot of a GCRA limiter (the generic cell rate
// algorithm) and answers how long the caller waits for it, in microseconds
// of the server's clock. The key holds the theoretical arrival time (TAT),
// in microseconds. KEYS[1]: the key. ARGV: the interval between two slots
// (µs), the burst, the longest wait the caller accepts (µs, -1: any), and
// the latest TAT the caller was granted before (a floor that keeps a Redis
// that lost its state from handing out slots already given). It answers
// {wait, tat}, or {-1, wait} when the wait is longer than accepted (nothing
// is reserved then).
var gcraScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tau = interval * (tonumber(ARGV[2]) - 1)
local maxwait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local floor = tonumber(ARGV[4])
if tat < floor then tat = floor end
if tat < now then tat = now end
local at = tat - tau
if at < now then at = now end
local wait = at - now
if maxwait >= 0 and wait > maxwait then
  return {-1, string.format('%.0f', wait)}
end
local newtat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', newtat), 'PX', string.format('%.0f', (newtat - now) / 1000 + 1000))
return {string.format('%.0f', wait), string.format('%.0f', newtat)}
`)

// Limiter is an app-wide rate limit shared by every process that uses the
// same Redis and key: give each process's client okayapi.WithLimiter(l).
// Requests go out at Rate a second on average, with bursts of up to Burst,
// counted across all processes together.
//
// Each Wait reserves the next free slot with one script call (atomic on the
// server, by the server's clock) and sleeps until it: callers are served in
// the order they asked, so no process is starved. A Wait whose context
// would end before its slot fails at once, reserving nothing. A Wait whose
// context ends while it sleeps gives up its slot (it is not handed to
// anyone else: the limit errs on the slow side).
//
// When Redis cannot be reached, Wait fails with an error that says so, and
// the request is not sent: the limiter never lets requests through
// unlimited. After Redis restarts with its state lost, each process keeps
// to the slots it had already been given, so the restart does not double
// the rate; a fresh burst may go out.
type Limiter struct {
	rdb      redis.Scripter
	key      string
	interval int64 // µs between two slots
	burst    int

	mu    sync.Mutex
	floor int64 // the latest TAT granted to this process, server µs
}

// NewLimiter returns a limiter of perSecond requests a second, with bursts of
// up to burst, kept in Redis under key (shared by every process that names
// the same key). perSecond may be at most 1,000,000.
func NewLimiter(rdb redis.Scripter, key string, perSecond float64, burst int) (*Limiter, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: NewLimiter: nil Redis client")
	}
	if key == "" {
		return nil, errors.New("redisstore: NewLimiter: empty key")
	}
	if !(perSecond > 0 && perSecond <= 1e6) || burst < 1 {
		return nil, fmt.Errorf("redisstore: NewLimiter: the rate must be in (0, 1e6] a second and the burst at least 1 (got %v, %d)", perSecond, burst)
	}
	return &Limiter{rdb: rdb, key: key, interval: max(1, int64(math.Round(1e6/perSecond))), burst: burst}, nil
}

// Rate returns the limit in requests a second (as kept: the interval
// between two slots is a whole number of microseconds).
func (l *Limiter) Rate() float64 { return 1e6 / float64(l.interval) }

// Burst returns the burst.
func (l *Limiter) Burst() int { return l.burst }

// Wait blocks until the caller may send one request, or fails: when ctx
// ends (or would end before the caller's turn), or when Redis cannot be
// reached.
func (l *Limiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	wait, err := l.reserve(ctx)
	if err != nil {
		return err
	}
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// reserve takes the next slot and answers how long to wait for it.
func (l *Limiter) reserve(ctx context.Context) (time.Duration, error) {
	maxWait := int64(-1)
	if d, ok := ctx.Deadline(); ok {
		maxWait = max(0, time.Until(d).Microseconds())
	}
	l.mu.Lock()
	floor := l.floor
	l.mu.Unlock()
	res, err := gcraScript.Run(ctx, l.rdb, []string{l.key}, l.interval, l.burst, maxWait, floor).Int64Slice()
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("redisstore: rate limiter %q: Redis unavailable, the request was not sent: %w", l.key, err)
	}
	if len(res) != 2 {
		return 0, fmt.Errorf("redisstore: rate limiter %q: unexpected answer %v from the script", l.key, res)
	}
	if res[0] < 0 {
		return 0, fmt.Errorf("redisstore: rate limiter %q: the next slot is %v away, past the context's deadline: %w",
			l.key, time.Duration(res[1])*time.Microsecond, context.DeadlineExceeded)
	}
	l.mu.Lock()
	l.floor = max(l.floor, res[1])
	l.mu.Unlock()
	return time.Duration(res[0]) * time.Microsecond, nil
}
