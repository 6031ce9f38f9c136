package watch_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/chatmsg/watch"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// countingRT counts the requests that go out.
type countingRT struct{ n atomic.Int64 }

func (c *countingRT) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(req)
}

// envInt is the environment variable name as an int, or def.
func envInt(tb testing.TB, name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(tb, err, name)
		return n
	}
	return def
}

// BenchmarkWatchManyMembers watches 10,000 idle members (OKAYAPI_BENCH_MEMBERS)
// in one process against the fake, each polled every 10 s, within a budget
// of 1,200 requests a second, and reports the watch's goroutines, requests a
// second (the peak 1-second window and the mean), the delay from Send to
// the loop's body for messages to random members once the watch is idle,
// and the heap per member. One run takes about 35 s; -benchtime is ignored.
func BenchmarkWatchManyMembers(b *testing.B) {
	members := envInt(b, "OKAYAPI_BENCH_MEMBERS", 10000)
	interval := 10 * time.Second
	srv, _ := chatmsgtest.NewServer(b, okayapitest.WithMaxRequests(100))
	ms := make([]okayapi.Member, members)
	for i := range ms {
		ms[i] = srv.AddMember(okayapitest.Account{})
	}
	sender := srv.AddMember(okayapitest.Account{})
	counter := &countingRT{}
	transport := &http.Client{Transport: counter}
	chat := chatmsg.New(okayapitest.NewClient(b, srv, okayapi.WithRetries(0, 0, 0), okayapi.WithHTTPClient(transport)))
	send := chatmsg.New(okayapitest.NewClient(b, srv))

	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	g0 := runtime.NumGoroutine()

	var mu sync.Mutex
	sentAt := map[string]time.Time{}
	var delays []time.Duration
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	opts := watch.Options{MinInterval: interval, MaxInterval: interval, Concurrency: 8, Rate: 1200}
	go func() {
		defer close(done)
		for ev, err := range watch.Run(ctx, chat, ms, opts) {
			if err != nil {
				continue
			}
			text := ev.Message.Message.(chatmsg.Text).Content
			mu.Lock()
			delays = append(delays, time.Since(sentAt[text]))
			mu.Unlock()
		}
	}()

	// Sample the request count every 100 ms, and the goroutines.
	type sample struct {
		at time.Time
		n  int64
	}
	var samples []sample
	peakG := 0
	sampleUntil := func(end time.Time) {
		for time.Now().Before(end) {
			samples = append(samples, sample{time.Now(), counter.n.Load()})
			peakG = max(peakG, runtime.NumGoroutine()-g0)
			time.Sleep(100 * time.Millisecond)
		}
	}
	start := time.Now()
	sampleUntil(start.Add(interval + interval/2)) // every member polled once: idle
	runtime.GC()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)

	// Messages to random members at random moments of their cycle.
	const pings = 40
	stop := make(chan struct{})
	var pinger sync.WaitGroup
	pinger.Add(1)
	go func() {
		defer pinger.Done()
		for i := range pings {
			select {
			case <-stop:
				return
			case <-time.After(interval / pings):
			}
			text := fmt.Sprint("ping ", i)
			mu.Lock()
			sentAt[text] = time.Now()
			mu.Unlock()
			if _, err := send.Send(context.Background(), sender, ms[(i*7919)%members].UUID, chatmsg.Text{Content: text}); err != nil {
				b.Error(err)
			}
		}
	}()
	sampleUntil(time.Now().Add(2*interval + interval/5))
	close(stop)
	pinger.Wait()
	cancel()
	<-done
	elapsed := time.Since(start)

	// Requests a second: the busiest 1-second window, and the mean.
	peak := int64(0)
	for i, s := range samples {
		for j := i + 1; j < len(samples); j++ {
			if samples[j].at.Sub(s.at) >= time.Second {
				peak = max(peak, samples[j].n-s.n)
				break
			}
		}
	}
	total := samples[len(samples)-1].n
	mu.Lock()
	slices.Sort(delays)
	got := len(delays)
	var p50, p99 time.Duration
	if got > 0 {
		p50, p99 = delays[got/2], delays[min(got-1, got*99/100)]
	}
	mu.Unlock()
	b.ReportMetric(float64(members), "members")
	b.ReportMetric(float64(peakG), "goroutines")
	b.ReportMetric(float64(peak), "req/s-peak")
	b.ReportMetric(float64(total)/samples[len(samples)-1].at.Sub(start).Seconds(), "req/s-mean")
	b.ReportMetric(p50.Seconds(), "s-delay-p50")
	b.ReportMetric(p99.Seconds(), "s-delay-p99")
	b.ReportMetric(float64(got), "delivered")
	b.ReportMetric(float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc))/float64(members), "B/member")
	b.ReportMetric(0, "ns/op")
	b.Logf("%d members, %v interval, %v: %d requests", members, interval, elapsed.Round(time.Second), total)
}
