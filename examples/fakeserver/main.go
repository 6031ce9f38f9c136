// Command fakeserver runs okayapitest's fake OkayAPI as a process, for trying
// the SDK, the okchat tool or your own code without an OkayAPI account.
//
// It listens on a loopback address, creates the members alice, bob and carol,
// and prints shell lines with everything needed to call it:
//
//	go run ./examples/fakeserver > /tmp/fake.env &
//	set -a; . /tmp/fake.env; set +a
//	go run ./examples/okchat send "$BOB_UUID" "hello"
//
// Flags:
//
//	-addr 127.0.0.1:8080         listen address (loopback only)
//	-sign dynamic|static|none    how the fake app checks signatures
//	-quirks                      PHP habits: numbers as strings, [] for empty objects, debug field
//	-plugin=false                answer every chat call with err_code 9 (plugin not installed)
//	-send-id                     Send answers the new message's id
//	-export                      prefix the variable lines with "export "
//	-v                           log every call to stderr (never parameters or secrets)
//
// It runs until interrupted (SIGINT or SIGTERM).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// demoMembers are created at start; their passwords are printed, so that
// App.User.Login can be tried too.
var demoMembers = []okayapitest.Profile{
	{Username: "alice", Password: "alice-password", Nickname: "Alice", Age: 28},
	{Username: "bob", Password: "bob-password", Nickname: "Bob", Age: 31},
	{Username: "carol", Password: "carol-password", Nickname: "小卡", Age: 25},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "fakeserver:", err)
		}
		os.Exit(2)
	}
}

// run starts the fake, prints its credentials to stdout and serves until ctx
// is done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fakeserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen `address` (loopback only: 127.0.0.1, ::1 or localhost)")
	mode := fs.String("sign", "dynamic", "signature `mode`: dynamic, static or none")
	quirks := fs.Bool("quirks", false, "PHP habits: numbers as strings, [] for empty objects, a debug field")
	plugin := fs.Bool("plugin", true, "the private-message plugin is installed (false: every chat call answers err_code 9)")
	sendID := fs.Bool("send-id", false, "Send answers the new message's id")
	export := fs.Bool("export", false, `prefix the variable lines with "export "`)
	verbose := fs.Bool("v", false, "log every call to stderr (never parameters or secrets)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (see -h)", fs.Args())
	}
	signMode, err := parseSignMode(*mode)
	if err != nil {
		return err
	}
	opts := []okayapitest.Option{
		okayapitest.WithAddr(*addr),
		okayapitest.WithSignMode(signMode),
		okayapitest.WithQuirks(*quirks),
		okayapitest.WithPlugin(*plugin),
		okayapitest.WithSendReturnsID(*sendID),
	}
	if *verbose {
		opts = append(opts, okayapitest.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	srv, err := okayapitest.Start(opts...)
	if err != nil {
		return err
	}
	defer srv.Close()

	members := make([]okayapi.Member, len(demoMembers))
	for i, p := range demoMembers {
		members[i] = srv.AddMember(p)
	}
	if err := printEnv(stdout, srv, signMode, *quirks, *export, members); err != nil {
		return err
	}
	<-ctx.Done()
	fmt.Fprintln(stderr, "fakeserver: stopped")
	return nil
}

func parseSignMode(s string) (okayapitest.SignMode, error) {
	switch strings.ToLower(s) {
	case "dynamic":
		return okayapitest.SignDynamic, nil
	case "static":
		return okayapitest.SignStatic, nil
	case "none":
		return okayapitest.SignNone, nil
	}
	return 0, fmt.Errorf("-sign %q: must be dynamic, static or none", s)
}

// printEnv writes the shell lines: the app's variables, each member's, and
// alice as the acting member with bob as the one to chat with.
func printEnv(w io.Writer, srv *okayapitest.Server, mode okayapitest.SignMode, quirks, export bool, members []okayapi.Member) error {
	var b strings.Builder
	prefix := ""
	if export {
		prefix = "export "
	}
	set := func(name, value string) { fmt.Fprintf(&b, "%s%s=%s\n", prefix, name, value) }

	fmt.Fprintf(&b, "# Fake OkayAPI on %s (sign: %s, quirks: %v). Load into a shell with: set -a; . ./this-file; set +a\n", srv.URL(), mode, quirks)
	set("OKAYAPI_HOST", srv.URL())
	set("OKAYAPI_APP_KEY", srv.AppKey())
	switch mode {
	case okayapitest.SignDynamic:
		set("OKAYAPI_APP_SECRET", srv.Secret())
	case okayapitest.SignStatic:
		set("OKAYAPI_STATIC_SIGN", srv.StaticSign())
	}
	for i, p := range demoMembers {
		name := strings.ToUpper(p.Username)
		fmt.Fprintf(&b, "# %s: password %s, nickname %s\n", p.Username, p.Password, p.Nickname)
		set(name+"_UUID", members[i].UUID)
		set(name+"_TOKEN", members[i].Token)
	}
	fmt.Fprintf(&b, "# Acting as %s, chatting with %s (use the lines above to act as someone else):\n", demoMembers[0].Username, demoMembers[1].Username)
	set("OKAYAPI_UUID", members[0].UUID)
	set("OKAYAPI_TOKEN", members[0].Token)
	set("OKAYAPI_OTHER_UUID", members[1].UUID)
	b.WriteString("# Serving until interrupted (Ctrl-C).\n")
	_, err := io.WriteString(w, b.String())
	return err
}
