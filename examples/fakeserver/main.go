// Command fakeserver runs okayapitest's fake OkayAPI as a process, with the
// private-message plugin's fake (chatmsgtest) installed, for trying the SDK,
// the okchat tool or your own code without an OkayAPI account.
//
// It listens on a loopback address, creates the members alice, bob and carol,
// and prints shell lines with everything needed to call it. Acting as alice,
// send bob a message and read it back (the until loop waits for the lines,
// as go run compiles first):
//
//	go run ./examples/fakeserver > /tmp/fake.env &
//	until grep -q '^# Serving' /tmp/fake.env 2>/dev/null; do sleep 0.2; done
//	set -a; . /tmp/fake.env; set +a
//	go run ./examples/okchat send --to "$BOB_UUID" --text hello
//	go run ./examples/okchat history --with "$BOB_UUID"
//
// # Faults
//
// To see what a client does when an answer is lost, make calls misbehave,
// at start with -fault or while it runs through the control endpoint. The
// kinds are those of okayapitest:
//
//	html502              HTTP 502 with an nginx page; the call is not run
//	drop-after           the call is run (a message IS stored), then the connection is closed unanswered
//	stall                no answer until the client gives up (at most 30s); the call is not run
//	truncate             the call is run, then half of the answer is sent and the connection is closed
//	non-json             HTTP 200 with a PHP error text; the call is not run
//	exception            the call is run (a message IS stored), then an uncaught PHP exception:
//	                     HTTP 500 with an empty body (PhalApi's debug mode off)
//	exception-ret0       the same with debug mode on: HTTP 200, ret 0, the exception's message,
//	                     a debug field with the trace
//	exception-db         the same for a database error: ret "HY000" (a JSON string),
//	                     msg "SQLSTATE[HY000]: General error: …"
//	redirect307          HTTP 307 to -redirect-to; the call is not run
//	store-then-redirect  the call is run (a message IS stored), then HTTP 302 to -redirect-to
//	reset-before         the connection is closed unanswered before the call is run (nothing is
//	                     stored); the client sees exactly what drop-after shows it
//	503-after            the call is run (a message IS stored), then HTTP 503 with an nginx page
//	504-after            the call is run (a message IS stored), then HTTP 504 with an nginx page
//	429                  HTTP 429 Too Many Requests, no Retry-After; the call is not run
//	429-retry-after      HTTP 429 with Retry-After: 1; the call is not run
//	502-early            HTTP 502 at once, while the backend goes on working: it runs the call (a
//	                     message IS stored) backend-delay later; a copy sent meanwhile is stored too
//	503-early            the same with HTTP 503
//	504-early            the same with HTTP 504, as nginx after proxy_read_timeout
//
// Other kinds set the world, for every call from the start, as a production
// MySQL service may behave (chatmsgtest.World):
//
//	lag=DURATION         replica lag: a stored message shows in TakeMessageList, GetAllChatList
//	                     and GetAllUnreadNum only DURATION later
//	shuffle-ties         rows with the same add_time come in another order on each read
//	shift-pages          each GetAllChatList read moves the last conversation to the top, so a
//	                     row moves between offset pages
//	perpage=N            perpage ignored: TakeMessageList and GetAllChatList answer N rows
//	system-sender        each member has a message from "system": a chat-list row whose other
//	                     member is no uuid
//	backend-delay=DURATION  when the early faults' backend runs the call (default 1s)
//
//	go run ./examples/fakeserver -fault lag=2s -fault shuffle-ties -fault 504-early:App.Market_ChatMessage.Send
//
// For example, okchat's exit status 3 with "the message may have been
// delivered", after which the history shows that it was (okchat is built
// first because go run reports any failure as exit status 1):
//
//	go run ./examples/fakeserver -fault drop-after:App.Market_ChatMessage.Send > /tmp/fake.env &
//	until grep -q '^# Serving' /tmp/fake.env 2>/dev/null; do sleep 0.2; done
//	set -a; . /tmp/fake.env; set +a
//	go build -o /tmp/okchat ./examples/okchat
//	/tmp/okchat send --to "$BOB_UUID" --text hello; echo "exit status $?"
//	/tmp/okchat history --with "$BOB_UUID"
//
// The control endpoint, POST /_fake/fault on the same address, injects a
// fault into the running server; its URL is printed as FAKE_FAULT_URL. It
// takes kind (required), service (default: any) and n (default 1), answers
// 204 No Content, and 400 with a plain-text reason for a bad parameter; GET
// lists the kinds with what each does:
//
//	curl -sS -X POST "$FAKE_FAULT_URL?kind=stall&service=App.Market_ChatMessage.Send&n=1"
//	curl -sS "$FAKE_FAULT_URL"
//
// # Replaying a cassette
//
// With -replay DIR it serves recorded answers instead of the fake app: a
// cassette of package okayapitest/cassette (a user's recording, okchat
// --record's, or the project's testdata). It prints the same variable lines,
// with an app key and secret of its own, checks each call's signature with
// that secret (none with -sign none), accepts any token, and answers each
// call with the recording that matches its service and parameters, in
// recorded order (the last one again once all were served); a call without
// a recording is answered ret 404 with a message that names the nearest
// recording and how it differs. OKAYAPI_UUID is the member the cassette
// acted as most and OKAYAPI_OTHER_UUID the one it talked to most:
//
//	go run ./examples/fakeserver -replay ./bug-report > /tmp/fake.env &
//	until grep -q '^# Serving' /tmp/fake.env 2>/dev/null; do sleep 0.2; done
//	set -a; . /tmp/fake.env; set +a
//	go run ./examples/okchat history --with "$OKAYAPI_OTHER_UUID"
//
// -quirks, -plugin, -send-id, -fault, -redirect-to and -sign static do not
// apply to a cassette and are refused with -replay.
//
// Flags:
//
//	-addr 127.0.0.1:8080         listen address (loopback only)
//	-sign dynamic|static|none    how the fake app checks signatures
//	-quirks=false                no PHP habits (on by default, as in production): numbers as strings,
//	                             [] for empty objects, a debug field
//	-plugin=false                answer every chat call with err_code 9 (plugin not installed)
//	-send-id                     Send answers the new message's id
//	-fault KIND[:SERVICE][:N]    make the next N calls (default 1) to SERVICE (default: any) misbehave;
//	                             KIND is one of the kinds above; or a world kind (lag=2s, …); repeatable
//	-redirect-to URL             the Location of the redirect faults (default http://127.0.0.1:1/,
//	                             where nothing listens)
//	-replay DIR                  serve the cassette in DIR instead of the fake app (see above)
//	-export                      prefix the variable lines with "export "
//	-v                           log every call to stderr (never parameters or secrets)
//
// With -h or --help it prints the flags to stdout and exits 0. It runs until
// interrupted (SIGINT or SIGTERM), then exits 0; bad flags or a failure to
// start print one error line to stderr and exit 2.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// demoMembers are created at start; their passwords are printed, so that
// App.User.Login can be tried too.
var demoMembers = []okayapitest.Account{
	{Username: "alice", Password: "alice-password", Nickname: "Alice", Age: 28},
	{Username: "bob", Password: "bob-password", Nickname: "Bob", Age: 31},
	{Username: "carol", Password: "carol-password", Nickname: "小卡", Age: 25},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// cli runs the program and returns its exit status: 0 after serving or
// printing the help, 2 with one line on stderr for any error.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := run(ctx, args, stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "fakeserver: %v (see --help)\n", err)
	default:
		fmt.Fprintf(stderr, "fakeserver: %v\n", err)
	}
	return 2
}

// usageError is a mistake in the flags or arguments.
type usageError struct{ error }

const usage = `Usage: go run ./examples/fakeserver [flags]

Fakeserver runs a fake OkayAPI app with the private-message plugin on a
loopback address, creates the members alice, bob and carol, prints shell
lines with everything needed to call it, and serves until interrupted.
With -replay DIR it serves the recorded answers of a cassette instead.

Flags:
`

// run starts the fake, prints its credentials to stdout and serves until ctx
// is done. With -h or --help it prints the usage to stdout and returns nil.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fakeserver", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are printed once, by cli
	addr := fs.String("addr", "127.0.0.1:8080", "listen `address` (loopback only: 127.0.0.1, ::1 or localhost)")
	mode := fs.String("sign", "dynamic", "signature `mode`: dynamic, static or none")
	quirks := fs.Bool("quirks", true, "PHP habits, as in production: numbers as strings, [] for empty objects, a debug field (false: off)")
	plugin := fs.Bool("plugin", true, "the private-message plugin is installed (false: every chat call answers err_code 9)")
	sendID := fs.Bool("send-id", false, "Send answers the new message's id")
	export := fs.Bool("export", false, `prefix the variable lines with "export "`)
	verbose := fs.Bool("v", false, "log every call to stderr (never parameters or secrets)")
	redirectTo := fs.String("redirect-to", "http://127.0.0.1:1/",
		"the Location `URL` of the redirect faults (redirect307, store-then-redirect)")
	replay := fs.String("replay", "", "serve the cassette (recorded answers) in `DIR` instead of the fake app; see okayapitest/cassette")
	var faults faultFlags
	fs.Var(&faults, "fault", "make calls misbehave, `KIND[:SERVICE][:N]`: the next N (default 1) calls to SERVICE (default: any) "+
		"get the fault KIND, one of "+faultKinds+"; or set the world for every call, "+worldKindList()+"; repeatable")
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		var b strings.Builder
		b.WriteString(usage)
		fs.SetOutput(&b)
		fs.PrintDefaults()
		_, err := io.WriteString(stdout, b.String())
		return err
	case err != nil:
		return usageError{err}
	case fs.NArg() > 0:
		return usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	signMode, sign, err := parseSignMode(*mode)
	if err != nil {
		return usageError{err}
	}
	if *replay != "" {
		var conflicts []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "quirks", "plugin", "send-id", "fault", "redirect-to":
				conflicts = append(conflicts, "-"+f.Name)
			}
		})
		if len(conflicts) > 0 {
			return usageError{fmt.Errorf("%s cannot be used with -replay: a cassette answers as it was recorded", strings.Join(conflicts, ", "))}
		}
		if signMode == "static" {
			return usageError{errors.New("-sign static cannot be used with -replay (use dynamic or none)")}
		}
		return serveReplay(ctx, replayConfig{dir: *replay, addr: *addr, sign: signMode, export: *export, verbose: *verbose}, stdout, stderr)
	}
	w := faults.world()
	opts := []okayapitest.Option{
		w.backendDelay, // nil (the default) is skipped
		okayapitest.WithAddr(*addr),
		sign,
		okayapitest.WithQuirks(*quirks),
		okayapitest.WithControlEndpoint(true),
		okayapitest.WithRedirectLocation(*redirectTo),
	}
	if *verbose {
		opts = append(opts, okayapitest.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	srv, err := okayapitest.Start(opts...)
	if err != nil {
		return err
	}
	defer srv.Close()
	chat := chatmsgtest.Install(srv)
	chat.SetInstalled(*plugin)
	chat.SetSendReturnsID(*sendID)
	chat.SetWorld(w.chat)

	for _, f := range faults {
		if f.fault != "" {
			srv.InjectFault(f.service, f.fault, f.n)
		}
	}
	members := make([]okayapi.Member, len(demoMembers))
	for i, a := range demoMembers {
		members[i] = srv.AddMember(a)
		if w.systemSender {
			chat.Store(chatmsgtest.StoredMessage{From: "system", To: members[i].UUID,
				Data: json.RawMessage(`{"content":"Welcome to the fake OkayAPI"}`)})
		}
	}
	if err := printEnv(stdout, srv, signMode, *quirks, *export, members, faults); err != nil {
		return err
	}
	<-ctx.Done()
	fmt.Fprintln(stderr, "fakeserver: stopped")
	return nil
}

// parseSignMode reads -sign: the mode's name, and the option for it.
func parseSignMode(s string) (string, okayapitest.Option, error) {
	mode := strings.ToLower(s)
	switch mode {
	case "dynamic":
		return mode, okayapitest.WithSecret(""), nil
	case "static":
		return mode, okayapitest.WithStaticSign(""), nil
	case "none":
		return mode, okayapitest.WithoutSign(), nil
	}
	return "", nil, fmt.Errorf("-sign %q: must be dynamic, static or none", s)
}

// printEnv writes the shell lines: the app's variables, each member's, and
// alice as the acting member with bob as the one to chat with.
func printEnv(w io.Writer, srv *okayapitest.Server, mode string, quirks, export bool, members []okayapi.Member, faults faultFlags) error {
	var b strings.Builder
	prefix := ""
	if export {
		prefix = "export "
	}
	set := func(name, value string) { fmt.Fprintf(&b, "%s%s=%s\n", prefix, name, value) }

	fmt.Fprintf(&b, "# Fake OkayAPI on %s (sign: %s, quirks: %v). Load into a shell with: set -a; . ./this-file; set +a\n", srv.URL(), mode, quirks)
	set("OKAYAPI_HOST", srv.URL())
	set("OKAYAPI_APP_KEY", srv.AppKey())
	if s := srv.Secret(); s != "" {
		set("OKAYAPI_APP_SECRET", s)
	}
	if s := srv.StaticSign(); s != "" {
		set("OKAYAPI_STATIC_SIGN", s)
	}
	for i, a := range demoMembers {
		name := strings.ToUpper(a.Username)
		fmt.Fprintf(&b, "# %s: password %s, nickname %s\n", a.Username, a.Password, a.Nickname)
		set(name+"_UUID", members[i].UUID)
		set(name+"_TOKEN", members[i].Token())
	}
	fmt.Fprintf(&b, "# Acting as %s, chatting with %s (use the lines above to act as someone else):\n", demoMembers[0].Username, demoMembers[1].Username)
	set("OKAYAPI_UUID", members[0].UUID)
	set("OKAYAPI_TOKEN", members[0].Token())
	set("OKAYAPI_OTHER_UUID", members[1].UUID)
	for _, f := range faults {
		service := f.service
		if service == "" {
			service = "any service"
		}
		if f.fault == "" {
			fmt.Fprintf(&b, "# World: %s\n", strings.TrimSuffix(f.kind+"="+f.arg, "="))
			continue
		}
		fmt.Fprintf(&b, "# Fault: the next %d call(s) to %s: %s\n", f.n, service, f.kind)
	}
	b.WriteString("# Inject a fault while it runs (kind: " + faultKinds + "; service and n are optional):\n")
	b.WriteString("#   curl -sS -X POST \"$FAKE_FAULT_URL?kind=drop-after&service=App.Market_ChatMessage.Send&n=1\"\n")
	b.WriteString("# List the kinds with what each does: curl -sS \"$FAKE_FAULT_URL\"\n")
	set("FAKE_FAULT_URL", srv.URL()+"/_fake/fault")
	b.WriteString("# Serving until interrupted (Ctrl-C).\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// faultKinds lists the one-shot fault kinds, okayapitest's faults:
// "html502, drop-after, …, 503-early or 504-early".
var faultKinds = func() string {
	var names []string
	for _, f := range okayapitest.Faults() {
		names = append(names, string(f))
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}()

// world is what the world faults set: they hold for every call, from the
// start.
type world struct {
	chat         chatmsgtest.World
	backendDelay okayapitest.Option // nil: okayapitest's default
	systemSender bool
}

// worldKind is one world fault of -fault: the one place it is declared.
type worldKind struct {
	name  string
	arg   string // what follows "=": "" for nothing, else its name in the help
	doc   string
	apply func(w *world, arg string) error
}

// worldKinds are the world faults, in the order the help lists them.
var worldKinds = []worldKind{
	{"lag", "DURATION", "replica lag: a stored message shows in TakeMessageList, GetAllChatList and GetAllUnreadNum DURATION later",
		func(w *world, arg string) (err error) { w.chat.Lag, err = duration(arg); return err }},
	{"shuffle-ties", "", "rows with the same add_time come in another order on each read (MySQL without a tie-breaker)",
		func(w *world, _ string) error { w.chat.ShuffleTies = true; return nil }},
	{"shift-pages", "", "each GetAllChatList read moves the last conversation to the top: a row moves between offset pages",
		func(w *world, _ string) error { w.chat.ShiftPages = true; return nil }},
	{"perpage", "N", "perpage ignored: TakeMessageList and GetAllChatList answer N rows (e.g. 100) whatever is asked",
		func(w *world, arg string) error {
			n, err := strconv.Atoi(arg)
			if err != nil || n < 1 {
				return fmt.Errorf("perpage=%q: want a whole number, 1 or more", arg)
			}
			w.chat.PerPage = n
			return nil
		}},
	{"system-sender", "", `each member has a message from "system", a chat-list row whose other member is no uuid`,
		func(w *world, _ string) error { w.systemSender = true; return nil }},
	{"backend-delay", "DURATION", "how long after an early gateway fault's answer the backend runs the call (default 1s)",
		func(w *world, arg string) error {
			d, err := duration(arg)
			w.backendDelay = okayapitest.WithBackendDelay(d)
			return err
		}},
}

// duration reads a world fault's DURATION, 0 or more.
func duration(arg string) (time.Duration, error) {
	d, err := time.ParseDuration(arg)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration such as 1500ms or 2s", arg)
	}
	return d, nil
}

// faultSpec is one -fault flag.
type faultSpec struct {
	kind    string // as given
	fault   okayapitest.Fault
	service string // "" for any
	n       int
	arg     string // a world fault's argument
}

// faultFlags are the -fault flags, in order.
type faultFlags []faultSpec

// String returns the flags as given, separated by spaces.
func (f *faultFlags) String() string {
	if f == nil {
		return ""
	}
	parts := make([]string, len(*f))
	for i, s := range *f {
		if s.fault == "" {
			parts[i] = s.kind + "=" + s.arg
			if s.arg == "" {
				parts[i] = s.kind
			}
			continue
		}
		parts[i] = fmt.Sprintf("%s:%s:%d", s.kind, s.service, s.n)
	}
	return strings.Join(parts, " ")
}

// Set reads KIND[:SERVICE][:N]. A second part with a dot is the service,
// otherwise the count.
func (f *faultFlags) Set(v string) error {
	name, arg, hasArg := strings.Cut(v, "=")
	for _, k := range worldKinds {
		if !strings.EqualFold(name, k.name) {
			continue
		}
		if hasArg != (k.arg != "") {
			return fmt.Errorf("%s takes %s", k.name, worldUsage(k))
		}
		if err := k.apply(&world{}, arg); err != nil {
			return err
		}
		*f = append(*f, faultSpec{kind: k.name, arg: arg})
		return nil
	}
	parts := strings.Split(v, ":")
	if len(parts) > 3 {
		return errors.New("want KIND[:SERVICE][:N]")
	}
	fault := okayapitest.Fault(strings.ToLower(parts[0]))
	if !slices.Contains(okayapitest.Faults(), fault) {
		return fmt.Errorf("unknown fault %q (want %s)", parts[0], faultKinds)
	}
	spec := faultSpec{kind: string(fault), fault: fault, n: 1}
	count, hasCount := "", false
	switch {
	case len(parts) == 3: // an empty SERVICE is any service
		spec.service, count, hasCount = parts[1], parts[2], true
	case len(parts) == 2 && strings.Contains(parts[1], "."):
		spec.service = parts[1]
	case len(parts) == 2:
		count, hasCount = parts[1], true
	}
	if spec.service != "" && !serviceName.MatchString(spec.service) {
		return fmt.Errorf("service %q is not a service name like App.Market_ChatMessage.Send", spec.service)
	}
	if hasCount {
		var err error
		if spec.n, err = strconv.Atoi(count); err != nil || spec.n < 1 {
			return fmt.Errorf("count %q must be a whole number, 1 or more", count)
		}
	}
	*f = append(*f, spec)
	return nil
}

// worldKindList lists the world faults for the help: "lag=DURATION, shuffle-ties, …".
func worldKindList() string {
	names := make([]string, len(worldKinds))
	for i, k := range worldKinds {
		names[i] = k.name
		if k.arg != "" {
			names[i] += "=" + k.arg
		}
	}
	return strings.Join(names, ", ")
}

// worldUsage is how a world fault is written: "lag=DURATION", "shift-pages".
func worldUsage(k worldKind) string {
	if k.arg == "" {
		return "no value: " + k.name
	}
	return "a value: " + k.name + "=" + k.arg
}

// world applies the world faults among f.
func (f faultFlags) world() world {
	var w world
	for _, s := range f {
		for _, k := range worldKinds {
			if s.fault == "" && k.name == s.kind {
				_ = k.apply(&w, s.arg) // checked by Set
			}
		}
	}
	return w
}

// serviceName is Class.Action or Namespace.Class.Action.
var serviceName = regexp.MustCompile(`^\w+\.\w+(\.\w+)?$`)
