// Package redisstore runs the SDK on several machines at once, with Redis as
// the state they share. It is a module of its own
// (github.com/okayapi-go/sdk/redisstore), so that users of the core never pull
// a Redis client; it builds on github.com/redis/go-redis/v9.
//
// It gives three things, each usable alone:
//
//   - Limiter: one app-wide rate limit for okayapi.WithLimiter, shared by
//     every process (GCRA in one Lua script, atomic on the server).
//   - Group: watches shared across instances. Each watched member is owned
//     by exactly one instance at a time through a lease with a TTL and a
//     fencing token; the cursor store (CursorStore, and the fenced store each
//     owned member's watch uses) refuses a save from a former owner. When an
//     instance dies its members move to the others within the TTL; members
//     are spread evenly and rebalanced when instances join or leave.
//   - Outbox: exactly-once sending across crashes. The send key and the
//     message are written to Redis before the send and cleared once its
//     outcome is known; a recovery pass, run by any instance, finishes the
//     sends left pending by a crash with chatmsg/exactlyonce's Resume.
//
// Every key it writes starts with a prefix of the caller's choosing, so that
// several apps (or tests) can share one Redis. Cursors and pending sends are
// only as durable as Redis: run it with persistence (appendonly yes), or a
// restart that loses its data starts the watches again as on their first run
// and forgets the pending sends. The scripts need one Redis server (or a
// primary), not a Cluster. Errors start with
// "redisstore:" and say when Redis could not be reached.
package redisstore
