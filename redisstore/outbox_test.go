package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/chatmsg/exactlyonce"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeMessage: every kind a send writes down comes back the same.
func TestDecodeMessage(t *testing.T) {
	t.Parallel()
	custom, err := chatmsg.NewCustom(map[string]any{"order": 12345678901234567, "x": []int{1, 2}})
	require.NoError(t, err)
	for _, m := range []chatmsg.Message{
		chatmsg.Text{Content: "hi 👋"},
		chatmsg.Text{Content: "with ext", Ext: map[string]any{"n": 12345678901234567, "s": "x"}},
		chatmsg.HTML{Content: "<b>hi</b>"},
		chatmsg.Image{URL: "https://example.com/a.png"},
		chatmsg.Link{URL: "https://example.com/", Ext: map[string]any{"title": "t"}},
		custom,
	} {
		typ, data, err := encodeMessage(m)
		require.NoError(t, err)
		back, err := decodeMessage(typ, data)
		require.NoError(t, err)
		typ2, again, err := encodeMessage(back)
		require.NoError(t, err)
		assert.Equal(t, typ, typ2)
		assert.JSONEq(t, string(data), string(again), "%T", m)
	}
}

// outboxConf is what the sender children of TestOutboxKilled are told.
type outboxConf struct {
	URL    string        `json:"url"`
	AppKey string        `json:"app_key"`
	Secret string        `json:"secret"`
	Prefix string        `json:"prefix"`
	Sender memberJSON    `json:"sender"`
	To     []memberJSON  `json:"to"`
	N      int           `json:"n"`
	TTL    time.Duration `json:"ttl"`
}

// outboxKey is the send key of the app's message i: derived from the app's
// own id of it, so that a process started again sends it under the same key.
func outboxKey(prefix string, i int) string {
	sum := sha256.Sum256([]byte(prefix + strconv.Itoa(i)))
	return hex.EncodeToString(sum[:16])
}

// outboxChild sends the messages n=0…N-1 through an Outbox, from where the
// last process got to (kept in Redis after each send), recovering pending
// sends at its start and every second; it exits 0 when all are sent and
// nothing is pending.
func outboxChild() int {
	var conf outboxConf
	b, err := os.ReadFile(os.Getenv("OUTBOX_CONF"))
	if err == nil {
		err = json.Unmarshal(b, &conf)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	client, err := okayapi.New(conf.URL, conf.AppKey, okayapi.WithSecret(conf.Secret),
		okayapi.WithTimeout(300*time.Millisecond), okayapi.WithRetries(2, 5*time.Millisecond, 20*time.Millisecond))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer client.Close()
	chat := chatmsg.New(client)
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv(addrEnv)})
	defer rdb.Close()
	ob, err := NewOutbox(rdb, chat, OutboxOptions{
		Prefix: conf.Prefix, ClaimTTL: conf.TTL, ExactlyOnce: exactlyonce.Config{Settle: 50 * time.Millisecond},
		Member: func(_ context.Context, uuid string) (okayapi.Member, error) {
			if strings.EqualFold(uuid, conf.Sender.UUID) {
				return okayapi.Member(conf.Sender), nil
			}
			return okayapi.Member{}, fmt.Errorf("unknown member %s", uuid)
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx := context.Background()
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go ob.RunRecovery(rctx, time.Second) // at start, and every second
	progress := conf.Prefix + "progress"
	i, _ := rdb.Get(ctx, progress).Int()
	for ; i < conf.N; i++ {
		msg := chatmsg.Text{Content: fmt.Sprint("n=", i)}
		for {
			_, err := ob.SendKey(ctx, okayapi.Member(conf.Sender), conf.To[i%len(conf.To)].UUID, msg, outboxKey(conf.Prefix, i))
			if err == nil || errors.Is(err, ErrClaimed) || okayapi.MayHaveArrived(err) {
				break // sent, or pending: the recovery pass finishes it
			}
			time.Sleep(10 * time.Millisecond) // surely not sent: the app tries again, same key
		}
		if err := rdb.Set(ctx, progress, i+1, 0).Err(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	for {
		n, err := ob.Pending(ctx)
		if err == nil && n == 0 {
			return 0
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestOutboxKilled: a process sends 500 messages through the outbox while
// the fake loses answers (after storing the message, or before) and the
// process is killed with SIGKILL at random moments, then started again;
// each message is stored exactly once: 0 duplicates, 0 losses.
func TestOutboxKilled(t *testing.T) {
	t.Parallel()
	heavy.Lock()
	defer heavy.Unlock()
	n := 500
	if s, err := strconv.Atoi(os.Getenv("REDISSTORE_OUTBOX_SENDS")); err == nil && s > 0 {
		n = s
	}
	srv, plugin := chatmsgtest.NewServer(t)
	sender := srv.AddMember(okayapitest.Account{Username: "sender"})
	var to []okayapi.Member
	for i := range 10 {
		to = append(to, srv.AddMember(okayapitest.Account{Username: fmt.Sprint("to", i)}))
	}
	conf := outboxConf{URL: srv.URL(), AppKey: srv.AppKey(), Secret: srv.Secret(), Prefix: testPrefix(t),
		Sender: memberJSON(sender), To: toJSON(to), N: n, TTL: 2 * time.Second}
	b, err := json.Marshal(conf)
	require.NoError(t, err)
	path := t.TempDir() + "/conf.json"
	require.NoError(t, os.WriteFile(path, b, 0o600))

	// Faults all along: one in every 6 calls to Send or TakeMessageList on
	// average, never piling up (one at most is waiting for a call).
	faults := []okayapitest.Fault{"drop-after", "reset-before", "html502",
		"exception", "503-after", "truncate", "stall", "504-after"}
	fctx, stopFaults := context.WithCancel(context.Background())
	var injected int
	var fwg sync.WaitGroup
	fwg.Add(1)
	go func() {
		defer fwg.Done()
		next := 0
		for fctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
			calls := 0
			for _, r := range srv.Requests() {
				if r.Service == "App.Market_ChatMessage.Send" || r.Service == "App.Market_ChatMessage.TakeMessageList" {
					calls++
				}
			}
			if calls < next {
				continue
			}
			svc := "App.Market_ChatMessage.Send"
			if rand.IntN(10) < 3 {
				svc = "App.Market_ChatMessage.TakeMessageList"
			}
			srv.InjectFault(svc, faults[rand.IntN(len(faults))], 1)
			injected++
			next = calls + 2 + rand.IntN(8)
		}
	}()

	// 15 processes killed at random moments, each 0.3 to 3 s after its
	// start; the 16th runs to the end (at most 5 minutes).
	t0 := time.Now()
	kills := 0
	for {
		cmd := childCmd("outbox", "OUTBOX_CONF="+path)
		require.NoError(t, cmd.Start())
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		life := 5 * time.Minute
		if kills < 15 {
			life = time.Duration(300+rand.IntN(2700)) * time.Millisecond
		}
		select {
		case err := <-done:
			require.NoError(t, err, "the sender failed")
		case <-time.After(life):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			if kills == 15 {
				progress, _ := newClient(t).Get(context.Background(), conf.Prefix+"progress").Result()
				pending, _ := newClient(t).ZCard(context.Background(), conf.Prefix+"outbox").Result()
				require.FailNow(t, "the sends did not finish within 5 minutes", "progress %s of %d, %d pending", progress, n, pending)
			}
			kills++
			continue
		}
		break
	}
	stopFaults()
	fwg.Wait()

	count := map[string]int{}
	for _, m := range plugin.Messages() {
		if strings.EqualFold(m.From, sender.UUID) {
			var d struct {
				Content string `json:"content"`
			}
			require.NoError(t, json.Unmarshal(m.Data, &d))
			count[d.Content]++
		}
	}
	var dups, lost int
	for i := range n {
		switch c := count[fmt.Sprint("n=", i)]; {
		case c == 0:
			lost++
		case c > 1:
			dups += c - 1
		}
	}
	t.Logf("outbox: %d sends in %v, %d SIGKILLs, %d faults injected: %d stored, %d duplicates, %d lost",
		n, time.Since(t0).Round(time.Millisecond), kills, injected, len(count), dups, lost)
	assert.Zero(t, dups, "duplicates")
	assert.Zero(t, lost, "losses")
	assert.Positive(t, kills)
}

// TestOutboxRecover: a send written down but not finished (its process died
// before sending, or after) is finished by a recovery pass once its claim
// has expired: sent once when it was not stored, found when it was.
func TestOutboxRecover(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, plugin := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	chat := chatmsg.New(okayapitest.NewClient(t, srv))
	rdb := newClient(t)
	ob, err := NewOutbox(rdb, chat, OutboxOptions{Prefix: testPrefix(t), ClaimTTL: 300 * time.Millisecond,
		Member: func(context.Context, string) (okayapi.Member, error) { return alice, nil }})
	require.NoError(t, err)
	// What a process killed right after writing the sends down leaves.
	before, after := randHex(16), randHex(16)
	for _, key := range []string{before, after} {
		_, data, _ := encodeMessage(chatmsg.Text{Content: "k=" + key})
		require.NoError(t, enqueueScript.Run(ctx, rdb, ob.keys(key), key, "dead", 300,
			"member", strings.ToUpper(alice.UUID), "to", strings.ToUpper(bob.UUID), "type", "text", "data", []byte(data)).Err())
	}
	// The second was sent before the process died.
	_, err = exactlyonce.Resume(ctx, chat, alice, bob.UUID, chatmsg.Text{Content: "k=" + after}, after, exactlyonce.Config{})
	require.NoError(t, err)

	r, err := ob.Recover(ctx)
	require.NoError(t, err)
	assert.Equal(t, Recovered{Pending: 2}, r, "claimed by the dead process still")
	time.Sleep(400 * time.Millisecond) // the dead process's claims expire
	r, err = ob.Recover(ctx)
	require.NoError(t, err)
	assert.Equal(t, Recovered{Found: 1, Sent: 1}, r)
	n, err := ob.Pending(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	require.Len(t, plugin.Messages(), 2, "each stored once")
}

// TestOutboxClaimed: a send key another process holds is not sent
// (ErrClaimed), and a message that fails its checks is refused before
// anything is written.
func TestOutboxClaimed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, plugin := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	chat := chatmsg.New(okayapitest.NewClient(t, srv))
	rdb := newClient(t)
	ob, err := NewOutbox(rdb, chat, OutboxOptions{Prefix: testPrefix(t)})
	require.NoError(t, err)
	key := randHex(16)
	require.NoError(t, rdb.Set(ctx, ob.claim(key), "another", time.Minute).Err())
	_, err = ob.SendKey(ctx, alice, bob.UUID, chatmsg.Text{Content: "hi"}, key)
	require.ErrorIs(t, err, ErrClaimed)
	_, err = ob.SendKey(ctx, alice, bob.UUID, chatmsg.Text{Content: "hi"}, "not a key")
	require.ErrorAs(t, err, new(*okayapi.InvalidParamError))
	_, err = ob.Send(ctx, alice, bob.UUID, chatmsg.Text{Content: " "})
	require.ErrorAs(t, err, new(*okayapi.InvalidParamError))
	assert.Empty(t, plugin.Messages())
	n, err := ob.Pending(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)

	res, err := ob.Send(ctx, alice, bob.UUID, chatmsg.Text{Content: "hi"})
	require.NoError(t, err)
	assert.Len(t, res.Key, 32)
	assert.Len(t, plugin.Messages(), 1)
	n, err = ob.Pending(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "a sent message is cleared")
}

// A send the service refused for certain (rate limited, answered 429
// before the call ran: nothing stored) is not left pending: the caller gets the service's error,
// and no recovery pass will send it later.
func TestOutboxCertainRefusalIsNotPending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, plugin := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	chat := chatmsg.New(okayapitest.NewClient(t, srv))
	ob, err := NewOutbox(newClient(t), chat, OutboxOptions{Prefix: testPrefix(t)})
	require.NoError(t, err)
	srv.InjectFault(chatmsg.ServiceSend, "429", 10)
	_, err = ob.Send(ctx, alice, bob.UUID, chatmsg.Text{Content: "hi"})
	require.ErrorIs(t, err, okayapi.ErrRateLimited)
	assert.NotErrorAs(t, err, new(*PendingError), "the outcome is known: nothing was sent")
	n, err := ob.Pending(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing is left for recovery to send")
	assert.Empty(t, plugin.Messages())
}
