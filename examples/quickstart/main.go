// Quickstart walks through the six calls of OkayAPI's private-message plugin
// (package chatmsg) and prints a short transcript of what each one answers.
//
// With no configuration it starts an embedded fake OkayAPI (package
// okayapitest, with the plugin's fake from package chatmsgtest) on loopback
// with three members, alice, bob and carol, so it needs no credentials and
// sends nothing off this machine:
//
//	go run ./examples/quickstart
//
// To take the same tour on a real app, set all six of:
//
//	OKAYAPI_HOST        the app's base URL, e.g. https://hn216.api.yesapi.cn
//	OKAYAPI_APP_KEY     the app key
//	OKAYAPI_APP_SECRET  the app secret (the app uses the dynamic signature)
//	OKAYAPI_UUID        the acting member's uuid
//	OKAYAPI_TOKEN       the acting member's token, from App.User.Login
//	OKAYAPI_OTHER_UUID  the member to chat with
//
// The tour then really sends messages of each kind to OKAYAPI_OTHER_UUID,
// reads the conversation, marks it read, lists the acting member's
// conversations and counts unread messages. The token and the secret are
// never printed.
//
// With -h or --help it prints a short usage and exits; it takes no other
// flags and no arguments. Exit status: 0 the tour ran; 1 it failed (a
// call, the configuration, the output); 2 bad usage, nothing ran.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// envVars are the settings that point the tour at a real app; all or none.
var envVars = [...]string{
	"OKAYAPI_HOST",
	"OKAYAPI_APP_KEY",
	"OKAYAPI_APP_SECRET",
	"OKAYAPI_UUID",
	"OKAYAPI_TOKEN",
	"OKAYAPI_OTHER_UUID",
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1 // the tour failed: a call, the configuration or the output
	exitUsage  = 2 // a flag or an argument it does not take; nothing ran
)

const usage = `Usage: go run ./examples/quickstart [-h | --help]

Quickstart walks through the six calls of OkayAPI's private-message plugin
(package chatmsg): Send, MultiSend, TakeMessageList, MarkAsReaded,
GetAllChatList and GetAllUnreadNum, and prints what each one answers.

With no OKAYAPI_* variable set, it runs on an embedded fake OkayAPI on
loopback with the members alice, bob and carol: no account is needed and
nothing leaves this machine.

To take the tour on a real app, set all six of:

  OKAYAPI_HOST        the app's base URL, e.g. https://hn216.api.yesapi.cn
  OKAYAPI_APP_KEY     the app key
  OKAYAPI_APP_SECRET  the app secret (the app uses the dynamic signature)
  OKAYAPI_UUID        the acting member's uuid
  OKAYAPI_TOKEN       the acting member's token, from App.User.Login
  OKAYAPI_OTHER_UUID  the member to chat with

The tour then really sends messages of each kind to OKAYAPI_OTHER_UUID. The
token and the secret are never printed.

Exit status: 0 the tour ran; 1 it failed (a call, the configuration, the
output); 2 bad usage, nothing ran.
`

// cli runs the program with args (without the program name) and returns
// its exit status: it takes no flags but -h and --help, and no arguments.
func cli(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the messages below say it better than flag's defaults
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		if _, err := io.WriteString(stdout, usage); err != nil {
			fmt.Fprintln(stderr, "quickstart: writing the usage:", err)
			return exitFailed
		}
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "quickstart: %v\nRun 'go run ./examples/quickstart --help' for usage.\n", err)
		return exitUsage
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "quickstart: unexpected argument %q: it takes none\nRun 'go run ./examples/quickstart --help' for usage.\n", fs.Arg(0))
		return exitUsage
	}
	if err := run(ctx, getenv, stdout); err != nil {
		fmt.Fprintln(stderr, "quickstart:", err)
		return exitFailed
	}
	return exitOK
}

// run takes the tour on the embedded fake, or on the real app that getenv
// describes, and writes the transcript to stdout.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	var set, missing []string
	for _, name := range envVars {
		if strings.TrimSpace(getenv(name)) == "" {
			missing = append(missing, name)
		} else {
			set = append(set, name)
		}
	}
	p := &printer{w: stdout}
	var err error
	switch {
	case len(set) == 0:
		err = runFake(ctx, p)
	case len(missing) == 0:
		err = runReal(ctx, getenv, p)
	default:
		return fmt.Errorf("to use a real app set all of %s; missing: %s (unset them all to use the embedded fake)",
			strings.Join(envVars[:], ", "), strings.Join(missing, ", "))
	}
	if err != nil {
		return err
	}
	return p.err
}

// runFake takes the tour with alice, bob and carol on an embedded fake OkayAPI.
func runFake(ctx context.Context, p *printer) error {
	srv, err := okayapitest.Start(okayapitest.WithSecret(""))
	if err != nil {
		return fmt.Errorf("starting the embedded fake OkayAPI: %w", err)
	}
	defer srv.Close()
	chatmsgtest.Install(srv)
	client, err := srv.Client()
	if err != nil {
		return err
	}
	accounts := []okayapitest.Account{
		{Username: "alice", Password: "alice-secret-1", Nickname: "Alice 艾丽斯", Age: 28},
		{Username: "bob", Password: "bob-secret-2", Nickname: "Bob 鲍勃", Age: 31},
		{Username: "carol", Password: "carol-secret-3", Nickname: "Carol 卡萝", Age: 25},
	}
	t := newTour(ctx, chatmsg.New(client), p)
	p.f("OkayAPI quickstart on an embedded fake OkayAPI at %s (dynamic signature)\n", srv.URL())
	var members []who
	for _, a := range accounts {
		srv.AddMember(a) // registers the member, as App.User.Register would
		m, err := client.Login(ctx, a.Username, a.Password)
		if err != nil {
			return fmt.Errorf("logging %s in: %w", a.Username, err)
		}
		members = append(members, t.add(a.Username, m))
	}
	alice, bob, carol := members[0], members[1], members[2]
	p.f("Login (App.User.Login): alice %s, bob %s, carol %s\n", short(alice.m.UUID), short(bob.m.UUID), short(carol.m.UUID))

	if err := t.sendEachKind(alice, bob); err != nil {
		return err
	}
	if err := t.send(bob, alice, chatmsg.Text{Content: "好的！See you there 👍"}); err != nil {
		return err
	}
	if err := t.multiSend(alice, []who{bob, carol}, chatmsg.Text{Content: "Team dinner at 19:00 🍜"}); err != nil {
		return err
	}
	msgs, err := t.history(bob, alice)
	if err != nil {
		return err
	}
	if err := t.markRead(bob, alice, msgs); err != nil {
		return err
	}
	if err := t.chatList(alice); err != nil {
		return err
	}
	if err := t.unread(alice, bob, carol); err != nil {
		return err
	}
	return t.sendToSelf(alice)
}

// runReal takes the tour on a real app as one member, with one other member.
func runReal(ctx context.Context, getenv func(string) string, p *printer) error {
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	client, err := okayapi.New(env("OKAYAPI_HOST"), env("OKAYAPI_APP_KEY"), okayapi.WithSecret(env("OKAYAPI_APP_SECRET")))
	if err != nil {
		return err
	}
	t := newTour(ctx, chatmsg.New(client), p)
	me := t.add("you", okayapi.NewMember(env("OKAYAPI_UUID"), env("OKAYAPI_TOKEN")))
	if err := me.m.Validate(); err != nil {
		return err
	}
	otherUUID := env("OKAYAPI_OTHER_UUID")
	if err := okayapi.CheckUUID("OKAYAPI_OTHER_UUID", otherUUID); err != nil {
		return err
	}
	other := t.add(short(otherUUID), okayapi.Member{UUID: otherUUID})
	p.f("OkayAPI quickstart on the app at %s, as member %s, with member %s\n", client.BaseURL(), me.m.UUID, other.m.UUID)

	if err := t.sendEachKind(me, other); err != nil {
		return err
	}
	if err := t.multiSend(me, []who{other}, chatmsg.Text{Content: "MultiSend from the okayapi-go quickstart 🚀"}); err != nil {
		return err
	}
	msgs, err := t.history(me, other)
	if err != nil {
		return err
	}
	if err := t.markRead(me, other, msgs); err != nil {
		return err
	}
	if err := t.chatList(me); err != nil {
		return err
	}
	if err := t.unread(me); err != nil {
		return err
	}
	return t.sendToSelf(me)
}
