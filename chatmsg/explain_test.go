package chatmsg_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
)

// Every err_code the chat plugin documents carries an English explanation,
// with what to do, beside the service's own err_msg; "okayapi: " and
// "chatmsg: " are not repeated inside.
func TestPluginErrorsExplainTheCode(t *testing.T) {
	t.Parallel()
	for code, want := range map[int]string{
		1:  "err_code 1: 不能给自己发消息 — cannot send to or chat with yourself: name another member",
		2:  "err_code 2: 不能给自己发消息 — send failed: the service could not store the message; sending again may work",
		9:  "err_code 9: 不能给自己发消息 — private-message plugin not installed: install it for this app",
		77: "err_code 77: 不能给自己发消息 — undocumented err_code: the plugin's reference does not name it",
	} {
		chat, api := newMockAPI(t, okayapi.QueryForm)
		api.reply(chatmsg.ServiceGetAllUnreadNum, 200, fmt.Appendf(nil, `{"ret":200,"data":{"err_code":%d,"err_msg":"不能给自己发消息"},"msg":""}`, code))
		_, err := chat.GetAllUnreadNum(context.Background(), replayMember())
		require.Error(t, err)
		text := err.Error()
		assert.Contains(t, text, want)
		assert.NotContains(t, text, "chatmsg:", "the sentinel's prefix is not repeated")
		assert.Equal(t, 1, strings.Count(text, "okayapi:"), text)
	}
}

// A context cancelled before a page is read is classified by the iterators
// as Send classifies it: a *okayapi.TransportError that did not reach the
// service.
func TestIteratorsClassifyACancelledContextAsSend(t *testing.T) {
	t.Parallel()
	chat, api := newMockAPI(t, okayapi.QueryForm)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	member := replayMember()
	const other = "5B1CA086F3E9E86F83354191AFB41E9E"

	_, sendErr := chat.Send(ctx, member, other, chatmsg.Text{Content: "hi"})
	require.Error(t, sendErr)
	errs := map[string]error{"Send": sendErr}
	for _, err := range chat.History(ctx, member, other, chatmsg.HistoryOptions{}) {
		errs["History"] = err
	}
	for _, err := range chat.Chats(ctx, member, chatmsg.ChatsOptions{}) {
		errs["Chats"] = err
	}
	require.Len(t, errs, 3)
	for name, err := range errs {
		assert.ErrorIs(t, err, context.Canceled, name)
		assert.ErrorIs(t, err, okayapi.ErrTransport, name)
		assert.False(t, okayapi.MayHaveArrived(err), "%s: a read that never started did not arrive", name)
		var te *okayapi.TransportError
		assert.True(t, errors.As(err, &te), name)
	}
	assert.Empty(t, api.Calls(), "nothing sent")
}

// Too many recipients: the rule is the same whatever the count, which is
// the value.
func TestTooManyRecipientsRuleIsFixed(t *testing.T) {
	t.Parallel()
	chat, _ := newMockAPI(t, okayapi.QueryForm)
	var rules []string
	for _, n := range []int{chatmsg.MaxRecipients + 1, chatmsg.MaxRecipients + 7} {
		to := make([]string, n)
		for i := range to {
			to[i] = strings.Repeat("A", 28) + strings.ToUpper(strings.Repeat("0", 4-len(itoa16(i)))+itoa16(i))
		}
		_, err := chat.MultiSend(context.Background(), replayMember(), to, chatmsg.Text{Content: "hi"})
		var ip *okayapi.InvalidParamError
		require.ErrorAs(t, err, &ip)
		assert.Equal(t, "other_uuid", ip.Field)
		rules = append(rules, ip.Rule)
		assert.Contains(t, ip.Value, "recipients")
	}
	assert.Equal(t, rules[0], rules[1])
}

func itoa16(i int) string { return strings.ToUpper(strconv.FormatInt(int64(i), 16)) }
