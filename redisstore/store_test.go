package redisstore

import (
	"context"
	"testing"

	"github.com/okayapi-go/sdk/chatmsg/watch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCursorStore: a cursor saved is loaded back the same, under the
// member's uuid in any case; a member with none is found=false, no error.
func TestCursorStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := newClient(t)
	prefix := testPrefix(t)
	s := NewCursorStore(rdb, prefix)
	var _ watch.Store = s
	const m = "0123456789abcdef0123456789abcdef"
	_, found, err := s.Load(ctx, m)
	require.NoError(t, err)
	assert.False(t, found)

	c := []byte(`{"chats":{"FEDCBA9876543210FEDCBA9876543210":{"last_id":42,"recent":[40,41,42],"row":"abc","settled":true}}}`)
	require.NoError(t, s.Save(ctx, m, c))
	back, found, err := s.Load(ctx, "0123456789ABCDEF0123456789ABCDEF")
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, c, back)
}
