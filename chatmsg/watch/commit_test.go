package watch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/chatmsg/watch"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

var errStoreDown = errors.New("the store is down")

// failingStore is a memory store whose first fails Saves fail.
type failingStore struct {
	watch.Store
	fails atomic.Int32
}

func (s *failingStore) Save(ctx context.Context, member string, c []byte) error {
	if s.fails.Add(-1) >= 0 {
		return errStoreDown
	}
	return s.Store.Save(ctx, member, c)
}

// ended reports whether the watch's loop is over.
func (r *watchRun) ended() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// TestWatchGoesOnAfterTheStoreFails: a Save that fails is reported, not
// final, and the member's watch goes on: a message that arrives after it
// is yielded.
func TestWatchGoesOnAfterTheStoreFails(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	store := &failingStore{Store: watch.NewMemoryStore()}
	store.fails.Store(1) // the first poll's, which saves the new cursor
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{Store: store}), nil)
	require.Eventually(t, func() bool { _, errs := r.snapshot(); return len(errs) > 0 || r.ended() }, 10*time.Second, time.Millisecond)
	w.sendN(t, w.bob, w.alice, 1, "after")
	require.Eventually(t, func() bool { return len(r.ids()) > 0 || r.ended() }, 10*time.Second, time.Millisecond)
	require.False(t, r.ended(), "the watch went on")
	r.stop(t)
	assert.Equal(t, w.inbox(w.alice, false), r.ids())
	_, errs := r.snapshot()
	require.Len(t, errs, 2, "the store's; then the context's")
	we := watchErr(t, errs[0])
	assert.ErrorIs(t, we, errStoreDown)
	assert.Equal(t, w.alice.UUID, we.Member)
	assert.False(t, we.Final())
}

// TestWatchGoesOnAfterMarkReadFails: a MarkAsReaded that fails is
// reported, not final, and the watch goes on in the same poll: the
// messages after it are yielded before the next poll, each once.
func TestWatchGoesOnAfterMarkReadFails(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	w.sendN(t, w.bob, w.alice, 3, "m")
	w.srv.InjectFault(chatmsg.ServiceMarkAsReaded, "html502", 1)
	var pollsSeen []int
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{MarkRead: true}), func(watch.Event) bool {
		pollsSeen = append(pollsSeen, polls(w.srv, w.alice))
		return true
	})
	r.waitEvents(t, 3)
	r.stop(t)
	assert.Equal(t, w.inbox(w.alice, false), r.ids())
	assert.Equal(t, []int{1, 1, 1}, pollsSeen, "all three in the first poll")
	_, errs := r.snapshot()
	require.Len(t, errs, 2, "the mark's; then the context's")
	we := watchErr(t, errs[0])
	assert.ErrorAs(t, we, new(*okayapi.TransportError))
	assert.False(t, we.Final())
	var read []bool
	for _, m := range w.plugin.Messages() {
		read = append(read, m.Read)
	}
	assert.Equal(t, []bool{false, true, true}, read, "the first mark failed")
}

// TestWatchEndsAMemberWhoseMarkReadIsRefused: a member logged out while a
// message is handled (MarkAsReaded answers 401) is no longer watched: one
// final error, nothing more for that member, and a watch of that member
// alone ends by itself.
func TestWatchEndsAMemberWhoseMarkReadIsRefused(t *testing.T) {
	t.Parallel()
	w := newWatchWorld(t)
	w.sendN(t, w.bob, w.alice, 2, "m")
	w.sendN(t, w.carol, w.alice, 1, "m")
	r := startWatch(t, w.chat, []okayapi.Member{w.alice}, fastWatch(watch.Options{MarkRead: true}), func(watch.Event) bool {
		w.srv.ExpireToken(w.alice.UUID)
		return true
	})
	r.wait(t)
	events, errs := r.snapshot()
	assert.Len(t, events, 1)
	require.Len(t, errs, 1, "one final error: %v", errs)
	we := watchErr(t, errs[0])
	assert.ErrorIs(t, we, okayapi.ErrNotLoggedIn)
	assert.True(t, we.MemberEnded)
}

// holdRT answers a chat-list read of any member but pass only once the
// call's context has ended, with the answer the service gave: as a service
// whose answer arrives just as the watch is left.
type holdRT struct {
	pass string
	held atomic.Int32
}

func (h *holdRT) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Query().Get("s") != chatmsg.ServiceGetAllChatList {
		return http.DefaultTransport.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	out := req.Clone(context.WithoutCancel(req.Context()))
	out.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil || bytes.Contains(body, []byte(h.pass)) || strings.Contains(req.URL.RawQuery, h.pass) {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	h.held.Add(1)
	<-req.Context().Done()
	return resp, nil
}

// TestWatchEndsWhileAnswersArrive: leaving the loop while other members'
// answers are still arriving, answers that each bring something to report
// (a row the watch passes over), ends the watch: what they report after
// the loop is over is dropped, and Run returns.
func TestWatchEndsWhileAnswersArrive(t *testing.T) {
	t.Parallel()
	srv, plugin := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	others := make([]okayapi.Member, 12) // each reports at the loop's end or not, at random: all must be dropped
	for i := range others {
		others[i] = srv.AddMember(okayapitest.Account{})
		plugin.Store(chatmsgtest.StoredMessage{From: "system", To: others[i].UUID, Data: json.RawMessage(`{"content":"welcome"}`)})
	}
	plugin.Store(chatmsgtest.StoredMessage{From: bob.UUID, To: alice.UUID, Data: json.RawMessage(`{"content":"hi"}`)})
	hold := &holdRT{pass: alice.UUID}
	chat := chatmsg.New(okayapitest.NewClient(t, srv, okayapi.WithRetries(0, 0, 0), okayapi.WithHTTPClient(&http.Client{Transport: hold})))
	members := append([]okayapi.Member{alice}, others...)
	r := startWatch(t, chat, members, fastWatch(watch.Options{Concurrency: len(members)}), func(watch.Event) bool {
		assert.Eventually(t, func() bool { return hold.held.Load() == int32(len(others)) }, 10*time.Second, time.Millisecond)
		return false // leave while every other member's answer is on its way
	})
	r.wait(t)
	events, errs := r.snapshot()
	assert.Len(t, events, 1)
	assert.Empty(t, errs, "nothing reported after the loop")
}
