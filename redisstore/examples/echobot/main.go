// Echobot on many machines: examples/echobot's bot (it answers every
// message its members receive with "echo: " and the message), run as
// several instances that share one Redis. The members are shared out among
// the live instances (redisstore.Group): each member is watched by exactly
// one instance at a time, its cursor is in Redis, and when an instance dies
// its members move to the others within the lease's TTL (--lease). With
// --rate, all instances together keep to one app-wide rate limit
// (redisstore.Limiter).
//
// It acts as the member OKAYAPI_UUID with OKAYAPI_TOKEN, or as each of
// OKAYAPI_MEMBERS (uuid:token pairs separated by commas), on the app that
// OKAYAPI_HOST, OKAYAPI_APP_KEY and OKAYAPI_APP_SECRET (or
// OKAYAPI_STATIC_SIGN, or neither for an unsigned app) name: the variables of
// okchat and examples/echobot. Three instances on the fake app:
//
//	go run ./examples/fakeserver -export > /tmp/fake.env &     # in the repository's root
//	until grep -q '^# Serving' /tmp/fake.env 2>/dev/null; do sleep 0.2; done
//	. /tmp/fake.env
//	export OKAYAPI_MEMBERS="$ALICE_UUID:$ALICE_TOKEN,$CAROL_UUID:$CAROL_TOKEN"
//	cd redisstore && go build -o /tmp/echobot ./examples/echobot
//	/tmp/echobot --redis redis://127.0.0.1:6379/0 --instance a &
//	/tmp/echobot --redis redis://127.0.0.1:6379/0 --instance b &
//	/tmp/echobot --redis redis://127.0.0.1:6379/0 --instance c &
//
// Each message is answered once, also when an instance is killed between
// answering and saving its cursor: the next owner gets the message again,
// and the answer's send key is derived from the message, so the second
// answer finds the first one and is not sent (within the limits of
// exactlyonce.Resume: the newest 100 messages of the conversation are
// searched). On its first start a member's watch answers only what
// arrives once the instance has said "sharing … member(s)"
// (watch.Options.SinceNow, from the next whole second on: it says so when
// that second has begun); answered messages are marked read.
//
// Flags: --redis URL (required: redis://[user:password@]host:port/db),
// --prefix (the keys in Redis, default "echobot:"), --instance (this
// instance's name, default host-pid-random), --lease (the lease TTL,
// default 10s), --rate and --burst (an app-wide limit of requests a second,
// default none), --interval and --max-interval (the poll's pace, default 1s
// and 10s). It runs until interrupted (SIGINT or SIGTERM), then hands its
// members over and exits 0; 1 when Redis or the app cannot be used; 2 for
// bad flags or settings.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/exactlyonce"
	"github.com/okayapi-go/sdk/chatmsg/watch"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/redisstore"
	"github.com/okayapi-go/sdk/sign"
	"github.com/redis/go-redis/v9"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the bot until ctx ends and returns its exit status; it logs to
// stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	fl := flag.NewFlagSet("echobot", flag.ContinueOnError)
	fl.SetOutput(stderr)
	redisURL := fl.String("redis", "", "the Redis all instances share, as a `URL` (redis://host:port/db)")
	prefix := fl.String("prefix", "echobot:", "the `PREFIX` of the bot's keys in Redis")
	instance := fl.String("instance", "", "this instance's `NAME` (default host-pid-random)")
	lease := fl.Duration("lease", redisstore.DefaultLeaseTTL, "the lease `TTL`: how soon a dead instance's members move to the others")
	rate := fl.Float64("rate", 0, "an app-wide limit of `N` requests a second, for all instances together (0: none)")
	burst := fl.Int("burst", 5, "the burst of --rate")
	interval := fl.Duration("interval", time.Second, "poll every `DURATION` right after a message")
	maxInterval := fl.Duration("max-interval", 10*time.Second, "poll at least every `DURATION` while nothing happens")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	logger := log.New(stderr, "echobot: ", log.Ltime)
	if *redisURL == "" {
		logger.Print("--redis is required (say --redis redis://127.0.0.1:6379/0)")
		return 2
	}
	ropts, err := redis.ParseURL(*redisURL)
	if err != nil {
		logger.Printf("--redis: %v", err)
		return 2
	}
	rdb := redis.NewClient(ropts)
	defer rdb.Close()
	var extra []okayapi.Option
	if *rate > 0 {
		l, err := redisstore.NewLimiter(rdb, *prefix+"rate", *rate, *burst)
		if err != nil {
			logger.Print(err)
			return 2
		}
		extra = append(extra, okayapi.WithLimiter(l))
	}
	client, members, err := fromEnv(getenv, extra...)
	if err != nil {
		logger.Print(err)
		return 2
	}
	defer client.Close()
	chat := chatmsg.New(client)
	byUUID := map[string]okayapi.Member{}
	for _, m := range members {
		byUUID[strings.ToUpper(m.UUID)] = m
	}
	// A member's first watch answers what is stored from the next whole
	// second on (add_time has whole seconds), nothing older: fixed now, not
	// when the member's watch starts (after its lease is taken), so that a
	// message sent after the banner is answered.
	since := time.Now().Truncate(time.Second).Add(time.Second)
	g, err := redisstore.NewGroup(rdb, chat, members, redisstore.GroupOptions{
		Prefix:   *prefix,
		Instance: *instance,
		LeaseTTL: *lease,
		Watch: watch.Options{
			MinInterval: *interval,
			MaxInterval: max(*maxInterval, *interval),
			SinceNow:    true, // a member's first watch answers no old message
			Since:       since,
			MarkRead:    true, // "read" means "answered"
		},
		OnError: func(member string, err error) {
			if member != "" {
				logger.Printf("%s: %v", short(member), err)
			} else {
				logger.Print(err)
			}
		},
		OnChange: func(member string, owned bool) {
			if owned {
				logger.Printf("now answering %s", short(member))
			} else {
				logger.Printf("handed %s over", short(member))
			}
		},
	})
	if err != nil {
		logger.Print(err)
		return 2
	}
	logger.SetPrefix("echobot[" + g.Instance() + "]: ")
	if err := rdb.Ping(ctx).Err(); err != nil {
		logger.Printf("Redis at %s: %v", ropts.Addr, err)
		return 1
	}
	// Say so only once that second has begun: a message sent after the
	// banner is answered.
	select {
	case <-time.After(time.Until(since)):
	case <-ctx.Done():
	}
	logger.Printf("sharing %d member(s) with the other instances (Redis %s, keys %s*)", len(members), ropts.Addr, *prefix)
	_ = g.Run(ctx, func(_ context.Context, ev watch.Event) {
		answer(ctx, chat, byUUID[strings.ToUpper(ev.Member)], ev.Message, logger)
	})
	logger.Print("stopped")
	return 0
}

// short is the start of a uuid, for the log.
func short(uuid string) string { return uuid[:min(8, len(uuid))] }

// answer replies to m once. The reply's send key comes from m's id, and
// exactlyonce.Resume sends only if no message with that key is in the conversation:
// a message handed over again after a crash (answered, but the cursor not
// yet saved) is not answered twice. That costs one read per answer.
func answer(parent context.Context, chat *chatmsg.Service, me okayapi.Member, m chatmsg.ChatMessage, logger *log.Logger) {
	// Finish the answer even when interrupted meanwhile: the watch counts
	// the message as handled once this returns.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), 30*time.Second)
	defer cancel()
	reply := chatmsg.Text{Content: "echo: " + chatmsg.Preview(m.Message, 500)}
	sum := sha256.Sum256(fmt.Appendf(nil, "echobot %s %s %d", strings.ToUpper(me.UUID), strings.ToUpper(m.With), m.ID))
	key := hex.EncodeToString(sum[:16])
	for try := 1; ; try++ {
		res, err := exactlyonce.Resume(ctx, chat, me, m.With, reply, key, exactlyonce.Config{})
		switch {
		case err == nil && res.Response == nil: // found by reading
			logger.Printf("%s: #%d from %s: already answered", short(me.UUID), m.ID, short(m.With))
			return
		case err == nil:
			logger.Printf("%s: #%d from %s: answered %q", short(me.UUID), m.ID, short(m.With), reply.Content)
			return
		}
		if !okayapi.MayHaveArrived(err) || try == 3 || parent.Err() != nil {
			logger.Printf("%s: could not answer #%d from %s: %v", short(me.UUID), m.ID, short(m.With), err)
			return
		}
		select {
		case <-time.After(time.Duration(try) * time.Second):
		case <-parent.Done():
		}
	}
}

// fromEnv makes a client from the OKAYAPI_* variables, as okchat does, and
// reads the members: OKAYAPI_MEMBERS, or OKAYAPI_UUID and OKAYAPI_TOKEN.
func fromEnv(getenv func(string) string, extra ...okayapi.Option) (*okayapi.Client, []okayapi.Member, error) {
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	for _, name := range []string{"OKAYAPI_HOST", "OKAYAPI_APP_KEY"} {
		if env(name) == "" {
			return nil, nil, fmt.Errorf("%s is not set", name)
		}
	}
	var members []okayapi.Member
	if list := env("OKAYAPI_MEMBERS"); list != "" {
		for _, pair := range strings.Split(list, ",") {
			uuid, token, ok := strings.Cut(strings.TrimSpace(pair), ":")
			if !ok || token == "" {
				return nil, nil, errors.New("OKAYAPI_MEMBERS: each member is uuid:token, separated by commas")
			}
			members = append(members, okayapi.NewMember(uuid, token))
		}
	} else {
		if env("OKAYAPI_UUID") == "" || env("OKAYAPI_TOKEN") == "" {
			return nil, nil, errors.New("set OKAYAPI_UUID and OKAYAPI_TOKEN, or OKAYAPI_MEMBERS")
		}
		members = append(members, okayapi.NewMember(env("OKAYAPI_UUID"), env("OKAYAPI_TOKEN")))
	}
	for _, m := range members {
		if err := okayapi.CheckUUID("member uuid", m.UUID); err != nil {
			return nil, nil, err
		}
	}
	signing := okayapi.WithSigner(sign.None())
	if s := env("OKAYAPI_APP_SECRET"); s != "" {
		signing = okayapi.WithSecret(s)
	} else if s := env("OKAYAPI_STATIC_SIGN"); s != "" {
		signing = okayapi.WithSigner(sign.Static(s))
	}
	opts := append([]okayapi.Option{signing, okayapi.WithUserAgent("echobot " + okayapi.DefaultUserAgent)}, extra...)
	client, err := okayapi.New(env("OKAYAPI_HOST"), env("OKAYAPI_APP_KEY"), opts...)
	if err != nil {
		return nil, nil, err
	}
	return client, members, nil
}
