package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/watch"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/redis/go-redis/v9"
)

// DefaultLeaseTTL is GroupOptions.LeaseTTL's default.
const DefaultLeaseTTL = 10 * time.Second

// heartbeatScript keeps an instance alive in the group and renews its
// leases. KEYS[1]: the instances sorted set (score: when the instance is
// taken for dead, server ms). ARGV: the instance id, the TTL (ms), the key
// prefix, then member and token pairs. A lease that expired but that nobody
// took since (its fence is still the token) is taken back. It answers the
// live instances and the members whose lease was lost.
var heartbeatScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id, ttl, prefix = ARGV[1], tonumber(ARGV[2]), ARGV[3]
redis.call('ZADD', KEYS[1], now + ttl, id)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], ttl * 10)
local lost = {}
for i = 4, #ARGV, 2 do
  local m, tok = ARGV[i], ARGV[i + 1]
  local lk = prefix .. 'lease:' .. m
  local owner = id .. ' ' .. tok
  local cur = redis.call('GET', lk)
  if cur == owner then
    redis.call('PEXPIRE', lk, ttl)
  elseif cur == false and redis.call('GET', prefix .. 'fence:' .. m) == tok then
    redis.call('SET', lk, owner, 'PX', ttl)
  else
    table.insert(lost, m)
  end
end
return {redis.call('ZRANGE', KEYS[1], 0, -1), lost}
`)

// acquireScript takes the lease of each member in ARGV[4:] that nobody
// holds (or this instance holds under an older token: a watch it stopped
// when Redis did not answer), with a new fencing token (the member's fence
// counter, incremented).
// ARGV[1:3]: the instance id, the TTL (ms), the key prefix. It answers one
// token per member, 0 where the lease is held.
var acquireScript = redis.NewScript(`
local id, ttl, prefix = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local res = {}
for i = 4, #ARGV do
  local m = ARGV[i]
  local lk = prefix .. 'lease:' .. m
  local cur = redis.call('GET', lk)
  if cur == false or string.sub(cur, 1, #id + 1) == id .. ' ' then
    local tok = redis.call('INCR', prefix .. 'fence:' .. m)
    redis.call('SET', lk, id .. ' ' .. tok, 'PX', ttl)
    table.insert(res, tok)
  else
    table.insert(res, 0)
  end
end
return res
`)

// releaseScript gives up the leases ARGV[3:] (member and token pairs) that
// the instance ARGV[1] still holds, and leaves the group (KEYS[1]) when
// ARGV[2] is "leave". ARGV[3] is the key prefix; the pairs follow.
var releaseScript = redis.NewScript(`
local id, prefix = ARGV[1], ARGV[3]
for i = 4, #ARGV, 2 do
  local lk = prefix .. 'lease:' .. ARGV[i]
  if redis.call('GET', lk) == id .. ' ' .. ARGV[i + 1] then
    redis.call('DEL', lk)
  end
end
if ARGV[2] == 'leave' then
  redis.call('ZREM', KEYS[1], id)
end
return 1
`)

// saveScript saves a cursor under a lease. KEYS: the lease, the cursor
// hash, the fence counter. ARGV: the owner ("instance token"), the token,
// the cursor's JSON. The save is refused when another instance holds the
// lease, when the lease expired and was taken since (the fence counter moved
// on), and when the cursor was saved under a newer token: a former owner,
// paused past its lease, never saves an older cursor over a newer one.
var saveScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
local tok = tonumber(ARGV[2])
if cur ~= ARGV[1] then
  if cur ~= false or tonumber(redis.call('GET', KEYS[3]) or '0') ~= tok then
    return redis.error_reply('LEASELOST the member is owned by another instance now')
  end
end
local f = tonumber(redis.call('HGET', KEYS[2], 'fence') or '0')
if f > tok then
  return redis.error_reply('FENCED a newer owner saved this cursor')
end
redis.call('HSET', KEYS[2], 'fence', ARGV[2], 'data', ARGV[3])
return 1
`)

// ErrLeaseLost is what a save by an instance that no longer owns the member
// fails with: another instance took the member over.
var ErrLeaseLost = errors.New("redisstore: the member's lease was lost: another instance owns it now")

// GroupOptions configures a Group.
type GroupOptions struct {
	// Prefix starts every key of the group (say "myapp:bot:"); required.
	// Instances with the same prefix share the members out.
	Prefix string
	// Instance names this instance; "" means the host name, the process id
	// and a random suffix. Two live instances must not share a name.
	Instance string
	// LeaseTTL is how long a lease lasts without renewal: how long the
	// members of an instance that died wait before others take them over.
	// Leases are renewed every LeaseTTL/3. 0 means DefaultLeaseTTL.
	LeaseTTL time.Duration
	// Watch is the watch of each owned member; its Store is replaced by a
	// cursor store in Redis fenced by the member's lease.
	Watch watch.Options
	// OnError receives the errors of the watches (Event.Member set) and of
	// the group's own calls to Redis (member ""); nil drops them.
	OnError func(member string, err error)
	// OnChange, when set, is told each time this instance starts owning a
	// member (owned true) or stops (false).
	OnChange func(member string, owned bool)
}

// Group shares the watches of a set of members among the instances that run
// it with the same Redis and Prefix: each member is watched by exactly one
// instance at a time.
//
// Each instance keeps a heartbeat in the group and a lease on each member it
// owns, both with a TTL, renewed every TTL/3 in one script call. From the
// live instances, each one computes the same assignment (rendezvous hashing,
// capped at ceil(members ÷ instances) each, so the spread is even) and takes
// the leases of the members assigned to it that nobody holds; a member
// assigned elsewhere is let go: its watch stopped (the message being
// handled finishes and is committed), then its lease given up. So when an
// instance joins, members move to it without a gap or a repeat; when one
// dies (or loses Redis for a TTL), its leases expire and the others take
// its members within about LeaseTTL + LeaseTTL/3.
//
// Each lease has a fencing token, a per-member counter raised at each take.
// Cursors are saved by a script that checks the lease and the token: a
// former owner, paused past its TTL, can never save an older cursor over a
// newer one (its save fails with ErrLeaseLost, and its watch is stopped at
// its next renewal). An instance that cannot renew for about a TTL stops
// its watches by itself.
//
// What it guarantees: every message is handled; a message is handled twice
// only in the crash window — when an instance dies (or is paused past its
// TTL) after handle returned for a message, or while handle ran for it, and
// before the watch saved its cursor; or when a paused owner handles a
// message after its lease expired and before its next renewal. The next
// owner then handles it again, as watch.Run does after a crash. A
// handler that must act once keeps its own record (or derives a send key
// from the message, as examples/echobot does).
//
// Costs in Redis: per instance, one script call every LeaseTTL/3 with two
// commands per owned member inside; per watched member, one cursor load at
// each take and one save script (four commands) per committed message or
// cursor change. The scripts build keys from the prefix, so the group needs
// one Redis server (or a primary), not a Cluster.
type Group struct {
	rdb     redis.Cmdable
	chat    *chatmsg.Service
	members map[string]okayapi.Member // by uuid in upper case
	order   []string                  // the members' keys, sorted
	opts    GroupOptions
	k       keys
	id      string
	ttl     time.Duration

	mu    sync.Mutex
	owned map[string]*ownedMember
}

type ownedMember struct {
	token     int64
	cancel    context.CancelFunc
	done      chan struct{}
	releasing bool
}

// NewGroup returns the group of members for chat's watches, sharing state
// through rdb.
func NewGroup(rdb redis.Cmdable, chat *chatmsg.Service, members []okayapi.Member, opts GroupOptions) (*Group, error) {
	if rdb == nil || chat == nil {
		return nil, errors.New("redisstore: NewGroup: nil Redis client or chat service")
	}
	if opts.Prefix == "" {
		return nil, errors.New("redisstore: NewGroup: GroupOptions.Prefix is required")
	}
	if opts.LeaseTTL < 0 || (opts.LeaseTTL > 0 && opts.LeaseTTL < 300*time.Millisecond) {
		return nil, errors.New("redisstore: NewGroup: LeaseTTL must be 0 (the default) or at least 300ms")
	}
	g := &Group{rdb: rdb, chat: chat, members: map[string]okayapi.Member{}, opts: opts, k: keys{opts.Prefix},
		id: opts.Instance, ttl: cmpOr(opts.LeaseTTL, DefaultLeaseTTL), owned: map[string]*ownedMember{}}
	for _, m := range members {
		if err := okayapi.CheckUUID("members", m.UUID); err != nil {
			return nil, err
		}
		key := strings.ToUpper(m.UUID)
		if _, dup := g.members[key]; dup {
			return nil, fmt.Errorf("redisstore: NewGroup: member %s given twice", m.UUID)
		}
		g.members[key] = m
		g.order = append(g.order, key)
	}
	if len(g.order) == 0 {
		return nil, errors.New("redisstore: NewGroup: no members")
	}
	slices.Sort(g.order)
	if g.id == "" {
		host, _ := os.Hostname()
		g.id = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), randomHex(3))
	}
	if strings.ContainsAny(g.id, " ") {
		return nil, errors.New("redisstore: NewGroup: the instance name must not hold a space")
	}
	return g, nil
}

func cmpOr[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Instance returns this instance's name in the group.
func (g *Group) Instance() string { return g.id }

// Owned returns the members this instance owns now (uuids in upper case,
// sorted).
func (g *Group) Owned() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for m, o := range g.owned {
		if !o.releasing {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out
}

// Run takes part in the group until ctx ends: it watches the members this
// instance owns and calls handle for each of their messages, from several
// goroutines at once (one per member; one message of a member at a time).
// A message is committed when handle returns. The ctx given to handle ends
// when the instance stops owning the member; handle should finish the
// message anyway (its commit is what keeps it from being handled again).
//
// When ctx ends, Run stops the watches, gives up its leases and leaves the
// group, so that the others take its members over at once, and returns
// ctx's error. Call it once per Group (start another Group to join again).
func (g *Group) Run(ctx context.Context, handle func(ctx context.Context, ev watch.Event)) error {
	tick := g.ttl / 3
	released := make(chan handover)
	var wg sync.WaitGroup
	lastOK := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case h := <-released:
			g.release(context.WithoutCancel(ctx), h.m, h.o)
			continue
		case <-ctx.Done():
			g.shutdown(&wg)
			return ctx.Err()
		case <-timer.C:
		}
		timer.Reset(tick)
		insts, lost, err := g.heartbeat(ctx)
		if err != nil {
			if ctx.Err() != nil {
				continue
			}
			g.report("", err)
			if time.Since(lastOK) >= g.ttl-tick { // our leases are about to expire, if not already
				g.stopAll()
			}
			continue
		}
		lastOK = time.Now()
		for _, m := range lost {
			g.stop(m, false)
			g.report(m, ErrLeaseLost)
		}
		assigned := assign(g.order, insts)
		var want []string
		g.mu.Lock()
		for _, m := range g.order {
			o, own := g.owned[m]
			switch {
			case assigned[m] == g.id && !own:
				want = append(want, m)
			case assigned[m] != g.id && own && !o.releasing:
				o.releasing = true
				o.cancel()
				go func() { // hand it over once its watch has stopped
					<-o.done
					select {
					case released <- handover{m, o}:
					case <-ctx.Done():
					}
				}()
			}
		}
		g.mu.Unlock()
		if len(want) > 0 {
			tokens, err := g.acquire(ctx, want)
			if err != nil {
				g.report("", err)
				continue
			}
			for i, m := range want {
				if tokens[i] > 0 {
					g.start(ctx, &wg, m, tokens[i], handle)
				}
			}
		}
	}
}

// heartbeat renews this instance and its leases; it answers the live
// instances (this one among them) and the members whose lease was lost.
func (g *Group) heartbeat(ctx context.Context) ([]string, []string, error) {
	args := []any{g.id, g.ttl.Milliseconds(), g.opts.Prefix}
	g.mu.Lock()
	for m, o := range g.owned {
		args = append(args, m, strconv.FormatInt(o.token, 10))
	}
	g.mu.Unlock()
	res, err := heartbeatScript.Run(ctx, g.rdb, []string{g.k.instances()}, args...).Slice()
	if err != nil {
		return nil, nil, redisError("renewing the group's leases", err)
	}
	if len(res) != 2 {
		return nil, nil, fmt.Errorf("redisstore: unexpected answer %v from the heartbeat script", res)
	}
	return strings1(res[0]), strings1(res[1]), nil
}

func strings1(v any) []string {
	items, _ := v.([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// acquire takes the leases of the members nobody holds; it answers one
// token per member, 0 where the lease is held.
func (g *Group) acquire(ctx context.Context, members []string) ([]int64, error) {
	args := []any{g.id, g.ttl.Milliseconds(), g.opts.Prefix}
	for _, m := range members {
		args = append(args, m)
	}
	tokens, err := acquireScript.Run(ctx, g.rdb, []string{g.k.instances()}, args...).Int64Slice()
	if err != nil {
		return nil, redisError("taking leases", err)
	}
	if len(tokens) != len(members) {
		return nil, fmt.Errorf("redisstore: unexpected answer %v from the acquire script", tokens)
	}
	return tokens, nil
}

// start watches m under the lease of token.
func (g *Group) start(ctx context.Context, wg *sync.WaitGroup, m string, token int64, handle func(context.Context, watch.Event)) {
	mctx, cancel := context.WithCancel(ctx)
	o := &ownedMember{token: token, cancel: cancel, done: make(chan struct{})}
	g.mu.Lock()
	g.owned[m] = o
	g.mu.Unlock()
	if g.opts.OnChange != nil {
		g.opts.OnChange(m, true)
	}
	opts := g.opts.Watch
	opts.Store = &fencedStore{rdb: g.rdb, k: g.k, member: m, owner: g.id + " " + strconv.FormatInt(token, 10), token: token}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(o.done)
		for ev, err := range watch.Run(mctx, g.chat, []okayapi.Member{g.members[m]}, opts) {
			if err != nil {
				if mctx.Err() == nil {
					g.report(m, err)
				}
				continue
			}
			handle(mctx, ev)
		}
		if mctx.Err() == nil { // the watch ended by itself (a final error): let the member go, and take it again later
			g.stop(m, true)
		}
	}()
}

// stop stops watching m; with release, it gives up m's lease once the watch
// has stopped, else it leaves the lease to expire (it was lost).
func (g *Group) stop(m string, release bool) {
	g.mu.Lock()
	o, ok := g.owned[m]
	if ok && !release {
		delete(g.owned, m)
	}
	g.mu.Unlock()
	if !ok {
		return
	}
	o.cancel()
	if release {
		go func() {
			<-o.done
			g.release(context.Background(), m, o)
		}()
	} else if g.opts.OnChange != nil {
		g.opts.OnChange(m, false)
	}
}

// stopAll stops every watch without giving up the leases: Redis has not
// answered for about a TTL, so they may be someone else's already.
func (g *Group) stopAll() {
	g.mu.Lock()
	var all []string
	for m := range g.owned {
		all = append(all, m)
	}
	g.mu.Unlock()
	for _, m := range all {
		g.stop(m, false)
	}
}

// handover is a member let go, whose watch has stopped.
type handover struct {
	m string
	o *ownedMember
}

// release gives up m's lease o (its watch has stopped).
func (g *Group) release(ctx context.Context, m string, o *ownedMember) {
	g.mu.Lock()
	if g.owned[m] == o {
		delete(g.owned, m)
	}
	g.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, g.ttl)
	defer cancel()
	if err := releaseScript.Run(ctx, g.rdb, []string{g.k.instances()}, g.id, "stay", g.opts.Prefix, m, strconv.FormatInt(o.token, 10)).Err(); err != nil {
		g.report(m, redisError("giving up a lease", err)) // it expires within the TTL
	}
	if g.opts.OnChange != nil {
		g.opts.OnChange(m, false)
	}
}

// shutdown stops every watch, waits for them, gives up the leases and leaves
// the group.
func (g *Group) shutdown(wg *sync.WaitGroup) {
	g.mu.Lock()
	for _, o := range g.owned {
		o.cancel()
	}
	g.mu.Unlock()
	wg.Wait()
	g.mu.Lock()
	args := []any{g.id, "leave", g.opts.Prefix}
	for m, o := range g.owned {
		args = append(args, m, strconv.FormatInt(o.token, 10))
	}
	g.owned = map[string]*ownedMember{}
	g.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), g.ttl)
	defer cancel()
	if err := releaseScript.Run(ctx, g.rdb, []string{g.k.instances()}, args...).Err(); err != nil {
		g.report("", redisError("leaving the group", err))
	}
	if g.opts.OnChange != nil {
		for i := 3; i < len(args); i += 2 {
			g.opts.OnChange(args[i].(string), false)
		}
	}
}

func (g *Group) report(member string, err error) {
	if g.opts.OnError != nil {
		g.opts.OnError(member, err)
	}
}

// assign shares members (sorted) out among instances: each member goes to
// the instance that ranks highest for it (rendezvous hashing) among those
// that have fewer than ceil(members ÷ instances). Every instance computes
// the same assignment from the same list.
func assign(members, instances []string) map[string]string {
	out := make(map[string]string, len(members))
	if len(instances) == 0 {
		return out
	}
	insts := slices.Clone(instances)
	slices.Sort(insts)
	capacity := (len(members) + len(insts) - 1) / len(insts)
	load := map[string]int{}
	score := make([]uint64, len(insts))
	idx := make([]int, len(insts))
	for _, m := range members {
		for i, in := range insts {
			h := fnv.New64a()
			h.Write([]byte(m))
			h.Write([]byte{0})
			h.Write([]byte(in))
			score[i], idx[i] = mix(h.Sum64()), i
		}
		slices.SortFunc(idx, func(a, b int) int {
			if score[a] != score[b] {
				if score[a] > score[b] {
					return -1
				}
				return 1
			}
			return strings.Compare(insts[a], insts[b])
		})
		for _, i := range idx {
			if load[insts[i]] < capacity {
				load[insts[i]]++
				out[m] = insts[i]
				break
			}
		}
	}
	return out
}

// mix spreads a hash's bits (fnv's low bits are weak for short keys).
func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// fencedStore is the cursor store of one owned member: loads as
// CursorStore does, saves through saveScript under the member's lease.
type fencedStore struct {
	rdb    redis.Cmdable
	k      keys
	member string
	owner  string
	token  int64
}

func (s *fencedStore) Load(ctx context.Context, member string) ([]byte, bool, error) {
	return loadCursor(ctx, s.rdb, s.k, member)
}

func (s *fencedStore) Save(ctx context.Context, member string, c []byte) error {
	member = strings.ToUpper(member)
	if member != s.member {
		return fmt.Errorf("redisstore: a watch of %s saved the cursor of %s", s.member, member)
	}
	err := saveScript.Run(ctx, s.rdb, []string{s.k.lease(member), s.k.cursor(member), s.k.fence(member)}, s.owner, s.token, c).Err()
	switch {
	case err == nil:
		return nil
	case strings.HasPrefix(err.Error(), "LEASELOST"), strings.HasPrefix(err.Error(), "FENCED"):
		return fmt.Errorf("%w (%s)", ErrLeaseLost, err.Error())
	default:
		return redisError("saving a cursor", err)
	}
}
