package broadcast_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/broadcast"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/chatmsg/exactlyonce"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// audience is a fake app with a sender and n members.
func audience(t testing.TB, n int) (*chatmsg.Service, *okayapitest.Server, *chatmsgtest.Plugin, okayapi.Member, []string) {
	t.Helper()
	srv, plugin := chatmsgtest.NewServer(t)
	me := srv.AddMember(okayapitest.Account{Username: "sender"})
	to := make([]string, n)
	for i := range to {
		to[i] = srv.AddMember(okayapitest.Account{Username: fmt.Sprint("member", i)}).UUID
	}
	chat := chatmsg.New(okayapitest.NewClient(t, srv, okayapi.WithRetries(0, 0, 0)))
	return chat, srv, plugin, me, to
}

// TestBroadcastReachesEveryone: 450 members, in batches of at most 200: one
// outcome per recipient in the caller's order, each stored exactly once.
func TestBroadcastReachesEveryone(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, me, to := audience(t, 450)
	res, err := broadcast.Send(context.Background(), chat, me, to, chatmsg.Text{Content: "周末踢球吗？"}, broadcast.Options{})
	require.NoError(t, err)
	require.Len(t, res.Outcomes, 450)
	stored := map[string]int{}
	ids := map[string]int64{}
	for _, m := range plugin.Messages() {
		stored[m.To]++
		ids[m.To] = m.ID
	}
	for i, o := range res.Outcomes {
		assert.Equal(t, to[i], o.To, "the caller's order")
		assert.Equal(t, broadcast.Delivered, o.State)
		assert.Equal(t, 1, stored[strings.ToUpper(o.To)], "stored exactly once for %s", o.To)
		assert.Equal(t, ids[strings.ToUpper(o.To)], o.MessageID, "the id the service gave")
		assert.NoError(t, o.Err)
	}
	assert.Equal(t, 450, res.Count(broadcast.Delivered))
	multi := 0
	for _, r := range srv.Requests() {
		if r.Service == chatmsg.ServiceMultiSend {
			multi++
		}
	}
	assert.Equal(t, 3, multi, "200 + 200 + 50")
}

// TestBroadcastPartialFailure: a refused batch, a lost answer and a success
// are outcomes, each recipient's saying which, and the error sums them up.
func TestBroadcastPartialFailure(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, me, to := audience(t, 400)
	stranger := "0123456789ABCDEF0123456789ABCDEF" // not a member: the plugin refuses its batch (err_code 2)
	to = append(to, stranger)
	srv.InjectFault(chatmsg.ServiceMultiSend, "drop-after", 1) // one batch is stored, its answer lost
	res, err := broadcast.Send(context.Background(), chat, me, to, chatmsg.Text{Content: "hi"}, broadcast.Options{Concurrency: 1})
	require.Error(t, err)
	require.Len(t, res.Outcomes, 401)
	var be *broadcast.Error
	require.ErrorAs(t, err, &be)
	assert.Equal(t, 200, be.MaybeDelivered, "the first batch's answer was lost")
	assert.Equal(t, 200, be.Delivered)
	assert.Equal(t, 1, be.NotDelivered, "the stranger's batch was refused")
	assert.ErrorIs(t, err, chatmsg.ErrSendFailed)
	assert.ErrorIs(t, err, okayapi.ErrTransport)
	assert.True(t, okayapi.MayHaveArrived(err), "some may have been delivered")
	assert.Equal(t, broadcast.NotDelivered, res.Outcomes[400].State)
	assert.ErrorIs(t, res.Outcomes[400].Err, chatmsg.ErrSendFailed)
	for i := range 200 {
		assert.Equal(t, broadcast.MaybeDelivered, res.Outcomes[i].State)
		assert.True(t, okayapi.MayHaveArrived(res.Outcomes[i].Err))
	}
	assert.Len(t, plugin.Messages(), 400, "the lost answer's batch was stored; the refused one was not")
}

// TestBroadcastRefusesBadInputFirst: duplicates (ignoring case, across
// batches), a bad uuid and a bad message are refused before anything is sent.
func TestBroadcastRefusesBadInputFirst(t *testing.T) {
	t.Parallel()
	chat, srv, _, me, to := audience(t, 300)
	before := len(srv.Requests())
	dup := append(append([]string{}, to...), strings.ToLower(to[5]))
	for _, tc := range []struct {
		to    []string
		msg   chatmsg.Message
		field string
	}{
		{dup, chatmsg.Text{Content: "hi"}, "other_uuid[300]"},
		{append(append([]string{}, to...), "nope"), chatmsg.Text{Content: "hi"}, "other_uuid[300]"},
		{nil, chatmsg.Text{Content: "hi"}, "other_uuid"},
		{to, chatmsg.Text{Content: " "}, "chat_message_data.content"},
	} {
		_, err := broadcast.Send(context.Background(), chat, me, tc.to, tc.msg, broadcast.Options{})
		var ipe *okayapi.InvalidParamError
		require.ErrorAs(t, err, &ipe)
		assert.Equal(t, tc.field, ipe.Field)
	}
	assert.Equal(t, before, len(srv.Requests()), "nothing was sent")
}

// TestBroadcastConcurrencyIsBounded: never more batches in flight than asked.
func TestBroadcastConcurrencyIsBounded(t *testing.T) {
	t.Parallel()
	var inFlight, peak atomic.Int32
	svc, mock := newMockAPI(t, okayapi.QueryForm)
	var mu sync.Mutex
	mock.On(mock.serviceURL(chatmsg.ServiceMultiSend), func(*http.Request) (*http.Response, error) {
		n := inFlight.Add(1)
		mu.Lock()
		peak.Store(max(peak.Load(), n))
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		inFlight.Add(-1)
		return httpmock.NewStringResponse(200, `{"ret":200,"data":{"err_code":0,"err_msg":""},"msg":""}`), nil
	})
	to := make([]string, 2000)
	for i := range to {
		to[i] = fmt.Sprintf("%032X", i+1)
	}
	res, err := broadcast.Send(context.Background(), svc, replayMember(), to, chatmsg.Text{Content: "hi"}, broadcast.Options{Concurrency: 3})
	require.NoError(t, err)
	assert.Equal(t, 2000, res.Count(broadcast.Delivered))
	assert.LessOrEqual(t, peak.Load(), int32(3))
	assert.Len(t, mock.Calls(), 10)
}

// TestBroadcastStopsWhenTheContextEnds: batches not started are not sent,
// and say so.
func TestBroadcastStopsWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	svc, mock := newMockAPI(t, okayapi.QueryForm)
	ctx, cancel := context.WithCancel(context.Background())
	mock.On(mock.serviceURL(chatmsg.ServiceMultiSend), func(*http.Request) (*http.Response, error) {
		cancel() // the first batch's answer arrives as the caller gives up
		return httpmock.NewStringResponse(200, `{"ret":200,"data":{"err_code":0},"msg":""}`), nil
	})
	to := make([]string, 1000)
	for i := range to {
		to[i] = fmt.Sprintf("%032X", i+1)
	}
	res, err := broadcast.Send(ctx, svc, replayMember(), to, chatmsg.Text{Content: "hi"}, broadcast.Options{Concurrency: 1})
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
	// The first batch's answer races the cancellation: delivered, or lost.
	assert.Equal(t, 200, res.Count(broadcast.Delivered)+res.Count(broadcast.MaybeDelivered))
	assert.Equal(t, 800, res.Count(broadcast.NotDelivered), "the later batches were not sent")
	assert.Len(t, mock.Calls(), 1, "nothing else was sent")
}

// BenchmarkBroadcast10000: one message to 10,000 members of the fake, over
// loopback (the README's performance table reports it).
func BenchmarkBroadcast10000(b *testing.B) {
	chat, _, _, me, to := audience(b, 10000)
	msg := chatmsg.Text{Content: "周末踢球吗？"}
	b.ReportAllocs()
	for b.Loop() {
		res, err := broadcast.Send(context.Background(), chat, me, to, msg, broadcast.Options{})
		if err != nil || res.Count(broadcast.Delivered) != 10000 {
			b.Fatal(err)
		}
	}
}

// TestBroadcastOnlyMaybeDelivered: when the only failures are lost answers,
// the broadcast still fails, saying some may have been delivered.
func TestBroadcastOnlyMaybeDelivered(t *testing.T) {
	t.Parallel()
	chat, srv, _, me, to := audience(t, 250)
	srv.InjectFault(chatmsg.ServiceMultiSend, "drop-after", 1)
	res, err := broadcast.Send(context.Background(), chat, me, to, chatmsg.Text{Content: "hi"}, broadcast.Options{Concurrency: 1})
	var be *broadcast.Error
	require.ErrorAs(t, err, &be)
	assert.Equal(t, 200, be.MaybeDelivered)
	assert.Equal(t, 50, be.Delivered)
	assert.Zero(t, be.NotDelivered)
	assert.True(t, okayapi.MayHaveArrived(err))
	assert.Equal(t, 200, res.Count(broadcast.MaybeDelivered))
}

// TestBroadcastErrorPerFailedBatch: of three batches, the first and the
// last fail, each its own way; the error holds both, in order, and each
// recipient's outcome its own batch's error.
func TestBroadcastErrorPerFailedBatch(t *testing.T) {
	t.Parallel()
	svc, mock := newMockAPI(t, okayapi.QueryForm)
	var n atomic.Int32
	mock.On(mock.serviceURL(chatmsg.ServiceMultiSend), func(*http.Request) (*http.Response, error) {
		switch n.Add(1) {
		case 1:
			return httpmock.NewStringResponse(502, "<html><body>502 Bad Gateway</body></html>"), nil
		case 2:
			return httpmock.NewStringResponse(200, `{"ret":200,"data":{"err_code":0},"msg":""}`), nil
		}
		return httpmock.NewStringResponse(200, `{"ret":200,"data":{"err_code":2,"err_msg":"对方不存在"},"msg":""}`), nil
	})
	to := make([]string, 450)
	for i := range to {
		to[i] = fmt.Sprintf("%032X", i+1)
	}
	res, err := broadcast.Send(context.Background(), svc, replayMember(), to, chatmsg.Text{Content: "hi"}, broadcast.Options{Concurrency: 1})
	var be *broadcast.Error
	require.ErrorAs(t, err, &be)
	require.Len(t, be.Errs, 2, "one error per failed batch")
	assert.True(t, okayapi.MayHaveArrived(be.Errs[0]), "the first batch's answer was lost")
	assert.ErrorIs(t, be.Errs[1], chatmsg.ErrSendFailed, "the last batch was refused")
	assert.Equal(t, be.Errs[0], res.Outcomes[0].Err)
	assert.Equal(t, be.Errs[1], res.Outcomes[449].Err)
	assert.Equal(t, []int{200, 50, 200}, []int{be.MaybeDelivered, be.NotDelivered, be.Delivered})
}

// TestBroadcastOnceStopsWhenTheContextEnds: exactly-once, the caller gives
// up as the first batch's answer is lost: no check, no other batch — no
// request at all after the context ended; the first batch may have been
// delivered, the others were not, and the context's error is said once.
func TestBroadcastOnceStopsWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	svc, mock := newMockAPI(t, okayapi.QueryForm)
	ctx, cancel := context.WithCancel(context.Background())
	mock.On(mock.serviceURL(chatmsg.ServiceMultiSend), func(*http.Request) (*http.Response, error) {
		cancel()
		return httpmock.NewStringResponse(502, "<html><body>502 Bad Gateway</body></html>"), nil
	})
	to := make([]string, 1000)
	for i := range to {
		to[i] = fmt.Sprintf("%032X", i+1)
	}
	res, err := broadcast.Send(ctx, svc, replayMember(), to, chatmsg.Text{Content: "hi"}, broadcast.Options{Concurrency: 1, ExactlyOnce: &exactlyonce.Config{}})
	var be *broadcast.Error
	require.ErrorAs(t, err, &be)
	assert.Len(t, mock.Calls(), 1, "nothing after the context ended")
	assert.Equal(t, 200, res.Count(broadcast.MaybeDelivered))
	assert.Equal(t, 800, res.Count(broadcast.NotDelivered))
	assert.ErrorIs(t, res.Outcomes[999].Err, context.Canceled)
	require.Len(t, be.Errs, 2, "the first batch's error, and the context's once: %v", be.Errs)
	assert.True(t, okayapi.MayHaveArrived(be.Errs[0]))
	assert.Equal(t, context.Canceled, be.Errs[1])
}
