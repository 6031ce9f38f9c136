package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
)

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

// sendEachKind sends one message of each of the five kinds and prints each
// as a member sees it.
func (t *tour) sendEachKind(from, to who) error {
	custom, err := chatmsg.NewCustom(map[string]any{"kind": "invite", "event_id": 42, "rsvp": true})
	if err != nil {
		return err
	}
	kinds := []chatmsg.Message{
		chatmsg.Text{Content: "你好！周末踢球吗？I ❤ ⚽"},
		chatmsg.HTML{Content: "<p>Kick-off at <b>15:00</b></p>"},
		chatmsg.Image{URL: "https://example.com/pitch.jpg", Ext: map[string]any{"width": 800, "height": 600}},
		chatmsg.Link{URL: "https://example.com/fixtures?week=15"},
		custom,
	}
	t.p.f("Send: %s → %s, one message of each kind (chat_message_type, as a member sees it)\n", from.name, to.name)
	for _, msg := range kinds {
		res, err := t.chat.Send(t.ctx, from.m, to.m.UUID, msg)
		if err != nil {
			return fmt.Errorf("sending the %s message: %w", kind(msg), err)
		}
		t.p.f("  %-6s  %s%s\n", kind(msg), chatmsg.Preview(msg, previewLen), sentID(res.MessageID))
	}
	return nil
}

func (t *tour) send(from, to who, msg chatmsg.Message) error {
	res, err := t.chat.Send(t.ctx, from.m, to.m.UUID, msg)
	if err != nil {
		return fmt.Errorf("sending: %w", err)
	}
	t.p.f("Send: %s → %s  %s %s%s\n", from.name, to.name, kind(msg), chatmsg.Preview(msg, previewLen), sentID(res.MessageID))
	return nil
}

// kind is a message's chat_message_type: messages are read with a type
// switch.
func kind(m chatmsg.Message) string {
	switch m := m.(type) {
	case chatmsg.Text:
		return "text"
	case chatmsg.HTML:
		return "html"
	case chatmsg.Image:
		return "image"
	case chatmsg.Link:
		return "link"
	case chatmsg.Custom:
		return "custom"
	case chatmsg.Unknown:
		return m.Kind
	}
	return "?"
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
	t.p.f("MultiSend: %s → %s  %s %s\n", from.name, strings.Join(names, ", "), kind(msg), chatmsg.Preview(msg, previewLen))
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
	t.p.f("TakeMessageList: %s conversation with %s, newest %d; %d unread\n", possessive(actor.name), with.name, perPage, newest.Unread)
	t.messages(actor, newest.Messages)
	all := newest.Messages
	oldest := int64(0)
	if len(newest.Messages) > 0 {
		oldest = newest.Messages[0].ID // a page is in id order, oldest first
	}
	if oldest <= 1 {
		return all, nil // nothing older to read
	}
	older, err := t.chat.TakeMessageList(t.ctx, actor.m, with.m.UUID, chatmsg.ListOptions{LastID: oldest, PerPage: perPage})
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
		t.p.f("  #%-3d %s  %-8s %-6s %-6s %s\n", m.ID, m.SentAt.Format("2006-01-02 15:04:05 MST"), m.Direction, kind(m.Message), read, chatmsg.Preview(m.Message, previewLen))
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
		t.p.f("  %s %-8s %-6s %-6s %s  %s\n", pad(who, 22), c.Direction, kind(c.Last), read, c.SentAt.Format(time.TimeOnly), chatmsg.Preview(c.Last, previewLen))
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
