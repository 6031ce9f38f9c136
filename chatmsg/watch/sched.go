package watch

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// schedule polls the watchers with a pool of opts.Concurrency goroutines
// until every one has stopped or ctx ends; it returns when its pollers have.
// A watcher waits in a queue ordered by when its next poll is due: the
// first polls are spread evenly over MinInterval, and each next one comes
// its interval (±10%) after the last, so that members never poll in step.
func schedule(ctx context.Context, watchers []*watcher, opts *Options) {
	work := make(chan *watcher)
	done := make(chan *watcher, opts.Concurrency)
	var wg sync.WaitGroup
	for range min(opts.Concurrency, len(watchers)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for w := range work {
				w.last = w.pollOnce()
				done <- w
			}
		}()
	}
	defer func() {
		// Pollers still busy report to done as they finish: take those
		// reports until every poller has returned, whatever done holds.
		close(work)
		go func() {
			wg.Wait()
			close(done)
		}()
		for range done {
		}
	}()

	q := make(dueQueue, 0, len(watchers))
	now := time.Now()
	for i, w := range watchers {
		w.interval = opts.MinInterval
		w.due = now.Add(time.Duration(int64(opts.MinInterval) * int64(i) / int64(len(watchers))))
		q = append(q, w)
	}
	heap.Init(&q)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	busy := 0
	for len(q) > 0 || busy > 0 {
		var send chan *watcher
		var head *watcher
		var wake <-chan time.Time
		if len(q) > 0 && busy < cap(done) {
			head = q[0]
			if d := time.Until(head.due); d <= 0 {
				send = work
			} else {
				timer.Reset(d)
				wake = timer.C
			}
		}
		select {
		case send <- head:
			heap.Pop(&q)
			busy++
		case <-wake:
		case w := <-done:
			busy--
			if w.last == stopped {
				continue
			}
			switch w.last {
			case active:
				w.interval = opts.MinInterval
			default:
				w.interval = min(2*w.interval, opts.MaxInterval)
			}
			w.due = time.Now().Add(jitter(w.interval))
			heap.Push(&q, w)
		case <-ctx.Done():
			return
		}
	}
}

// dueQueue is a min-heap of watchers by due time.
type dueQueue []*watcher

func (q dueQueue) Len() int           { return len(q) }
func (q dueQueue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q dueQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *dueQueue) Push(x any)        { *q = append(*q, x.(*watcher)) }
func (q *dueQueue) Pop() any {
	old := *q
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return w
}
