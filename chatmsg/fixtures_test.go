package chatmsg_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest/cassette"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// replayCall is one SDK call and the parameters it must put on the wire
// (besides s, app_key, uuid, token and sign, which assertRequest adds).
type replayCall struct {
	name    string
	service string
	params  url.Values
	invoke  func(context.Context, *chatmsg.Service) (any, error)
}

func sendCall(to string, msg chatmsg.Message, data string) replayCall {
	return replayCall{
		name:    "Send",
		service: chatmsg.ServiceSend,
		params:  url.Values{"other_uuid": {to}, "chat_message_type": {string(chatmsg.Kind(msg))}, "chat_message_data": {data}},
		invoke: func(ctx context.Context, s *chatmsg.Service) (any, error) {
			return s.Send(ctx, replayMember(), to, msg)
		},
	}
}

func multiSendCall(to []string, wireTo string, msg chatmsg.Message, data string) replayCall {
	return replayCall{
		name:    "MultiSend",
		service: chatmsg.ServiceMultiSend,
		params:  url.Values{"other_uuid": {wireTo}, "chat_message_type": {string(chatmsg.Kind(msg))}, "chat_message_data": {data}},
		invoke: func(ctx context.Context, s *chatmsg.Service) (any, error) {
			return s.MultiSend(ctx, replayMember(), to, msg)
		},
	}
}

func takeCall(with string, opts chatmsg.ListOptions, params url.Values) replayCall {
	return replayCall{
		name:    "TakeMessageList",
		service: chatmsg.ServiceTakeMessageList,
		params:  params,
		invoke: func(ctx context.Context, s *chatmsg.Service) (any, error) {
			return s.TakeMessageList(ctx, replayMember(), with, opts)
		},
	}
}

func markCall(with string, id int64) replayCall {
	return replayCall{
		name:    "MarkAsReaded",
		service: chatmsg.ServiceMarkAsReaded,
		params:  url.Values{"other_uuid": {with}, "chat_message_id": {strconv.FormatInt(id, 10)}},
		invoke: func(ctx context.Context, s *chatmsg.Service) (any, error) {
			return s.MarkAsReaded(ctx, replayMember(), with, id)
		},
	}
}

func markAllCall(with string) replayCall {
	return replayCall{
		name:    "MarkAllAsReaded",
		service: chatmsg.ServiceMarkAsReaded,
		params:  url.Values{"other_uuid": {with}, "chat_message_id": {"0"}},
		invoke: func(ctx context.Context, s *chatmsg.Service) (any, error) {
			return s.MarkAllAsReaded(ctx, replayMember(), with)
		},
	}
}

func chatListCall(opts chatmsg.ChatListOptions, params url.Values) replayCall {
	return replayCall{
		name:    "GetAllChatList",
		service: chatmsg.ServiceGetAllChatList,
		params:  params,
		invoke: func(ctx context.Context, s *chatmsg.Service) (any, error) {
			return s.GetAllChatList(ctx, replayMember(), opts)
		},
	}
}

func unreadCall() replayCall {
	return replayCall{
		name:    "GetAllUnreadNum",
		service: chatmsg.ServiceGetAllUnreadNum,
		params:  url.Values{},
		invoke: func(ctx context.Context, s *chatmsg.Service) (any, error) {
			return s.GetAllUnreadNum(ctx, replayMember())
		},
	}
}

// plainCalls are the seven calls with simple arguments, for the answers
// that every call can get.
func plainCalls() []replayCall {
	return []replayCall{
		sendCall(uuidAB, chatmsg.Text{Content: "hi"}, `{"content":"hi"}`),
		multiSendCall([]string{uuidAB, uuidDogstar}, uuidAB+","+uuidDogstar, chatmsg.Text{Content: "hi"}, `{"content":"hi"}`),
		takeCall(uuidAB, chatmsg.ListOptions{}, url.Values{"other_uuid": {uuidAB}}),
		markCall(uuidAB, 7),
		markAllCall(uuidAB),
		chatListCall(chatmsg.ChatListOptions{}, url.Values{}),
		unreadCall(),
	}
}

// errCheck checks the error of a call to service.
type errCheck func(t *testing.T, service string, err error)

var chatSentinels = []error{chatmsg.ErrSelf, chatmsg.ErrSendFailed, chatmsg.ErrNotInstalled, chatmsg.ErrUnknownCode}

var okayapiSentinels = []error{
	okayapi.ErrNotLoggedIn, okayapi.ErrBadAppKey, okayapi.ErrBadSignature, okayapi.ErrNoSuchService,
	okayapi.ErrBadRequest, okayapi.ErrServer,
}

// wantPluginErr: ret 200 with a non-zero err_code.
func wantPluginErr(code int, msg string, sentinel error) errCheck {
	return func(t *testing.T, service string, err error) {
		t.Helper()
		require.Error(t, err)
		assert.ErrorIs(t, err, sentinel)
		for _, other := range chatSentinels {
			if other != sentinel {
				assert.NotErrorIs(t, err, other)
			}
		}
		for _, other := range okayapiSentinels {
			assert.NotErrorIs(t, err, other)
		}
		var pe *okayapi.PluginError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, service, pe.Service)
		assert.Equal(t, code, pe.Code)
		assert.Equal(t, msg, pe.Msg)
		assert.False(t, okayapi.MayHaveArrived(err), "a refusal did nothing")
	}
}

// wantAPIErr: a ret other than 200, matching exactly the sentinels in is.
func wantAPIErr(ret int, msg string, is ...error) errCheck {
	return func(t *testing.T, service string, err error) {
		t.Helper()
		require.Error(t, err)
		var ae *okayapi.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, service, ae.Service)
		assert.Equal(t, ret, ae.Ret)
		assert.Equal(t, msg, ae.Msg)
		for _, s := range okayapiSentinels {
			if slices.Contains(is, s) {
				assert.ErrorIs(t, err, s)
			} else {
				assert.NotErrorIs(t, err, s)
			}
		}
		for _, s := range chatSentinels {
			assert.NotErrorIs(t, err, s)
		}
		assert.Equal(t, ret >= 500, okayapi.MayHaveArrived(err))
	}
}

// wantTransportErr: no well-formed envelope came back.
func wantTransportErr(status int, excerpt string) errCheck {
	return func(t *testing.T, service string, err error) {
		t.Helper()
		require.Error(t, err)
		var te *okayapi.TransportError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, service, te.Service)
		assert.Equal(t, status, te.StatusCode)
		assert.Contains(t, te.Excerpt, excerpt)
		assert.Equal(t, 1, te.Attempts)
		assert.True(t, te.MayHaveArrived)
		assert.True(t, okayapi.MayHaveArrived(err))
		var ae *okayapi.APIError
		assert.False(t, errors.As(err, &ae), "not an APIError")
		for _, s := range []error{okayapi.ErrServer, okayapi.ErrBadRequest} {
			assert.NotErrorIs(t, err, s)
		}
		assert.NotErrorAs(t, err, new(*okayapi.PluginError))
	}
}

// wantDecodeErr: an envelope the SDK cannot read: malformed JSON, or data
// of another shape.
func wantDecodeErr(reason string) errCheck {
	return func(t *testing.T, service string, err error) {
		t.Helper()
		require.Error(t, err)
		var de *okayapi.DecodeError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, service, de.Service)
		assert.Contains(t, de.Reason, reason)
		assert.True(t, okayapi.MayHaveArrived(err))
	}
}

// replayCase is one fixture replayed against one call. The fixture's
// sidecar (testdata/<action>/<name>.req.json) says how it is served (HTTP
// status, content type) and which call it answers.
type replayCase struct {
	fixture string // under testdata/
	call    replayCall
	want    any // the typed result (Raw is checked against the fixture's data)
	wantErr errCheck
}

func replayCases(t *testing.T) []replayCase {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	profile18 := func(username string) phpjson.Profile {
		return phpjson.Profile{
			Username: username, Age: 18,
			Ext: map[string]any{"yesapi_avatar": "", "nickname": "", "age": "18"},
		}
	}
	pair := []string{uuidAB, uuidDogstar}
	pairWire := uuidAB + "," + uuidDogstar
	hi := chatmsg.Text{Content: "hi"}

	cases := []replayCase{
		// Send: success, the three documented err_codes, and PHP quirks.
		{
			fixture: "send/success.json",
			call:    sendCall(uuidAB, chatmsg.Text{Content: "I ❤ ⚽ "}, `{"content":"I ❤ ⚽ "}`),
			want:    &chatmsg.SendResult{MessageID: 0},
		},
		{
			fixture: "send/success_with_id.json",
			call:    sendCall(uuidDogstar, chatmsg.HTML{Content: "<b>周末</b>见 & 🎉"}, `{"content":"<b>周末</b>见 & 🎉"}`),
			want:    &chatmsg.SendResult{MessageID: 1024},
		},
		{
			fixture: "send/quirk_strings_null.json",
			call: sendCall(uuidAB, chatmsg.Image{URL: "https://cdn.example.com/a/b.png", Ext: map[string]any{"width": 640}},
				`{"url":"https://cdn.example.com/a/b.png","width":640}`),
			want: &chatmsg.SendResult{MessageID: 12},
		},
		{
			fixture: "send/quirk_id_empty_array.json",
			call:    sendCall(uuidDogstar, hi, `{"content":"hi"}`),
			want:    &chatmsg.SendResult{MessageID: 13},
		},
		{
			fixture: "send/quirk_debug_extra.json",
			call: sendCall(uuidAB, chatmsg.Link{URL: "https://www.okayapi.com/?a=1&b=2", Ext: map[string]any{"title": "小白接口"}},
				`{"title":"小白接口","url":"https://www.okayapi.com/?a=1&b=2"}`),
			want: &chatmsg.SendResult{MessageID: 0},
		},
		{
			fixture: "send/err1_self.json",
			call:    sendCall(uuidAB, chatmsg.Custom{Object: json.RawMessage(" {\n \"card\": {\"kind\": \"order\"} } ")}, `{"card":{"kind":"order"}}`),
			wantErr: wantPluginErr(1, "不能发送给自己", chatmsg.ErrSelf),
		},
		{
			fixture: "send/err2_send_failed.json",
			call:    sendCall(uuidAB, hi, `{"content":"hi"}`),
			wantErr: wantPluginErr(2, "发送失败", chatmsg.ErrSendFailed),
		},
		{
			fixture: "send/quirk_err2_code_string.json",
			call:    sendCall(uuidAB, hi, `{"content":"hi"}`),
			wantErr: wantPluginErr(2, "发送失败 😢", chatmsg.ErrSendFailed),
		},
		{
			fixture: "send/err9_not_installed.json",
			call:    sendCall(uuidAB, hi, `{"content":"hi"}`),
			wantErr: wantPluginErr(9, "私信插件未安装", chatmsg.ErrNotInstalled),
		},
		{
			fixture: "send/err_undocumented_code.json",
			call:    sendCall(uuidAB, hi, `{"content":"hi"}`),
			wantErr: wantPluginErr(3, "unknown", chatmsg.ErrUnknownCode),
		},

		// MultiSend.
		{
			fixture: "multisend/success.json",
			call:    multiSendCall(pair, pairWire, chatmsg.Text{Content: "I ❤ ⚽ "}, `{"content":"I ❤ ⚽ "}`),
			want: &chatmsg.MultiSendResult{Deliveries: []chatmsg.Delivery{
				{To: uuidAB, MessageID: 101}, {To: uuidDogstar, MessageID: 102},
			}},
		},
		{
			fixture: "multisend/quirk_strings_debug.json",
			call:    multiSendCall(pair, pairWire, chatmsg.HTML{Content: "<p>a&b</p>"}, `{"content":"<p>a&b</p>"}`),
			want: &chatmsg.MultiSendResult{Deliveries: []chatmsg.Delivery{
				{To: uuidAB, MessageID: 101}, {To: uuidDogstar, MessageID: 102},
			}},
		},
		{
			fixture: "multisend/quirk_detail_empty.json",
			call:    multiSendCall([]string{uuidAB}, uuidAB, hi, `{"content":"hi"}`),
			want:    &chatmsg.MultiSendResult{},
		},
		{
			fixture: "multisend/quirk_detail_null.json",
			call:    multiSendCall([]string{uuidAB}, uuidAB, hi, `{"content":"hi"}`),
			want:    &chatmsg.MultiSendResult{},
		},
		{
			fixture: "multisend/err1_self.json",
			call:    multiSendCall([]string{replayUUID}, replayUUID, hi, `{"content":"hi"}`),
			wantErr: wantPluginErr(1, "不能发送给自己", chatmsg.ErrSelf),
		},
		{
			fixture: "multisend/err2_send_failed.json",
			call:    multiSendCall(pair, pairWire, hi, `{"content":"hi"}`),
			wantErr: wantPluginErr(2, "发送失败", chatmsg.ErrSendFailed),
		},
		{
			fixture: "multisend/err9_not_installed.json",
			call:    multiSendCall(pair, pairWire, hi, `{"content":"hi"}`),
			wantErr: wantPluginErr(9, "私信插件未安装", chatmsg.ErrNotInstalled),
		},

		// TakeMessageList.
		{
			fixture: "takemessagelist/success.json",
			call:    takeCall(uuidAB, chatmsg.ListOptions{}, url.Values{"other_uuid": {uuidAB}}),
			want: &chatmsg.MessageList{Unread: 2, Messages: []chatmsg.ChatMessage{
				{ID: 201, With: uuidAB, Message: chatmsg.Text{Content: "I ❤ ⚽ "}, Read: true, Direction: chatmsg.Sent, SentAt: cst(t, "2019-08-11 17:12:02")},
				{ID: 202, With: uuidAB, Message: chatmsg.HTML{Content: "<b>周末</b>见 & 🎉"}, Read: true, Direction: chatmsg.Received, SentAt: cst(t, "2019-08-11 17:13:40")},
				{ID: 203, With: uuidAB, Message: chatmsg.Image{URL: "https://cdn.example.com/a/b.png", Ext: map[string]any{"width": json.Number("640"), "height": json.Number("480")}},
					Direction: chatmsg.Received, SentAt: cst(t, "2019-08-11 17:15:00")},
				{ID: 204, With: uuidAB, Message: chatmsg.Link{URL: "https://www.okayapi.com/", Ext: map[string]any{"title": "小白接口"}},
					Direction: chatmsg.Received, SentAt: cst(t, "2019-08-11 17:16:30")},
				{ID: 205, With: uuidAB, Message: chatmsg.Custom{Object: raw(`{"card":{"kind":"order","no":"A-1"}}`)},
					Direction: chatmsg.Sent, SentAt: cst(t, "2019-08-12 09:00:00")},
			}},
		},
		{
			fixture: "takemessagelist/quirks.json",
			call: takeCall(uuidAB, chatmsg.ListOptions{LastID: 11, Order: chatmsg.Newer, PerPage: 100},
				url.Values{"other_uuid": {uuidAB}, "last_id": {"11"}, "direction": {"down"}, "perpage": {"100"}}),
			want: &chatmsg.MessageList{Unread: 2, Messages: []chatmsg.ChatMessage{
				{ID: 12, With: uuidAB, Message: chatmsg.Text{Content: "你好 😀", Ext: map[string]any{"at": json.RawMessage(`["5B1CA086F3E9E86F83354191AFB41E9E"]`)}},
					Read: true, Direction: chatmsg.Received, SentAt: cst(t, "2019-08-11 17:12:02")},
				{ID: 13, With: uuidAB, Message: chatmsg.Image{URL: "https://cdn.example.com/a/b.png"},
					Direction: chatmsg.Sent, SentAt: cst(t, "2019-08-11 17:12:03")},
				{ID: 14, With: uuidAB, Message: chatmsg.Text{}, Direction: chatmsg.Sent, SentAt: cst(t, "2019-08-11 17:12:04")},
				{ID: 15, With: uuidAB, Message: chatmsg.Unknown{Kind: "video", Raw: raw(`{"url":"https:\/\/cdn.example.com\/v\/1.mp4","seconds":"12"}`)},
					Read: true, Direction: chatmsg.Direction(0)},
			}},
		},
		{
			fixture: "takemessagelist/success_empty.json",
			call: takeCall(uuidAB, chatmsg.ListOptions{LastID: 200, Order: chatmsg.Older, PerPage: 5},
				url.Values{"other_uuid": {uuidAB}, "last_id": {"200"}, "direction": {"up"}, "perpage": {"5"}}),
			want: &chatmsg.MessageList{},
		},
		{
			fixture: "takemessagelist/err1_self.json",
			call:    takeCall(replayUUID, chatmsg.ListOptions{PerPage: 1}, url.Values{"other_uuid": {replayUUID}, "perpage": {"1"}}),
			wantErr: wantPluginErr(1, "不能和自己聊天", chatmsg.ErrSelf),
		},
		{
			fixture: "takemessagelist/err9_not_installed.json",
			call:    takeCall(uuidAB, chatmsg.ListOptions{}, url.Values{"other_uuid": {uuidAB}}),
			wantErr: wantPluginErr(9, "私信插件未安装", chatmsg.ErrNotInstalled),
		},

		// MarkAsReaded and MarkAllAsReaded (the same service).
		{fixture: "markasreaded/success_one.json", call: markCall(uuidAB, 201), want: 1},
		{fixture: "markasreaded/success_all.json", call: markAllCall(uuidAB), want: 5},
		{fixture: "markasreaded/quirk_string_debug.json", call: markCall(uuidAB, 202), want: 3},
		{fixture: "markasreaded/quirk_null.json", call: markAllCall(uuidDogstar), want: 0},
		{
			fixture: "markasreaded/err9_not_installed.json",
			call:    markCall(uuidAB, 201),
			wantErr: wantPluginErr(9, "私信插件未安装", chatmsg.ErrNotInstalled),
		},
		{
			fixture: "markasreaded/err9_not_installed.json",
			call:    markAllCall(uuidAB),
			wantErr: wantPluginErr(9, "私信插件未安装", chatmsg.ErrNotInstalled),
		},

		// GetAllChatList: the reference's recorded answer, then constructed ones.
		{
			fixture: "getallchatlist/reference.json",
			call:    chatListCall(chatmsg.ChatListOptions{}, url.Values{}),
			want: &chatmsg.ChatList{Total: 2, Chats: []chatmsg.Chat{
				{With: uuidAB, Last: chatmsg.Text{Content: "I ❤ ⚽ "}, Read: true, Direction: chatmsg.Received,
					SentAt: cst(t, "2019-08-11 17:12:02"), User: profile18("AB君")},
				{With: uuidDogstar, Last: chatmsg.Text{Content: "I love 小白接口!"}, Read: true, Direction: chatmsg.Received,
					SentAt: cst(t, "2019-08-11 17:12:02"), User: profile18("dogstar")},
			}},
		},
		{
			fixture: "getallchatlist/quirks.json",
			call:    chatListCall(chatmsg.ChatListOptions{Page: 2, PerPage: 50}, url.Values{"page": {"2"}, "perpage": {"50"}}),
			want: &chatmsg.ChatList{Total: 4, Chats: []chatmsg.Chat{
				{With: uuidAB, Last: chatmsg.Text{Content: "周末去踢球吗？⚽ 😀"}, Direction: chatmsg.Sent,
					SentAt: cst(t, "2019-08-12 20:30:00"), User: phpjson.Profile{Username: "AB君", Ext: map[string]any{}}},
				{With: uuidDogstar, Last: chatmsg.Text{}, Direction: chatmsg.Received, SentAt: cst(t, "2019-08-12 08:00:00")},
				{With: uuidMing, Last: chatmsg.Custom{Object: raw(`{"card":{"title":"\u8ba2\u5355","url":"https:\/\/shop.example.com\/o\/1"}}`)},
					Read: true, Direction: chatmsg.Received, SentAt: cst(t, "2019-08-11 17:12:02"),
					User: phpjson.Profile{
						Username: "xiaoming", Nickname: "小明", Avatar: "https://cdn.example.com/avatar/7.png", Age: 21,
						Ext: map[string]any{
							"yesapi_avatar": "https://cdn.example.com/avatar/7.png", "nickname": "小明",
							"age": json.Number("21"), "city": "广州", "vip": true,
						},
					}},
				{With: uuidFourth, Last: chatmsg.Text{Content: "hi"}, Direction: chatmsg.Received, SentAt: cst(t, "2019-08-10 07:05:09")},
			}},
		},
		{
			fixture: "getallchatlist/success_empty.json",
			call:    chatListCall(chatmsg.ChatListOptions{Page: 100, PerPage: 100}, url.Values{"page": {"100"}, "perpage": {"100"}}),
			want:    &chatmsg.ChatList{},
		},
		{
			fixture: "getallchatlist/err9_not_installed.json",
			call:    chatListCall(chatmsg.ChatListOptions{PerPage: 1}, url.Values{"perpage": {"1"}}),
			wantErr: wantPluginErr(9, "私信插件未安装", chatmsg.ErrNotInstalled),
		},

		// GetAllUnreadNum.
		{fixture: "getallunreadnum/success.json", call: unreadCall(), want: &chatmsg.UnreadCount{Count: 3, Field: "unread_num"}},
		{fixture: "getallunreadnum/quirk_string_debug.json", call: unreadCall(), want: &chatmsg.UnreadCount{Count: 7, Field: "unread_num"}},
		{fixture: "getallunreadnum/quirk_other_name.json", call: unreadCall(), want: &chatmsg.UnreadCount{Count: 4, Field: "unread_count"}},
		{fixture: "getallunreadnum/no_count.json", call: unreadCall(), wantErr: wantDecodeErr("no unread count")},
		{
			fixture: "getallunreadnum/err9_not_installed.json",
			call:    unreadCall(),
			wantErr: wantPluginErr(9, "私信插件未安装", chatmsg.ErrNotInstalled),
		},
	}

	// Answers every call can get: framework refusals and transport failures.
	common := []struct {
		fixture string
		wantErr errCheck
	}{
		{"common/ret400_missing_param.json", wantAPIErr(400, "客户端非法请求：缺少必要参数other_uuid", okayapi.ErrBadRequest)},
		{"common/ret400_bad_signature.json", wantAPIErr(400, "非法请求：签名错误", okayapi.ErrBadRequest, okayapi.ErrBadSignature)},
		{"common/ret401_not_logged_in.json", wantAPIErr(401, "用户未登录，或登录凭证已过期", okayapi.ErrBadRequest, okayapi.ErrNotLoggedIn)},
		{"common/ret404_no_such_service.json", wantAPIErr(404, "非法请求：接口服务不存在", okayapi.ErrBadRequest, okayapi.ErrNoSuchService)},
		{"common/ret406_bad_app_key.json", wantAPIErr(406, "客户端非法请求：非法app_key，请核对你所在的接口域名", okayapi.ErrBadRequest, okayapi.ErrBadAppKey)},
		{"common/ret500_server.json", wantAPIErr(500, "服务器运行错误", okayapi.ErrServer)},
		{"common/http502_bad_gateway.html", wantTransportErr(http.StatusBadGateway, "<title>502 Bad Gateway</title>")},
		{"common/truncated.json", wantDecodeErr("answer is not valid JSON")},
	}
	for _, c := range common {
		for _, call := range plainCalls() {
			cases = append(cases, replayCase{fixture: c.fixture, call: call, wantErr: c.wantErr})
		}
	}
	return cases
}

// fixtureApp is the app the fixture replays act for: the one the helpers'
// mock uses, signing with the public test vector.
var fixtureApp = cassette.App{BaseURL: replayBase, AppKey: replayAppKey, Secret: replaySecret}

// replayService replays the named answer files of the cassette in dir (each
// once, in their order) through the cassette package's replayer, which
// matches each request to its sidecar (service and the call's own
// parameters) and checks its signature. It returns a chatmsg.Service on it,
// in the given URL form, without retries unless opts say otherwise, and
// what the client sent.
func replayService(t *testing.T, dir string, form okayapi.URLForm, files []string, opts ...okayapi.Option) (*chatmsg.Service, *wiretest.Recording) {
	t.Helper()
	cas := cassette.New(t, dir, cassette.IgnoreEnv(), cassette.WithApp(fixtureApp), cassette.WithFiles(files...))
	sent := wiretest.NewRecording(cas.HTTPClient().Transport)
	all := append([]okayapi.Option{
		okayapi.WithHTTPClient(&http.Client{Transport: sent}),
		okayapi.WithURLForm(form),
		okayapi.WithRetries(0, 0, 0),
	}, opts...)
	return chatmsg.New(cas.Client(all...)), sent
}

// onlyRequest asserts that exactly one request was sent and returns it.
func onlyRequest(t *testing.T, sent *wiretest.Recording) recordedCall {
	t.Helper()
	reqs := sent.Requests()
	require.Len(t, reqs, 1, "HTTP requests made")
	return reqs[0]
}

// TestReplayFixtures replays each fixture under testdata/ to the call it
// belongs to, in both URL forms, through the cassette replayer, and checks
// the exact request the client made and the typed result or error it
// returned.
func TestReplayFixtures(t *testing.T) {
	t.Parallel()
	cases := replayCases(t)
	for name, form := range map[string]okayapi.URLForm{"query": okayapi.QueryForm, "path": okayapi.PathForm} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range cases {
				t.Run(tc.call.name+"/"+tc.fixture, func(t *testing.T) {
					t.Parallel()
					require.True(t, (tc.want == nil) != (tc.wantErr == nil), "a row wants a result or an error")
					body := readFixture(t, tc.fixture)
					svc, sent := replayService(t, fixturesDir, form, []string{tc.fixture})

					got, err := tc.call.invoke(context.Background(), svc)

					call := onlyRequest(t, sent)
					assertRequest(t, form, call, tc.call.service, tc.call.params)
					if tc.wantErr != nil {
						tc.wantErr(t, tc.call.service, err)
						assert.Zero(t, got, "no result with an error")
						msg := err.Error()
						assert.NotContains(t, msg, replayToken, "token in error")
						assert.NotContains(t, msg, replaySecret, "secret in error")
						assert.NotContains(t, msg, call.Form.Get("sign"), "sign in error")
						assert.NotContains(t, msg, "cassette", "the fixture answered")
						return
					}
					require.NoError(t, err)
					assertResult(t, tc.want, got, fixtureData(t, body))
				})
			}
		})
	}
}

// fixturesDir is the project's fixtures: a cassette of hand-made answers.
var fixturesDir = filepath.Join("..", "testdata")

// TestFixturesAreACassette: every answer under testdata/ has its sidecar,
// every sidecar its answer, and every fixture is replayed by some case.
func TestFixturesAreACassette(t *testing.T) {
	t.Parallel()
	_, err := cassette.NewHandler(fixturesDir, cassette.App{})
	require.NoError(t, err, "testdata/ reads as a cassette")
	used := map[string]bool{}
	for _, tc := range replayCases(t) {
		used[tc.fixture] = true
	}
	err = filepath.WalkDir(fixturesDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(fixturesDir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case rel == "README.md":
		case strings.HasSuffix(rel, ".req.json"):
			stem := strings.TrimSuffix(rel, ".req.json")
			assert.True(t, used[stem+".json"] || used[stem+".html"], "%s: no case replays its answer", rel)
		default:
			assert.True(t, used[rel], "%s: no case replays it", rel)
			_, err := os.Stat(strings.TrimSuffix(strings.TrimSuffix(p, ".json"), ".html") + ".req.json")
			assert.NoError(t, err, "%s has a sidecar", rel)
		}
		return nil
	})
	require.NoError(t, err)
}

// assertResult compares a typed result with the wanted one. Raw must be
// the fixture's data byte for byte; times are compared as instants in
// Asia/Shanghai; JSON objects kept raw (Custom, Unknown) are compared
// compacted.
func assertResult(t *testing.T, want, got any, data json.RawMessage) {
	t.Helper()
	switch w := want.(type) {
	case int:
		assert.Equal(t, w, got)
	case *chatmsg.SendResult:
		g, ok := got.(*chatmsg.SendResult)
		require.True(t, ok, "got %T", got)
		require.NotNil(t, g)
		assert.Equal(t, string(data), string(g.Raw), "Raw")
		assert.Equal(t, w.MessageID, g.MessageID, "MessageID")
	case *chatmsg.MultiSendResult:
		g, ok := got.(*chatmsg.MultiSendResult)
		require.True(t, ok, "got %T", got)
		require.NotNil(t, g)
		assert.Equal(t, string(data), string(g.Raw), "Raw")
		if len(w.Deliveries) == 0 {
			assert.Empty(t, g.Deliveries)
		} else {
			assert.Equal(t, w.Deliveries, g.Deliveries)
		}
	case *chatmsg.MessageList:
		g, ok := got.(*chatmsg.MessageList)
		require.True(t, ok, "got %T", got)
		require.NotNil(t, g)
		assert.Equal(t, string(data), string(g.Raw), "Raw")
		assert.Equal(t, w.Unread, g.Unread, "Unread")
		require.Len(t, g.Messages, len(w.Messages))
		for i := range w.Messages {
			wm, gm := w.Messages[i], g.Messages[i]
			assertSentAt(t, wm.SentAt, gm.SentAt, "message "+strconv.Itoa(i))
			wm.SentAt, gm.SentAt = time.Time{}, time.Time{}
			wm.Message, gm.Message = comparableMessage(t, wm.Message), comparableMessage(t, gm.Message)
			assert.Equal(t, wm, gm, "message %d", i)
		}
	case *chatmsg.ChatList:
		g, ok := got.(*chatmsg.ChatList)
		require.True(t, ok, "got %T", got)
		require.NotNil(t, g)
		assert.Equal(t, string(data), string(g.Raw), "Raw")
		assert.Equal(t, w.Total, g.Total, "Total")
		require.Len(t, g.Chats, len(w.Chats))
		for i := range w.Chats {
			wc, gc := w.Chats[i], g.Chats[i]
			assertSentAt(t, wc.SentAt, gc.SentAt, "chat "+strconv.Itoa(i))
			wc.SentAt, gc.SentAt = time.Time{}, time.Time{}
			wc.Last, gc.Last = comparableMessage(t, wc.Last), comparableMessage(t, gc.Last)
			assert.Equal(t, wc, gc, "chat %d", i)
		}
	case *chatmsg.UnreadCount:
		g, ok := got.(*chatmsg.UnreadCount)
		require.True(t, ok, "got %T", got)
		require.NotNil(t, g)
		assert.Equal(t, string(data), string(g.Raw), "Raw")
		assert.Equal(t, w.Count, g.Count, "Count")
		assert.Equal(t, w.Field, g.Field, "Field")
	default:
		t.Fatalf("no comparison for %T", want)
	}
}

// comparableMessage compacts the raw JSON of Custom and Unknown messages.
func comparableMessage(t *testing.T, m chatmsg.Message) chatmsg.Message {
	t.Helper()
	switch v := m.(type) {
	case chatmsg.Custom:
		return chatmsg.Custom{Object: compactJSON(t, v.Object)}
	case chatmsg.Unknown:
		return chatmsg.Unknown{Kind: v.Kind, Raw: compactJSON(t, v.Raw)}
	}
	return m
}

// TestReplayReferenceIsVerbatim guards the one real recording: the file
// must stay the reference's bytes, odd indentation included.
func TestReplayReferenceIsVerbatim(t *testing.T) {
	t.Parallel()
	b := readFixture(t, "getallchatlist/reference.json")
	assert.Contains(t, string(b), "        ],\n            \"total\": 2\n    },\n", "the reference's odd indentation")
	assert.Contains(t, string(b), `"msg": "小白开放接口:App.Market_ChatMessage.GetAllChatList"`)
	assert.True(t, json.Valid(b))
}

// TestReplay502RetryPolicy: with retries on, a 502 is tried again only for
// calls that are safe to repeat; a message is never sent twice. The
// cassette holds the 502 page three times in a row, as a recording of
// three attempts would.
func TestReplay502RetryPolicy(t *testing.T) {
	t.Parallel()
	page := readFixture(t, "common/http502_bad_gateway.html")
	side := readFixture(t, "common/http502_bad_gateway.req.json")
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "common"), 0o755))
	var files []string
	for i := 1; i <= 3; i++ {
		name := "common/attempt" + strconv.Itoa(i)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".html"), page, 0o644))
		ordered := bytes.Replace(side, []byte(`"service": "*",`), []byte(`"service": "*", "order": `+strconv.Itoa(i)+`,`), 1)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".req.json"), ordered, 0o644))
		files = append(files, name+".html")
	}
	for _, call := range plainCalls() {
		t.Run(call.name, func(t *testing.T) {
			t.Parallel()
			svc, sent := replayService(t, dir, okayapi.QueryForm, files, okayapi.WithRetries(2, time.Millisecond, time.Millisecond))

			_, err := call.invoke(context.Background(), svc)

			var te *okayapi.TransportError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, http.StatusBadGateway, te.StatusCode)
			assert.True(t, okayapi.MayHaveArrived(err))
			wantAttempts := 3
			if call.service == chatmsg.ServiceSend || call.service == chatmsg.ServiceMultiSend {
				wantAttempts = 1
			}
			assert.Len(t, sent.Requests(), wantAttempts, "HTTP requests made")
			assert.Equal(t, wantAttempts, te.Attempts)
			for _, c := range sent.Requests() {
				assertRequest(t, okayapi.QueryForm, c, call.service, call.params)
			}
		})
	}
}
