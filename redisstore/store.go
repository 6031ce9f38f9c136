package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/redis/go-redis/v9"
)

// keys names the keys of one prefix.
type keys struct{ prefix string }

func (k keys) cursor(member string) string { return k.prefix + "cursor:" + member }
func (k keys) lease(member string) string  { return k.prefix + "lease:" + member }
func (k keys) fence(member string) string  { return k.prefix + "fence:" + member }
func (k keys) instances() string           { return k.prefix + "instances" }

// CursorStore is a chatmsg.CursorStore in Redis: each member's cursor is a
// hash under PREFIX "cursor:" MEMBER, its JSON in field "data" (and, when a
// Group saved it, the fencing token of the lease it was saved under in
// "fence"). Use it as it is when each member is watched by one process that
// you choose (see chatmsg.Watch); a Group shares the members out itself and
// saves through a store fenced by its leases.
type CursorStore struct {
	rdb redis.Cmdable
	k   keys
}

// NewCursorStore returns the cursor store under prefix (say "myapp:").
func NewCursorStore(rdb redis.Cmdable, prefix string) *CursorStore {
	return &CursorStore{rdb: rdb, k: keys{prefix}}
}

// Load returns member's cursor, if one was saved.
func (s *CursorStore) Load(ctx context.Context, member string) (chatmsg.Cursor, bool, error) {
	return loadCursor(ctx, s.rdb, s.k, member)
}

// Save stores c as member's cursor.
func (s *CursorStore) Save(ctx context.Context, member string, c chatmsg.Cursor) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := s.rdb.HSet(ctx, s.k.cursor(strings.ToUpper(member)), "data", b).Err(); err != nil {
		return redisError("saving a cursor", err)
	}
	return nil
}

func loadCursor(ctx context.Context, rdb redis.Cmdable, k keys, member string) (chatmsg.Cursor, bool, error) {
	b, err := rdb.HGet(ctx, k.cursor(strings.ToUpper(member)), "data").Bytes()
	if errors.Is(err, redis.Nil) {
		return chatmsg.Cursor{}, false, nil
	}
	if err != nil {
		return chatmsg.Cursor{}, false, redisError("loading a cursor", err)
	}
	var c chatmsg.Cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return chatmsg.Cursor{}, false, fmt.Errorf("redisstore: the cursor of %s is not a cursor: %w", member, err)
	}
	return c, true, nil
}

// redisError says what could not be done because Redis failed.
func redisError(doing string, err error) error {
	return fmt.Errorf("redisstore: %s: Redis unavailable: %w", doing, err)
}
