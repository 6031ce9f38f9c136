package broadcast_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

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

// TestBroadcastWholeBatches: an audience of exactly two batches is sent in
// two requests, and nothing else: no empty third batch, no error.
func TestBroadcastWholeBatches(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, me, to := audience(t, 2*chatmsg.MaxRecipients)
	res, err := broadcast.Send(context.Background(), chat, me, to, chatmsg.Text{Content: "hi"}, broadcast.Options{})
	require.NoError(t, err)
	assert.Equal(t, 2*chatmsg.MaxRecipients, res.Count(broadcast.Delivered))
	multi := 0
	for _, r := range srv.Requests() {
		if r.Service == chatmsg.ServiceMultiSend {
			multi++
		}
	}
	assert.Equal(t, 2, multi)
	assert.Len(t, plugin.Messages(), 2*chatmsg.MaxRecipients)
}

// TestBroadcastAllRefusedMayNotHaveArrived: when both batches of a
// two-batch audience are refused, the error holds their two refusals (no
// third, empty batch) and says no copy may have been delivered: a caller may
// send again.
func TestBroadcastAllRefusedMayNotHaveArrived(t *testing.T) {
	t.Parallel()
	svc, mock := newMockAPI(t, okayapi.QueryForm)
	mock.On(mock.serviceURL(chatmsg.ServiceMultiSend), func(*http.Request) (*http.Response, error) {
		return httpmock.NewStringResponse(200, `{"ret":200,"data":{"err_code":2,"err_msg":"对方不存在"},"msg":""}`), nil
	})
	to := make([]string, 2*chatmsg.MaxRecipients)
	for i := range to {
		to[i] = fmt.Sprintf("%032X", i+1)
	}
	res, err := broadcast.Send(context.Background(), svc, replayMember(), to, chatmsg.Text{Content: "hi"}, broadcast.Options{})
	var be *broadcast.Error
	require.ErrorAs(t, err, &be)
	require.Len(t, be.Errs, 2, "one refusal per batch")
	for _, e := range be.Errs {
		assert.ErrorIs(t, e, chatmsg.ErrSendFailed)
	}
	assert.Equal(t, []int{0, 400, 0}, []int{be.Delivered, be.NotDelivered, be.MaybeDelivered})
	assert.False(t, be.MayHaveArrived())
	assert.False(t, okayapi.MayHaveArrived(err))
	assert.Equal(t, 400, res.Count(broadcast.NotDelivered))
}

// customOfSize is a Custom message whose data is exactly n bytes of JSON.
func customOfSize(t *testing.T, n int) chatmsg.Message {
	t.Helper()
	pad := n - len(`{"p":""}`)
	msg := chatmsg.Custom{Object: json.RawMessage(`{"p":"` + strings.Repeat("x", pad) + `"}`)}
	return msg
}

// TestBroadcastSizeCheckCountsTheKeyOnlyWhenOnce: a message that fills the
// size cap is sent by a plain broadcast; under ExactlyOnce, where each batch
// also carries a send key, it is refused before anything is sent.
func TestBroadcastSizeCheckCountsTheKeyOnlyWhenOnce(t *testing.T) {
	t.Parallel()
	const maxSize = 512
	srv, plugin := chatmsgtest.NewServer(t)
	me := srv.AddMember(okayapitest.Account{Username: "sender"})
	to := []string{srv.AddMember(okayapitest.Account{Username: "a"}).UUID, srv.AddMember(okayapitest.Account{Username: "b"}).UUID}
	chat := chatmsg.New(okayapitest.NewClient(t, srv, okayapi.WithRetries(0, 0, 0)), chatmsg.WithMaxMessageSize(maxSize))
	msg := customOfSize(t, maxSize)
	require.NoError(t, chat.Check(msg), "the message fills the cap exactly")

	_, err := broadcast.Send(context.Background(), chat, me, to, msg, broadcast.Options{})
	require.NoError(t, err, "no key: the message fits")
	require.Len(t, plugin.Messages(), 2)

	before := len(srv.Requests())
	res, err := broadcast.Send(context.Background(), chat, me, to, msg, broadcast.Options{ExactlyOnce: &exactlyonce.Config{}})
	var ipe *okayapi.InvalidParamError
	require.ErrorAs(t, err, &ipe, "with the send key the message is over the cap")
	assert.Equal(t, "chat_message_data", ipe.Field)
	assert.Nil(t, res)
	assert.Equal(t, before, len(srv.Requests()), "nothing was sent")
}

// TestBroadcastErrorText: the error counts each outcome, shows the first
// batch error and how many more there are; a zero State is no outcome.
func TestBroadcastErrorText(t *testing.T) {
	t.Parallel()
	first, second := errors.New("first batch failed"), errors.New("second batch failed")
	e := &broadcast.Error{Delivered: 200, NotDelivered: 50, MaybeDelivered: 200}
	assert.Equal(t, "broadcast: 200 delivered, 50 not delivered, 200 may have been delivered", e.Error())
	e.Errs = []error{first}
	assert.Equal(t, "broadcast: 200 delivered, 50 not delivered, 200 may have been delivered: first batch failed", e.Error())
	e.Errs = []error{first, second, second}
	assert.Equal(t, "broadcast: 200 delivered, 50 not delivered, 200 may have been delivered: first batch failed (and 2 more batch errors)", e.Error())
	assert.ErrorIs(t, e, second)

	assert.Equal(t, []string{"State(0)", "delivered", "not delivered", "maybe delivered", "State(4)"},
		[]string{broadcast.State(0).String(), broadcast.Delivered.String(), broadcast.NotDelivered.String(), broadcast.MaybeDelivered.String(), broadcast.State(4).String()})
}
