package redisstore

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/chatmsg/watch"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAssignEven: 300 members over 1 to 7 instances: each instance gets
// floor or ceil of the share, every instance computes the same, and when a
// fourth instance joins three, only members that go to it move.
func TestAssignEven(t *testing.T) {
	t.Parallel()
	var members []string
	for i := range 300 {
		members = append(members, fmt.Sprintf("%032X", i*7919))
	}
	slices.Sort(members)
	for n := 1; n <= 7; n++ {
		var insts []string
		for i := range n {
			insts = append(insts, fmt.Sprintf("host-%d", i))
		}
		a := assign(members, insts)
		load := map[string]int{}
		for _, m := range members {
			load[a[m]]++
		}
		for _, in := range insts {
			assert.InDelta(t, 300.0/float64(n), load[in], 1, "%d instances: %v", n, load)
		}
		slices.Reverse(insts)
		assert.Equal(t, a, assign(members, insts), "the order of the list matters")
	}
	three := assign(members, []string{"a", "b", "c"})
	four := assign(members, []string{"a", "b", "c", "d"})
	moved := 0
	for _, m := range members {
		if three[m] != four[m] {
			moved++
		}
	}
	t.Logf("a fourth instance joining three: %d of 300 members move (75 must)", moved)
	assert.Less(t, moved, 150)
}

// TestFencedSave: a former owner whose lease expired and was taken by
// another instance cannot save its cursor, even after the new owner's lease
// expired too; the new owner can; an owner whose lease merely expired (nobody
// took it since) still can.
func TestFencedSave(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newClient(t)
	g := &Group{rdb: rdb, k: keys{testPrefix(t)}, ttl: 300 * time.Millisecond}
	g.opts.Prefix = g.k.prefix
	const m = "0123456789ABCDEF0123456789ABCDEF"
	store := func(id string, tok int64) *fencedStore {
		return &fencedStore{rdb: rdb, k: g.k, member: m, owner: id + " " + strconv.FormatInt(tok, 10), token: tok}
	}
	cur := func(id int64) []byte { return fmt.Appendf(nil, `{"chats":{"X":{"last_id":%d}}}`, id) }

	g.id = "old"
	tok, err := g.acquire(ctx, []string{m})
	require.NoError(t, err)
	old := store("old", tok[0])
	require.NoError(t, old.Save(ctx, m, cur(1)))
	require.NoError(t, rdb.Del(ctx, g.k.lease(m)).Err()) // the lease expired; nobody took it
	require.NoError(t, old.Save(ctx, m, cur(2)), "an expired lease nobody took since")

	require.NoError(t, rdb.Del(ctx, g.k.lease(m)).Err())
	g.id = "new"
	tok2, err := g.acquire(ctx, []string{m})
	require.NoError(t, err)
	require.Greater(t, tok2[0], tok[0])
	nw := store("new", tok2[0])
	require.NoError(t, nw.Save(ctx, m, cur(5)))
	require.ErrorIs(t, old.Save(ctx, m, cur(3)), ErrLeaseLost, "the former owner while the new one holds the lease")
	require.NoError(t, rdb.Del(ctx, g.k.lease(m)).Err()) // the new owner's lease expired too
	require.ErrorIs(t, old.Save(ctx, m, cur(4)), ErrLeaseLost, "the former owner after the new one's lease expired")
	c, found, err := nw.Load(ctx, m)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, cur(5), c)
}

// watchConf is what the watcher children of TestGroupManyProcesses are
// told: the fake's address, its app key and secret, and the members.
type watchConf struct {
	URL     string        `json:"url"`
	AppKey  string        `json:"app_key"`
	Secret  string        `json:"secret"`
	Prefix  string        `json:"prefix"`
	TTL     time.Duration `json:"ttl"`
	Members []memberJSON  `json:"members"`
}

// watcherChild runs a Group over the members of $WATCH_CONF and prints a
// line for each message handled ("H member with id") and each change of
// ownership ("O member 1|0"), unbuffered, so that a SIGKILL loses none.
func watcherChild() int {
	b, err := os.ReadFile(os.Getenv("WATCH_CONF"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var conf watchConf
	if err := json.Unmarshal(b, &conf); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	client, err := okayapi.New(conf.URL, conf.AppKey, okayapi.WithSecret(conf.Secret), okayapi.WithRetries(0, 0, 0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer client.Close()
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv(addrEnv)})
	defer rdb.Close()
	var out sync.Mutex
	line := func(format string, args ...any) {
		out.Lock()
		defer out.Unlock()
		_, _ = fmt.Fprintf(os.Stdout, format+"\n", args...)
	}
	g, err := NewGroup(rdb, chatmsg.New(client), fromJSON(conf.Members), GroupOptions{
		Prefix: conf.Prefix, Instance: os.Getenv("WATCH_INSTANCE"), LeaseTTL: conf.TTL,
		Watch: watch.Options{MinInterval: 250 * time.Millisecond, MaxInterval: 2 * time.Second},
		OnError: func(m string, err error) {
			if errors.Is(err, ErrLeaseLost) {
				line("L %s", m) // a lease found lost, or a save refused
				return
			}
			fmt.Fprintf(os.Stderr, "%s: %s: %v\n", os.Getenv("WATCH_INSTANCE"), m, err)
		},
		OnChange: func(m string, owned bool) { line("O %s %t", m, owned) },
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, stop := signalContext()
	defer stop()
	_ = g.Run(ctx, func(_ context.Context, ev watch.Event) {
		line("H %s %s %d", strings.ToUpper(ev.Member), strings.ToUpper(ev.Message.With), ev.Message.ID)
	})
	return 0
}

// signalContext ends on SIGTERM or SIGINT.
func signalContext() (context.Context, func()) {
	return signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
}

// handling is one message handled by one watcher child.
type handling struct {
	proc int // which child (0, 1, 2: the first three; 3: the one started again)
	seq  int // the order of the line among all lines
}

// watchRun holds what the children of TestGroupManyProcesses printed.
type watchRun struct {
	mu      sync.Mutex
	seq     int
	handled map[int64][]handling // by message id
	owner   map[string]int       // member → child owning it, by the last "O" line
	owned   map[string]time.Time // member → when it was last taken
	lastOf  map[[2]int64]int     // (child, member index) → seq of its last handling
	member  map[string]int64
	lost    map[int]int // child → leases it found lost or saves refused
}

func (r *watchRun) read(proc int, rd io.Reader) {
	sc := bufio.NewScanner(rd)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		r.mu.Lock()
		r.seq++
		switch {
		case len(f) == 4 && f[0] == "H":
			id, _ := strconv.ParseInt(f[3], 10, 64)
			r.handled[id] = append(r.handled[id], handling{proc, r.seq})
			r.lastOf[[2]int64{int64(proc), r.member[f[1]]}] = r.seq
		case len(f) == 2 && f[0] == "L":
			if r.lost == nil {
				r.lost = map[int]int{}
			}
			r.lost[proc]++
		case len(f) == 3 && f[0] == "O" && f[2] == "true":
			r.owner[f[1]] = proc
			r.owned[f[1]] = time.Now()
		case len(f) == 3 && f[0] == "O":
			if r.owner[f[1]] == proc {
				delete(r.owner, f[1])
			}
		}
		r.mu.Unlock()
	}
}

// load answers how many members each child owns.
func (r *watchRun) load() map[int]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[int]int{}
	for _, p := range r.owner {
		out[p]++
	}
	return out
}

// TestGroupManyProcesses: 3 watcher processes share 300 members of the fake
// while messages arrive; one is killed (SIGKILL), started again, then
// another is killed. Every message is handled; none twice, except a
// member's last message handled by a killed process (the crash window:
// handled, its cursor not saved yet); the members spread evenly; the
// takeover after each kill takes about the lease's TTL.
func TestGroupManyProcesses(t *testing.T) {
	t.Parallel()
	heavy.Lock()
	defer heavy.Unlock()
	const nMembers, ttl = 300, 2 * time.Second
	srv, plugin := chatmsgtest.NewServer(t)
	var members []okayapi.Member
	run := &watchRun{handled: map[int64][]handling{}, owner: map[string]int{}, owned: map[string]time.Time{}, lastOf: map[[2]int64]int{}, member: map[string]int64{}}
	for i := range nMembers {
		m := srv.AddMember(okayapitest.Account{Username: fmt.Sprintf("member%03d", i)})
		members = append(members, m)
		run.member[strings.ToUpper(m.UUID)] = int64(i)
	}
	var senders []okayapi.Member
	for i := range 5 {
		senders = append(senders, srv.AddMember(okayapitest.Account{Username: fmt.Sprintf("sender%d", i)}))
	}
	conf := watchConf{URL: srv.URL(), AppKey: srv.AppKey(), Secret: srv.Secret(), Prefix: testPrefix(t), TTL: ttl, Members: toJSON(members)}
	b, err := json.Marshal(conf)
	require.NoError(t, err)
	path := t.TempDir() + "/conf.json"
	require.NoError(t, os.WriteFile(path, b, 0o600))

	var procs []*exec.Cmd
	var readers sync.WaitGroup
	start := func(i int) {
		cmd := childCmd("watcher", "WATCH_CONF="+path, fmt.Sprint("WATCH_INSTANCE=w", i))
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		procs = append(procs, cmd)
		readers.Add(1)
		go func() {
			defer readers.Done()
			run.read(i, out)
		}()
	}
	t.Cleanup(func() {
		for _, p := range procs {
			_ = p.Process.Kill()
		}
	})
	// waitFor polls cond (what the children printed) up to d.
	waitFor := func(d time.Duration, what string, cond func(map[int]int) bool) time.Duration {
		t0 := time.Now()
		for !cond(run.load()) {
			if time.Since(t0) > d {
				require.FailNow(t, "timed out waiting: "+what, "ownership %v", run.load())
			}
			time.Sleep(20 * time.Millisecond)
		}
		return time.Since(t0)
	}
	balanced := func(live ...int) func(map[int]int) bool {
		return func(l map[int]int) bool {
			total := 0
			for _, p := range live {
				if l[p] < nMembers/len(live)-1 || l[p] > nMembers/len(live)+1 {
					return false
				}
				total += l[p]
			}
			return total == nMembers
		}
	}

	// Messages arrive all along: 20 a second, from 5 senders to random members.
	client := okayapitest.NewClient(t, srv)
	chat := chatmsg.New(client)
	sendCtx, stopSending := context.WithCancel(context.Background())
	sent := make(chan int)
	go func() {
		n := 0
		defer func() { sent <- n }()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for sendCtx.Err() == nil {
			<-tick.C
			to := members[rand.IntN(nMembers)]
			if _, err := chat.Send(context.Background(), senders[rand.IntN(len(senders))], to.UUID, chatmsg.Text{Content: fmt.Sprint("message ", n)}); err == nil {
				n++
			}
		}
	}()

	for i := range 3 {
		start(i)
	}
	spread := waitFor(30*time.Second, "300 members spread over 3 processes", balanced(0, 1, 2))
	t.Logf("3 processes own 100 members each after %v: %v", spread.Round(time.Millisecond), run.load())
	time.Sleep(2 * time.Second)

	kill := func(i int, live ...int) time.Duration {
		require.NoError(t, procs[i].Process.Signal(syscall.SIGKILL))
		_ = procs[i].Wait()
		killed := time.Now()
		run.mu.Lock()
		for m, p := range run.owner {
			if p == i {
				delete(run.owner, m) // it owns nothing once dead
			}
		}
		run.mu.Unlock()
		waitFor(30*time.Second, "the members of a killed process taken over", func(l map[int]int) bool {
			total := 0
			for _, p := range live {
				total += l[p]
			}
			return total == nMembers
		})
		var last time.Time
		run.mu.Lock()
		for _, at := range run.owned {
			if at.After(last) {
				last = at
			}
		}
		run.mu.Unlock()
		return last.Sub(killed)
	}
	take1 := kill(0, 1, 2)
	t.Logf("process 0 killed: its members taken over in %v (lease TTL %v): %v", take1.Round(time.Millisecond), ttl, run.load())
	start(3) // process 0 started again, under a new name
	rejoin := waitFor(30*time.Second, "300 members spread again", balanced(1, 2, 3))
	t.Logf("started again: spread over 3 again after %v: %v", rejoin.Round(time.Millisecond), run.load())
	time.Sleep(2 * time.Second)
	take2 := kill(1, 2, 3)
	t.Logf("process 1 killed: its members taken over in %v: %v", take2.Round(time.Millisecond), run.load())
	time.Sleep(time.Second)
	stopSending()
	nSent := <-sent

	// Every message to a member handled: wait for the last ones.
	var want []chatmsgtest.StoredMessage
	isMember := map[string]bool{}
	for _, m := range members {
		isMember[strings.ToUpper(m.UUID)] = true
	}
	for _, m := range plugin.Messages() {
		if isMember[strings.ToUpper(m.To)] {
			want = append(want, m)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	missing := func() (n int) {
		run.mu.Lock()
		defer run.mu.Unlock()
		for _, m := range want {
			if len(run.handled[m.ID]) == 0 {
				n++
			}
		}
		return n
	}
	for missing() > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	for _, i := range []int{2, 3} {
		_ = procs[i].Process.Signal(syscall.SIGTERM)
		_ = procs[i].Wait()
	}
	readers.Wait()

	var twice, inWindow int
	run.mu.Lock()
	for _, m := range want {
		h := run.handled[m.ID]
		if len(h) < 2 {
			continue
		}
		twice++
		first := h[0]
		idx := run.member[strings.ToUpper(m.To)]
		// The crash window: the first handler was killed, and this was the
		// last message of the member it handled.
		if len(h) == 2 && (first.proc == 0 || first.proc == 1) && run.lastOf[[2]int64{int64(first.proc), idx}] == first.seq {
			inWindow++
		} else {
			t.Errorf("message %d to member %d handled %d times: %v", m.ID, idx, len(h), h)
		}
	}
	run.mu.Unlock()
	lost := missing()
	t.Logf("3 watchers over %d members: %d messages sent, %d handled, %d lost, %d handled twice (all %d in the crash window of a killed process), takeovers %v and %v after SIGKILL (lease TTL %v)",
		nMembers, nSent, len(want)-lost, lost, twice, inWindow, take1.Round(time.Millisecond), take2.Round(time.Millisecond), ttl)
	assert.Equal(t, nSent, len(want))
	assert.Zero(t, lost, "messages never handled")
	assert.Less(t, take1, 2*ttl)
	assert.Less(t, take2, 2*ttl)
}

// TestGroupPausedOwner: of 2 watcher processes over 20 members, one is
// paused (SIGSTOP) for three lease TTLs while messages arrive, and resumed.
// The other takes all members over; the paused one, resumed, finds its
// leases lost (a save it makes meanwhile is refused: TestFencedSave checks
// the script), stops its watches and takes its share back cleanly. Every message is handled; one
// handled twice only by the paused process: its last before the pause (the
// crash window) or one it handled after resuming, before its first renewal
// told it the lease was gone.
func TestGroupPausedOwner(t *testing.T) {
	t.Parallel()
	heavy.Lock()
	defer heavy.Unlock()
	const nMembers, ttl = 20, time.Second
	srv, plugin := chatmsgtest.NewServer(t)
	var members []okayapi.Member
	run := &watchRun{handled: map[int64][]handling{}, owner: map[string]int{}, owned: map[string]time.Time{}, lastOf: map[[2]int64]int{}, member: map[string]int64{}}
	for i := range nMembers {
		m := srv.AddMember(okayapitest.Account{Username: fmt.Sprintf("member%03d", i)})
		members = append(members, m)
		run.member[strings.ToUpper(m.UUID)] = int64(i)
	}
	sender := srv.AddMember(okayapitest.Account{Username: "sender"})
	conf := watchConf{URL: srv.URL(), AppKey: srv.AppKey(), Secret: srv.Secret(), Prefix: testPrefix(t), TTL: ttl, Members: toJSON(members)}
	b, err := json.Marshal(conf)
	require.NoError(t, err)
	path := t.TempDir() + "/conf.json"
	require.NoError(t, os.WriteFile(path, b, 0o600))
	var procs []*exec.Cmd
	var readers sync.WaitGroup
	for i := range 2 {
		cmd := childCmd("watcher", "WATCH_CONF="+path, fmt.Sprint("WATCH_INSTANCE=p", i))
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		procs = append(procs, cmd)
		readers.Add(1)
		go func() {
			defer readers.Done()
			run.read(i, out)
		}()
	}
	t.Cleanup(func() {
		for _, p := range procs {
			_ = p.Process.Kill()
		}
	})
	waitFor := func(what string, cond func(map[int]int) bool) {
		t0 := time.Now()
		for !cond(run.load()) {
			if time.Since(t0) > 30*time.Second {
				require.FailNow(t, "timed out waiting: "+what, "ownership %v", run.load())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	chat := chatmsg.New(okayapitest.NewClient(t, srv))
	sendCtx, stopSending := context.WithCancel(context.Background())
	sent := make(chan int)
	go func() {
		n := 0
		defer func() { sent <- n }()
		for sendCtx.Err() == nil {
			time.Sleep(50 * time.Millisecond)
			if _, err := chat.Send(context.Background(), sender, members[rand.IntN(nMembers)].UUID, chatmsg.Text{Content: fmt.Sprint("message ", n)}); err == nil {
				n++
			}
		}
	}()
	even := func(l map[int]int) bool { return l[0] == nMembers/2 && l[1] == nMembers/2 }
	waitFor("10 members each", even)
	time.Sleep(time.Second)

	seq := func() int {
		run.mu.Lock()
		defer run.mu.Unlock()
		return run.seq
	}
	require.NoError(t, procs[0].Process.Signal(syscall.SIGSTOP))
	paused := seq()
	pausedAt := time.Now()
	waitFor("the paused process's members taken over", func(l map[int]int) bool { return l[1] == nMembers })
	taken := time.Since(pausedAt)
	time.Sleep(3*ttl - taken)
	require.NoError(t, procs[0].Process.Signal(syscall.SIGCONT))
	resumed := seq()
	waitFor("10 members each again", even)
	time.Sleep(time.Second)
	stopSending()
	nSent := <-sent

	var want []chatmsgtest.StoredMessage
	for _, m := range plugin.Messages() {
		if !strings.EqualFold(m.From, sender.UUID) {
			continue
		}
		want = append(want, m)
	}
	missing := func() (n int) {
		run.mu.Lock()
		defer run.mu.Unlock()
		for _, m := range want {
			if len(run.handled[m.ID]) == 0 {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(30 * time.Second); missing() > 0 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	for _, p := range procs {
		_ = p.Process.Signal(syscall.SIGTERM)
		_ = p.Wait()
	}
	readers.Wait()

	var twice, window, afterResume int
	run.mu.Lock()
	for _, m := range want {
		h := run.handled[m.ID]
		if len(h) < 2 {
			continue
		}
		twice++
		idx := run.member[strings.ToUpper(m.To)]
		ok := false
		if len(h) == 2 && h[0].proc != h[1].proc {
			for _, x := range h {
				if x.proc != 0 {
					continue
				}
				if x.seq < paused && run.lastOf[[2]int64{0, idx}] == x.seq {
					ok = true // its last before the pause: the crash window
					window++
				} else if x.seq > resumed {
					ok = true // after resuming, before its renewal said the lease was gone
					afterResume++
				}
			}
		}
		if !ok {
			t.Errorf("message %d to member %d handled %d times: %v", m.ID, idx, len(h), h)
		}
	}
	run.mu.Unlock()
	lost := missing()
	run.mu.Lock()
	found := run.lost[0]
	run.mu.Unlock()
	t.Logf("2 watchers over %d members, one paused %v (lease TTL %v, taken over after %v; it found %d leases lost on resuming): %d messages, %d lost, %d handled twice (%d its last before the pause, %d after resuming)",
		nMembers, 3*ttl, ttl, taken.Round(time.Millisecond), found, nSent, lost, twice, window, afterResume)
	assert.GreaterOrEqual(t, found, nMembers/2, "the paused process did not find each of its leases lost")
	assert.Equal(t, nSent, len(want))
	assert.Zero(t, lost)
}

// TestGroupRedisOutage: Redis stops answering (SIGSTOP) for longer than the
// lease TTL: the instance stops its watches by itself (their leases may be
// someone else's by then) and reports that Redis is unavailable; once Redis
// answers again (its leases expired meanwhile) it takes its members again
// and handles what arrived meanwhile, from the cursors it saved: nothing
// lost, nothing twice.
func TestGroupRedisOutage(t *testing.T) {
	t.Parallel()
	const ttl = 900 * time.Millisecond
	rsrv, err := startRedis("")
	require.NoError(t, err)
	t.Cleanup(func() { rsrv.stop() })
	rdb := redis.NewClient(&redis.Options{Addr: rsrv.addr, MaxRetries: -1, DialerRetries: 1, DialTimeout: 100 * time.Millisecond,
		ReadTimeout: 150 * time.Millisecond, WriteTimeout: 150 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })

	srv, plugin := chatmsgtest.NewServer(t)
	sender := srv.AddMember(okayapitest.Account{Username: "sender"})
	var members []okayapi.Member
	for i := range 5 {
		members = append(members, srv.AddMember(okayapitest.Account{Username: fmt.Sprint("m", i)}))
	}
	chat := chatmsg.New(okayapitest.NewClient(t, srv))
	var mu sync.Mutex
	handled := map[int64]int{}
	var unavailable int
	g, err := NewGroup(rdb, chat, members, GroupOptions{Prefix: testPrefix(t), LeaseTTL: ttl,
		Watch: watch.Options{MinInterval: 50 * time.Millisecond, MaxInterval: 200 * time.Millisecond},
		OnError: func(_ string, err error) {
			mu.Lock()
			defer mu.Unlock()
			if strings.Contains(err.Error(), "Redis unavailable") {
				unavailable++
			}
		}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = g.Run(ctx, func(_ context.Context, ev watch.Event) {
			mu.Lock()
			defer mu.Unlock()
			handled[ev.Message.ID]++
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	send := func(text string) {
		for _, m := range members {
			_, err := chat.Send(context.Background(), sender, m.UUID, chatmsg.Text{Content: text})
			require.NoError(t, err)
		}
	}
	allHandled := func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range plugin.Messages() {
			if handled[m.ID] == 0 {
				return false
			}
		}
		return true
	}
	require.Eventually(t, func() bool { return len(g.Owned()) == len(members) }, 10*time.Second, 10*time.Millisecond)
	send("before")
	require.Eventually(t, allHandled, 10*time.Second, 10*time.Millisecond)

	require.NoError(t, rsrv.cmd.Process.Signal(syscall.SIGSTOP))
	require.Eventually(t, func() bool { return len(g.Owned()) == 0 }, 3*ttl, 10*time.Millisecond,
		"the watches went on without a lease")
	send("during")
	time.Sleep(ttl) // the leases expire meanwhile
	require.NoError(t, rsrv.cmd.Process.Signal(syscall.SIGCONT))
	require.Eventually(t, func() bool { return len(g.Owned()) == len(members) }, 10*time.Second, 10*time.Millisecond)
	require.Eventually(t, allHandled, 10*time.Second, 10*time.Millisecond, "what arrived during the outage")
	send("after")
	require.Eventually(t, allHandled, 10*time.Second, 10*time.Millisecond)
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	assert.Positive(t, unavailable, "no error said Redis was unavailable")
	for id, n := range handled {
		assert.Equal(t, 1, n, "message %d", id)
	}
}
