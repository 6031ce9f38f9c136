package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// keys names the keys of one prefix.
type keys struct{ prefix string }

func (k keys) cursor(member string) string { return k.prefix + "cursor:" + member }
func (k keys) lease(member string) string  { return k.prefix + "lease:" + member }
func (k keys) fence(member string) string  { return k.prefix + "fence:" + member }
func (k keys) instances() string           { return k.prefix + "instances" }

// CursorStore is a watch.Store (of package chatmsg/watch) in Redis: each member's cursor is a
// hash under PREFIX "cursor:" MEMBER, its JSON in field "data" (and, when a
// Group saved it, the fencing token of the lease it was saved under in
// "fence"). Use it as it is when each member is watched by one process that
// you choose (see watch.Run); a Group shares the members out itself and
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
func (s *CursorStore) Load(ctx context.Context, member string) ([]byte, bool, error) {
	return loadCursor(ctx, s.rdb, s.k, member)
}

// Save stores c as member's cursor.
func (s *CursorStore) Save(ctx context.Context, member string, c []byte) error {
	if err := s.rdb.HSet(ctx, s.k.cursor(strings.ToUpper(member)), "data", c).Err(); err != nil {
		return redisError("saving a cursor", err)
	}
	return nil
}

func loadCursor(ctx context.Context, rdb redis.Cmdable, k keys, member string) ([]byte, bool, error) {
	b, err := rdb.HGet(ctx, k.cursor(strings.ToUpper(member)), "data").Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, redisError("loading a cursor", err)
	}
	return b, true, nil
}

// redisError says what could not be done because Redis failed.
func redisError(doing string, err error) error {
	return fmt.Errorf("redisstore: %s: Redis unavailable: %w", doing, err)
}
