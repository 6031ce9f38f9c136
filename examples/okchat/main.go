// Okchat is OkayAPI's private-message plugin (package chatmsg) from the shell:
// send a message to one member or many, read a conversation, mark it read,
// list conversations and count unread messages, as one member; and log a
// member in, to get the uuid and token the other commands act with.
//
// Usage:
//
//	okchat [--json] [--timeout DURATION] [--record DIR] COMMAND [flags]
//
//	okchat send      --to UUID [--exactly-once | --resume KEY] [--horizon DURATION] (--text S | --html S | --image URL | --link URL | --custom JSON)
//	                 (--to again, or --to UUID,UUID: to several members, as multisend)
//	okchat multisend (--to UUID,UUID,... | --to-file FILE) [--concurrency N] [--exactly-once [--horizon DURATION]]  (one message flag, as for send)
//	okchat history   --with UUID [--all] [--last-id N] [--up] [--perpage N]
//	okchat read      --with UUID [--id N]          (no --id: mark the whole conversation)
//	okchat chats     [--all | --page N] [--perpage N]
//	okchat unread
//	okchat watch     [--interval DURATION] [--max-interval DURATION] [--since-now] [--mark-read] [--sent]
//	okchat login     --username NAME (--password-stdin | --password PASSWORD) [--export]
//	okchat help [COMMAND]
//	okchat --version
//
// It is configured by the environment:
//
//	OKAYAPI_HOST         the app's base URL, e.g. https://hn216.api.yesapi.cn (required)
//	OKAYAPI_APP_KEY      the app key (required)
//	OKAYAPI_APP_SECRET   the app secret, for the dynamic signature
//	OKAYAPI_STATIC_SIGN  the sign value, for an app set to a static signature
//	OKAYAPI_UUID         the acting member's uuid (required, except for login)
//	OKAYAPI_TOKEN        the acting member's token, from okchat login (required, except for login)
//	OKAYAPI_PASSWORD     the password for login, when neither --password nor --password-stdin is given
//
// With neither OKAYAPI_APP_SECRET nor OKAYAPI_STATIC_SIGN, calls are unsigned.
// The token, the password, the secret and the sign are never printed, except
// the new token that login prints to stdout.
//
// A flag that takes one value may be given once (exit status 2 otherwise,
// nothing sent); --to may be repeated, its members adding up.
//
// Output is for people unless --json (before or after the command) asks for
// one JSON document whose keys are the API's own field names, with numbers
// as numbers, flags as true/false and times in RFC 3339 (watch: one JSON
// object per line, per message).
//
// watch prints each new message as it arrives until interrupted (Ctrl-C or
// SIGTERM), then exits 0; --timeout then bounds each HTTP attempt only.
//
// With --exactly-once, send and multisend do not stop at a lost answer: they
// read the conversation for the message's send key and send again only if
// it is not there, so that a message is never stored twice. When even that
// check fails, stderr gives the key, and send --resume KEY finishes later.
//
// --timeout (before or after the command; default 15s) bounds how long
// okchat waits for the service: each HTTP attempt, and the whole command with
// its retries, end after that long.
//
// Exit status:
//
//	0  success (for multisend: every recipient got the message; for watch:
//	   interrupted)
//	1  the service (ret) or the plugin (err_code) answered an error, e.g. a
//	   wrong password for login; for multisend: it refused some recipients,
//	   and no outcome is unknown; with --exactly-once: the answers were lost
//	   and every check found the message not delivered
//	2  bad usage or invalid input: nothing was sent
//	3  no usable answer (network, HTTP, not JSON, a redirect, nothing within
//	   --timeout); for send and multisend, stderr says whether the message
//	   may have been delivered (for multisend: to which recipients); with
//	   --exactly-once, only when the checks failed too, and stderr gives the
//	   send key for --resume
//	4  the call succeeded (for send and multisend: the message WAS
//	   delivered; do not send it again) but the output could not be written,
//	   e.g. to a full disk, or --record could not write the recording (a DIR
//	   that cannot be written at all is found before anything is sent: 2)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/okayapi-go/sdk/okayapi"
)

// version is okchat's own version; versionLine adds the SDK's.
const version = "0.2.0"

// versionLine is what --version prints.
var versionLine = "okchat " + version + " (" + okayapi.DefaultUserAgent + ")\n"

// userAgent names okchat, then the SDK, to the service.
var userAgent = "okchat/" + version + " " + okayapi.DefaultUserAgent

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], system{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// system is what okchat takes from its process: the environment, the
// standard streams and the HTTP client to call through.
type system struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	hc             *http.Client // nil: the SDK's own
}

// run runs okchat with args (without the program name) and returns the exit
// status.
func run(ctx context.Context, args []string, sys system) int {
	g := globalFlags{timeout: defaultTimeout}
	global := flag.NewFlagSet("okchat", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	g.add(global)
	showVersion := global.Bool("version", false, "print okchat's version")
	singleValued(global, nil)
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return printHelp(sys, mainUsage())
		}
		return usage(sys.stderr, nil, flagError(global, err))
	}
	if *showVersion {
		return printHelp(sys, versionLine)
	}
	rest := global.Args()
	if len(rest) == 0 {
		return usage(sys.stderr, nil, "no command given")
	}
	name, rest := rest[0], rest[1:]
	switch name {
	case "help":
		return help(sys, rest)
	case "version":
		return printHelp(sys, versionLine)
	}
	cmd := findCommand(name)
	if cmd == nil {
		return usage(sys.stderr, nil, unknownCommand(name))
	}
	fs := flag.NewFlagSet("okchat "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g.add(fs)
	do := cmd.flags(fs)
	singleValued(fs, setFlags(global))
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return printHelp(sys, commandUsage(cmd))
		}
		return usage(sys.stderr, cmd, flagError(fs, err))
	}
	if fs.NArg() > 0 {
		return usage(sys.stderr, cmd, "unexpected argument "+strconv.Quote(fs.Arg(0)))
	}
	if g.timeout <= 0 {
		return usage(sys.stderr, cmd, "--timeout must be a positive duration, e.g. 15s or 1m")
	}

	if !cmd.untilInterrupted {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, g.timeout)
		defer cancel()
	}
	out := &outWriter{w: sys.stdout}
	var how callInfo
	a, err := newApp(ctx, cmd, sys, out, g)
	if err == nil {
		defer a.client.Close()
		how.unsigned, how.static = a.unsigned, a.static
		err = do(a)
		var bf *broadcastFailure // a multisend's failure outranks its output's
		if out.err != nil && !errors.As(err, &bf) {
			err = &outputError{err: out.err}
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			how.timedOut = g.timeout
		}
		if a.recorder != nil {
			if rerr := a.recorder.Err(); rerr != nil {
				if err == nil { // the call happened; its recording did not
					err = &outputError{err: fmt.Errorf("--record: %w", rerr)}
				} else {
					fmt.Fprintf(sys.stderr, "okchat: --record: %v\n", rerr)
				}
			}
		}
	}
	return report(sys.stderr, cmd, err, how)
}

// help runs "okchat help [COMMAND]".
func help(sys system, args []string) int {
	if len(args) == 0 {
		return printHelp(sys, mainUsage())
	}
	if len(args) > 1 {
		return usage(sys.stderr, nil, "help takes one command, not "+strconv.Quote(strings.Join(args, " ")))
	}
	cmd := findCommand(args[0])
	if cmd == nil {
		return usage(sys.stderr, nil, "help: "+unknownCommand(args[0]))
	}
	return printHelp(sys, commandUsage(cmd))
}
