// Okchat is OkayAPI's private-message plugin (package chatmsg) from the shell:
// send a message to one member or many, read a conversation, mark it read,
// list conversations and count unread messages, as one member.
//
// Usage:
//
//	okchat [--json] [--timeout DURATION] COMMAND [flags]
//
//	okchat send      --to UUID (--text S | --html S | --image URL | --link URL | --custom JSON)
//	okchat multisend --to UUID,UUID,...  (one message flag, as for send)
//	okchat history   --with UUID [--last-id N] [--up] [--perpage N]
//	okchat read      --with UUID [--id N]          (no --id: mark the whole conversation)
//	okchat chats     [--page N] [--perpage N]
//	okchat unread
//	okchat help [COMMAND]
//
// It is configured by the environment:
//
//	OKAYAPI_HOST         the app's base URL, e.g. https://hn216.api.yesapi.cn (required)
//	OKAYAPI_APP_KEY      the app key (required)
//	OKAYAPI_APP_SECRET   the app secret, for the dynamic signature
//	OKAYAPI_STATIC_SIGN  the sign value, for an app set to a static signature
//	OKAYAPI_UUID         the acting member's uuid (required)
//	OKAYAPI_TOKEN        the acting member's token, from App.User.Login (required)
//
// With neither OKAYAPI_APP_SECRET nor OKAYAPI_STATIC_SIGN, calls are unsigned.
// The token, the secret and the sign are never printed.
//
// Output is for people unless --json (before or after the command) asks for
// one JSON document whose keys are the API's own field names, with numbers
// as numbers, flags as true/false and times in RFC 3339.
//
// --timeout (before or after the command; default 15s) bounds how long
// okchat waits for the service: each HTTP attempt, and the whole command with
// its retries, end after that long.
//
// Exit status:
//
//	0  success
//	1  the service (ret) or the plugin (err_code) answered an error
//	2  bad usage or invalid input: nothing was sent
//	3  no usable answer (network, HTTP, not JSON, a redirect, nothing within
//	   --timeout); for send and multisend, stderr says whether the message
//	   may have been delivered
//	4  the call succeeded (for send and multisend: the message WAS
//	   delivered; do not send it again) but the output could not be written,
//	   e.g. to a full disk
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/sign"
)

// Exit statuses.
const (
	exitOK        = 0
	exitRefused   = 1 // the service or the plugin answered an error
	exitUsage     = 2 // bad usage or invalid input; nothing was sent
	exitTransport = 3 // no usable answer
	exitOutput    = 4 // the call succeeded, but its output could not be written
)

// defaultTimeout is how long okchat waits for the service unless --timeout
// says otherwise: long enough for a slow answer, short enough that a stalled
// server does not keep a shell waiting.
const defaultTimeout = 15 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, nil)
	stop()
	os.Exit(code)
}

const mainUsage = `okchat: OkayAPI's private-message plugin from the shell.

Usage:
  okchat [--json] [--timeout DURATION] COMMAND [flags]

Commands:
  send       send one message to one member
  multisend  send one message to several members (1–200)
  history    read the conversation with one member
  read       mark one message, or a whole conversation, as read
  chats      list your conversations
  unread     count your unread messages
  help       show help for a command

Flags (before or after COMMAND):
  --json              print one JSON document with the API's field names
  --timeout DURATION  give up after DURATION, e.g. 5s or 1m (default 15s): bounds each
                      HTTP attempt and the whole command, retries included

Environment:
  OKAYAPI_HOST         the app's base URL, e.g. https://hn216.api.yesapi.cn (required)
  OKAYAPI_APP_KEY      the app key (required)
  OKAYAPI_APP_SECRET   the app secret, for the dynamic signature
  OKAYAPI_STATIC_SIGN  the sign value, for an app set to a static signature
                       (neither of the two: calls are unsigned)
  OKAYAPI_UUID         the acting member's uuid (required)
  OKAYAPI_TOKEN        the acting member's token, from App.User.Login (required)

Exit status:
  0  success
  1  the service or the plugin answered an error
  2  bad usage or invalid input: nothing was sent
  3  no usable answer (network, HTTP, not JSON, a redirect, nothing within
     --timeout); for send and multisend, stderr says whether the message
     may have been delivered
  4  the call succeeded (for send and multisend: the message WAS delivered;
     do not send it again) but the output could not be written

Run 'okchat COMMAND --help' for a command's flags.
`

// command is one okchat command: its flags and what it does once they are parsed.
type command struct {
	name     string
	synopsis string // the usage line after "okchat NAME"
	about    string
	flags    func(fs *flag.FlagSet) func(a *app) error
}

var commands = []command{
	{
		name:     "send",
		synopsis: "--to UUID (--text S | --html S | --image URL | --link URL | --custom JSON)",
		about:    "Send one message to the member --to. Exactly one message flag is required.",
		flags: func(fs *flag.FlagSet) func(*app) error {
			to := fs.String("to", "", "the recipient's member `UUID` (32 hex characters)")
			msg := messageFlags(fs)
			return func(a *app) error {
				if err := requireFlag(fs, "to"); err != nil {
					return err
				}
				m, err := msg()
				if err != nil {
					return err
				}
				return a.send(*to, m)
			}
		},
	},
	{
		name:     "multisend",
		synopsis: "--to UUID,UUID,... (--text S | --html S | --image URL | --link URL | --custom JSON)",
		about:    "Send one message to each of 1 to 200 members. Exactly one message flag is required.",
		flags: func(fs *flag.FlagSet) func(*app) error {
			to := fs.String("to", "", "the recipients: 1 to 200 member uuids written `UUID,UUID,...`")
			msg := messageFlags(fs)
			return func(a *app) error {
				if err := requireFlag(fs, "to"); err != nil {
					return err
				}
				m, err := msg()
				if err != nil {
					return err
				}
				var uuids []string
				for _, u := range strings.Split(*to, ",") {
					uuids = append(uuids, strings.TrimSpace(u))
				}
				return a.multiSend(uuids, m)
			}
		},
	},
	{
		name:     "history",
		synopsis: "--with UUID [--last-id N] [--up] [--perpage N]",
		about:    "Read the conversation with the member --with: the newest messages, or those after --last-id,\nor with --up those before --last-id.",
		flags: func(fs *flag.FlagSet) func(*app) error {
			with := fs.String("with", "", "the other member's `UUID`")
			lastID := fs.Int64("last-id", 0, "read from the message whose id is `N` (0: from the newest)")
			up := fs.Bool("up", false, "read older messages, before --last-id (the API's direction=up)")
			perPage := fs.Int("perpage", 0, "messages per page, 1–100 (0: the service's default, 20)")
			return func(a *app) error {
				if err := requireFlag(fs, "with"); err != nil {
					return err
				}
				opts := chatmsg.ListOptions{LastID: *lastID, PerPage: *perPage}
				if *up {
					opts.Order = chatmsg.Older
				}
				return a.history(*with, opts)
			}
		},
	},
	{
		name:     "read",
		synopsis: "--with UUID [--id N]",
		about:    "Mark the message --id of the conversation with --with as read; without --id, the whole conversation.",
		flags: func(fs *flag.FlagSet) func(*app) error {
			with := fs.String("with", "", "the other member's `UUID`")
			id := fs.Int64("id", 0, "mark the message whose id is `N` (omit --id to mark the whole conversation)")
			return func(a *app) error {
				if err := requireFlag(fs, "with"); err != nil {
					return err
				}
				one := isSet(fs, "id")
				if one && *id < 1 {
					return &usageError{msg: "--id must be a message id, 1 or more; omit --id to mark the whole conversation"}
				}
				return a.read(*with, *id, one)
			}
		},
	},
	{
		name:     "chats",
		synopsis: "[--page N] [--perpage N]",
		about:    "List your conversations, newest first: the other member and the latest message.",
		flags: func(fs *flag.FlagSet) func(*app) error {
			page := fs.Int("page", 0, "the page, 1–100 (0: the first)")
			perPage := fs.Int("perpage", 0, "conversations per page, 1–100 (0: the service's default, 20)")
			return func(a *app) error {
				return a.chats(chatmsg.ChatListOptions{Page: *page, PerPage: *perPage})
			}
		},
	},
	{
		name:     "unread",
		synopsis: "",
		about:    "Count your unread messages across all conversations.",
		flags: func(*flag.FlagSet) func(*app) error {
			return func(a *app) error { return a.unread() }
		},
	},
}

func findCommand(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

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

// outWriter is stdout, remembering the first write error. Every command
// makes its one call before it writes, so a write error means the call
// succeeded.
type outWriter struct {
	w   io.Writer
	err error
}

func (o *outWriter) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		o.err = err
	}
	return n, err
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

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

func requireFlag(fs *flag.FlagSet, name string) error {
	if !isSet(fs, name) {
		return &usageError{msg: "--" + name + " is required"}
	}
	return nil
}

// globalFlags are the flags accepted before or after the command.
type globalFlags struct {
	json    bool
	timeout time.Duration
}

// add adds the global flags to fs, with g's values as defaults.
func (g *globalFlags) add(fs *flag.FlagSet) {
	fs.BoolVar(&g.json, "json", g.json, "print one JSON document with the API's field names")
	fs.DurationVar(&g.timeout, "timeout", g.timeout,
		"give up after `DURATION`, e.g. 5s or 1m: bounds each HTTP attempt and the whole command, retries included")
}

// run runs okchat with args (without the program name) and returns the exit
// status. Calls go through hc, or the SDK's own HTTP client if hc is nil.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, hc *http.Client) int {
	g := globalFlags{timeout: defaultTimeout}
	global := flag.NewFlagSet("okchat", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	g.add(global)
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return printHelp(stdout, stderr, mainUsage)
		}
		return usage(stderr, nil, err.Error())
	}
	rest := global.Args()
	if len(rest) == 0 {
		return usage(stderr, nil, "no command given")
	}
	name, rest := rest[0], rest[1:]
	if name == "help" {
		if len(rest) == 0 {
			return printHelp(stdout, stderr, mainUsage)
		}
		cmd := findCommand(rest[0])
		if cmd == nil || len(rest) > 1 {
			return usage(stderr, nil, "help: unknown command "+strconv.Quote(strings.Join(rest, " ")))
		}
		return printHelp(stdout, stderr, commandUsage(cmd))
	}
	cmd := findCommand(name)
	if cmd == nil {
		return usage(stderr, nil, "unknown command "+strconv.Quote(name))
	}
	fs := flag.NewFlagSet("okchat "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	g.add(fs)
	do := cmd.flags(fs)
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return printHelp(stdout, stderr, commandUsage(cmd))
		}
		return usage(stderr, cmd, err.Error())
	}
	if fs.NArg() > 0 {
		return usage(stderr, cmd, "unexpected argument "+strconv.Quote(fs.Arg(0)))
	}
	if g.timeout <= 0 {
		return usage(stderr, cmd, "--timeout must be a positive duration, e.g. 15s or 1m")
	}

	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	out := &outWriter{w: stdout}
	var how callInfo
	a, err := newApp(ctx, getenv, out, g, hc)
	if err == nil {
		defer a.client.Close()
		how.unsigned = a.unsigned
		err = do(a)
		if out.err != nil {
			err = &outputError{err: out.err}
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			how.timedOut = g.timeout
		}
	}
	return report(stderr, cmd, err, how)
}

// printHelp writes help to stdout.
func printHelp(stdout, stderr io.Writer, help string) int {
	if _, err := io.WriteString(stdout, help); err != nil {
		fmt.Fprintf(stderr, "okchat: the help could not be written: %v\n", err)
		return exitOutput
	}
	return exitOK
}

func usage(stderr io.Writer, cmd *command, msg string) int {
	if cmd == nil {
		fmt.Fprintf(stderr, "okchat: %s\nRun 'okchat --help' for usage.\n", msg)
	} else {
		fmt.Fprintf(stderr, "okchat %s: %s\nRun 'okchat %s --help' for usage.\n", cmd.name, msg, cmd.name)
	}
	return exitUsage
}

// commandUsage returns a command's help.
func commandUsage(cmd *command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: okchat [--json] [--timeout DURATION] %s %s\n\n%s\n\nFlags:\n", cmd.name, cmd.synopsis, cmd.about)
	fs := flag.NewFlagSet("okchat "+cmd.name, flag.ContinueOnError)
	g := globalFlags{timeout: defaultTimeout}
	g.add(fs)
	cmd.flags(fs)
	printFlags(&b, fs)
	b.WriteString("\nThe app and the acting member come from OKAYAPI_* environment variables: see 'okchat --help'.\n")
	return b.String()
}

// printFlags lists fs's flags as the synopses write them, --name ARG, in a
// table: the flag and its argument, then what it does and any default
// that is not the zero value.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	var t table
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		if arg == "int" { // a number flag whose usage names no argument
			arg = "N"
		}
		name := "  --" + f.Name
		if arg != "" {
			name += " " + arg
		}
		switch f.DefValue {
		case "", "0", "false":
		default:
			usage += " (default " + f.DefValue + ")"
		}
		t.row(name, usage)
	})
	_ = t.print(w) // w is a strings.Builder
}

// callInfo is what report needs to know of how the call was made, to
// explain a failure.
type callInfo struct {
	unsigned bool          // no OKAYAPI_APP_SECRET or OKAYAPI_STATIC_SIGN: the call was sent unsigned
	timedOut time.Duration // the --timeout that ran out before the command ended, or 0
}

// report prints err (if any) to stderr and returns the exit status for it.
func report(stderr io.Writer, cmd *command, err error, how callInfo) int {
	if err == nil {
		return exitOK
	}
	var (
		ue *usageError
		oe *outputError
		ip *okayapi.InvalidParamError
		ae *okayapi.APIError
		pe *okayapi.PluginError
	)
	sending := cmd.name == "send" || cmd.name == "multisend"
	code := exitTransport
	switch {
	case errors.As(err, &ue):
		return usage(stderr, cmd, ue.msg)
	case errors.As(err, &oe):
		done := "the call succeeded"
		if sending {
			done = "the message was delivered (do not send it again)"
		}
		fmt.Fprintf(stderr, "okchat %s: %s, but the output could not be written: %v\n", cmd.name, done, oe.err)
		return exitOutput
	case errors.As(err, &ip):
		fmt.Fprintf(stderr, "okchat %s: invalid %s: %s\n", cmd.name, paramName(cmd, ip.Field), ip.Rule)
		if ip.Value != "" {
			fmt.Fprintf(stderr, "  got %q\n", ip.Value)
		}
		if sending {
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
			fmt.Fprintf(stderr, "okchat %s: the service refused %s: ret %s: %s\n", cmd.name, ae.Service, ret, ae.Msg)
		} else {
			fmt.Fprintf(stderr, "okchat %s: the service failed on %s: ret %s: %s\n", cmd.name, ae.Service, ret, ae.Msg)
		}
		switch {
		case errors.Is(err, okayapi.ErrNotLoggedIn):
			fmt.Fprintln(stderr, "okchat: the member is not logged in or the token expired: log in again and update OKAYAPI_TOKEN")
		case errors.Is(err, okayapi.ErrBadSignature) && how.unsigned:
			fmt.Fprintln(stderr, "okchat: hint: OKAYAPI_APP_SECRET is not set, so the call was sent unsigned; the app expects signed calls "+
				"(set OKAYAPI_APP_SECRET, or OKAYAPI_STATIC_SIGN for an app with a static signature)")
		}
	case errors.As(err, &pe):
		code = exitRefused
		fmt.Fprintf(stderr, "okchat %s: the chat plugin refused %s: err_code %d: %s\n", cmd.name, pe.Service, pe.Code, pe.Msg)
		switch {
		case errors.Is(err, chatmsg.ErrSelf):
			fmt.Fprintln(stderr, "okchat: a member cannot send to, or chat with, itself")
		case errors.Is(err, chatmsg.ErrNotInstalled):
			fmt.Fprintln(stderr, "okchat: the private-message plugin is not installed for this app")
		}
	default:
		fmt.Fprintf(stderr, "okchat %s: no usable answer: %v\n", cmd.name, err)
		switch {
		case how.timedOut > 0:
			fmt.Fprintf(stderr, "okchat: gave up after %s (--timeout); a slow service may need a longer one\n", how.timedOut)
		case errors.Is(err, okayapi.ErrRedirect):
			fmt.Fprintln(stderr, "okchat: the host answered with a redirect, which okchat never follows "+
				"(it would carry the token elsewhere): check OKAYAPI_HOST, e.g. https:// rather than http://")
		}
	}
	if sending {
		if okayapi.MayHaveArrived(err) {
			fmt.Fprintln(stderr, "okchat: the message may have been delivered; check the history before sending again")
		} else {
			fmt.Fprintln(stderr, "okchat: the message was not delivered")
		}
	}
	return code
}

// paramName names a parameter the SDK refused as a user of okchat knows
// it: by its flag or environment variable, with the API's name beside a
// flag's.
func paramName(cmd *command, field string) string {
	switch {
	case field == "other_uuid" || strings.HasPrefix(field, "other_uuid["):
		if cmd.name == "send" || cmd.name == "multisend" {
			return "--to (" + field + ")"
		}
		return "--with (" + field + ")"
	case field == "last_id":
		return "--last-id (last_id)"
	case field == "direction":
		return "--up (direction)"
	case field == "chat_message_id":
		return "--id (chat_message_id)"
	case field == "page", field == "perpage":
		return "--" + field
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

// app is a configured client acting for one member.
type app struct {
	ctx      context.Context
	client   *okayapi.Client
	chat     *chatmsg.Service
	member   okayapi.Member
	out      io.Writer
	json     bool
	unsigned bool // calls go out without a signature
}

func newApp(ctx context.Context, getenv func(string) string, stdout io.Writer, g globalFlags, hc *http.Client) (*app, error) {
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	var missing []string
	for _, name := range []string{"OKAYAPI_HOST", "OKAYAPI_APP_KEY", "OKAYAPI_UUID", "OKAYAPI_TOKEN"} {
		if env(name) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, &usageError{msg: "missing environment variable(s): " + strings.Join(missing, ", ") + " (see 'okchat --help')"}
	}
	var signing okayapi.Option
	secret, static := env("OKAYAPI_APP_SECRET"), env("OKAYAPI_STATIC_SIGN")
	switch {
	case secret != "" && static != "":
		return nil, &usageError{msg: "set OKAYAPI_APP_SECRET (dynamic signature) or OKAYAPI_STATIC_SIGN (static signature), not both"}
	case secret != "":
		signing = okayapi.WithSecret(secret) // not WithSigner: the client then also hides the secret from errors
	case static != "":
		signing = okayapi.WithSigner(sign.Static(static))
	default:
		signing = okayapi.WithSigner(sign.None())
	}
	opts := []okayapi.Option{signing, okayapi.WithTimeout(g.timeout)}
	if hc != nil {
		opts = append(opts, okayapi.WithHTTPClient(hc))
	}
	client, err := okayapi.New(env("OKAYAPI_HOST"), env("OKAYAPI_APP_KEY"), opts...)
	if err != nil {
		return nil, err
	}
	member := okayapi.Member{UUID: env("OKAYAPI_UUID"), Token: env("OKAYAPI_TOKEN")}
	if err := okayapi.CheckUUID("OKAYAPI_UUID", member.UUID); err != nil {
		client.Close()
		return nil, err
	}
	unsigned := secret == "" && static == ""
	return &app{ctx: ctx, client: client, chat: chatmsg.New(client), member: member, out: stdout, json: g.json, unsigned: unsigned}, nil
}

func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (a *app) send(to string, msg chatmsg.Message) error {
	res, err := a.chat.Send(a.ctx, a.member, to, msg)
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
		}{id})
	}
	if res.MessageID != 0 {
		_, err = fmt.Fprintf(a.out, "sent %s message #%d to %s\n", msg.Type(), res.MessageID, to)
	} else {
		_, err = fmt.Fprintf(a.out, "sent %s message to %s (the service returned no message id)\n", msg.Type(), to)
	}
	return err
}

type jsonDelivery struct {
	OtherUUID     string `json:"other_uuid"`
	ChatMessageID int64  `json:"chat_message_id"`
}

func (a *app) multiSend(to []string, msg chatmsg.Message) error {
	res, err := a.chat.MultiSend(a.ctx, a.member, to, msg)
	if err != nil {
		return err
	}
	// No deliveries: the answer had no per-recipient detail that could be read.
	if a.json {
		var detail []jsonDelivery // null: no detail
		for _, d := range res.Deliveries {
			detail = append(detail, jsonDelivery{OtherUUID: d.To, ChatMessageID: d.MessageID})
		}
		return a.printJSON(struct {
			Detail []jsonDelivery `json:"detail"`
		}{detail})
	}
	if len(res.Deliveries) == 0 {
		_, err = fmt.Fprintf(a.out, "sent %s message to %d recipient(s); the service gave no per-recipient detail\n", msg.Type(), len(to))
		return err
	}
	fmt.Fprintf(a.out, "sent %s message to %d member(s):\n", msg.Type(), len(res.Deliveries))
	var t table
	for _, d := range res.Deliveries {
		t.row("  "+d.To, "#"+strconv.FormatInt(d.MessageID, 10))
	}
	return t.print(a.out)
}

// jsonMessage is one message as --json shows it: the API's fields, typed,
// plus "direction", which says what chat_message_io means.
type jsonMessage struct {
	ID        *int64          `json:"id,omitempty"`
	ToUUID    string          `json:"chat_message_to_uuid"`
	Type      chatmsg.Type    `json:"chat_message_type"`
	Data      json.RawMessage `json:"chat_message_data"`
	IsRead    bool            `json:"chat_message_is_read"`
	IO        *string         `json:"chat_message_io"`
	Direction string          `json:"direction"`
	AddTime   *string         `json:"add_time"`
	User      *jsonUser       `json:"user,omitempty"`
}

type jsonUser struct {
	Username string         `json:"username"`
	ExtInfo  map[string]any `json:"ext_info"`
}

func toJSONMessage(with string, msg chatmsg.Message, read bool, dir chatmsg.Direction, at time.Time) jsonMessage {
	jm := jsonMessage{
		ToUUID:    with,
		Data:      messageData(msg),
		IsRead:    read,
		Direction: dir.String(),
	}
	if msg != nil {
		jm.Type = msg.Type()
	}
	// The reference's chat_message_io: "in" is a message the member sent, "out" one it received.
	var dirIO string
	switch dir {
	case chatmsg.Sent:
		dirIO = "in"
		jm.IO = &dirIO
	case chatmsg.Received:
		dirIO = "out"
		jm.IO = &dirIO
	}
	if !at.IsZero() {
		s := at.Format(time.RFC3339)
		jm.AddTime = &s
	}
	return jm
}

// messageData returns a message's chat_message_data as a JSON object.
func messageData(msg chatmsg.Message) json.RawMessage {
	switch m := msg.(type) {
	case nil:
		return json.RawMessage("{}")
	case chatmsg.Unknown:
		if len(m.Raw) > 0 {
			return m.Raw
		}
		return json.RawMessage("{}")
	case chatmsg.Custom:
		if b, err := m.Data(); err == nil {
			return b
		}
		return json.RawMessage("{}")
	}
	if b, err := msg.Data(); err == nil {
		return b
	}
	// A message read back may break a rule that sending enforces (a blank
	// content, say): show its main field anyway.
	var v map[string]string
	switch m := msg.(type) {
	case chatmsg.Text:
		v = map[string]string{"content": m.Content}
	case chatmsg.HTML:
		v = map[string]string{"content": m.Content}
	case chatmsg.Image:
		v = map[string]string{"url": m.URL}
	case chatmsg.Link:
		v = map[string]string{"url": m.URL}
	}
	b, err := json.Marshal(v)
	if err != nil || v == nil {
		return json.RawMessage("{}")
	}
	return b
}

func (a *app) history(with string, opts chatmsg.ListOptions) error {
	list, err := a.chat.TakeMessageList(a.ctx, a.member, with, opts)
	if err != nil {
		return err
	}
	if a.json {
		msgs := make([]jsonMessage, 0, len(list.Messages))
		for _, m := range list.Messages {
			jm := toJSONMessage(m.With, m.Message, m.Read, m.Direction, m.SentAt)
			id := m.ID
			jm.ID = &id
			msgs = append(msgs, jm)
		}
		return a.printJSON(struct {
			List      []jsonMessage `json:"list"`
			UnreadNum int           `json:"unread_num"`
		}{msgs, list.Unread})
	}
	var t table
	if len(list.Messages) == 0 {
		fmt.Fprintln(a.out, "no messages")
	} else {
		t.row("ID", "TIME", "DIRECTION", "TYPE", "READ", "MESSAGE")
	}
	for _, m := range list.Messages {
		t.row("#"+strconv.FormatInt(m.ID, 10), showTime(m.SentAt), m.Direction.String(), string(typeOf(m.Message)), readWord(m.Read), describe(m.Message))
	}
	if err := t.print(a.out); err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.out, "%d unread in this conversation\n", list.Unread)
	return err
}

func (a *app) read(with string, id int64, one bool) error {
	var (
		n   int
		err error
	)
	if one {
		n, err = a.chat.MarkAsReaded(a.ctx, a.member, with, id)
	} else {
		n, err = a.chat.MarkAllAsReaded(a.ctx, a.member, with)
	}
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(struct {
			ReadedNum int `json:"readed_num"`
		}{n})
	}
	_, err = fmt.Fprintf(a.out, "marked %d message(s) as read\n", n)
	return err
}

func (a *app) chats(opts chatmsg.ChatListOptions) error {
	list, err := a.chat.GetAllChatList(a.ctx, a.member, opts)
	if err != nil {
		return err
	}
	if a.json {
		chats := make([]jsonMessage, 0, len(list.Chats))
		for _, c := range list.Chats {
			jm := toJSONMessage(c.With, c.Last, c.Read, c.Direction, c.SentAt)
			jm.User = &jsonUser{Username: c.User.Username, ExtInfo: extInfo(c.User)}
			chats = append(chats, jm)
		}
		return a.printJSON(struct {
			List  []jsonMessage `json:"list"`
			Total int           `json:"total"`
		}{chats, list.Total})
	}
	var t table
	if len(list.Chats) == 0 {
		fmt.Fprintln(a.out, "no conversations")
	} else {
		t.row("WITH", "MEMBER", "TIME", "LAST", "TYPE", "READ", "MESSAGE")
	}
	for _, c := range list.Chats {
		t.row(c.With, memberName(c.User), showTime(c.SentAt), c.Direction.String(), string(typeOf(c.Last)), readWord(c.Read), describe(c.Last))
	}
	if err := t.print(a.out); err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.out, "%d conversation(s) in all\n", list.Total)
	return err
}

// extInfo returns user.ext_info with the documented fields typed (age as a
// number, even if the service wrote "18") and the others as read.
func extInfo(p okayapi.Profile) map[string]any {
	ext := make(map[string]any, len(p.Ext))
	for k, v := range p.Ext {
		ext[k] = v
	}
	set := func(key string, v any) {
		if _, ok := ext[key]; ok {
			ext[key] = v
		}
	}
	set("nickname", p.Nickname)
	set("yesapi_avatar", p.Avatar)
	set("age", p.Age)
	return ext
}

func memberName(p okayapi.Profile) string {
	switch {
	case p.Nickname != "" && p.Username != "":
		return p.Nickname + " (" + p.Username + ")"
	case p.Username != "":
		return p.Username
	}
	return "-"
}

func (a *app) unread() error {
	n, err := a.chat.GetAllUnreadNum(a.ctx, a.member)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(struct {
			UnreadNum int `json:"unread_num"`
		}{n.Count})
	}
	_, err = fmt.Fprintf(a.out, "%d unread message(s)\n", n.Count)
	return err
}

func showTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02 15:04:05 MST")
}

func readWord(read bool) string {
	if read {
		return "read"
	}
	return "unread"
}

func typeOf(m chatmsg.Message) chatmsg.Type {
	if m == nil {
		return "-"
	}
	return m.Type()
}

// describe shows a message on one line.
func describe(m chatmsg.Message) string {
	var s string
	switch v := m.(type) {
	case chatmsg.Text:
		s = v.Content
	case chatmsg.HTML:
		s = v.Content
	case chatmsg.Image:
		s = v.URL
	case chatmsg.Link:
		s = v.URL
	case chatmsg.Custom:
		s = string(v.Object)
	case chatmsg.Unknown:
		s = string(v.Raw)
	default:
		return "-"
	}
	s = strings.Join(strings.Fields(s), " ") // one line, whatever the content
	if utf8.RuneCountInString(s) > 60 {
		s = string([]rune(s)[:59]) + "…"
	}
	return s
}

// table lines up columns for a terminal. Unlike text/tabwriter it counts a
// CJK character or an emoji as two columns, so Chinese nicknames line up.
type table struct {
	rows [][]string
}

func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) print(w io.Writer) error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// displayWidth approximates how many terminal columns s takes: wide (East
// Asian) characters and emoji take two.
func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		w++
		if r >= 0x1100 && (r <= 0x115f || r >= 0x2e80 && r <= 0xa4cf || r >= 0xac00 && r <= 0xd7a3 ||
			r >= 0xf900 && r <= 0xfaff || r >= 0xfe30 && r <= 0xfe4f || r >= 0xff00 && r <= 0xff60 ||
			r >= 0xffe0 && r <= 0xffe6 || r >= 0x1f300 && r <= 0x1faff || r >= 0x20000 && r <= 0x3fffd) {
			w++
		}
	}
	return w
}
