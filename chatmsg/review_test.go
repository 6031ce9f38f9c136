package chatmsg_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
)

// TestUnreadNumErrorsHideTheToken: an answer to GetAllUnreadNum that echoes
// the member's token, as a field name or a value, shows it nowhere in the
// error, with any verb.
func TestUnreadNumErrorsHideTheToken(t *testing.T) {
	t.Parallel()
	for _, data := range []string{
		`{"err_code":0,"` + replayToken + `":1}`,
		`{"err_code":0,"echo":"` + replayToken + `"}`,
		`{"err_code":0,"unread_num":{"t":"` + replayToken + `"}}`,
	} {
		svc, mock := newMockAPI(t, okayapi.QueryForm)
		mock.reply(chatmsg.ServiceGetAllUnreadNum, http.StatusOK, []byte(`{"ret":200,"data":`+data+`,"msg":""}`))
		_, err := svc.GetAllUnreadNum(context.Background(), replayMember())
		require.Error(t, err, data)
		var de *okayapi.DecodeError
		require.ErrorAs(t, err, &de)
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", *de), fmt.Sprintf("%#v", *de), string(de.Data), fmt.Sprintf("%x", *de)} {
			assert.NotContains(t, text, replayToken[:16], data)
			assert.NotContains(t, strings.ToUpper(text), replayToken[20:36], data)
		}
		if strings.Contains(data, `"echo"`) || strings.Contains(data, `":1}`) {
			assert.True(t, errors.Is(err, chatmsg.ErrNoUnreadCount), "%v", err)
		}
	}
}

// TestNestingDeeperThanPHPRefused: chat_message_data may nest 511 levels
// (PHP's json_decode refuses 512), not more.
func TestNestingDeeperThanPHPRefused(t *testing.T) {
	t.Parallel()
	nested := func(levels int) chatmsg.Custom { // an object holding levels-1 arrays
		return chatmsg.Custom{Object: []byte(`{"a":` + strings.Repeat("[", levels-1) + "1" + strings.Repeat("]", levels-1) + `}`)}
	}
	svc, mock := newMockAPI(t, okayapi.QueryForm)
	mock.reply(chatmsg.ServiceSend, http.StatusOK, []byte(`{"ret":200,"data":{"err_code":0},"msg":""}`))
	_, err := svc.Send(context.Background(), replayMember(), uuidAB, nested(512))
	var ipe *okayapi.InvalidParamError
	require.ErrorAs(t, err, &ipe)
	assert.Equal(t, "chat_message_data", ipe.Field)
	assert.Contains(t, ipe.Rule, "511")
	assert.Empty(t, mock.Calls())
	_, err = svc.Send(context.Background(), replayMember(), uuidAB, nested(511))
	require.NoError(t, err)
}

// TestInvisibleContentRefused: text made only of characters that show
// nothing (direction marks, fillers, joiners) is blank.
func TestInvisibleContentRefused(t *testing.T) {
	t.Parallel()
	svc, mock := newMockAPI(t, okayapi.QueryForm)
	for _, content := range []string{"\u200E\u200F", "\u2800", "\u3164", "\u034F", "\u180E", "\uFE0F", "\u115F\u1160", "\uFFA0", " \u200B\u3000"} {
		_, err := svc.Send(context.Background(), replayMember(), uuidAB, chatmsg.Text{Content: content})
		var ipe *okayapi.InvalidParamError
		require.ErrorAs(t, err, &ipe, "%+q", content)
		assert.Equal(t, "chat_message_data.content", ipe.Field)
	}
	assert.Zero(t, len(mock.Calls()))
}
