package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/broadcast"
	"github.com/okayapi-go/sdk/okayapi"
)

// TestReportMapping checks the exit status for each error type, including
// ones the fake cannot provoke.
func TestReportMapping(t *testing.T) {
	t.Parallel()
	send := findCommand("send")
	unread := findCommand("unread")
	cases := []struct {
		name string
		cmd  *command
		err  error
		how  callInfo
		code int
		want string
		not  string // must not be in stderr
	}{
		{"nil", send, nil, callInfo{}, 0, "", ""},
		{"invalid param", send, &okayapi.InvalidParamError{Field: "other_uuid", Rule: "bad"}, callInfo{}, 2, "nothing was sent", ""},
		{"ret 500 on send", send, &okayapi.APIError{Service: chatmsg.ServiceSend, Ret: 500, Msg: "服务器错误"}, callInfo{}, 1, "may have been delivered", ""},
		{"ret 0 on send", send, &okayapi.APIError{Service: chatmsg.ServiceSend, Ret: 0, Msg: "read error"}, callInfo{}, 1,
			"okchat send: the service failed on App.Market_ChatMessage.Send: ret 0: read error", "refused"},
		{"ret HY000 on send", send, &okayapi.APIError{Service: chatmsg.ServiceSend, RetText: "HY000", Msg: "SQLSTATE[HY000]: General error"}, callInfo{}, 1,
			`ret "HY000": SQLSTATE[HY000]: General error`, "ret 0"},
		{"ret 401 refused", unread, &okayapi.APIError{Service: chatmsg.ServiceGetAllUnreadNum, Ret: 401, Msg: "未登录"}, callInfo{}, 1,
			"okchat unread: the service refused App.Market_ChatMessage.GetAllUnreadNum: ret 401", ""},
		{"bad signature, unsigned", unread, &okayapi.APIError{Service: chatmsg.ServiceGetAllUnreadNum, Ret: 400, Msg: "非法请求：签名错误"},
			callInfo{unsigned: true}, 1, "okchat: hint: OKAYAPI_APP_SECRET is not set, so the call was sent unsigned; the app expects signed calls", ""},
		{"bad signature, signed", unread, &okayapi.APIError{Service: chatmsg.ServiceGetAllUnreadNum, Ret: 400, Msg: "非法请求：签名错误"},
			callInfo{}, 1, "okchat: hint: the app refused the signature: OKAYAPI_APP_SECRET is not the secret", "is not set"},
		{"bad signature, static", unread, &okayapi.APIError{Service: chatmsg.ServiceGetAllUnreadNum, Ret: 400, Msg: "非法请求：签名错误"},
			callInfo{static: true}, 1, "okchat: hint: the app refused the signature: OKAYAPI_STATIC_SIGN is not this app's sign value", "is not set"},
		{"other refusal, unsigned", unread, &okayapi.APIError{Service: chatmsg.ServiceGetAllUnreadNum, Ret: 400, Msg: "缺少必要参数uuid"},
			callInfo{unsigned: true}, 1, "ret 400", "hint"},
		{"timed out", unread, &okayapi.TransportError{Service: chatmsg.ServiceGetAllUnreadNum, Err: errors.New("context deadline exceeded")},
			callInfo{timedOut: 1500 * time.Millisecond}, 3, "okchat: gave up after 1.5s (--timeout)", ""},
		{"not timed out", unread, &okayapi.TransportError{Service: chatmsg.ServiceGetAllUnreadNum, Err: errors.New("connection reset")},
			callInfo{}, 3, "connection reset", "--timeout"},
		{"redirect", unread, &okayapi.TransportError{Service: chatmsg.ServiceGetAllUnreadNum, StatusCode: 307, Err: okayapi.ErrRedirect},
			callInfo{}, 3, "okchat: the host answered with a redirect, which okchat never follows", ""},
		{"err_code 2", send, &okayapi.PluginError{Service: chatmsg.ServiceSend, Code: 2, Msg: "发送失败"}, callInfo{}, 1, "the message was not delivered", ""},
		{"decode error", send, &okayapi.DecodeError{Service: chatmsg.ServiceSend, Reason: "x"}, callInfo{}, 3, "may have been delivered", ""},
		{"other error", unread, errors.New("boom"), callInfo{}, 3, "boom", ""},
		{"output error on send", send, &outputError{err: errDiskFull}, callInfo{}, 4, "okchat send: the message was delivered (do not send it again), but the output could not be written: write /dev/stdout: no space left on device", ""},
		{"output error on multisend", findCommand("multisend"), &outputError{err: io.ErrShortWrite}, callInfo{}, 4, "the message was delivered", ""},
		{"output error on unread", unread, &outputError{err: errDiskFull}, callInfo{}, 4, "okchat unread: the call succeeded, but the output could not be written", ""},
		{"invalid chat_message_data", send, &okayapi.InvalidParamError{Field: "chat_message_data.content", Rule: "is required"}, callInfo{}, 2, "invalid message (chat_message_data.content): is required", ""},
		{"invalid direction", findCommand("history"), &okayapi.InvalidParamError{Field: "direction", Rule: "bad"}, callInfo{}, 2, "invalid --up (direction): bad", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			assert.Equal(t, tc.code, report(&stderr, tc.cmd, tc.err, tc.how))
			assert.Contains(t, stderr.String(), tc.want)
			if tc.not != "" {
				assert.NotContains(t, stderr.String(), tc.not)
			}
		})
	}
}

// A multisend that did not surely reach everyone: exit status 1 when the
// service refused some and no outcome is unknown, else 3.
func TestReportBroadcast(t *testing.T) {
	t.Parallel()
	multisend := findCommand("multisend")
	bob, carol := "B"+strings.Repeat("0", 31), "C"+strings.Repeat("0", 31)
	refused := &okayapi.PluginError{Service: chatmsg.ServiceMultiSend, Code: 2, Msg: "发送失败"}
	lost := &okayapi.APIError{Service: chatmsg.ServiceMultiSend, Ret: 502, Msg: "Bad Gateway"}
	unsent := &okayapi.TransportError{Service: chatmsg.ServiceMultiSend, Err: errors.New("connection refused")}
	failure := func(outcomes ...broadcast.Outcome) *broadcastFailure {
		e := &broadcast.Error{}
		for _, o := range outcomes {
			switch o.State {
			case broadcast.Delivered:
				e.Delivered++
			case broadcast.NotDelivered:
				e.NotDelivered++
				e.Errs = append(e.Errs, o.Err)
			case broadcast.MaybeDelivered:
				e.MaybeDelivered++
				e.Errs = append(e.Errs, o.Err)
			}
		}
		return &broadcastFailure{err: e, res: &broadcast.Result{Outcomes: outcomes}}
	}
	cases := []struct {
		name string
		bf   *broadcastFailure
		how  callInfo
		code int
		want []string
		not  []string
	}{
		{"refused", failure(broadcast.Outcome{To: bob, State: broadcast.Delivered, MessageID: 1}, broadcast.Outcome{To: carol, State: broadcast.NotDelivered, Err: refused}),
			callInfo{}, 1, []string{"1 of 2 recipient(s) got the message", "1 recipient(s): the chat plugin refused", "not delivered to 1 recipient(s)", "1 recipient(s) got the message: do not send"},
			[]string{"may have been delivered to", carol}},
		{"ret 502: unknown", failure(broadcast.Outcome{To: bob, State: broadcast.MaybeDelivered, Err: lost}, broadcast.Outcome{To: carol, State: broadcast.NotDelivered, Err: refused}),
			callInfo{}, 3, []string{"the service failed on App.Market_ChatMessage.MultiSend: ret 502", "may have been delivered to these 1 recipient(s)", "\n  " + bob + "\n", "err_code 2"},
			[]string{"do not send it to them again"}},
		{"never sent", failure(broadcast.Outcome{To: bob, State: broadcast.NotDelivered, Err: unsent}),
			callInfo{}, 3, []string{"1 recipient(s): no usable answer", "connection refused", "not delivered to 1 recipient(s)"}, []string{"may have been delivered to"}},
		{"timed out", failure(broadcast.Outcome{To: bob, State: broadcast.NotDelivered, Err: context.DeadlineExceeded}),
			callInfo{timedOut: time.Second}, 3, []string{"gave up after 1s (--timeout)"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			assert.Equal(t, tc.code, report(&stderr, multisend, tc.bf, tc.how))
			for _, w := range tc.want {
				assert.Contains(t, stderr.String(), w)
			}
			for _, n := range tc.not {
				assert.NotContains(t, stderr.String(), n)
			}
		})
	}
}
