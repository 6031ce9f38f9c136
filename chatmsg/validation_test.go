package chatmsg_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
)

// validationCase is one call that must be rejected before anything is sent.
type validationCase struct {
	name  string
	field string // the InvalidParamError's Field
	call  func(context.Context, *chatmsg.Service) error
}

// everyCall runs each of the seven calls as m, with otherwise valid arguments.
func everyCall(m okayapi.Member) map[string]func(context.Context, *chatmsg.Service) error {
	return map[string]func(context.Context, *chatmsg.Service) error{
		"Send": func(ctx context.Context, s *chatmsg.Service) error {
			_, err := s.Send(ctx, m, uuidAB, chatmsg.Text{Content: "hi"})
			return err
		},
		"MultiSend": func(ctx context.Context, s *chatmsg.Service) error {
			_, err := s.MultiSend(ctx, m, []string{uuidAB}, chatmsg.Text{Content: "hi"})
			return err
		},
		"TakeMessageList": func(ctx context.Context, s *chatmsg.Service) error {
			_, err := s.TakeMessageList(ctx, m, uuidAB, chatmsg.ListOptions{})
			return err
		},
		"MarkAsReaded": func(ctx context.Context, s *chatmsg.Service) error {
			_, err := s.MarkAsReaded(ctx, m, uuidAB, 1)
			return err
		},
		"MarkAllAsReaded": func(ctx context.Context, s *chatmsg.Service) error {
			_, err := s.MarkAllAsReaded(ctx, m, uuidAB)
			return err
		},
		"GetAllChatList": func(ctx context.Context, s *chatmsg.Service) error {
			_, err := s.GetAllChatList(ctx, m, chatmsg.ChatListOptions{})
			return err
		},
		"GetAllUnreadNum": func(ctx context.Context, s *chatmsg.Service) error {
			_, err := s.GetAllUnreadNum(ctx, m)
			return err
		},
	}
}

// withOther runs each call that takes one other member's uuid with that uuid.
func withOther(other string) map[string]func(context.Context, *chatmsg.Service) error {
	m := replayMember()
	return map[string]func(context.Context, *chatmsg.Service) error{
		"Send": func(ctx context.Context, s *chatmsg.Service) error {
			_, err := s.Send(ctx, m, other, chatmsg.Text{Content: "hi"})
			return err
		},
		"TakeMessageList": func(ctx context.Context, s *chatmsg.Service) error {
			_, err := s.TakeMessageList(ctx, m, other, chatmsg.ListOptions{})
			return err
		},
		"MarkAsReaded": func(ctx context.Context, s *chatmsg.Service) error {
			_, err := s.MarkAsReaded(ctx, m, other, 1)
			return err
		},
		"MarkAllAsReaded": func(ctx context.Context, s *chatmsg.Service) error {
			_, err := s.MarkAllAsReaded(ctx, m, other)
			return err
		},
	}
}

func sendMsg(msg chatmsg.Message) func(context.Context, *chatmsg.Service) error {
	return func(ctx context.Context, s *chatmsg.Service) error {
		_, err := s.Send(ctx, replayMember(), uuidAB, msg)
		return err
	}
}

func multiSendTo(to []string, msg chatmsg.Message) func(context.Context, *chatmsg.Service) error {
	return func(ctx context.Context, s *chatmsg.Service) error {
		_, err := s.MultiSend(ctx, replayMember(), to, msg)
		return err
	}
}

func takeWith(opts chatmsg.ListOptions) func(context.Context, *chatmsg.Service) error {
	return func(ctx context.Context, s *chatmsg.Service) error {
		_, err := s.TakeMessageList(ctx, replayMember(), uuidAB, opts)
		return err
	}
}

func chatListWith(opts chatmsg.ChatListOptions) func(context.Context, *chatmsg.Service) error {
	return func(ctx context.Context, s *chatmsg.Service) error {
		_, err := s.GetAllChatList(ctx, replayMember(), opts)
		return err
	}
}

// hexUUID returns the i-th of a series of distinct valid uuids.
func hexUUID(i int) string { return fmt.Sprintf("%032X", i+1) }

func recipients(n int) []string {
	to := make([]string, n)
	for i := range to {
		to[i] = hexUUID(i)
	}
	return to
}

func validationCases() []validationCase {
	var cases []validationCase
	hi := chatmsg.Text{Content: "hi"}

	// The member acting: uuid 32 hex characters, a token.
	members := []struct {
		name  string
		m     okayapi.Member
		field string
	}{
		{"zero member", okayapi.Member{}, "member"},
		{"uuid empty", okayapi.NewMember("", replayToken), "uuid"},
		{"uuid 31 chars", okayapi.NewMember(replayUUID[:31], replayToken), "uuid"},
		{"uuid not hex", okayapi.NewMember(strings.Repeat("G", 32), replayToken), "uuid"},
		{"token empty", okayapi.Member{UUID: replayUUID}, "token"},
	}
	for _, mc := range members {
		for name, call := range everyCall(mc.m) {
			cases = append(cases, validationCase{name: name + "/" + mc.name, field: mc.field, call: call})
		}
	}

	// other_uuid must be 32 hex characters.
	others := map[string]string{
		"empty":       "",
		"31 chars":    uuidAB[:31],
		"33 chars":    uuidAB + "0",
		"not hex":     "8AEA2AF1951C0376EC668A74B8CAA64Z",
		"with space":  "8AEA2AF1951C0376 C668A74B8CAA64A",
		"dashed uuid": "8aea2af1-951c-0376-ec66-8a74b8ca",
		"emoji":       "8AEA2AF1951C0376EC668A74B8CA😀",
	}
	for oname, other := range others {
		for name, call := range withOther(other) {
			cases = append(cases, validationCase{name: name + "/other_uuid " + oname, field: "other_uuid", call: call})
		}
	}

	// MultiSend's recipients.
	dup := []string{uuidAB, uuidDogstar, strings.ToLower(uuidAB)}
	cases = append(cases,
		validationCase{"MultiSend/nil recipients", "other_uuid", multiSendTo(nil, hi)},
		validationCase{"MultiSend/0 recipients", "other_uuid", multiSendTo([]string{}, hi)},
		validationCase{"MultiSend/201 recipients", "other_uuid", multiSendTo(recipients(201), hi)},
		validationCase{"MultiSend/blank recipient", "other_uuid[1]", multiSendTo([]string{uuidAB, "   "}, hi)},
		validationCase{"MultiSend/empty recipient", "other_uuid[0]", multiSendTo([]string{"", uuidAB}, hi)},
		validationCase{"MultiSend/duplicate ignoring case", "other_uuid[2]", multiSendTo(dup, hi)},
		validationCase{"MultiSend/exact duplicate", "other_uuid[1]", multiSendTo([]string{uuidAB, uuidAB}, hi)},
		validationCase{"MultiSend/duplicate at the end of 200", "other_uuid[199]", multiSendTo(append(recipients(199), hexUUID(5)), hi)},
		validationCase{"MultiSend/recipient too short", "other_uuid[1]", multiSendTo([]string{uuidAB, uuidDogstar[:30]}, hi)},
		validationCase{"MultiSend/recipient not hex", "other_uuid[0]", multiSendTo([]string{strings.Repeat("Z", 32)}, hi)},
		validationCase{"MultiSend/recipients joined by the caller", "other_uuid[0]", multiSendTo([]string{uuidAB + "," + uuidDogstar}, hi)},
		validationCase{"MultiSend/bad message", "chat_message_data.content", multiSendTo([]string{uuidAB}, chatmsg.Text{})},
		validationCase{"MultiSend/nil message", "chat_message_data", multiSendTo([]string{uuidAB}, nil)},
	)

	// TakeMessageList's and GetAllChatList's paging.
	cases = append(cases,
		validationCase{"TakeMessageList/perpage -1", "perpage", takeWith(chatmsg.ListOptions{PerPage: -1})},
		validationCase{"TakeMessageList/perpage 101", "perpage", takeWith(chatmsg.ListOptions{PerPage: 101})},
		validationCase{"TakeMessageList/last_id -1", "last_id", takeWith(chatmsg.ListOptions{LastID: -1})},
		validationCase{"TakeMessageList/direction sideways", "direction", takeWith(chatmsg.ListOptions{Order: "sideways"})},
		validationCase{"TakeMessageList/direction DOWN", "direction", takeWith(chatmsg.ListOptions{Order: "DOWN"})},
		validationCase{"GetAllChatList/perpage -1", "perpage", chatListWith(chatmsg.ChatListOptions{PerPage: -1})},
		validationCase{"GetAllChatList/perpage 101", "perpage", chatListWith(chatmsg.ChatListOptions{PerPage: 101})},
		validationCase{"GetAllChatList/page -1", "page", chatListWith(chatmsg.ChatListOptions{Page: -1})},
		validationCase{"GetAllChatList/page 101", "page", chatListWith(chatmsg.ChatListOptions{Page: 101})},
	)

	// MarkAsReaded names one message; 0 is MarkAllAsReaded's job.
	for _, id := range []int64{0, -1, -9223372036854775808} {
		cases = append(cases, validationCase{
			name: fmt.Sprintf("MarkAsReaded/id %d", id), field: "chat_message_id",
			call: func(ctx context.Context, s *chatmsg.Service) error {
				_, err := s.MarkAsReaded(ctx, replayMember(), uuidAB, id)
				return err
			},
		})
	}

	// Messages.
	var nilText *chatmsg.Text
	var nilImage *chatmsg.Image
	msgs := []struct {
		name  string
		msg   chatmsg.Message
		field string
	}{
		{"Text empty", chatmsg.Text{}, "chat_message_data.content"},
		{"Text blank", chatmsg.Text{Content: " \t\n "}, "chat_message_data.content"},
		{"Text blank with ext", chatmsg.Text{Content: "  ", Ext: map[string]any{"a": 1}}, "chat_message_data.content"},
		{"HTML empty", chatmsg.HTML{}, "chat_message_data.content"},
		{"HTML blank", chatmsg.HTML{Content: "\n"}, "chat_message_data.content"},
		{"Image missing URL", chatmsg.Image{}, "chat_message_data.url"},
		{"Image relative URL", chatmsg.Image{URL: "/img/a.png"}, "chat_message_data.url"},
		{"Image no scheme", chatmsg.Image{URL: "cdn.example.com/a.png"}, "chat_message_data.url"},
		{"Image ftp", chatmsg.Image{URL: "ftp://cdn.example.com/a.png"}, "chat_message_data.url"},
		{"Image with space", chatmsg.Image{URL: "https://cdn.example.com/a b.png"}, "chat_message_data.url"},
		{"Image with newline", chatmsg.Image{URL: "https://cdn.example.com/a.png\n"}, "chat_message_data.url"},
		{"Image no host", chatmsg.Image{URL: "https:///a.png"}, "chat_message_data.url"},
		{"Link missing URL", chatmsg.Link{}, "chat_message_data.url"},
		{"Link relative URL", chatmsg.Link{URL: "page.html"}, "chat_message_data.url"},
		{"Link ftp", chatmsg.Link{URL: "ftp://example.com/"}, "chat_message_data.url"},
		{"Link javascript", chatmsg.Link{URL: "javascript:alert(1)"}, "chat_message_data.url"},
		{"Link with space", chatmsg.Link{URL: "https://example.com/a b"}, "chat_message_data.url"},
		{"Custom array", chatmsg.Custom{Object: json.RawMessage(`[1]`)}, "chat_message_data"},
		{"Custom string", chatmsg.Custom{Object: json.RawMessage(`"x"`)}, "chat_message_data"},
		{"Custom empty", chatmsg.Custom{Object: json.RawMessage(``)}, "chat_message_data"},
		{"Custom nil", chatmsg.Custom{}, "chat_message_data"},
		{"Custom null", chatmsg.Custom{Object: json.RawMessage(`null`)}, "chat_message_data"},
		{"Custom invalid JSON", chatmsg.Custom{Object: json.RawMessage(`{"a":`)}, "chat_message_data"},
		{"Custom object then garbage", chatmsg.Custom{Object: json.RawMessage(`{"a":1} x`)}, "chat_message_data"},
		{"Text ext replaces content", chatmsg.Text{Content: "hi", Ext: map[string]any{"content": "other"}}, "chat_message_data.content"},
		{"HTML ext replaces content", chatmsg.HTML{Content: "<b>hi</b>", Ext: map[string]any{"content": "x"}}, "chat_message_data.content"},
		{"Image ext replaces url", chatmsg.Image{URL: "https://a.example/p.png", Ext: map[string]any{"url": "https://b.example/"}}, "chat_message_data.url"},
		{"Link ext replaces url", chatmsg.Link{URL: "https://a.example/", Ext: map[string]any{"url": "x"}}, "chat_message_data.url"},
		{"Text ext empty name", chatmsg.Text{Content: "hi", Ext: map[string]any{"": 1}}, "chat_message_data"},
		{"Text ext not JSON", chatmsg.Text{Content: "hi", Ext: map[string]any{"f": func() {}}}, "chat_message_data"},
		{"Text ext invalid raw JSON", chatmsg.Text{Content: "hi", Ext: map[string]any{"r": json.RawMessage(`{`)}}, "chat_message_data"},
		{"nil message", nil, "chat_message_data"},
		{"nil *Text", nilText, "chat_message_data"},
		{"nil *Image", nilImage, "chat_message_data"},
		{"Unknown video", chatmsg.Unknown{Kind: "video", Raw: json.RawMessage(`{"url":"https://a.example/v.mp4"}`)}, "chat_message_type"},
		{"Unknown claiming text", chatmsg.Unknown{Kind: "text", Raw: json.RawMessage(`{"content":"hi"}`)}, "chat_message_type"},
		{"Unknown empty", chatmsg.Unknown{}, "chat_message_type"},
	}
	for _, mc := range msgs {
		cases = append(cases, validationCase{name: "Send/" + mc.name, field: mc.field, call: sendMsg(mc.msg)})
	}
	return cases
}

// TestValidation: every rule is checked before anything is sent, and the
// error names the parameter.
func TestValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range validationCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, mock := newMockAPI(t, okayapi.QueryForm)
			for _, service := range []string{
				chatmsg.ServiceSend, chatmsg.ServiceMultiSend, chatmsg.ServiceTakeMessageList,
				chatmsg.ServiceMarkAsReaded, chatmsg.ServiceGetAllChatList, chatmsg.ServiceGetAllUnreadNum,
			} {
				mock.reply(service, 200, []byte(`{"ret":200,"data":{"err_code":0,"err_msg":""},"msg":""}`))
			}

			var err error
			require.NotPanics(t, func() { err = tc.call(context.Background(), svc) })

			require.Error(t, err)
			var ipe *okayapi.InvalidParamError
			require.ErrorAs(t, err, &ipe)
			assert.Equal(t, tc.field, ipe.Field)
			assert.NotEmpty(t, ipe.Rule)
			assert.Contains(t, err.Error(), tc.field, "the message names the field")
			assert.NotContains(t, err.Error(), replayToken)
			assert.False(t, okayapi.MayHaveArrived(err))
			for _, s := range []error{okayapi.ErrBadRequest, chatmsg.ErrSelf} {
				assert.NotErrorIs(t, err, s)
			}
			assert.Zero(t, mock.mt.GetTotalCallCount(), "no HTTP request may be made")
			assert.Empty(t, mock.Calls())
		})
	}
}

// TestValidationBoundaries: the limits themselves are accepted, and the
// call is made.
func TestValidationBoundaries(t *testing.T) {
	t.Parallel()
	ok := []byte(`{"ret":200,"data":{"err_code":0,"err_msg":"","list":[],"detail":[],"unread_num":0,"total":0,"readed_num":0},"msg":""}`)
	cases := []struct {
		name    string
		service string
		call    func(context.Context, *chatmsg.Service) error
		param   string // a form field to check
		value   string // its value; "" means absent
	}{
		{"TakeMessageList perpage 0 means default", chatmsg.ServiceTakeMessageList, takeWith(chatmsg.ListOptions{PerPage: 0}), "perpage", ""},
		{"TakeMessageList perpage 1", chatmsg.ServiceTakeMessageList, takeWith(chatmsg.ListOptions{PerPage: 1}), "perpage", "1"},
		{"TakeMessageList perpage 100", chatmsg.ServiceTakeMessageList, takeWith(chatmsg.ListOptions{PerPage: 100}), "perpage", "100"},
		{"TakeMessageList last_id 0", chatmsg.ServiceTakeMessageList, takeWith(chatmsg.ListOptions{LastID: 0}), "last_id", ""},
		{"TakeMessageList last_id large", chatmsg.ServiceTakeMessageList, takeWith(chatmsg.ListOptions{LastID: 9007199254740993}), "last_id", "9007199254740993"},
		{"TakeMessageList Older", chatmsg.ServiceTakeMessageList, takeWith(chatmsg.ListOptions{Order: chatmsg.Older}), "direction", "up"},
		{"GetAllChatList page 0 means 1", chatmsg.ServiceGetAllChatList, chatListWith(chatmsg.ChatListOptions{}), "page", ""},
		{"GetAllChatList page 100", chatmsg.ServiceGetAllChatList, chatListWith(chatmsg.ChatListOptions{Page: 100}), "page", "100"},
		{"GetAllChatList perpage 100", chatmsg.ServiceGetAllChatList, chatListWith(chatmsg.ChatListOptions{PerPage: 100}), "perpage", "100"},
		{"MultiSend 1 recipient", chatmsg.ServiceMultiSend, multiSendTo([]string{uuidAB}, chatmsg.Text{Content: "hi"}), "other_uuid", uuidAB},
		{"MultiSend 200 recipients", chatmsg.ServiceMultiSend, multiSendTo(recipients(200), chatmsg.Text{Content: "hi"}), "other_uuid", strings.Join(recipients(200), ",")},
		{"MultiSend lower-case uuids", chatmsg.ServiceMultiSend, multiSendTo([]string{strings.ToLower(uuidAB)}, chatmsg.Text{Content: "hi"}), "other_uuid", strings.ToLower(uuidAB)},
		{"Send lower-case uuid", chatmsg.ServiceSend, func(ctx context.Context, s *chatmsg.Service) error {
			_, err := s.Send(ctx, replayMember(), strings.ToLower(uuidAB), chatmsg.Text{Content: "hi"})
			return err
		}, "other_uuid", strings.ToLower(uuidAB)},
		{"Send http URL", chatmsg.ServiceSend, sendMsg(chatmsg.Link{URL: "http://example.com"}), "chat_message_data", `{"url":"http://example.com"}`},
		{"MarkAsReaded id 1", chatmsg.ServiceMarkAsReaded, func(ctx context.Context, s *chatmsg.Service) error {
			_, err := s.MarkAsReaded(ctx, replayMember(), uuidAB, 1)
			return err
		}, "chat_message_id", "1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, mock := newMockAPI(t, okayapi.QueryForm)
			mock.reply(tc.service, 200, ok)

			require.NoError(t, tc.call(context.Background(), svc))

			call := mock.onlyCall(t)
			assert.True(t, call.Matched)
			if tc.value == "" {
				assert.NotContains(t, call.Form, tc.param)
			} else {
				assert.Equal(t, []string{tc.value}, call.Form[tc.param])
			}
		})
	}
}
