package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/exactlyonce"
)

var sendCommand = command{
	name:     "send",
	short:    "send one message to one member",
	synopsis: "--to UUID [--exactly-once | --resume KEY] [--horizon DURATION] (--text S | --html S | --image URL | --link URL | --custom JSON)",
	about: `Send one message to the member --to. Exactly one message flag is required.
--to repeated (or --to UUID,UUID,...) sends to each of several members: send then does what
multisend does, with its output and exit status (and --resume is refused: it finishes a send
to one member).

` + exactlyOnceAbout + `
--resume KEY finishes such a send whose outcome was unknown (exit status 3 gave the KEY): give
the same --to and message flag; okchat looks for the message and sends it only if it is not there.
The output names the message's id when known, and its send key; --json adds "send_key".

Exit status: 0 the message was delivered (with --exactly-once, also when an answer was lost and
the message was found); 1 the service refused it, or with --exactly-once the answers were lost
and every check found the message NOT delivered ("the message was not delivered" on stderr);
3 no usable answer: stderr says whether the message may have been delivered (with --exactly-once:
only when even the checks failed, and stderr gives the --resume KEY that finishes the send);
2 bad input, nothing sent.`,
	sends: true,
	flags: func(fs *flag.FlagSet) func(*app) error {
		var to listFlag
		fs.Var(&to, "to", "the recipient's member `UUID` (32 hex characters); repeated, or UUID,UUID,...: several recipients, as multisend")
		once := exactlyOnceFlag(fs)
		resume := fs.String("resume", "", "finish an exactly-once send whose outcome was unknown, under its send `KEY` (implies --exactly-once)")
		msg := messageFlags(fs)
		return func(a *app) error {
			if err := requireFlag(fs, "to"); err != nil {
				return err
			}
			m, err := msg()
			if err != nil {
				return err
			}
			if uuids := to.split(); len(uuids) > 1 {
				if isSet(fs, "resume") {
					return &usageError{msg: "--resume finishes a send to one member: give one --to"}
				}
				if *once.on {
					a.exactlyOnce(*once.horizon)
				}
				return a.multiSend(uuids, m, 0)
			}
			if isSet(fs, "resume") {
				if !sendKey.MatchString(*resume) {
					return &usageError{msg: "--resume needs the send key okchat printed: 32 hexadecimal digits, not " + strconv.Quote(*resume)}
				}
				a.exactlyOnce(*once.horizon)
				// The SDK makes keys of lower-case hex and finds them as
				// written: a key copied in upper case must still match.
				return a.send(to.String(), m, strings.ToLower(*resume))
			}
			if *once.on {
				a.exactlyOnce(*once.horizon)
			}
			return a.send(to.String(), m, "")
		}
	},
}

// exactlyOnceAbout explains --exactly-once in a command's help.
const exactlyOnceAbout = `With --exactly-once, a lost answer is not the end: okchat reads the conversation for the message's
send key, and sends again only if the message is not there, so that it is never stored twice.`

// onceFlags are --exactly-once and --horizon.
type onceFlags struct {
	on      *bool
	horizon *time.Duration
}

// exactlyOnceFlag adds --exactly-once and --horizon to fs.
func exactlyOnceFlag(fs *flag.FlagSet) onceFlags {
	return onceFlags{
		on: fs.Bool("exactly-once", false, "when an answer is lost, find out whether the message arrived, and send it again only if not"),
		horizon: fs.Duration("horizon", 30*time.Second, "with --exactly-once: how long after a lost answer a stored message may still appear; "+
			"the message is sent again only after this `DURATION`, which a lost answer may cost"),
	}
}

// sendKey matches a send key as okchat prints it.
var sendKey = regexp.MustCompile(`^[0-9A-Fa-f]{32}$`)

// exactlyOnce makes a's sends exactly-once: a lost answer is followed by
// checks of the conversation for the message's send key, the last one
// horizon after the failure.
func (a *app) exactlyOnce(horizon time.Duration) {
	a.once = &exactlyonce.Config{Horizon: horizon}
}

// messageFlags adds the five message flags to fs and returns a function that,
// after parsing, builds the one message they describe.
func messageFlags(fs *flag.FlagSet) func() (chatmsg.Message, error) {
	text := fs.String("text", "", "a text message whose content is `S` (emoji welcome)")
	html := fs.String("html", "", "an HTML message whose content, the HTML source, is `S`")
	image := fs.String("image", "", "an image message: the image's `URL`")
	link := fs.String("link", "", "a link message: the `URL`")
	custom := fs.String("custom", "", "a custom message: a `JSON` object")
	return func() (chatmsg.Message, error) {
		var given []string
		for _, name := range []string{"text", "html", "image", "link", "custom"} {
			if isSet(fs, name) {
				given = append(given, "--"+name)
			}
		}
		switch len(given) {
		case 0:
			return nil, &usageError{msg: "a message flag is required: one of --text, --html, --image, --link, --custom"}
		case 1:
		default:
			return nil, &usageError{msg: "give exactly one message flag, not " + strings.Join(given, " and ")}
		}
		switch given[0] {
		case "--text":
			return chatmsg.Text{Content: *text}, nil
		case "--html":
			return chatmsg.HTML{Content: *html}, nil
		case "--image":
			return chatmsg.Image{URL: *image}, nil
		case "--link":
			return chatmsg.Link{URL: *link}, nil
		}
		return chatmsg.Custom{Object: json.RawMessage(*custom)}, nil
	}
}

// send sends msg to to; with key, it finishes the exactly-once send made
// under that key instead.
func (a *app) send(to string, msg chatmsg.Message, key string) error {
	var (
		res *chatmsg.SendResult
		err error
	)
	if key != "" {
		res, err = exactlyonce.Resume(a.ctx, a.chat, a.member, to, msg, key, *a.once)
	} else if a.once != nil {
		res, err = exactlyonce.Send(a.ctx, a.chat, a.member, to, msg, *a.once)
	} else {
		res, err = a.chat.Send(a.ctx, a.member, to, msg)
	}
	if err != nil {
		return err
	}
	if a.json {
		var id *int64 // null: the service returned no id
		if res.MessageID != 0 {
			id = &res.MessageID
		}
		return a.printJSON(struct {
			ChatMessageID *int64 `json:"chat_message_id"`
			SendKey       string `json:"send_key,omitempty"`
		}{id, res.Key})
	}
	var note []string
	if res.MessageID == 0 {
		note = append(note, "the service returned no message id")
	}
	if res.Key != "" {
		note = append(note, "send key "+res.Key)
	}
	if res.Key != "" && res.Response == nil { // found by a check, not told by an answer
		if key != "" {
			note = append(note, "it was already there: not sent again")
		} else {
			note = append(note, "the answer was lost; the message was found in the conversation")
		}
	}
	line := fmt.Sprintf("sent %s message to %s", typeOf(msg), to)
	if res.MessageID != 0 {
		line = fmt.Sprintf("sent %s message #%d to %s", typeOf(msg), res.MessageID, to)
	}
	if len(note) > 0 {
		line += " (" + strings.Join(note, "; ") + ")"
	}
	_, err = fmt.Fprintln(a.out, line)
	return err
}
