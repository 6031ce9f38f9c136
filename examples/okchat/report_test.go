package main

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/okayapi-go/sdk/chatmsg"
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
			callInfo{}, 1, "ret 400", "hint"},
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
