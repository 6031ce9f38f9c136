package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCursorStore: a cursor saved is loaded back the same, under the
// member's uuid in any case; a member with none is found=false, no error; a
// cursor that is not one is an error that names the member.
func TestCursorStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newClient(t)
	prefix := testPrefix(t)
	s := NewCursorStore(rdb, prefix)
	var _ chatmsg.CursorStore = s
	const m = "0123456789abcdef0123456789abcdef"
	_, found, err := s.Load(ctx, m)
	require.NoError(t, err)
	assert.False(t, found)

	c := chatmsg.Cursor{Chats: map[string]chatmsg.ChatCursor{
		"FEDCBA9876543210FEDCBA9876543210": {LastID: 42, Recent: []int64{40, 41, 42}, Row: "abc", RowSeen: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC), Settled: true},
	}}
	require.NoError(t, s.Save(ctx, m, c))
	back, found, err := s.Load(ctx, "0123456789ABCDEF0123456789ABCDEF")
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, c, back)

	require.NoError(t, rdb.HSet(ctx, prefix+"cursor:BAD", "data", "not json").Err())
	_, _, err = s.Load(ctx, "bad")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad")
}
