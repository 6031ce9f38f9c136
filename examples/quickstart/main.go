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
	"strconv"
	"strings"
	"time"

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
	srv, err := okayapitest.Start(okayapitest.WithSignMode(okayapitest.SignDynamic))
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
	me := t.add("you", okayapi.Member{UUID: env("OKAYAPI_UUID"), Token: env("OKAYAPI_TOKEN")})
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

// who is a member taking part in the tour.
type who struct {
	name string
	m    okayapi.Member
}

type tour struct {
	ctx   context.Context
	chat  *chatmsg.Service
	p     *printer
	names map[string]string // upper-case uuid → name
}

func newTour(ctx context.Context, chat *chatmsg.Service, p *printer) *tour {
	return &tour{ctx: ctx, chat: chat, p: p, names: map[string]string{}}
}

func (t *tour) add(name string, m okayapi.Member) who {
	t.names[strings.ToUpper(m.UUID)] = name
	return who{name: name, m: m}
}

// name returns the tour's name for a uuid, or a shortened uuid.
func (t *tour) name(uuid string) string {
	if n, ok := t.names[strings.ToUpper(uuid)]; ok {
		return n
	}
	return short(uuid)
}

// sendEachKind sends one message of each of the five kinds and prints the
// chat_message_data that travels.
func (t *tour) sendEachKind(from, to who) error {
	custom, err := chatmsg.NewCustom(map[string]any{"kind": "invite", "event_id": 42, "rsvp": true})
	if err != nil {
		return err
	}
	kinds := []chatmsg.Message{
		chatmsg.Text{Content: "你好！周末踢球吗？I ❤ ⚽"},
		chatmsg.HTML{Content: "<p>Kick-off at <b>15:00</b></p>"},
		chatmsg.Image{URL: "https://example.com/pitch.jpg", Ext: chatmsg.Ext{"width": 800, "height": 600}},
		chatmsg.Link{URL: "https://example.com/fixtures?week=15"},
		custom,
	}
	t.p.f("Send: %s → %s, one message of each kind (chat_message_type, chat_message_data)\n", from.name, to.name)
	for _, msg := range kinds {
		data, err := msg.Data()
		if err != nil {
			return err
		}
		res, err := t.chat.Send(t.ctx, from.m, to.m.UUID, msg)
		if err != nil {
			return fmt.Errorf("sending the %s message: %w", msg.Type(), err)
		}
		t.p.f("  %-6s  %s%s\n", msg.Type(), data, sentID(res.MessageID))
	}
	return nil
}

func (t *tour) send(from, to who, msg chatmsg.Message) error {
	res, err := t.chat.Send(t.ctx, from.m, to.m.UUID, msg)
	if err != nil {
		return fmt.Errorf("sending: %w", err)
	}
	t.p.f("Send: %s → %s  %s %s%s\n", from.name, to.name, msg.Type(), chatmsg.Preview(msg, previewLen), sentID(res.MessageID))
	return nil
}

// sentID shows Send's message id, which the service may not return.
func sentID(id int64) string {
	if id == 0 {
		return ""
	}
	return "  → #" + strconv.FormatInt(id, 10)
}

func (t *tour) multiSend(from who, to []who, msg chatmsg.Message) error {
	uuids := make([]string, len(to))
	names := make([]string, len(to))
	for i, w := range to {
		uuids[i], names[i] = w.m.UUID, w.name
	}
	res, err := t.chat.MultiSend(t.ctx, from.m, uuids, msg)
	if err != nil {
		return fmt.Errorf("MultiSend: %w", err)
	}
	t.p.f("MultiSend: %s → %s  %s %s\n", from.name, strings.Join(names, ", "), msg.Type(), chatmsg.Preview(msg, previewLen))
	for _, d := range res.Deliveries {
		t.p.f("  to %-6s chat_message_id %d\n", t.name(d.To), d.MessageID)
	}
	return nil
}

// history reads actor's conversation with other: the newest page, then the
// page before it. It returns every message it read.
func (t *tour) history(actor, with who) ([]chatmsg.ChatMessage, error) {
	const perPage = 4
	newest, err := t.chat.TakeMessageList(t.ctx, actor.m, with.m.UUID, chatmsg.ListOptions{PerPage: perPage})
	if err != nil {
		return nil, fmt.Errorf("TakeMessageList: %w", err)
	}
	t.p.f("TakeMessageList: %s conversation with %s, newest %d (down); %d unread\n", possessive(actor.name), with.name, perPage, newest.Unread)
	t.messages(actor, newest.Messages)
	all := newest.Messages
	oldest := int64(0)
	for _, m := range newest.Messages {
		if oldest == 0 || m.ID < oldest {
			oldest = m.ID
		}
	}
	if oldest <= 1 {
		return all, nil // nothing older to read
	}
	older, err := t.chat.TakeMessageList(t.ctx, actor.m, with.m.UUID, chatmsg.ListOptions{LastID: oldest, Order: chatmsg.Older, PerPage: perPage})
	if err != nil {
		return nil, fmt.Errorf("TakeMessageList (older): %w", err)
	}
	t.p.f("TakeMessageList: older than #%d (up, last_id=%d)\n", oldest, oldest)
	t.messages(actor, older.Messages)
	return append(all, older.Messages...), nil
}

func (t *tour) messages(actor who, msgs []chatmsg.ChatMessage) {
	if len(msgs) == 0 {
		t.p.f("  (none)\n")
	}
	for _, m := range msgs {
		read := "unread"
		if m.Read {
			read = "read"
		}
		// Direction is from the actor's side: Sent by them, or Received.
		t.p.f("  #%-3d %s  %-8s %-6s %-6s %s\n", m.ID, m.SentAt.Format("2006-01-02 15:04:05 MST"), m.Direction, m.Message.Type(), read, chatmsg.Preview(m.Message, previewLen))
	}
}

// markRead marks the oldest unread received message read, then the whole
// conversation, showing actor's unread count around each step.
func (t *tour) markRead(actor, with who, msgs []chatmsg.ChatMessage) error {
	before, err := t.chat.GetAllUnreadNum(t.ctx, actor.m)
	if err != nil {
		return fmt.Errorf("GetAllUnreadNum: %w", err)
	}
	var pick int64
	for _, m := range msgs {
		if m.Direction == chatmsg.Received && !m.Read && (pick == 0 || m.ID < pick) {
			pick = m.ID
		}
	}
	count := before.Count
	if pick == 0 {
		t.p.f("MarkAsReaded: %s unread %d, none of them from %s to mark one by one\n", possessive(actor.name), count, with.name)
	} else {
		n, err := t.chat.MarkAsReaded(t.ctx, actor.m, with.m.UUID, pick)
		if err != nil {
			return fmt.Errorf("MarkAsReaded: %w", err)
		}
		after, err := t.chat.GetAllUnreadNum(t.ctx, actor.m)
		if err != nil {
			return fmt.Errorf("GetAllUnreadNum: %w", err)
		}
		t.p.f("MarkAsReaded: #%d read, readed_num %d; %s unread %d → %d\n", pick, n, possessive(actor.name), count, after.Count)
		count = after.Count
	}
	n, err := t.chat.MarkAllAsReaded(t.ctx, actor.m, with.m.UUID)
	if err != nil {
		return fmt.Errorf("MarkAllAsReaded: %w", err)
	}
	after, err := t.chat.GetAllUnreadNum(t.ctx, actor.m)
	if err != nil {
		return fmt.Errorf("GetAllUnreadNum: %w", err)
	}
	t.p.f("MarkAllAsReaded: the rest with %s, readed_num %d; %s unread %d → %d\n", with.name, n, possessive(actor.name), count, after.Count)
	return nil
}

func (t *tour) chatList(actor who) error {
	list, err := t.chat.GetAllChatList(t.ctx, actor.m, chatmsg.ChatListOptions{Page: 1, PerPage: 20})
	if err != nil {
		return fmt.Errorf("GetAllChatList: %w", err)
	}
	t.p.f("GetAllChatList: %s conversations (total %d), latest message, from %s side\n", possessive(actor.name), list.Total, possessive(actor.name))
	for _, c := range list.Chats {
		who := c.User.Nickname
		if who == "" {
			who = t.name(c.With)
		}
		if c.User.Username != "" {
			who += " (" + c.User.Username
			if c.User.Age > 0 {
				who += ", " + strconv.Itoa(c.User.Age)
			}
			who += ")"
		}
		read := "unread"
		if c.Read {
			read = "read"
		}
		t.p.f("  %s %-8s %-6s %-6s %s  %s\n", pad(who, 22), c.Direction, c.Last.Type(), read, c.SentAt.Format(time.TimeOnly), chatmsg.Preview(c.Last, previewLen))
	}
	return nil
}

func (t *tour) unread(members ...who) error {
	parts := make([]string, 0, len(members))
	for _, w := range members {
		n, err := t.chat.GetAllUnreadNum(t.ctx, w.m)
		if err != nil {
			return fmt.Errorf("GetAllUnreadNum: %w", err)
		}
		parts = append(parts, w.name+" "+strconv.Itoa(n.Count))
	}
	t.p.f("GetAllUnreadNum: %s\n", strings.Join(parts, ", "))
	return nil
}

// sendToSelf shows a typed error: the plugin refuses a message to oneself
// with err_code 1, which matches chatmsg.ErrSelf.
func (t *tour) sendToSelf(actor who) error {
	_, err := t.chat.Send(t.ctx, actor.m, actor.m.UUID, chatmsg.Text{Content: "note to self"})
	var pe *okayapi.PluginError
	switch {
	case errors.Is(err, chatmsg.ErrSelf) && errors.As(err, &pe):
		t.p.f("Typed error: %s → %s: errors.Is(err, chatmsg.ErrSelf) is true (err_code %d, %q)\n", actor.name, actor.name, pe.Code, pe.Msg)
		return nil
	case err == nil:
		return errors.New("sending to oneself succeeded; the plugin should refuse it with err_code 1")
	default:
		return fmt.Errorf("sending to oneself: want chatmsg.ErrSelf, got: %w", err)
	}
}

// previewLen is how many characters of a message the transcript shows.
const previewLen = 48

// pad fills s with spaces to n terminal columns, counting CJK characters
// and emoji as two columns.
func pad(s string, n int) string {
	w := 0
	for _, r := range s {
		w++
		if r >= 0x1100 && (r <= 0x115f || r >= 0x2e80) {
			w++
		}
	}
	if w >= n {
		return s
	}
	return s + strings.Repeat(" ", n-w)
}

// possessive returns "your" for "you" and "name's" for any other name.
func possessive(name string) string {
	if name == "you" {
		return "your"
	}
	return name + "'s"
}

// short shows the start of a uuid.
func short(uuid string) string {
	if len(uuid) <= 8 {
		return uuid
	}
	return uuid[:8] + "…"
}

// printer writes the transcript and keeps the first write error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err != nil {
		return
	}
	_, p.err = fmt.Fprintf(p.w, format, args...)
}
