package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/watch"
	"github.com/okayapi-go/sdk/okayapi"
)

// defaultMaxInterval is the longest wait between polls of watch unless
// --max-interval says otherwise (or --interval is longer): the watch's own
// default.
const defaultMaxInterval = 30 * time.Second

// watchPreview is how many characters of a message a watch line shows:
// unlike history's table, a line is read on its own, so most messages show
// whole; --json always has all of it.
const watchPreview = 500

var watchCommand = command{
	name:     "watch",
	short:    "print each new message as it arrives, until interrupted",
	synopsis: "[--interval DURATION] [--max-interval DURATION] [--since-now] [--mark-read] [--sent]",
	about: `Print each new message of your conversations as it arrives, one line per message, until
interrupted (Ctrl-C or SIGTERM: okchat finishes the line it is writing and exits 0). Each line is
a history line with the other member's uuid:

  #12  2026-11-26 02:22:10 CST  received from 1D9615B3CBACA68FF9389A2E43CA9D67  text  unread  hello

With --json, one JSON object per line (not indented), with the keys of history --json ("id",
"chat_message_to_uuid", "chat_message_type", "chat_message_data", …, and "send_key" for a message
sent exactly once; the key is never part of the content) plus "other_uuid", the member on the
other side of the conversation.

Every message is printed once, and within a conversation in id order. Without --since-now, the
first thing printed is every message you ever received, conversation by conversation; with it,
only what arrives from now on. With --mark-read, each message is marked read once it is printed.

okchat polls the conversation list: every --interval right after a new message, then less and
less often while nothing happens, up to --max-interval (the default 30s costs about 2 calls a
minute when idle). --timeout bounds each HTTP attempt, not the watch. A failed poll is told on
stderr and tried again; the watch ends (exit 1) only when it cannot go on: the token expired
(log in again), the plugin is not installed, a bad app key or signature.`,
	untilInterrupted: true,
	flags: func(fs *flag.FlagSet) func(*app) error {
		interval := fs.Duration("interval", time.Second,
			"poll at most every `DURATION`, e.g. 300ms or 2s: the interval right after a new message")
		maxInterval := fs.Duration("max-interval", defaultMaxInterval,
			"wait at most `DURATION` between polls while nothing happens (at least --interval)")
		sinceNow := fs.Bool("since-now", false, "what was there when the watch started is not new: print only what arrives later")
		markRead := fs.Bool("mark-read", false, "mark each message read once it is printed")
		sent := fs.Bool("sent", false, "also print the messages you send elsewhere (another device, another program)")
		return func(a *app) error {
			if *interval <= 0 {
				return &usageError{msg: "--interval must be a positive duration, e.g. 300ms or 2s"}
			}
			if *maxInterval <= 0 {
				return &usageError{msg: "--max-interval must be a positive duration, e.g. 30s or 1m"}
			}
			if *interval > *maxInterval {
				if isSet(fs, "max-interval") {
					return &usageError{msg: "--interval (" + interval.String() + ") must not be longer than --max-interval (" + maxInterval.String() + ")"}
				}
				*maxInterval = *interval
			}
			return a.watch(watch.Options{
				MinInterval: *interval,
				MaxInterval: *maxInterval,
				IncludeSent: *sent,
				SinceNow:    *sinceNow,
				MarkRead:    *markRead,
			})
		}
	},
}

// watch prints each new message as the watch yields it, until a.ctx ends
// (nil: an interruption is the normal end) or the watch ends with a final
// error (returned, for report). Errors it goes on after are told on
// stderr as they come.
func (a *app) watch(opts watch.Options) error {
	var last error // the last error yielded: the final one if the watch ends after it
	if opts.SinceNow {
		// SinceNow yields what is stored from the next whole second on
		// (add_time has whole seconds): poll once it has begun.
		opts.Since = time.Now().Truncate(time.Second).Add(time.Second)
		select {
		case <-time.After(time.Until(opts.Since)):
		case <-a.ctx.Done():
		}
	}
	for ev, err := range watch.Run(a.ctx, a.chat, []okayapi.Member{a.member}, opts) {
		if err != nil {
			last = err
			if a.ctx.Err() == nil && !watchFinal(err) {
				explain(a.stderr, a.cmd, "okchat watch: a poll failed (trying again): ", err, callInfo{unsigned: a.unsigned})
			}
			continue
		}
		last = nil
		if err := a.printEvent(ev.Message); err != nil {
			return err // run turns it into exit status 4; the watch stops
		}
	}
	if errors.Is(last, context.Canceled) && a.ctx.Err() != nil {
		return nil // interrupted: the normal end
	}
	return last
}

// watchFinal reports whether the watch ends after err (see watch.Run):
// such an error is not told as it comes, but by report, once, with the exit
// status. An error watchFinal misses is told both ways; none is lost.
func watchFinal(err error) bool {
	for _, final := range []error{
		okayapi.ErrNotLoggedIn, okayapi.ErrInvalidParam, chatmsg.ErrNotInstalled, okayapi.ErrBadAppKey,
		okayapi.ErrBadSignature, okayapi.ErrNoSuchService, okayapi.ErrClosed,
		context.Canceled, context.DeadlineExceeded,
	} {
		if errors.Is(err, final) {
			return true
		}
	}
	return false
}

// jsonWatchMessage is one line of watch --json: a message as history --json
// shows it, plus the other member.
type jsonWatchMessage struct {
	jsonMessage
	OtherUUID string `json:"other_uuid"`
}

// printEvent writes one message as one line, in one write, so that an
// interruption never leaves half a line.
func (a *app) printEvent(m chatmsg.ChatMessage) error {
	var line []byte
	if a.json {
		jm := toJSONMessage(m.With, m.Message, m.Read, m.Direction, m.SentAt)
		id := m.ID
		jm.ID = &id
		jm.SendKey = m.Key
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(jsonWatchMessage{jm, m.With}); err != nil { // Encode ends the line
			return err
		}
		line = []byte(b.String())
	} else {
		with := "with " + m.With
		switch m.Direction {
		case chatmsg.Received:
			with = "received from " + m.With
		case chatmsg.Sent:
			with = "sent to " + m.With
		}
		msg := chatmsg.Preview(m.Message, watchPreview)
		if msg == "" {
			msg = "-"
		}
		line = fmt.Appendf(nil, "#%s  %s  %s  %s  %s  %s\n",
			strconv.FormatInt(m.ID, 10), showTime(m.SentAt), with, typeOf(m.Message), readWord(m.Read), msg)
	}
	_, err := a.out.Write(line)
	return err
}
