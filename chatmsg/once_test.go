package chatmsg_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// fastOnce checks at once and waits only a little for late copies: the
// fake shows what it stored at once, unless a test says otherwise.
var fastOnce = chatmsg.ExactlyOnce{Settle: time.Millisecond, Horizon: 20 * time.Millisecond}

// onceWorld is a fake with alice and bob and a Service that sends exactly
// once (retries off, so faults are not hidden by them).
func onceWorld(t *testing.T) (*chatmsg.Service, *okayapitest.Server, *chatmsgtest.Plugin, okayapi.Member, okayapi.Member) {
	t.Helper()
	srv, plugin := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	chat := chatmsg.New(okayapitest.NewClient(t, srv, okayapi.WithRetries(0, 0, 0)), chatmsg.WithExactlyOnceConfig(fastOnce))
	return chat, srv, plugin, alice, bob
}

func countCalls(srv *okayapitest.Server, service string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Service == service {
			n++
		}
	}
	return n
}

// TestSendOnceAnswerLostAfterStoring: every first attempt's answer is lost
// after the message was stored; exactly-once Send finds it and returns the
// right id, and the service holds one copy.
func TestSendOnceAnswerLostAfterStoring(t *testing.T) {
	t.Parallel()
	for _, fault := range []okayapitest.Fault{okayapitest.FaultDropAfter, okayapitest.FaultException500, okayapitest.FaultTruncate, okayapitest.FaultStoreThenRedirect, okayapitest.FaultExceptionRet0} {
		t.Run(fault.String(), func(t *testing.T) {
			t.Parallel()
			chat, srv, plugin, alice, bob := onceWorld(t)
			for i := range 3 {
				srv.InjectFaultFor(chatmsg.ServiceSend, fault, 1)
				res, err := chat.SendOnce(context.Background(), alice, bob.UUID, chatmsg.Text{Content: "周末踢球吗？"})
				require.NoError(t, err)
				stored := plugin.Messages()
				require.Len(t, stored, i+1, "one copy per send")
				assert.Equal(t, stored[i].ID, res.MessageID, "the id of the stored copy")
				assert.Len(t, res.Key, 32)
				assert.Contains(t, string(stored[i].Data), res.Key, "the key travels in the data")
			}
			assert.Equal(t, 3, countCalls(srv, chatmsg.ServiceSend), "never sent twice")
		})
	}
}

// TestSendOnceAnswerLostBeforeStoring: the first attempt did nothing but
// looked like it may have; the check finds nothing and the message is sent
// again with the same key: one copy.
func TestSendOnceAnswerLostBeforeStoring(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, alice, bob := onceWorld(t)
	srv.InjectFaultFor(chatmsg.ServiceSend, okayapitest.FaultHTML502, 1)
	res, err := chat.SendOnce(context.Background(), alice, bob.UUID, chatmsg.Text{Content: "hi"})
	require.NoError(t, err)
	require.Len(t, plugin.Messages(), 1)
	assert.Equal(t, 2, countCalls(srv, chatmsg.ServiceSend))
	assert.Equal(t, 2, countCalls(srv, chatmsg.ServiceTakeMessageList), "the documented cost: a read after Settle, one after Horizon")
	assert.Contains(t, string(plugin.Messages()[0].Data), res.Key)
}

// TestSendOnceUncertainThenResume: when the check fails too, the error says
// "may have been delivered" and carries the key; ResumeSend with it finds
// the copy and sends nothing.
func TestSendOnceUncertainThenResume(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, alice, bob := onceWorld(t)
	srv.InjectFaultFor(chatmsg.ServiceSend, okayapitest.FaultDropAfter, 1)
	srv.InjectFaultFor(chatmsg.ServiceTakeMessageList, okayapitest.FaultHTML502, 2) // both checks
	msg := chatmsg.Text{Content: "hi"}
	_, err := chat.SendOnce(context.Background(), alice, bob.UUID, msg)
	var ue *chatmsg.UncertainError
	require.ErrorAs(t, err, &ue)
	assert.True(t, okayapi.MayHaveArrived(err))
	assert.Contains(t, err.Error(), "may have been delivered")
	require.Len(t, plugin.Messages(), 1)

	res, err := chat.ResumeSend(context.Background(), alice, bob.UUID, msg, strings.ToUpper(ue.Key))
	require.NoError(t, err)
	assert.Equal(t, plugin.Messages()[0].ID, res.MessageID)
	assert.Len(t, plugin.Messages(), 1, "found, not sent again (the key in any case)")
	assert.Equal(t, 1, countCalls(srv, chatmsg.ServiceSend))

	// Resuming a send that never arrived sends it, once.
	res, err = chat.ResumeSend(context.Background(), alice, bob.UUID, msg, strings.Repeat("ab", 16))
	require.NoError(t, err)
	assert.Len(t, plugin.Messages(), 2)
	assert.Contains(t, string(plugin.Messages()[1].Data), res.Key)
	_, err = chat.ResumeSend(context.Background(), alice, bob.UUID, msg, "nope")
	assert.ErrorIs(t, err, okayapi.ErrInvalidParam)
}

// TestSendOnceNotDelivered: every attempt did nothing; after Rounds checks
// the error says it was not delivered.
func TestSendOnceNotDelivered(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, alice, bob := onceWorld(t)
	srv.InjectFaultFor(chatmsg.ServiceSend, okayapitest.FaultHTML502, 3)
	_, err := chat.SendOnce(context.Background(), alice, bob.UUID, chatmsg.Text{Content: "hi"})
	var nd *chatmsg.NotDeliveredError
	require.ErrorAs(t, err, &nd)
	assert.False(t, okayapi.MayHaveArrived(err))
	assert.Equal(t, 3, nd.Rounds)
	assert.Empty(t, plugin.Messages())
}

// TestSendKeyIsReadBackNotShown: the key is ChatMessage.Key on the
// receiving side and taken out of the message's data.
func TestSendKeyIsReadBackNotShown(t *testing.T) {
	t.Parallel()
	chat, _, _, alice, bob := onceWorld(t)
	ctx := context.Background()
	r1, err := chat.SendOnce(ctx, alice, bob.UUID, chatmsg.Text{Content: "hi", Ext: chatmsg.Ext{"n": 1}})
	require.NoError(t, err)
	custom, err := chatmsg.NewCustom(map[string]any{"kind": "order"})
	require.NoError(t, err)
	r2, err := chat.SendOnce(ctx, alice, bob.UUID, custom)
	require.NoError(t, err)
	page, err := chat.TakeMessageList(ctx, bob, alice.UUID, chatmsg.ListOptions{})
	require.NoError(t, err)
	require.Len(t, page.Messages, 2)
	assert.Equal(t, r1.Key, page.Messages[0].Key)
	assert.Equal(t, chatmsg.Text{Content: "hi", Ext: chatmsg.Ext{"n": json.Number("1")}}, page.Messages[0].Message)
	assert.Equal(t, r2.Key, page.Messages[1].Key)
	assert.JSONEq(t, `{"kind":"order"}`, string(page.Messages[1].Message.(chatmsg.Custom).Object))
	assert.NotContains(t, chatmsg.Preview(page.Messages[1].Message, 200), r2.Key)

	_, err = chat.SendOnce(ctx, alice, bob.UUID, chatmsg.Text{Content: "hi", Ext: chatmsg.Ext{chatmsg.KeyField: "x"}})
	assert.ErrorIs(t, err, okayapi.ErrInvalidParam, "the key field is the SDK's")
}

// TestMultiSendOnce: the answer to a MultiSend is lost after storing; each
// recipient's copy is found; none is stored twice.
func TestMultiSendOnce(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, alice, bob := onceWorld(t)
	carol := srv.AddMember(okayapitest.Account{Username: "carol"})
	srv.InjectFaultFor(chatmsg.ServiceMultiSend, okayapitest.FaultDropAfter, 1)
	res, err := chat.MultiSendOnce(context.Background(), alice, []string{bob.UUID, carol.UUID}, chatmsg.Text{Content: "hi"})
	require.NoError(t, err)
	require.Len(t, res.Deliveries, 2)
	stored := plugin.Messages()
	require.Len(t, stored, 2)
	assert.Equal(t, stored[0].ID, res.Deliveries[0].MessageID)
	assert.Equal(t, stored[1].ID, res.Deliveries[1].MessageID)
	assert.Equal(t, 1, countCalls(srv, chatmsg.ServiceMultiSend))

	srv.InjectFaultFor(chatmsg.ServiceMultiSend, okayapitest.FaultHTML502, 1)
	res, err = chat.MultiSendOnce(context.Background(), alice, []string{bob.UUID, carol.UUID}, chatmsg.Text{Content: "again"})
	require.NoError(t, err)
	assert.Len(t, res.Deliveries, 2)
	assert.Len(t, plugin.Messages(), 4, "sent again once, after checks found nothing")
}

// TestEscapedKeyFieldRefused: the send key's field name written with a JSON
// escape is the same field: refused, as the plain name is, so that no
// message carries two keys (the check would look for the wrong one and send
// again).
func TestEscapedKeyFieldRefused(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, alice, bob := onceWorld(t)
	srv.InjectFaultFor(chatmsg.ServiceSend, okayapitest.FaultDropAfter, 1)
	msg := chatmsg.Custom{Object: json.RawMessage(`{"okayapi\u005fsend_key":"00000000000000000000000000000000","x":1}`)}
	_, err := chat.SendOnce(context.Background(), alice, bob.UUID, msg)
	var ipe *okayapi.InvalidParamError
	require.ErrorAs(t, err, &ipe)
	assert.Equal(t, "chat_message_data."+chatmsg.KeyField, ipe.Field)
	assert.Empty(t, plugin.Messages(), "nothing was sent")
}

// TestBroadcastChecksTheKeyedSize: with exactly-once sending, the size cap
// counts the send key, before anything is sent.
func TestBroadcastChecksTheKeyedSize(t *testing.T) {
	t.Parallel()
	srv, plugin := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	chat := chatmsg.New(okayapitest.NewClient(t, srv), chatmsg.WithExactlyOnceConfig(fastOnce), chatmsg.WithMaxMessageSize(100))
	msg := chatmsg.Text{Content: strings.Repeat("x", 100-len(`{"content":""}`))} // exactly the cap without a key
	_, err := chat.Broadcast(context.Background(), alice, []string{bob.UUID}, msg, chatmsg.BroadcastOptions{ExactlyOnce: true})
	assert.ErrorIs(t, err, okayapi.ErrInvalidParam)
	assert.Empty(t, plugin.Messages())
}
