package exactlyonce_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
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

// fastOnce checks at once and waits only a little for late copies: the
// fake shows what it stored at once, unless a test says otherwise.
var fastOnce = exactlyonce.Config{Settle: time.Millisecond, Horizon: 20 * time.Millisecond}

// onceWorld is a fake with alice and bob and a Service that sends exactly
// once (retries off, so faults are not hidden by them).
func onceWorld(t *testing.T) (*chatmsg.Service, *okayapitest.Server, *chatmsgtest.Plugin, okayapi.Member, okayapi.Member) {
	t.Helper()
	srv, plugin := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	chat := chatmsg.New(okayapitest.NewClient(t, srv, okayapi.WithRetries(0, 0, 0)))
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
	for _, fault := range []okayapitest.Fault{"drop-after", "exception", "truncate", "store-then-redirect", "exception-ret0"} {
		t.Run(string(fault), func(t *testing.T) {
			t.Parallel()
			chat, srv, plugin, alice, bob := onceWorld(t)
			for i := range 3 {
				srv.InjectFault(chatmsg.ServiceSend, fault, 1)
				res, err := exactlyonce.Send(context.Background(), chat, alice, bob.UUID, chatmsg.Text{Content: "周末踢球吗？"}, fastOnce)
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
	srv.InjectFault(chatmsg.ServiceSend, "html502", 1)
	res, err := exactlyonce.Send(context.Background(), chat, alice, bob.UUID, chatmsg.Text{Content: "hi"}, fastOnce)
	require.NoError(t, err)
	require.Len(t, plugin.Messages(), 1)
	assert.Equal(t, 2, countCalls(srv, chatmsg.ServiceSend))
	assert.Equal(t, 2, countCalls(srv, chatmsg.ServiceTakeMessageList), "the documented cost: a read after Settle, one after Horizon")
	assert.Contains(t, string(plugin.Messages()[0].Data), res.Key)
}

// TestSendOnceUncertainThenResume: when the check fails too, the error says
// "may have been delivered" and carries the key; Resume with it finds
// the copy and sends nothing.
func TestSendOnceUncertainThenResume(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, alice, bob := onceWorld(t)
	srv.InjectFault(chatmsg.ServiceSend, "drop-after", 1)
	srv.InjectFault(chatmsg.ServiceTakeMessageList, "html502", 2) // both checks
	msg := chatmsg.Text{Content: "hi"}
	_, err := exactlyonce.Send(context.Background(), chat, alice, bob.UUID, msg, fastOnce)
	var ue *exactlyonce.UncertainError
	require.ErrorAs(t, err, &ue)
	assert.True(t, okayapi.MayHaveArrived(err))
	assert.Contains(t, err.Error(), "may have been delivered")
	require.Len(t, plugin.Messages(), 1)

	res, err := exactlyonce.Resume(context.Background(), chat, alice, bob.UUID, msg, strings.ToUpper(ue.Key), fastOnce)
	require.NoError(t, err)
	assert.Equal(t, plugin.Messages()[0].ID, res.MessageID)
	assert.Len(t, plugin.Messages(), 1, "found, not sent again (the key in any case)")
	assert.Equal(t, 1, countCalls(srv, chatmsg.ServiceSend))

	// Resuming a send that never arrived sends it, once.
	res, err = exactlyonce.Resume(context.Background(), chat, alice, bob.UUID, msg, strings.Repeat("ab", 16), fastOnce)
	require.NoError(t, err)
	assert.Len(t, plugin.Messages(), 2)
	assert.Contains(t, string(plugin.Messages()[1].Data), res.Key)
	_, err = exactlyonce.Resume(context.Background(), chat, alice, bob.UUID, msg, "nope", fastOnce)
	assert.ErrorAs(t, err, new(*okayapi.InvalidParamError))
}

// TestSendOnceNotDelivered: every attempt did nothing; after Rounds checks
// the error says it was not delivered.
func TestSendOnceNotDelivered(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, alice, bob := onceWorld(t)
	srv.InjectFault(chatmsg.ServiceSend, "html502", 3)
	_, err := exactlyonce.Send(context.Background(), chat, alice, bob.UUID, chatmsg.Text{Content: "hi"}, fastOnce)
	var nd *exactlyonce.NotDeliveredError
	require.ErrorAs(t, err, &nd)
	assert.False(t, okayapi.MayHaveArrived(err))
	assert.Equal(t, 3, nd.Rounds)
	assert.Empty(t, plugin.Messages())
	assert.Contains(t, err.Error(), "not delivered: sent 3 time(s)")
	assert.Contains(t, err.Error(), "(send key "+nd.Key+")")
	assert.True(t, okayapi.MayHaveArrived(nd.Err), "the last send's error: %v", nd.Err)
	assert.Contains(t, err.Error(), nd.Err.Error())
	assert.Equal(t, 3, countCalls(srv, chatmsg.ServiceSend))
}

// TestSendKeyIsReadBackNotShown: the key is ChatMessage.Key on the
// receiving side and taken out of the message's data.
func TestSendKeyIsReadBackNotShown(t *testing.T) {
	t.Parallel()
	chat, _, _, alice, bob := onceWorld(t)
	ctx := context.Background()
	r1, err := exactlyonce.Send(ctx, chat, alice, bob.UUID, chatmsg.Text{Content: "hi", Ext: map[string]any{"n": 1}}, fastOnce)
	require.NoError(t, err)
	custom, err := chatmsg.NewCustom(map[string]any{"kind": "order"})
	require.NoError(t, err)
	r2, err := exactlyonce.Send(ctx, chat, alice, bob.UUID, custom, fastOnce)
	require.NoError(t, err)
	page, err := chat.TakeMessageList(ctx, bob, alice.UUID, chatmsg.ListOptions{})
	require.NoError(t, err)
	require.Len(t, page.Messages, 2)
	assert.Equal(t, r1.Key, page.Messages[0].Key)
	assert.Equal(t, chatmsg.Text{Content: "hi", Ext: map[string]any{"n": json.Number("1")}}, page.Messages[0].Message)
	assert.Equal(t, r2.Key, page.Messages[1].Key)
	assert.JSONEq(t, `{"kind":"order"}`, string(page.Messages[1].Message.(chatmsg.Custom).Object))
	assert.NotContains(t, chatmsg.Preview(page.Messages[1].Message, 200), r2.Key)

	_, err = exactlyonce.Send(ctx, chat, alice, bob.UUID, chatmsg.Text{Content: "hi", Ext: map[string]any{keyField: "x"}}, fastOnce)
	assert.ErrorAs(t, err, new(*okayapi.InvalidParamError), "the key field is the SDK's")
}

// TestMultiSendOnce: the answer to a MultiSend is lost after storing; each
// recipient's copy is found; none is stored twice.
func TestMultiSendOnce(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, alice, bob := onceWorld(t)
	carol := srv.AddMember(okayapitest.Account{Username: "carol"})
	srv.InjectFault(chatmsg.ServiceMultiSend, "drop-after", 1)
	res, err := exactlyonce.MultiSend(context.Background(), chat, alice, []string{bob.UUID, carol.UUID}, chatmsg.Text{Content: "hi"}, fastOnce)
	require.NoError(t, err)
	require.Len(t, res.Deliveries, 2)
	stored := plugin.Messages()
	require.Len(t, stored, 2)
	assert.Equal(t, stored[0].ID, res.Deliveries[0].MessageID)
	assert.Equal(t, stored[1].ID, res.Deliveries[1].MessageID)
	assert.Equal(t, 1, countCalls(srv, chatmsg.ServiceMultiSend))

	srv.InjectFault(chatmsg.ServiceMultiSend, "html502", 1)
	res, err = exactlyonce.MultiSend(context.Background(), chat, alice, []string{bob.UUID, carol.UUID}, chatmsg.Text{Content: "again"}, fastOnce)
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
	srv.InjectFault(chatmsg.ServiceSend, "drop-after", 1)
	msg := chatmsg.Custom{Object: json.RawMessage(`{"okayapi\u005fsend_key":"00000000000000000000000000000000","x":1}`)}
	_, err := exactlyonce.Send(context.Background(), chat, alice, bob.UUID, msg, fastOnce)
	var ipe *okayapi.InvalidParamError
	require.ErrorAs(t, err, &ipe)
	assert.Equal(t, "chat_message_data."+keyField, ipe.Field)
	assert.Empty(t, plugin.Messages(), "nothing was sent")
}

// TestBroadcastChecksTheKeyedSize: with exactly-once sending, the size cap
// counts the send key, before anything is sent.
func TestBroadcastChecksTheKeyedSize(t *testing.T) {
	t.Parallel()
	srv, plugin := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	chat := chatmsg.New(okayapitest.NewClient(t, srv), chatmsg.WithMaxMessageSize(100))
	msg := chatmsg.Text{Content: strings.Repeat("x", 100-len(`{"content":""}`))} // exactly the cap without a key
	res, err := broadcast.Send(context.Background(), chat, alice, []string{bob.UUID}, msg, broadcast.Options{ExactlyOnce: &fastOnce})
	var ipe *okayapi.InvalidParamError
	require.ErrorAs(t, err, &ipe, "refused as a whole, before any batch")
	assert.Nil(t, res)
	assert.Empty(t, plugin.Messages())
}

// onceWorldWith is onceWorld with the fake's options.
func onceWorldWith(t *testing.T, opts ...okayapitest.Option) (*chatmsg.Service, *okayapitest.Server, *chatmsgtest.Plugin, okayapi.Member, okayapi.Member) {
	t.Helper()
	srv, plugin := chatmsgtest.NewServer(t, opts...)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	chat := chatmsg.New(okayapitest.NewClient(t, srv, okayapi.WithRetries(0, 0, 0)))
	return chat, srv, plugin, alice, bob
}

// lateWorld: the backend stores 150 ms after its gateway answered, and a
// replica shows what is stored 150 ms later still; the SDK checks at once
// and waits a Horizon (1 s) that covers both.
var lateWorld = exactlyonce.Config{Settle: time.Millisecond, Horizon: time.Second}

// TestSendOnceLateStoreIsNotSentTwice: a gateway answers 502, 503 or 504 at
// once while its backend stores the message later, behind a lagging
// replica; exactly-once Send waits out the horizon, finds the copy, and
// never sends a second one.
func TestSendOnceLateStoreIsNotSentTwice(t *testing.T) {
	t.Parallel()
	for _, fault := range []okayapitest.Fault{"502-early", "503-early", "504-early", "drop-after"} {
		t.Run(string(fault), func(t *testing.T) {
			t.Parallel()
			chat, srv, plugin, alice, bob := onceWorldWith(t, okayapitest.WithBackendDelay(150*time.Millisecond))
			plugin.SetWorld(chatmsgtest.World{Lag: 150 * time.Millisecond})
			srv.InjectFault(chatmsg.ServiceSend, fault, 1)
			res, err := exactlyonce.Send(context.Background(), chat, alice, bob.UUID, chatmsg.Text{Content: "hi"}, lateWorld)
			require.NoError(t, err)
			srv.Drain()
			stored := plugin.Messages()
			require.Len(t, stored, 1, "one copy")
			assert.Equal(t, stored[0].ID, res.MessageID)
		})
	}
}

// TestMultiSendOnceLateStoreIsNotSentTwice: the same for MultiSend.
func TestMultiSendOnceLateStoreIsNotSentTwice(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, alice, bob := onceWorldWith(t, okayapitest.WithBackendDelay(150*time.Millisecond))
	carol := srv.AddMember(okayapitest.Account{Username: "carol"})
	plugin.SetWorld(chatmsgtest.World{Lag: 150 * time.Millisecond})
	srv.InjectFault(chatmsg.ServiceMultiSend, "504-early", 1)
	res, err := exactlyonce.MultiSend(context.Background(), chat, alice, []string{bob.UUID, carol.UUID}, chatmsg.Text{Content: "hi"}, lateWorld)
	require.NoError(t, err)
	srv.Drain()
	require.Len(t, plugin.Messages(), 2, "one copy each")
	assert.Len(t, res.Deliveries, 2)
}

// TestSendOnceReadsBackToTheSend: 150 messages arrive in the conversation
// between the lost send and its check; the check reads past them and finds
// the copy rather than sending a second one.
func TestSendOnceReadsBackToTheSend(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, alice, bob := onceWorldWith(t, okayapitest.WithBackendDelay(50*time.Millisecond))
	srv.InjectFault(chatmsg.ServiceSend, "504-early", 1)
	chatter := make(chan struct{})
	go func() { // once the late copy is stored, bob writes a lot
		defer close(chatter)
		for len(plugin.Messages()) == 0 {
			time.Sleep(time.Millisecond)
		}
		for i := range 150 {
			plugin.Store(chatmsgtest.StoredMessage{From: bob.UUID, To: alice.UUID, Data: json.RawMessage(`{"content":"` + strconv.Itoa(i) + `"}`)})
		}
	}()
	res, err := exactlyonce.Send(context.Background(), chat, alice, bob.UUID, chatmsg.Text{Content: "hi"}, lateWorld)
	<-chatter
	require.NoError(t, err)
	mine := 0
	for _, m := range plugin.Messages() {
		if m.From == alice.UUID {
			mine++
			assert.Equal(t, m.ID, res.MessageID)
		}
	}
	assert.Equal(t, 1, mine, "one copy")
}

// TestSendOnceTooMuchToReadIsUncertain: when more messages arrived since
// the send than Pages pages hold, the check cannot tell: uncertain, and
// no second copy.
func TestSendOnceTooMuchToReadIsUncertain(t *testing.T) {
	t.Parallel()
	cfg := exactlyonce.Config{Settle: time.Millisecond, Horizon: 20 * time.Millisecond, Pages: 2}
	chat, srv, plugin, alice, bob := onceWorldWith(t)
	srv.InjectFault(chatmsg.ServiceSend, "html502", 1) // nothing stored
	for i := range 250 {                               // but the conversation is busy
		plugin.Store(chatmsgtest.StoredMessage{From: bob.UUID, To: alice.UUID, Data: json.RawMessage(`{"content":"` + strconv.Itoa(i) + `"}`)})
	}
	_, err := exactlyonce.Send(context.Background(), chat, alice, bob.UUID, chatmsg.Text{Content: "hi"}, cfg)
	var ue *exactlyonce.UncertainError
	require.ErrorAs(t, err, &ue)
	assert.Len(t, plugin.Messages(), 250, "not sent again without knowing")
}

// TestFoundKeyMustBeOurs: a message under the same key that the other
// member sent us is not our copy: Resume still sends ours.
func TestFoundKeyMustBeOurs(t *testing.T) {
	t.Parallel()
	chat, _, plugin, alice, bob := onceWorld(t)
	key := strings.Repeat("5a", 16)
	plugin.Store(chatmsgtest.StoredMessage{From: bob.UUID, To: alice.UUID, Data: json.RawMessage(`{"` + keyField + `":"` + key + `","content":"echo"}`)})
	res, err := exactlyonce.Resume(context.Background(), chat, alice, bob.UUID, chatmsg.Text{Content: "hi"}, key, fastOnce)
	require.NoError(t, err)
	stored := plugin.Messages()
	require.Len(t, stored, 2, "alice's copy was sent")
	assert.Equal(t, alice.UUID, stored[1].From)
	assert.NotNil(t, res.Response, "sent, not found")
}

// TestFoundKeyMustBeInThisConversation: a service that answers rows of
// another conversation (a row whose other member is carol) does not make
// a copy to bob look stored.
func TestFoundKeyMustBeInThisConversation(t *testing.T) {
	t.Parallel()
	chat, mock := newMockAPI(t, okayapi.QueryForm)
	key := strings.Repeat("5a", 16)
	carol := strings.Repeat("C", 32)
	mock.reply(chatmsg.ServiceTakeMessageList, 200, []byte(`{"ret":200,"data":{"err_code":0,"list":[{"id":7,"chat_message_to_uuid":"`+carol+
		`","chat_message_type":"text","chat_message_data":{"`+keyField+`":"`+key+`","content":"hi"},"chat_message_is_read":0,"chat_message_io":"in","add_time":"2026-01-01 10:00:00"}],"unread_num":0},"msg":""}`))
	mock.reply(chatmsg.ServiceSend, 200, []byte(`{"ret":200,"data":{"err_code":0,"chat_message_id":8},"msg":""}`))
	res, err := exactlyonce.Resume(context.Background(), chat, replayMember(), strings.Repeat("B", 32), chatmsg.Text{Content: "hi"}, key, fastOnce)
	require.NoError(t, err)
	assert.Equal(t, int64(8), res.MessageID, "sent to bob, not taken for carol's copy")
}

// TestUnreadableRowDoesNotEndTheCheck: a page of the conversation with a
// row whose id cannot be read (ID 0) is still read past: the check goes on
// to the older page, where the copy is, and Resume sends nothing.
func TestUnreadableRowDoesNotEndTheCheck(t *testing.T) {
	t.Parallel()
	chat, mock := newMockAPI(t, okayapi.QueryForm)
	key := strings.Repeat("5a", 16)
	bob := strings.Repeat("B", 32)
	row := func(id int, data string) string {
		return `{"id":` + strconv.Itoa(id) + `,"chat_message_to_uuid":"` + bob + `","chat_message_type":"text","chat_message_data":` + data +
			`,"chat_message_is_read":0,"chat_message_io":"in","add_time":"2026-01-01 10:00:00"}`
	}
	page := func(rows []string) *http.Response {
		resp := httpmock.NewStringResponse(200, `{"ret":200,"data":{"err_code":0,"list":[`+strings.Join(rows, ",")+`],"unread_num":0},"msg":""}`)
		resp.Header.Set("Content-Type", "application/json;charset=utf-8")
		return resp
	}
	mock.On(mock.serviceURL(chatmsg.ServiceTakeMessageList), func(r *http.Request) (*http.Response, error) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		switch form.Get("last_id") {
		case "": // the newest page: 99 messages and a row that is not an object
			var rows []string
			for id := 200; id > 101; id-- {
				rows = append(rows, row(id, `{"content":"later"}`))
			}
			return page(append(rows, `"?"`)), nil
		case "102": // the older page, with the copy
			return page([]string{row(60, `{"`+keyField+`":"`+key+`","content":"hi"}`)}), nil
		}
		return page(nil), nil
	})
	mock.reply(chatmsg.ServiceSend, 200, []byte(`{"ret":200,"data":{"err_code":0,"chat_message_id":999},"msg":""}`))
	res, err := exactlyonce.Resume(context.Background(), chat, replayMember(), bob, chatmsg.Text{Content: "hi"}, key, fastOnce)
	require.NoError(t, err)
	assert.Equal(t, int64(60), res.MessageID, "the copy on the older page")
	assert.Nil(t, res.Response, "found, not sent again")
	for _, r := range mock.Requests() {
		assert.NotEqual(t, chatmsg.ServiceSend, r.URL.Query().Get("s"), "nothing sent")
	}
}

// TestResumeKey: the key given back is read in any case, and the copy
// carries it in lower case, as Send's keys are; a key that is not 32
// hex digits is refused before anything is sent.
func TestResumeSendKey(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, alice, bob := onceWorld(t)
	key := strings.Repeat("AB", 16)
	res, err := exactlyonce.Resume(context.Background(), chat, alice, bob.UUID, chatmsg.Text{Content: "hi"}, key, fastOnce)
	require.NoError(t, err)
	assert.Equal(t, strings.ToLower(key), res.Key)
	page, err := chat.TakeMessageList(context.Background(), bob, alice.UUID, chatmsg.ListOptions{})
	require.NoError(t, err)
	require.Len(t, page.Messages, 1)
	assert.Equal(t, res.Key, page.Messages[0].Key, "the receiver sees the key the sender was given")

	before := len(srv.Requests())
	for _, bad := range []string{key[:31], key + "A", strings.Repeat("g", 32)} {
		_, err := exactlyonce.Resume(context.Background(), chat, alice, bob.UUID, chatmsg.Text{Content: "hi"}, bad, fastOnce)
		assert.ErrorAs(t, err, new(*okayapi.InvalidParamError), bad)
	}
	assert.Len(t, srv.Requests(), before, "nothing sent")
	assert.Len(t, plugin.Messages(), 1)
}

// TestMultiSendOnceLowerCaseRecipients: recipients given in lower case get
// their copies' ids, on success and when found by a check.
func TestMultiSendOnceLowerCaseRecipients(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, alice, bob := onceWorld(t)
	carol := srv.AddMember(okayapitest.Account{Username: "carol"})
	to := []string{strings.ToLower(bob.UUID), strings.ToLower(carol.UUID)}
	for i, fault := range []okayapitest.Fault{"", "drop-after"} {
		if fault != "" {
			srv.InjectFault(chatmsg.ServiceMultiSend, fault, 1)
		}
		res, err := exactlyonce.MultiSend(context.Background(), chat, alice, to, chatmsg.Text{Content: "hi"}, fastOnce)
		require.NoError(t, err)
		stored := plugin.Messages()
		require.Len(t, stored, 2*(i+1), "one copy each")
		require.Len(t, res.Deliveries, 2)
		for j, d := range res.Deliveries {
			assert.Equal(t, to[j], d.To)
			assert.Equal(t, stored[2*i+j].ID, d.MessageID, "%s: the id of %s's copy", fault, d.To)
		}
	}
}

// TestMultiSendOnceOneFailedCheck: the batch's answer is lost (nothing was
// stored) and one recipient's check fails; the others, found not stored,
// are sent again and delivered; only the first is uncertain.
func TestMultiSendOnceOneFailedCheck(t *testing.T) {
	t.Parallel()
	// Settle above Horizon: one check each, in order (Concurrency 1).
	cfg := exactlyonce.Config{Settle: 50 * time.Millisecond, Horizon: 10 * time.Millisecond, Concurrency: 1}
	chat, srv, plugin, alice, bob := onceWorldWith(t)
	carol := srv.AddMember(okayapitest.Account{Username: "carol"})
	dave := srv.AddMember(okayapitest.Account{Username: "dave"})
	to := []string{bob.UUID, carol.UUID, dave.UUID}
	srv.InjectFault(chatmsg.ServiceMultiSend, "html502", 1)
	srv.InjectFault(chatmsg.ServiceTakeMessageList, "html502", 1) // bob's check
	res, err := exactlyonce.MultiSend(context.Background(), chat, alice, to, chatmsg.Text{Content: "hi"}, cfg)
	var ue *exactlyonce.UncertainError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, []string{bob.UUID}, ue.To)
	assert.True(t, okayapi.MayHaveArrived(err))
	assert.True(t, okayapi.MayHaveArrived(ue.Err), "the send that made bob uncertain: %v", ue.Err)
	require.Error(t, ue.Check, "why bob's check failed")
	assert.Contains(t, err.Error(), "checking failed too: "+ue.Check.Error())
	require.NotNil(t, res)
	got := map[string]bool{}
	for _, d := range res.Deliveries {
		got[d.To] = true
	}
	assert.Equal(t, map[string]bool{carol.UUID: true, dave.UUID: true}, got)
	stored := map[string]int{}
	for _, m := range plugin.Messages() {
		stored[m.To]++
	}
	assert.Equal(t, map[string]int{carol.UUID: 1, dave.UUID: 1}, stored)

	// The same through Broadcast: precise outcomes.
	srv.InjectFault(chatmsg.ServiceMultiSend, "html502", 1)
	srv.InjectFault(chatmsg.ServiceTakeMessageList, "html502", 1)
	br, err := broadcast.Send(context.Background(), chat, alice, to, chatmsg.Text{Content: "again"}, broadcast.Options{ExactlyOnce: &cfg})
	require.Error(t, err)
	require.Len(t, br.Outcomes, 3)
	assert.Equal(t, broadcast.MaybeDelivered, br.Outcomes[0].State)
	assert.Equal(t, broadcast.Delivered, br.Outcomes[1].State)
	assert.Equal(t, broadcast.Delivered, br.Outcomes[2].State)
	assert.Len(t, br.Outcomes[0].Key, 32, "exactlyonce.Resume finishes it")
	assert.Len(t, plugin.Messages(), 4)
}

// TestBroadcastOnceMaybeOnlyWhereACopyMayExist: every round's answer is
// lost and every check finds nothing: not delivered, for sure, for all.
func TestBroadcastOnceMaybeOnlyWhereACopyMayExist(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, alice, bob := onceWorld(t)
	carol := srv.AddMember(okayapitest.Account{Username: "carol"})
	srv.InjectFault(chatmsg.ServiceMultiSend, "html502", 3)
	res, err := broadcast.Send(context.Background(), chat, alice, []string{bob.UUID, carol.UUID}, chatmsg.Text{Content: "hi"}, broadcast.Options{ExactlyOnce: &fastOnce})
	var be *broadcast.Error
	require.ErrorAs(t, err, &be)
	assert.Equal(t, 2, be.NotDelivered)
	assert.False(t, okayapi.MayHaveArrived(err))
	assert.Empty(t, plugin.Messages())
	assert.Equal(t, 2, res.Count(broadcast.NotDelivered))
}

// lateTransport is a network on which a Send that times out still reaches
// the service: the request is held until the client gives up, then
// delivered after delay.
type lateTransport struct {
	next  http.RoundTripper
	delay time.Duration
	wg    sync.WaitGroup
}

func (lt *lateTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Query().Get("s") != chatmsg.ServiceSend {
		return lt.next.RoundTrip(r)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	late := r.Clone(context.Background())
	lt.wg.Add(1)
	go func() {
		defer lt.wg.Done()
		<-r.Context().Done()
		time.Sleep(lt.delay)
		late.Body = io.NopCloser(bytes.NewReader(body))
		if resp, err := lt.next.RoundTrip(late); err == nil {
			_ = resp.Body.Close()
		}
	}()
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// TestSendOnceTimedOutSendLandsLate: an attempt times out (300 ms) and its
// request is stored 100 ms after; a Horizon shorter than that does not
// let the check come too early: the wait is at least the attempt timeout.
func TestSendOnceTimedOutSendLandsLate(t *testing.T) {
	t.Parallel()
	srv, plugin := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	lt := &lateTransport{next: http.DefaultTransport, delay: 100 * time.Millisecond}
	client := okayapitest.NewClient(t, srv, okayapi.WithRetries(0, 0, 0), okayapi.WithTimeout(300*time.Millisecond),
		okayapi.WithHTTPClient(&http.Client{Transport: lt}))
	chat := chatmsg.New(client)
	cfg := exactlyonce.Config{Settle: time.Millisecond, Horizon: time.Millisecond}
	res, err := exactlyonce.Send(context.Background(), chat, alice, bob.UUID, chatmsg.Text{Content: "hi"}, cfg)
	lt.wg.Wait()
	require.NoError(t, err)
	stored := plugin.Messages()
	require.Len(t, stored, 1, "one copy")
	assert.Equal(t, stored[0].ID, res.MessageID)
}

// TestSendOnceIntoALongConversation: a lost send (nothing stored) into a
// conversation of 300 older messages: the check reads back to messages
// older than the send, finds nothing, and sends again; delivered.
func TestSendOnceIntoALongConversation(t *testing.T) {
	t.Parallel()
	cfg := exactlyonce.Config{Settle: time.Millisecond, Horizon: 20 * time.Millisecond, Pages: 2}
	chat, srv, plugin, alice, bob := onceWorldWith(t)
	for i := range 300 {
		plugin.Store(chatmsgtest.StoredMessage{From: bob.UUID, To: alice.UUID, Data: json.RawMessage(`{"content":"` + strconv.Itoa(i) + `"}`), SentAt: time.Now().Add(-24 * time.Hour)})
	}
	srv.InjectFault(chatmsg.ServiceSend, "html502", 1)
	res, err := exactlyonce.Send(context.Background(), chat, alice, bob.UUID, chatmsg.Text{Content: "hi"}, cfg)
	require.NoError(t, err)
	stored := plugin.Messages()
	require.Len(t, stored, 301)
	assert.Equal(t, alice.UUID, stored[300].From)
	assert.NotNil(t, res.Response, "sent again, after a check")
}

// TestBroadcastOnceUncertainAndNotDelivered: bob's check fails (uncertain)
// while carol and dave are found not stored; sending again to them is
// refused (429): bob MaybeDelivered, carol and dave NotDelivered for sure.
func TestBroadcastOnceUncertainAndNotDelivered(t *testing.T) {
	t.Parallel()
	cfg := exactlyonce.Config{Settle: 50 * time.Millisecond, Horizon: 10 * time.Millisecond, Concurrency: 1}
	chat, srv, plugin, alice, bob := onceWorldWith(t)
	carol := srv.AddMember(okayapitest.Account{Username: "carol"})
	dave := srv.AddMember(okayapitest.Account{Username: "dave"})
	srv.InjectFault(chatmsg.ServiceMultiSend, "html502", 1)
	srv.InjectFault(chatmsg.ServiceTakeMessageList, "html502", 1) // bob's check
	srv.InjectFault(chatmsg.ServiceMultiSend, "429", 1)
	res, err := broadcast.Send(context.Background(), chat, alice, []string{bob.UUID, carol.UUID, dave.UUID}, chatmsg.Text{Content: "hi"}, broadcast.Options{ExactlyOnce: &cfg})
	var be *broadcast.Error
	require.ErrorAs(t, err, &be)
	assert.Equal(t, []int{0, 2, 1}, []int{be.Delivered, be.NotDelivered, be.MaybeDelivered})
	assert.Equal(t, broadcast.MaybeDelivered, res.Outcomes[0].State)
	for _, o := range res.Outcomes[1:] {
		assert.Equal(t, broadcast.NotDelivered, o.State)
		assert.False(t, okayapi.MayHaveArrived(o.Err), "%v", o.Err)
	}
	assert.Empty(t, plugin.Messages())
}

func ExampleSend() {
	srv, err := okayapitest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	plugin := chatmsgtest.Install(srv)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	// Horizon: how long after a lost answer a stored message may still
	// appear on this service (the fake shows it at once).
	chat := chatmsg.New(client)
	cfg := exactlyonce.Config{Settle: time.Millisecond, Horizon: 10 * time.Millisecond}

	srv.InjectFault(chatmsg.ServiceSend, "drop-after", 1) // stored, then the answer is lost
	msg := chatmsg.Text{Content: "周末踢球吗？"}
	res, err := exactlyonce.Send(context.Background(), chat, alice, bob.UUID, msg, cfg)
	var unsure *exactlyonce.UncertainError
	if errors.As(err, &unsure) { // the SDK could not find out; later, once the horizon has passed:
		res, err = exactlyonce.Resume(context.Background(), chat, alice, bob.UUID, msg, unsure.Key, cfg)
	}
	if err != nil {
		log.Fatal(err) // refused, or a *NotDeliveredError: not delivered
	}
	fmt.Println("sent, message", res.MessageID, "- found by its key:", res.Response == nil)
	fmt.Println("copies stored:", len(plugin.Messages()))
	// Output:
	// sent, message 1 - found by its key: true
	// copies stored: 1
}
