package exactlyonce_test

// The reliability soak: many goroutines send through a fake that behaves
// like a hostile production stack — faults at random on sends and on the
// exactly-once checks, gateways that answer 502/503/504 at once while the
// backend stores later, a replica that shows stored messages late, rows of
// equal add_time in a new order on each read, perpage ignored — then the
// fake's store is compared with what every call said. Short by default;
// OKAYAPI_SOAK_SENDS=10000 runs the long one (the README's Reliability
// section reports it).

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
	"github.com/okayapi-go/sdk/chatmsg/broadcast"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/chatmsg/exactlyonce"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// soakFaults are the faults the soak injects, by name, into sends and reads.
var soakFaults = []string{
	"reset-before", "drop-after", "html502", "503-after", "504-after", "429", "429-retry-after",
	"stall", "truncate", "non-json", "exception", "exception-ret0", "exception-db",
	"redirect307", "store-then-redirect", "502-early", "503-early", "504-early",
}

// The soak's world: the backend stores soakBackendDelay after an early
// gateway answer, and the replica shows it soakLag later; soakHorizon
// covers both, with room for the machine's scheduling: on a loaded 2-core
// machine a backend's work starts 150 ms late and more (with a 500 ms
// horizon, a 10 000-send run stored 8 messages twice; traced in a 4 000-send
// run, the first copy was stored ~370 ms after the early answer and shown
// 200 ms later, after the last check: the assumption broken, as the doc
// says, not the SDK).
const (
	soakBackendDelay = 200 * time.Millisecond
	soakLag          = 200 * time.Millisecond
	soakHorizon      = time.Second
)

// soakKind is how a logical send is made.
type soakKind int

const (
	soakPlain     soakKind = iota // Send
	soakOnce                      // exactlyonce.Send
	soakBroadcast                 // broadcast.Send with ExactlyOnce, to 3 members
)

// soakResult is what one logical send reported.
type soakResult struct {
	kind     soakKind
	err      error               // nil: success
	id       int64               // the id reported, if any (Send, exactlyonce.Send)
	content  string              // unique: how the store is searched
	found    bool                // an exactly-once send found its lost message by reading
	outcomes []broadcast.Outcome // Broadcast's
}

// soakTally counts the outcomes of one kind of send.
type soakTally struct {
	sends, ok, notDelivered, ambiguous, ambiguousStored, duplicates, losses, lies, onceViolations int
	foundByReading, sentAgain                                                                     int // exactly-once: how lost answers were resolved
}

func TestSoak(t *testing.T) {
	t.Parallel()
	total := 240
	if v := os.Getenv("OKAYAPI_SOAK_SENDS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "OKAYAPI_SOAK_SENDS")
		total = n
	}
	var faults []okayapitest.Fault
	for _, name := range soakFaults {
		faults = append(faults, okayapitest.Fault(name)) // InjectFault checks it
	}

	srv, plugin := chatmsgtest.NewServer(t, okayapitest.WithMaxRequests(0), okayapitest.WithBackendDelay(soakBackendDelay))
	plugin.SetWorld(chatmsgtest.World{Lag: soakLag, ShuffleTies: true, PerPage: chatmsg.MaxPerPage})
	const members = 6
	var ms []okayapi.Member
	for i := range members {
		ms = append(ms, srv.AddMember(okayapitest.Account{Username: fmt.Sprint("m", i)}))
		plugin.Store(chatmsgtest.StoredMessage{From: "system", To: ms[i].UUID, Data: json.RawMessage(`{"content":"welcome"}`)})
	}
	client := okayapitest.NewClient(t, srv,
		okayapi.WithRetries(2, time.Millisecond, 5*time.Millisecond),
		okayapi.WithTimeout(300*time.Millisecond)) // a stall costs this much
	plain := chatmsg.New(client)
	cfg := exactlyonce.Config{Settle: time.Millisecond, Horizon: soakHorizon}

	const workers = 16 // exactly-once sends mostly wait out the horizon
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
				r := soakResult{kind: soakKind(i % 3), content: fmt.Sprintf("soak-%d", i)}
				perm := rng.Perm(members)
				from, to := ms[perm[0]], ms[perm[1]]
				if rng.IntN(10) < 4 { // 40% of calls meet a fault
					f := faults[rng.IntN(len(faults))]
					service := chatmsg.ServiceSend
					if r.kind == soakBroadcast {
						service = chatmsg.ServiceMultiSend
					}
					if rng.IntN(4) == 0 {
						service = chatmsg.ServiceTakeMessageList // the exactly-once checks fail too
					}
					srv.InjectFault(service, f, 1)
					mu.Lock()
					injected[string(f)]++
					mu.Unlock()
				}
				msg := chatmsg.Text{Content: r.content}
				switch r.kind {
				case soakPlain, soakOnce:
					send := plain.Send
					if r.kind == soakOnce {
						send = func(ctx context.Context, from okayapi.Member, to string, msg chatmsg.Message) (*chatmsg.SendResult, error) {
							return exactlyonce.Send(ctx, plain, from, to, msg, cfg)
						}
					}
					res, err := send(context.Background(), from, to.UUID, msg)
					r.err = err
					if err == nil {
						r.id, r.found = res.MessageID, res.Response == nil
					}
				case soakBroadcast:
					res, err := broadcast.Send(context.Background(), plain, from, []string{ms[perm[1]].UUID, ms[perm[2]].UUID, ms[perm[3]].UUID}, msg, broadcast.Options{ExactlyOnce: &cfg})
					r.err = err
					if res != nil {
						r.outcomes = res.Outcomes
					}
				}
				results[i] = r
				if rng.IntN(8) == 0 { // reads in between: the newest page or two
					n := 0
					for _, err := range plain.History(context.Background(), to, from.UUID, chatmsg.HistoryOptions{PerPage: 20}) {
						if n++; err != nil || n == 30 {
							break
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	srv.Drain() // the backend's late stores count too

	type copyKey struct{ content, to string }
	copies := map[copyKey]int{}
	for _, m := range plugin.Messages() {
		var d struct {
			Content string `json:"content"`
		}
		require.NoError(t, json.Unmarshal(m.Data, &d))
		copies[copyKey{d.Content, m.To}]++
	}
	sendsOf := map[string]int{} // Send and MultiSend requests the server saw, by content
	for _, req := range srv.Requests() {
		if req.Service == chatmsg.ServiceSend || req.Service == chatmsg.ServiceMultiSend {
			var d struct {
				Content string `json:"content"`
			}
			if json.Unmarshal([]byte(req.Form.Get("chat_message_data")), &d) == nil {
				sendsOf[d.Content]++
			}
		}
	}
	var tallies [3]soakTally // by soakKind; Broadcast's count recipients
	maybeEmpty := 0          // Broadcast MaybeDelivered outcomes with nothing stored
	for _, r := range results {
		tl := &tallies[r.kind]
		if r.kind == soakBroadcast {
			if sendsOf[r.content] > 1 {
				tl.sentAgain++
			}
			require.Len(t, r.outcomes, 3, "%s: one outcome per recipient", r.content)
			for _, o := range r.outcomes {
				n := copies[copyKey{r.content, strings.ToUpper(o.To)}]
				tl.sends++
				if n > 1 {
					tl.duplicates++
					t.Errorf("%s to %s stored %d times (%v)", r.content, o.To, n, o.State)
				}
				switch o.State {
				case broadcast.Delivered:
					tl.ok++
					if n == 0 {
						tl.losses++
						t.Errorf("%s to %s: delivered, nothing stored", r.content, o.To)
					}
					if n != 1 {
						tl.onceViolations++
					}
				case broadcast.MaybeDelivered:
					tl.ambiguous++
					if n > 0 {
						tl.ambiguousStored++
					} else {
						maybeEmpty++
					}
				default:
					tl.notDelivered++
					if n > 0 {
						tl.lies++
						t.Errorf("%s to %s: not delivered, but stored: %v", r.content, o.To, o.Err)
					}
				}
			}
			continue
		}
		n := 0
		for k, c := range copies {
			if k.content == r.content {
				n += c
			}
		}
		tl.sends++
		if r.found {
			tl.foundByReading++
		}
		if r.kind == soakOnce && sendsOf[r.content] > 1 {
			tl.sentAgain++
		}
		if n > 1 {
			tl.duplicates++
			t.Errorf("%s stored %d times (kind %d, err=%v)", r.content, n, r.kind, r.err)
		}
		switch {
		case r.err == nil:
			tl.ok++
			if n == 0 {
				tl.losses++
				t.Errorf("%s: success reported, nothing stored (kind %d)", r.content, r.kind)
			}
			if r.kind == soakOnce && n != 1 {
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
	t.Logf("world: backend delay %v, replica lag %v, horizon %v, ties shuffled, perpage ignored", soakBackendDelay, soakLag, soakHorizon)
	t.Logf("faults injected:%s", b.String())
	t.Logf("plain Send:                   %+v", tallies[soakPlain])
	t.Logf("exactly-once Send:            %+v", tallies[soakOnce])
	t.Logf("exactly-once Broadcast (per recipient): %+v; MaybeDelivered with nothing stored: %d", tallies[soakBroadcast], maybeEmpty)
	var dup, lost, lies int
	for _, tl := range tallies {
		dup, lost, lies = dup+tl.duplicates, lost+tl.losses, lies+tl.lies
	}
	assert.Zero(t, dup, "duplicates")
	assert.Zero(t, lost, "silent losses")
	assert.Zero(t, lies, "lies")
	assert.Zero(t, tallies[soakOnce].onceViolations+tallies[soakBroadcast].onceViolations, "exactly-once successes not stored exactly once")
	assert.Greater(t, tallies[soakPlain].ambiguous, 0, "the faults made some plain sends ambiguous")
	assert.Less(t, tallies[soakOnce].ambiguous, tallies[soakPlain].ambiguous, "exactly-once resolves most of them")
}
