package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/broadcast"
	"github.com/okayapi-go/sdk/chatmsg/exactlyonce"
	"github.com/okayapi-go/sdk/okayapi"
)

// maxConcurrency bounds --concurrency: more batches at once than this would
// only hammer the service.
const maxConcurrency = 16

var multiSendCommand = command{
	name:     "multisend",
	short:    "send one message to any number of members",
	synopsis: "(--to UUID,UUID,... | --to-file FILE) [--concurrency N] [--exactly-once [--horizon DURATION]] (--text S | --html S | --image URL | --link URL | --custom JSON)",
	about: `Send one message to each of any number of members, given by --to (comma-separated, and
--to may be repeated) or by
--to-file (one uuid a line; blank lines, spaces around a uuid and # comments are ignored;
"-" reads stdin). Exactly one message flag is required. The list is checked first: a bad or
repeated uuid, or a bad message, sends nothing (exit status 2).

The message goes out in batches of up to 200 members (the service's limit), a few batches at a
time (--concurrency); --timeout bounds the whole command, so a long list may need a longer one.
A batch is never sent twice. Each recipient gets one line: the uuid, the outcome and the new message's id:
  delivered        the service stored the message for this member
  not delivered    the service refused the batch, or it was never sent (the reason follows)
  maybe delivered  the batch's answer was lost: check the history before sending again
With --json: {"detail": [{"other_uuid", "chat_message_id" (null if unknown), "outcome"
("delivered", "not_delivered" or "maybe_delivered"), and for the others "error" and, when
the plugin refused, "err_code"}, ...], "delivered": N, "not_delivered": N, "maybe_delivered": N}.

` + exactlyOnceAbout + `
Each batch has its own send key; a recipient left "maybe delivered" (the checks failed too) is
listed on stderr with it, and 'okchat send --to UUID --resume KEY' (same message) finishes it.
In --json, an entry whose error carries the key has "send_key".

Exit status: 0 every recipient got the message; 1 the service refused some (none is unknown),
or with --exactly-once the checks found it not delivered to some; 3 some outcomes are unknown
(stderr lists the recipients the message may have reached), or a batch got no answer at all;
2 bad input, nothing sent.`,
	sends: true,
	flags: func(fs *flag.FlagSet) func(*app) error {
		var to listFlag
		fs.Var(&to, "to", "the recipients: member uuids written `UUID,UUID,...` (--to may be repeated)")
		toFile := fs.String("to-file", "", "read the recipients from `FILE`, one uuid a line (- for stdin)")
		concurrency := fs.Int("concurrency", 0, "send at most `N` batches of 200 at once, 1–16 (0: 4)")
		once := exactlyOnceFlag(fs)
		msg := messageFlags(fs)
		return func(a *app) error {
			switch {
			case isSet(fs, "to") && isSet(fs, "to-file"):
				return &usageError{msg: "give --to or --to-file, not both"}
			case !isSet(fs, "to") && !isSet(fs, "to-file"):
				return &usageError{msg: "--to or --to-file is required"}
			}
			if *concurrency < 0 || *concurrency > maxConcurrency {
				return &usageError{msg: "--concurrency must be between 1 and " + strconv.Itoa(maxConcurrency) + " (0: the default, 4)"}
			}
			m, err := msg()
			if err != nil {
				return err
			}
			var uuids []string
			if isSet(fs, "to-file") {
				if uuids, err = recipientsFile(*toFile, a.stdin); err != nil {
					return err
				}
			} else {
				uuids = to.split()
			}
			if *once.on {
				a.exactlyOnce(*once.horizon)
			}
			return a.multiSend(uuids, m, *concurrency)
		}
	},
}

// recipientsFile reads --to-file: one uuid a line, with blank lines, spaces
// around a uuid and anything from a # on ignored. It checks every uuid and
// refuses a repeated one, naming the line, so that a bad file sends nothing.
func recipientsFile(name string, stdin io.Reader) ([]string, error) {
	src, what := stdin, "stdin"
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, &usageError{msg: "--to-file: " + err.Error()}
		}
		defer f.Close()
		src, what = f, name
	}
	var uuids []string
	seen := map[string]int{} // upper-case uuid: its line; uuids match ignoring case
	sc := bufio.NewScanner(src)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		uuid := strings.TrimSpace(line)
		if uuid == "" {
			continue
		}
		if err := okayapi.CheckUUID("", uuid); err != nil {
			return nil, &usageError{msg: fmt.Sprintf("--to-file %s, line %d: %q is not a member uuid (32 hexadecimal characters)", what, n, uuid)}
		}
		key := strings.ToUpper(uuid)
		if first, dup := seen[key]; dup {
			return nil, &usageError{msg: fmt.Sprintf("--to-file %s, line %d: %s repeats line %d", what, n, uuid, first)}
		}
		seen[key] = n
		uuids = append(uuids, uuid)
	}
	if err := sc.Err(); err != nil {
		return nil, &usageError{msg: "--to-file " + what + ": " + err.Error()}
	}
	if len(uuids) == 0 {
		return nil, &usageError{msg: "--to-file " + what + ": no recipients (one member uuid a line)"}
	}
	return uuids, nil
}

// broadcastFailure is a multisend in which some recipients did not get the
// message for sure; its outcomes have been printed. report explains it.
type broadcastFailure struct {
	err      *broadcast.Error
	res      *broadcast.Result
	writeErr error // the outcomes could not be written to stdout
}

func (e *broadcastFailure) Error() string { return e.err.Error() }

func (e *broadcastFailure) Unwrap() error { return e.err }

func (a *app) multiSend(to []string, msg chatmsg.Message, concurrency int) error {
	res, err := broadcast.Send(a.ctx, a.chat, a.member, to, msg, broadcast.Options{Concurrency: concurrency, ExactlyOnce: a.once})
	var be *broadcast.Error
	if err != nil && (!errors.As(err, &be) || res == nil) {
		return err // nothing was sent: bad input, or no member
	}
	var werr error
	if a.json {
		werr = a.printOutcomesJSON(res)
	} else {
		werr = a.printOutcomes(res, msg)
	}
	if be != nil {
		return &broadcastFailure{err: be, res: res, writeErr: werr}
	}
	return werr
}

// outcomeWords are the outcomes as --json writes them.
var outcomeWords = map[broadcast.State]string{
	broadcast.Delivered:      "delivered",
	broadcast.NotDelivered:   "not_delivered",
	broadcast.MaybeDelivered: "maybe_delivered",
}

func (a *app) printOutcomesJSON(res *broadcast.Result) error {
	detail := make([]jsonDelivery, len(res.Outcomes))
	for i, o := range res.Outcomes {
		d := jsonDelivery{OtherUUID: o.To, Outcome: outcomeWords[o.State]}
		if o.MessageID != 0 {
			id := o.MessageID
			d.ChatMessageID = &id
		}
		if o.State != broadcast.Delivered && o.Err != nil {
			d.SendKey = keyOf(o.Err)
			d.Error = errorText(o.Err)
			var pe *okayapi.PluginError
			if errors.As(o.Err, &pe) {
				code := pe.Code
				d.ErrCode = &code
			}
		}
		detail[i] = d
	}
	return a.printJSON(struct {
		Detail         []jsonDelivery `json:"detail"`
		Delivered      int            `json:"delivered"`
		NotDelivered   int            `json:"not_delivered"`
		MaybeDelivered int            `json:"maybe_delivered"`
	}{detail, res.Count(broadcast.Delivered), res.Count(broadcast.NotDelivered), res.Count(broadcast.MaybeDelivered)})
}

func (a *app) printOutcomes(res *broadcast.Result, msg chatmsg.Message) error {
	n := len(res.Outcomes)
	delivered := res.Count(broadcast.Delivered)
	if delivered == n {
		fmt.Fprintf(a.out, "sent %s message to %d member(s):\n", typeOf(msg), n)
	} else {
		counts := []string{strconv.Itoa(delivered) + " delivered"}
		if c := res.Count(broadcast.NotDelivered); c > 0 {
			counts = append(counts, strconv.Itoa(c)+" not delivered")
		}
		if c := res.Count(broadcast.MaybeDelivered); c > 0 {
			counts = append(counts, strconv.Itoa(c)+" maybe delivered")
		}
		fmt.Fprintf(a.out, "%s message to %d member(s): %s:\n", typeOf(msg), n, strings.Join(counts, ", "))
	}
	var t table
	noID := 0
	for _, o := range res.Outcomes {
		switch {
		case o.State == broadcast.Delivered && o.MessageID != 0:
			t.row("  "+o.To, o.State.String(), "#"+strconv.FormatInt(o.MessageID, 10))
		case o.State == broadcast.Delivered:
			noID++
			t.row("  "+o.To, o.State.String(), "-")
		default:
			t.row("  "+o.To, o.State.String(), "-", reason(o))
		}
	}
	if err := t.print(a.out); err != nil {
		return err
	}
	if noID > 0 {
		_, err := fmt.Fprintf(a.out, "the service gave no message id for %d of them\n", noID)
		return err
	}
	return nil
}

// keyOf returns the send key an exactly-once send's error carries, or "".
func keyOf(err error) string {
	var (
		ue *exactlyonce.UncertainError
		nd *exactlyonce.NotDeliveredError
	)
	switch {
	case errors.As(err, &ue):
		return ue.Key
	case errors.As(err, &nd):
		return nd.Key
	}
	return ""
}

// errorText is err's text for a user of the command line: an exactly-once
// send's error is said in okchat's words, without the SDK's names.
func errorText(err error) string {
	var (
		ue *exactlyonce.UncertainError
		nd *exactlyonce.NotDeliveredError
	)
	switch {
	case errors.As(err, &ue):
		return "the message may have been delivered (send key " + ue.Key + "): no usable answer: " + ue.Err.Error() +
			"; checking the conversation failed too: " + ue.Check.Error()
	case errors.As(err, &nd):
		return "the message was not delivered (send key " + nd.Key + "): sent " + strconv.Itoa(nd.Rounds) +
			" time(s), each answer lost, and every check found nothing: " + nd.Err.Error()
	}
	return err.Error()
}

// reason says in a few words why the message did not surely reach a
// recipient, for its line.
func reason(o broadcast.Outcome) string {
	var (
		pe *okayapi.PluginError
		ae *okayapi.APIError
		ue *exactlyonce.UncertainError
		nd *exactlyonce.NotDeliveredError
	)
	switch {
	case o.Err == nil:
		return "-"
	case errors.As(o.Err, &ue):
		return "no usable answer (send key " + ue.Key + "), and checking failed too: " + ue.Check.Error()
	case errors.As(o.Err, &nd):
		return "sent " + strconv.Itoa(nd.Rounds) + " time(s), each answer lost; every check found it not delivered"
	case errors.As(o.Err, &pe):
		return "err_code " + strconv.Itoa(pe.Code) + ": " + pe.Msg
	case errors.As(o.Err, &ae):
		if ae.RetText != "" {
			return "ret " + strconv.Quote(ae.RetText) + ": " + ae.Msg
		}
		return "ret " + strconv.Itoa(ae.Ret) + ": " + ae.Msg
	case o.State == broadcast.MaybeDelivered:
		return "no usable answer: " + o.Err.Error()
	}
	return "not sent: " + o.Err.Error()
}
