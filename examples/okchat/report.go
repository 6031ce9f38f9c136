package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/broadcast"
	"github.com/okayapi-go/sdk/chatmsg/exactlyonce"
	"github.com/okayapi-go/sdk/okayapi"
)

// Exit statuses.
const (
	exitOK        = 0
	exitRefused   = 1 // the service or the plugin answered an error
	exitUsage     = 2 // bad usage or invalid input; nothing was sent
	exitTransport = 3 // no usable answer
	exitOutput    = 4 // the call succeeded, but its output could not be written
)

// usageError is bad usage: exit status 2, nothing sent.
type usageError struct {
	msg string
}

func (e *usageError) Error() string { return e.msg }

// outputError is a failure to write the output of a call that succeeded:
// exit status 4.
type outputError struct {
	err error
}

func (e *outputError) Error() string { return "writing the output: " + e.err.Error() }

func (e *outputError) Unwrap() error { return e.err }

// callInfo is what report needs to know of how the call was made, to
// explain a failure.
type callInfo struct {
	unsigned bool          // no OKAYAPI_APP_SECRET or OKAYAPI_STATIC_SIGN: the call was sent unsigned
	static   bool          // OKAYAPI_STATIC_SIGN: the call was signed with a static sign value
	timedOut time.Duration // the --timeout that ran out before the command ended, or 0
}

// usage prints a usage error and returns exit status 2.
func usage(stderr io.Writer, cmd *command, msg string) int {
	if cmd == nil {
		fmt.Fprintf(stderr, "okchat: %s\nRun 'okchat --help' for usage.\n", msg)
	} else {
		fmt.Fprintf(stderr, "okchat %s: %s\nRun 'okchat %s --help' for usage.\n", cmd.name, msg, cmd.name)
	}
	return exitUsage
}

// report prints err (if any) to stderr and returns the exit status for it.
func report(stderr io.Writer, cmd *command, err error, how callInfo) int {
	if err == nil {
		return exitOK
	}
	var (
		ue *usageError
		oe *outputError
		bf *broadcastFailure
	)
	switch {
	case errors.As(err, &ue):
		return usage(stderr, cmd, ue.msg)
	case errors.As(err, &oe):
		done := "the call succeeded"
		switch {
		case cmd.sends:
			done = "the message was delivered (do not send it again)"
		case cmd.untilInterrupted:
			done = "a message arrived (and counts as handled: it is not printed again by this watch)"
		}
		fmt.Fprintf(stderr, "okchat %s: %s, but the output could not be written: %v\n", cmd.name, done, oe.err)
		return exitOutput
	case errors.As(err, &bf):
		return reportBroadcast(stderr, cmd, bf, how)
	}
	code := explain(stderr, cmd, "okchat "+cmd.name+": ", err, how)
	var uncertain *exactlyonce.UncertainError
	if cmd.sends && code != exitUsage {
		switch {
		case errors.As(err, &uncertain):
			fmt.Fprintf(stderr, "okchat: the message may have been delivered; its send key is %s\n", uncertain.Key)
			fmt.Fprintf(stderr, "okchat: to finish, run the same command with --resume %s: okchat looks for the message and sends it only if it is not there\n", uncertain.Key)
		case okayapi.MayHaveArrived(err):
			fmt.Fprintln(stderr, "okchat: the message may have been delivered; check the history before sending again")
		default:
			fmt.Fprintln(stderr, "okchat: the message was not delivered")
		}
	}
	return code
}

// explain prints what err says, each first line after prefix, and returns
// the exit status for it.
func explain(stderr io.Writer, cmd *command, prefix string, err error, how callInfo) int {
	var (
		ip *okayapi.InvalidParamError
		ae *okayapi.APIError
		pe *okayapi.PluginError
		ue *exactlyonce.UncertainError
		nd *exactlyonce.NotDeliveredError
	)
	code := exitTransport
	switch {
	case errors.As(err, &ue): // --exactly-once, and it still cannot tell
		fmt.Fprintf(stderr, "%sno usable answer: %v\n", prefix, ue.Err)
		fmt.Fprintf(stderr, "okchat: checking the conversation for the message failed too: %v\n", ue.Check)
		if how.timedOut > 0 {
			fmt.Fprintf(stderr, "okchat: gave up after %s (--timeout); a slow service may need a longer one\n", how.timedOut)
		}
		return exitTransport
	case errors.As(err, &nd): // --exactly-once: every check found it not stored
		fmt.Fprintf(stderr, "%sno usable answer to %d send(s), and each time the conversation showed the message was not there: %v\n",
			prefix, nd.Rounds, nd.Err)
		return exitRefused
	case errors.As(err, &ip):
		fmt.Fprintf(stderr, "%sinvalid %s: %s\n", prefix, paramName(cmd, ip.Field), ip.Rule)
		if ip.Value != "" {
			fmt.Fprintf(stderr, "  got %q\n", ip.Value)
		}
		if cmd.sends {
			fmt.Fprintln(stderr, "okchat: nothing was sent")
		}
		return exitUsage
	case errors.As(err, &ae):
		code = exitRefused
		ret := strconv.Itoa(ae.Ret)
		if ae.RetText != "" {
			ret = strconv.Quote(ae.RetText)
		}
		if errors.Is(err, okayapi.ErrBadRequest) {
			fmt.Fprintf(stderr, "%sthe service refused %s: ret %s: %s\n", prefix, ae.Service, ret, ae.Msg)
		} else {
			fmt.Fprintf(stderr, "%sthe service failed on %s: ret %s: %s\n", prefix, ae.Service, ret, ae.Msg)
		}
		switch {
		case errors.Is(err, okayapi.ErrNotLoggedIn):
			fmt.Fprintln(stderr, "okchat: the member is not logged in or the token expired: log in again (okchat login) and update OKAYAPI_TOKEN")
		case errors.Is(err, okayapi.ErrBadSignature) && how.unsigned:
			fmt.Fprintln(stderr, "okchat: hint: OKAYAPI_APP_SECRET is not set, so the call was sent unsigned; the app expects signed calls "+
				"(set OKAYAPI_APP_SECRET, or OKAYAPI_STATIC_SIGN for an app with a static signature)")
		case errors.Is(err, okayapi.ErrBadSignature) && how.static:
			fmt.Fprintln(stderr, "okchat: hint: the app refused the signature: OKAYAPI_STATIC_SIGN is not this app's sign value, "+
				"or the app signs dynamically (then set OKAYAPI_APP_SECRET instead)")
		case errors.Is(err, okayapi.ErrBadSignature):
			fmt.Fprintln(stderr, "okchat: hint: the app refused the signature: OKAYAPI_APP_SECRET is not the secret of the app that "+
				"OKAYAPI_APP_KEY names (check both, and OKAYAPI_HOST), or the app uses a static signature (then set OKAYAPI_STATIC_SIGN instead)")
		}
	case errors.As(err, &pe) && errors.Is(err, okayapi.ErrLoginFailed):
		code = exitRefused
		fmt.Fprintf(stderr, "%sthe service refused the login (%s): err_code %d: %s\n", prefix, pe.Service, pe.Code, pe.Msg)
		fmt.Fprintln(stderr, "okchat: check the username and the password; the account may also be disabled")
	case errors.As(err, &pe):
		code = exitRefused
		fmt.Fprintf(stderr, "%sthe chat plugin refused %s: err_code %d: %s\n", prefix, pe.Service, pe.Code, pe.Msg)
		switch {
		case errors.Is(err, chatmsg.ErrSelf):
			fmt.Fprintln(stderr, "okchat: a member cannot send to, or chat with, itself")
		case errors.Is(err, chatmsg.ErrNotInstalled):
			fmt.Fprintln(stderr, "okchat: the private-message plugin is not installed for this app")
		}
	default:
		fmt.Fprintf(stderr, "%sno usable answer: %v\n", prefix, err)
		switch {
		case how.timedOut > 0:
			fmt.Fprintf(stderr, "okchat: gave up after %s (--timeout); a slow service may need a longer one\n", how.timedOut)
		case errors.Is(err, okayapi.ErrRedirect):
			fmt.Fprintln(stderr, "okchat: the host answered with a redirect, which okchat never follows "+
				"(it would carry the token elsewhere): check OKAYAPI_HOST, e.g. https:// rather than http://")
		}
	}
	return code
}

// reportBroadcast explains a multisend that did not reach every recipient
// for sure: the counts, each batch failure once, and the recipients the
// message may have reached. The exit status is 3 if some outcome is
// unknown or a batch got no answer, else 1 (the service refused some).
func reportBroadcast(stderr io.Writer, cmd *command, bf *broadcastFailure, how callInfo) int {
	e := bf.err
	fmt.Fprintf(stderr, "okchat %s: %d of %d recipient(s) got the message: %d not delivered, %d may have been delivered\n",
		cmd.name, e.Delivered, e.Delivered+e.NotDelivered+e.MaybeDelivered, e.NotDelivered, e.MaybeDelivered)
	// Each batch failure once, with how many recipients it concerns; batches
	// that failed alike (200 recipients never sent after a timeout, say) are
	// told together.
	type failure struct {
		err error
		n   int
	}
	var failures []*failure
	byText := map[string]*failure{}
	for _, o := range bf.res.Outcomes {
		if o.State == broadcast.Delivered || o.Err == nil {
			continue
		}
		f := byText[o.Err.Error()]
		if f == nil {
			f = &failure{err: o.Err}
			byText[o.Err.Error()] = f
			failures = append(failures, f)
		}
		f.n++
	}
	code := exitRefused
	for _, f := range failures {
		prefix := fmt.Sprintf("okchat %s: %d recipient(s): ", cmd.name, f.n)
		code = max(code, explain(stderr, cmd, prefix, f.err, how))
	}
	if e.MaybeDelivered > 0 {
		code = exitTransport
		resumable := 0 // exactly-once recipients, which a send --resume finishes
		for _, o := range bf.res.Outcomes {
			if o.State == broadcast.MaybeDelivered && keyOf(o.Err) != "" {
				resumable++
			}
		}
		if resumable == 0 {
			fmt.Fprintf(stderr, "okchat: the message may have been delivered to these %d recipient(s); check their history before sending to them again:\n", e.MaybeDelivered)
		} else {
			fmt.Fprintf(stderr, "okchat: the message may have been delivered to these %d recipient(s), with the send key shown; "+
				"to finish, run for each 'okchat send --to UUID --resume KEY' with the same message flag: it sends only if the message is not there:\n", e.MaybeDelivered)
		}
		for _, o := range bf.res.Outcomes {
			if o.State != broadcast.MaybeDelivered {
				continue
			}
			if k := keyOf(o.Err); k != "" {
				fmt.Fprintf(stderr, "  %s  --resume %s\n", o.To, k)
			} else {
				fmt.Fprintf(stderr, "  %s\n", o.To)
			}
		}
	}
	if e.NotDelivered > 0 {
		fmt.Fprintf(stderr, "okchat: the message was not delivered to %d recipient(s) (\"not delivered\" on stdout)\n", e.NotDelivered)
	}
	if e.Delivered > 0 {
		fmt.Fprintf(stderr, "okchat: %d recipient(s) got the message: do not send it to them again\n", e.Delivered)
	}
	if bf.writeErr != nil {
		fmt.Fprintf(stderr, "okchat %s: the outcomes could not be written: %v\n", cmd.name, bf.writeErr)
	}
	return code
}

// paramName names a parameter the SDK refused as a user of okchat knows
// it: by its flag or environment variable, with the API's name beside a
// flag's.
func paramName(cmd *command, field string) string {
	switch {
	case field == "other_uuid" || strings.HasPrefix(field, "other_uuid["):
		if cmd.sends {
			return "--to (" + field + ")"
		}
		return "--with (" + field + ")"
	case field == "last_id":
		return "--last-id (last_id)"
	case field == "direction":
		return "--up (direction)"
	case field == "chat_message_id":
		return "--id (chat_message_id)"
	case field == "page", field == "perpage", field == "username", field == "password":
		return "--" + field
	case field == "Concurrency":
		return "--concurrency"
	case field == "key":
		return "--resume (the send key)"
	case field == "chat_message_type" || strings.HasPrefix(field, "chat_message_data"):
		return "message (" + field + ")"
	case field == "base URL":
		return "OKAYAPI_HOST (the app's base URL)"
	case field == "app key":
		return "OKAYAPI_APP_KEY"
	case field == "uuid":
		return "OKAYAPI_UUID"
	case field == "token":
		return "OKAYAPI_TOKEN"
	}
	return field
}
