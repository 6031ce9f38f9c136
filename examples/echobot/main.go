// Echobot is a small bot on OkayAPI's private-message plugin: it answers
// every message its member receives with "echo: " and the message, using
// package chatmsg/watch to receive and exactly-once sending to answer.
//
// It acts as the member OKAYAPI_UUID with OKAYAPI_TOKEN, on the app that
// OKAYAPI_HOST, OKAYAPI_APP_KEY and OKAYAPI_APP_SECRET (or
// OKAYAPI_STATIC_SIGN, or neither for an unsigned app) name: the same
// variables as okchat. Try it on the fake app (see examples/fakeserver):
//
//	go run ./examples/fakeserver -export > /tmp/fake.env &
//	until grep -q '^# Serving' /tmp/fake.env 2>/dev/null; do sleep 0.2; done
//	. /tmp/fake.env                           # acting as alice
//	go run ./examples/echobot --state /tmp/echobot.json &
//	OKAYAPI_UUID=$BOB_UUID OKAYAPI_TOKEN=$BOB_TOKEN go run ./examples/okchat send --to "$ALICE_UUID" --text hi
//	OKAYAPI_UUID=$BOB_UUID OKAYAPI_TOKEN=$BOB_TOKEN go run ./examples/okchat history --with "$ALICE_UUID"
//
// What it answers: on its first start, what arrives once it has said
// "answering messages" (watch.Options.SinceNow, from the next whole
// second on: it says so when that second has begun); after that, every message received since
// the cursor saved in --state, also while it was down. Each message is
// answered once, also when the bot is stopped, or killed between answering
// and saving its cursor: the watch hands a message over again until the bot
// has handled it, and the answer's send key is derived from the message, so
// a second answer finds the first one and is not sent (within the limits of
// exactlyonce.Resume: the newest 100 messages of the conversation are
// searched). Answered messages are marked read.
//
// Flags: --state FILE (the cursor, default echobot.json), --interval and
// --max-interval (the poll's fastest and slowest pace, default 1s and 10s:
// an answer comes within about 10 s, even after a quiet hour). It runs
// until interrupted (SIGINT or SIGTERM) and then exits 0; 1 when the watch
// cannot go on (say, the token expired); 2 for bad flags or settings.
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
	"github.com/okayapi-go/sdk/sign"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the bot until ctx ends and returns its exit status; it logs
// to stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	logger := log.New(stderr, "echobot: ", log.Ltime)
	fl := flag.NewFlagSet("echobot", flag.ContinueOnError)
	fl.SetOutput(stderr)
	state := fl.String("state", "echobot.json", "the `FILE` that keeps the cursor (what has been answered) across restarts")
	interval := fl.Duration("interval", time.Second, "poll every `DURATION` right after a message")
	maxInterval := fl.Duration("max-interval", 10*time.Second, "poll at least every `DURATION` while nothing happens")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	client, me, err := fromEnv(getenv)
	if err != nil {
		logger.Print(err)
		return 2
	}
	defer client.Close()
	// Exactly-once sending: an answer whose reply was lost is looked for
	// before it is sent again, so it is never stored twice.
	chat := chatmsg.New(client)

	opts := watch.Options{
		MinInterval: *interval,
		MaxInterval: max(*maxInterval, *interval),
		// The first start answers what is stored from the next whole second
		// on (add_time has whole seconds), nothing older.
		SinceNow: true,
		Since:    time.Now().Truncate(time.Second).Add(time.Second),
		MarkRead: true, // "read" means "answered"
		Store:    &fileStore{path: *state},
	}
	// Say so only once that second has begun: a message sent after the
	// banner is answered.
	select {
	case <-time.After(time.Until(opts.Since)):
	case <-ctx.Done():
	}
	logger.Printf("answering messages to %s (cursor in %s)", me.UUID, *state)
	var last error
	for ev, err := range watch.Run(ctx, chat, []okayapi.Member{me}, opts) {
		if err != nil { // the watch goes on after most errors; the last one may be final
			last = err
			if ctx.Err() == nil {
				logger.Print(err)
			}
			continue
		}
		last = nil
		answer(ctx, chat, me, ev.Message, logger)
	}
	if last != nil && ctx.Err() == nil { // the watch ended by itself: a final error, logged above
		if errors.Is(last, okayapi.ErrNotLoggedIn) {
			logger.Print("the member is not logged in or its token expired: log in again and set OKAYAPI_TOKEN")
		}
		return 1
	}
	logger.Print("stopped")
	return 0
}

// answer replies to m once. The reply's send key comes from m's id, and
// exactlyonce.Resume sends only if no message with that key is in the
// conversation (it reads the newest 100 messages, Pages 1):
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
		res, err := exactlyonce.Resume(ctx, chat, me, m.With, reply, key, exactlyonce.Config{Pages: 1})
		switch {
		case err == nil && res.Response == nil: // found by reading
			logger.Printf("#%d from %s: already answered", m.ID, m.With)
			return
		case err == nil:
			logger.Printf("#%d from %s: answered %q", m.ID, m.With, reply.Content)
			return
		}
		// Try again only when it may be a passing fault, and not after an
		// interruption; with the same key, trying again never answers twice.
		if !okayapi.MayHaveArrived(err) || try == 3 || parent.Err() != nil {
			logger.Printf("could not answer #%d from %s: %v", m.ID, m.With, err)
			return
		}
		select {
		case <-time.After(time.Duration(try) * time.Second):
		case <-parent.Done():
		}
	}
}

// fromEnv makes a client from the OKAYAPI_* variables, as okchat does.
func fromEnv(getenv func(string) string) (*okayapi.Client, okayapi.Member, error) {
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	for _, name := range []string{"OKAYAPI_HOST", "OKAYAPI_APP_KEY", "OKAYAPI_UUID", "OKAYAPI_TOKEN"} {
		if env(name) == "" {
			return nil, okayapi.Member{}, fmt.Errorf("%s is not set", name)
		}
	}
	signing := okayapi.WithSigner(sign.None())
	if s := env("OKAYAPI_APP_SECRET"); s != "" {
		signing = okayapi.WithSecret(s)
	} else if s := env("OKAYAPI_STATIC_SIGN"); s != "" {
		signing = okayapi.WithSigner(sign.Static(s))
	}
	client, err := okayapi.New(env("OKAYAPI_HOST"), env("OKAYAPI_APP_KEY"), signing, okayapi.WithUserAgent("echobot "+okayapi.DefaultUserAgent))
	if err != nil {
		return nil, okayapi.Member{}, err
	}
	me := okayapi.NewMember(env("OKAYAPI_UUID"), env("OKAYAPI_TOKEN"))
	if err := okayapi.CheckUUID("OKAYAPI_UUID", me.UUID); err != nil {
		client.Close()
		return nil, okayapi.Member{}, err
	}
	return client, me, nil
}
