package redisstore

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// limiterSoak is how long the multi-process limiter test runs: 10 s, or
// $REDISSTORE_LIMITER_SECONDS.
func limiterSoak() time.Duration {
	if s, err := strconv.Atoi(os.Getenv("REDISSTORE_LIMITER_SECONDS")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 10 * time.Second
}

// limiterReport is what a limiter child prints: how many slots its
// goroutines got, and the errors that were not the end of the run.
type limiterReport struct {
	Granted int64 `json:"granted"`
	Errors  int64 `json:"errors"`
}

// limiterChild runs 16 goroutines taking slots of the limiter named by the
// environment until the agreed end time, and prints a limiterReport.
func limiterChild() int {
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv(addrEnv)})
	defer rdb.Close()
	rate, _ := strconv.ParseFloat(os.Getenv("LIM_RATE"), 64)
	l, err := NewLimiter(rdb, os.Getenv("LIM_KEY"), rate, envInt("LIM_BURST"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// Ready; then the parent writes the start and end times (Unix ns),
	// once every child is ready.
	fmt.Println("ready")
	var start, end int64
	if _, err := fmt.Scan(&start, &end); err != nil {
		fmt.Fprintln(os.Stderr, "reading the start:", err)
		return 1
	}
	time.Sleep(time.Until(time.Unix(0, start)))
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, end))
	defer cancel()
	var rep limiterReport
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				err := l.Wait(ctx)
				if errors.Is(err, context.DeadlineExceeded) {
					return // the next slot is past the end
				}
				if err != nil {
					atomic.AddInt64(&rep.Errors, 1)
					fmt.Fprintln(os.Stderr, err)
					time.Sleep(10 * time.Millisecond)
					continue
				}
				atomic.AddInt64(&rep.Granted, 1)
			}
		}()
	}
	wg.Wait()
	_ = json.NewEncoder(os.Stdout).Encode(rep)
	return 0
}

// TestLimiterManyProcesses: 4 processes × 16 goroutines against one limit of
// 200 a second with a burst of 10, for 10 s: the total within 5% of the
// limit, and each process gets at least half of its fair share.
func TestLimiterManyProcesses(t *testing.T) {
	t.Parallel()
	heavy.Lock()
	defer heavy.Unlock()
	const procs, rate, burst = 4, 200.0, 10
	d := limiterSoak()
	key := testPrefix(t) + "limit"
	outs := make([]*bufio.Reader, procs)
	var cmds []*exec.Cmd
	var ins []io.WriteCloser
	for i := range procs {
		cmd := childCmd("limiter", "LIM_KEY="+key, fmt.Sprint("LIM_RATE=", rate), fmt.Sprint("LIM_BURST=", burst))
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		in, err := cmd.StdinPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill() })
		outs[i] = bufio.NewReader(out)
		cmds, ins = append(cmds, cmd), append(ins, in)
	}
	for i := range procs { // every child started and connected: the same start for all
		line, err := outs[i].ReadString('\n')
		require.NoError(t, err, "child %d", i)
		require.Equal(t, "ready\n", line)
	}
	start := time.Now().Add(200 * time.Millisecond)
	end := start.Add(d)
	for _, in := range ins {
		_, err := fmt.Fprintln(in, start.UnixNano(), end.UnixNano())
		require.NoError(t, err)
		in.Close()
	}
	var total int64
	per := make([]int64, procs)
	for i, cmd := range cmds {
		rest, err := io.ReadAll(outs[i])
		require.NoError(t, err)
		require.NoError(t, cmd.Wait(), "child %d", i)
		var rep limiterReport
		require.NoError(t, json.Unmarshal(rest, &rep), "child %d printed %q", i, rest)
		assert.Zero(t, rep.Errors, "child %d", i)
		per[i] = rep.Granted
		total += rep.Granted
	}
	want := rate * d.Seconds()
	got := float64(total - burst) // the first burst comes on top of the rate
	t.Logf("limiter: %d processes × 16 goroutines, limit %.0f/s burst %d, %v: %d granted (%.1f/s after the burst, %+.2f%% of the limit), per process %v",
		procs, rate, burst, d, total, got/d.Seconds(), 100*(got-want)/want, per)
	assert.InDelta(t, want, got, 0.05*want, "total rate off the limit by more than 5%%")
	for i, n := range per {
		assert.GreaterOrEqual(t, float64(n), 0.5*float64(total)/procs, "process %d starved: %v", i, per)
	}
}

// TestLimiterRedisRestart: Redis dies and comes back, its state lost, twice
// (at once, then after 0.4 s), while 16 goroutines take slots of a 20/s limit (so slots are given
// out up to 0.8 s ahead): while it is down every Wait fails with an error
// that says Redis is unavailable; no second of the whole run, across the
// restart too, has more than the limit and a burst (no stampede: the slots
// given before the restart are kept to), and after it the rate is the
// limit again.
func TestLimiterRedisRestart(t *testing.T) {
	t.Parallel()
	const rate, burst, workers = 20.0, 5, 16
	srv, err := startRedis("")
	require.NoError(t, err)
	t.Cleanup(func() { srv.stop() }) // the one running at the end
	rdb := redis.NewClient(&redis.Options{Addr: srv.addr, MaxRetries: 1, DialerRetries: 1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	l, err := NewLimiter(rdb, testPrefix(t)+"limit", rate, burst)
	require.NoError(t, err)

	var mu sync.Mutex
	var grants []time.Time
	var errs []error
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				wctx, wcancel := context.WithTimeout(ctx, 3*time.Second)
				err := l.Wait(wctx)
				wcancel()
				mu.Lock()
				if err == nil {
					grants = append(grants, time.Now())
				} else if ctx.Err() == nil {
					errs = append(errs, err)
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(20 * time.Millisecond) // what a caller does after a failed call
				}
			}
		}()
	}
	count := func(from, to time.Time) (n int) {
		mu.Lock()
		defer mu.Unlock()
		for _, g := range grants {
			if !g.Before(from) && g.Before(to) {
				n++
			}
		}
		return n
	}
	start := time.Now()
	time.Sleep(1500 * time.Millisecond)
	srv.stop() // a quick restart, while slots are given out 0.8 s ahead
	srv, err = startRedis(srv.addr)
	require.NoError(t, err)
	quick := time.Now()
	time.Sleep(1500 * time.Millisecond)
	srv.stop() // a longer outage: calls fail meanwhile
	time.Sleep(400 * time.Millisecond)
	srv, err = startRedis(srv.addr)
	require.NoError(t, err)
	back := time.Now()
	time.Sleep(3 * time.Second)
	cancel()
	wg.Wait()
	end := time.Now()

	mu.Lock()
	outageErrs := len(errs)
	var unavailable int
	for _, e := range errs {
		if strings.Contains(e.Error(), "Redis unavailable, the request was not sent") {
			unavailable++
		}
	}
	mu.Unlock()
	var worst int
	var worstAt time.Duration
	for from := start; from.Add(time.Second).Before(end); from = from.Add(20 * time.Millisecond) {
		if n := count(from, from.Add(time.Second)); n > worst {
			worst, worstAt = n, from.Sub(start)
		}
	}
	after := count(back.Add(2*time.Second), back.Add(3*time.Second))
	t.Logf("limiter across Redis restarts at %v and %v: %d errors while down (%d saying Redis is unavailable), busiest second %d at %v (limit %.0f, burst %d), the third second after the restart %d",
		quick.Sub(start).Round(time.Millisecond), back.Sub(start).Round(time.Millisecond), outageErrs, unavailable, worst, worstAt.Round(time.Millisecond), rate, burst, after)
	assert.Positive(t, outageErrs, "no error while Redis was down")
	assert.Equal(t, outageErrs, unavailable, "every error says Redis is unavailable")
	assert.LessOrEqual(t, worst, int(rate)+burst+3, "more than the limit and a burst (and 3 for late timers) in one second: a stampede")
	assert.InDelta(t, rate, after, 0.15*rate, "the rate once Redis is back")
}

// TestLimiterDeadline: a Wait whose context would end before its slot fails
// at once with context.DeadlineExceeded and reserves nothing; a cancelled
// context fails before Redis is asked; bad settings are refused.
func TestLimiterDeadline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newClient(t)
	key := testPrefix(t) + "limit"
	l, err := NewLimiter(rdb, key, 1, 1)
	require.NoError(t, err)
	require.NoError(t, l.Wait(ctx)) // the burst
	tat, err := rdb.Get(ctx, key).Result()
	require.NoError(t, err)

	dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err = l.Wait(dctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "past the context's deadline")
	assert.NoError(t, dctx.Err(), "it waited for the deadline instead of failing at once")
	after, err := rdb.Get(ctx, key).Result()
	require.NoError(t, err)
	assert.Equal(t, tat, after, "a refused Wait reserved a slot")

	cctx, ccancel := context.WithCancel(ctx)
	ccancel()
	require.ErrorIs(t, l.Wait(cctx), context.Canceled)

	for _, bad := range [][2]float64{{0, 1}, {-1, 1}, {2e6, 1}, {1, 0}} {
		_, err := NewLimiter(rdb, key, bad[0], int(bad[1]))
		assert.Error(t, err, "%v", bad)
	}
	_, err = NewLimiter(rdb, "", 1, 1)
	assert.Error(t, err)
	assert.InDelta(t, 1.0, l.Rate(), 1e-9)
	assert.Equal(t, 1, l.Burst())
}
