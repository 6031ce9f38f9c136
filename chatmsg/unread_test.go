package chatmsg_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
)

// TestGetAllUnreadNumFieldNames: the count is read only from names that say
// "unread"; a lone total or num is not taken for it.
func TestGetAllUnreadNumFieldNames(t *testing.T) {
	t.Parallel()
	cases := []struct {
		data  string
		count int
		field string // "" = a DecodeError is expected
	}{
		{`{"err_code":0,"unread_num":"7"}`, 7, "unread_num"},
		{`{"err_code":0,"unread_count":3,"total":9}`, 3, "unread_count"},
		{`{"err_code":0,"total_unread_num":2}`, 2, "total_unread_num"},
		{`{"err_code":0,"unread_num":1,"unread_count":5}`, 1, "unread_num"},
		{`{"err_code":0,"total":9}`, 0, ""},
		{`{"err_code":0,"num":9}`, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.data, func(t *testing.T) {
			t.Parallel()
			svc, mock := newMockAPI(t, okayapi.QueryForm)
			mock.reply(chatmsg.ServiceGetAllUnreadNum, http.StatusOK, []byte(`{"ret":200,"data":`+tc.data+`,"msg":""}`))
			got, err := svc.GetAllUnreadNum(context.Background(), replayMember())
			if tc.field == "" {
				var de *okayapi.DecodeError
				require.True(t, errors.As(err, &de), "want a DecodeError, got %v", err)
				assert.ErrorIs(t, err, chatmsg.ErrNoUnreadCount)
				assert.JSONEq(t, tc.data, string(de.Data), "the answer stays reachable")
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.count, got.Count)
			assert.Equal(t, tc.field, got.Field)
		})
	}
}
