package chatmsg_test

// The reliability soak: many goroutines send through a fake that misbehaves
// at random, then the fake's store is compared with what every call said.
// Short by default; OKAYAPI_SOAK_SENDS=60000 runs the long one (the README's
// Reliability section reports it).

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// soakFaults are the faults the soak injects, by name, into sends and reads.
var soakFaults = []string{
	"reset-before", "drop-after", "html502", "503-after", "504-after", "429", "429-retry-after",
	"stall", "truncate", "non-json", "exception", "exception-ret0", "exception-db",
	"redirect307", "store-then-redirect",
}

// soakResult is what one logical send reported.
type soakResult struct {
	once    bool   // sent exactly-once
	err     error  // nil: success
	id      int64  // the id reported, if any
	content string // unique: how the store is searched
	found   bool   // an exactly-once send found its lost message by reading
}

func TestSoak(t *testing.T) {
	t.Parallel()
	total := 400
	if v := os.Getenv("OKAYAPI_SOAK_SENDS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "OKAYAPI_SOAK_SENDS")
		total = n
	}
	var faults []okayapitest.Fault
	for _, name := range soakFaults {
		var f okayapitest.Fault
		require.NoError(t, f.UnmarshalText([]byte(name)), "fault %s", name)
		faults = append(faults, f)
	}

	srv, plugin := chatmsgtest.NewServer(t, okayapitest.WithMaxRequests(0))
	const members = 6
	var ms []okayapi.Member
	for i := range members {
		ms = append(ms, srv.AddMember(okayapitest.Account{Username: fmt.Sprint("m", i)}))
	}
	client := okayapitest.NewClient(t, srv,
		okayapi.WithRetries(2, time.Millisecond, 5*time.Millisecond),
		okayapi.WithTimeout(300*time.Millisecond)) // a stall costs this much
	plain := chatmsg.New(client)
	once := chatmsg.New(client, chatmsg.WithExactlyOnceConfig(chatmsg.ExactlyOnce{Settle: time.Millisecond, Horizon: 20 * time.Millisecond}))

	const workers = 8
	results := make([]soakResult, total)
	injected := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for i := w; i < total; i += workers {
				from, to := ms[rng.IntN(members)], ms[rng.IntN(members)]
				for to == from {
					to = ms[rng.IntN(members)]
				}
				if rng.IntN(10) < 4 { // 40% of calls meet a fault
					f := faults[rng.IntN(len(faults))]
					service := chatmsg.ServiceSend
					if rng.IntN(4) == 0 {
						service = chatmsg.ServiceTakeMessageList // the exactly-once checks fail too
					}
					srv.InjectFaultFor(service, f, 1)
					mu.Lock()
					injected[f.String()]++
					mu.Unlock()
				}
				r := soakResult{once: i%2 == 1, content: fmt.Sprintf("soak-%d", i)}
				send := plain.Send
				if r.once {
					send = once.SendOnce
				}
				res, err := send(context.Background(), from, to.UUID, chatmsg.Text{Content: r.content})
				r.err = err
				if err == nil {
					r.id, r.found = res.MessageID, res.Response == nil
				}
				results[i] = r
				if rng.IntN(8) == 0 { // reads in between: the newest page or two
					n := 0
					for _, err := range once.History(context.Background(), to, from.UUID, chatmsg.HistoryOptions{PerPage: 20}) {
						if n++; err != nil || n == 30 {
							break
						}
					}
				}
			}
		}()
	}
	wg.Wait()

	copies := map[string]int{}
	for _, m := range plugin.Messages() {
		var d struct {
			Content string `json:"content"`
		}
		require.NoError(t, json.Unmarshal(m.Data, &d))
		copies[d.Content]++
	}
	sendsOf := map[string]int{} // Send requests the server saw, by content
	for _, req := range srv.Requests() {
		if req.Service == chatmsg.ServiceSend {
			var d struct {
				Content string `json:"content"`
			}
			if json.Unmarshal([]byte(req.Form.Get("chat_message_data")), &d) == nil {
				sendsOf[d.Content]++
			}
		}
	}
	type tally struct {
		sends, ok, notDelivered, ambiguous, ambiguousStored, duplicates, losses, lies, onceViolations int
		foundByReading, sentAgain                                                                     int // exactly-once: how lost answers were resolved
	}
	var plainT, onceT tally
	for _, r := range results {
		n := copies[r.content]
		tl := &plainT
		if r.once {
			tl = &onceT
		}
		tl.sends++
		if r.found {
			tl.foundByReading++
		}
		if r.once && sendsOf[r.content] > 1 {
			tl.sentAgain++
		}
		if n > 1 {
			tl.duplicates++
			t.Errorf("%s stored %d times (once=%v, err=%v)", r.content, n, r.once, r.err)
		}
		switch {
		case r.err == nil:
			tl.ok++
			if n == 0 {
				tl.losses++
				t.Errorf("%s: success reported, nothing stored (once=%v)", r.content, r.once)
			}
			if r.once && n != 1 {
				tl.onceViolations++
			}
		case okayapi.MayHaveArrived(r.err):
			tl.ambiguous++
			if n > 0 {
				tl.ambiguousStored++
			}
		default:
			tl.notDelivered++
			if n > 0 {
				tl.lies++
				t.Errorf("%s: error says not delivered, but it was stored: %v", r.content, r.err)
			}
		}
	}
	var names []string
	for k := range injected {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		fmt.Fprintf(&b, " %s=%d", k, injected[k])
	}
	t.Logf("faults injected:%s", b.String())
	t.Logf("plain Send:        %+v", plainT)
	t.Logf("exactly-once Send: %+v", onceT)
	assert.Zero(t, plainT.duplicates+onceT.duplicates, "duplicates")
	assert.Zero(t, plainT.losses+onceT.losses, "silent losses")
	assert.Zero(t, plainT.lies+onceT.lies, "lies")
	assert.Zero(t, onceT.onceViolations, "exactly-once successes not stored exactly once")
	assert.Greater(t, plainT.ambiguous, 0, "the faults made some plain sends ambiguous")
	assert.Less(t, onceT.ambiguous, plainT.ambiguous, "exactly-once resolves most of them")
}
