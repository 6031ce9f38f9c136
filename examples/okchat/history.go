package main

import (
	"flag"
	"fmt"
	"slices"
	"strconv"

	"github.com/okayapi-go/sdk/chatmsg"
)

var historyCommand = command{
	name:     "history",
	short:    "read the conversation with one member",
	synopsis: "--with UUID [--all] [--last-id N] [--up] [--perpage N]",
	about: `Read the conversation with the member --with, one page: the newest messages, or those after
--last-id, or with --up those before --last-id.

With --all, read every page and print all the messages, oldest first, each once: the whole
conversation; with --last-id N, all the messages after N, or with --up all those before N.
--perpage is then the size of each request (default 100, the fewest requests). With --json,
"list" holds them all in one array and "unread_num" counts the unread messages you received
among them.

With --json, a message sent exactly once (send --exactly-once) has its "send_key"; the key is
never part of the message's content or chat_message_data.`,
	flags: func(fs *flag.FlagSet) func(*app) error {
		with := fs.String("with", "", "the other member's `UUID`")
		all := fs.Bool("all", false, "read every page, not one: the whole conversation, or all after (--up: before) --last-id")
		lastID := fs.Int64("last-id", 0, "read from the message whose id is `N`, exclusive (0: from the newest)")
		up := fs.Bool("up", false, "read older messages, before --last-id (the API's direction=up)")
		perPage := fs.Int("perpage", 0, "messages per page, 1–100 (0: the service's default, 20; with --all, 100)")
		return func(a *app) error {
			if err := requireFlag(fs, "with"); err != nil {
				return err
			}
			if *all {
				opts := chatmsg.HistoryOptions{PerPage: *perPage, From: *lastID}
				if *lastID > 0 && !*up {
					opts.Order = chatmsg.Newer
				} else {
					opts.Order = chatmsg.Older
				}
				return a.historyAll(*with, opts)
			}
			opts := chatmsg.ListOptions{LastID: *lastID, PerPage: *perPage, Order: chatmsg.Newer}
			if *up {
				opts.Order = chatmsg.Older
			}
			return a.history(*with, opts)
		}
	},
}

func (a *app) history(with string, opts chatmsg.ListOptions) error {
	list, err := a.chat.TakeMessageList(a.ctx, a.member, with, opts)
	if err != nil {
		return err
	}
	return a.printHistory(list.Messages, list.Unread, false)
}

// historyAll walks every page the options say and prints the messages
// oldest first, once the walk has ended: a walk that fails prints nothing.
func (a *app) historyAll(with string, opts chatmsg.HistoryOptions) error {
	var msgs []chatmsg.ChatMessage
	for m, err := range a.chat.History(a.ctx, a.member, with, opts) {
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if opts.Order != chatmsg.Newer {
		slices.Reverse(msgs) // History walks Older newest first
	}
	unread := 0
	for _, m := range msgs {
		if m.Direction == chatmsg.Received && !m.Read {
			unread++
		}
	}
	return a.printHistory(msgs, unread, true)
}

func (a *app) printHistory(msgs []chatmsg.ChatMessage, unread int, all bool) error {
	if a.json {
		list := make([]jsonMessage, 0, len(msgs))
		for _, m := range msgs {
			jm := toJSONMessage(m.With, m.Message, m.Read, m.Direction, m.SentAt)
			id := m.ID
			jm.ID = &id
			jm.SendKey = m.Key
			list = append(list, jm)
		}
		return a.printJSON(struct {
			List      []jsonMessage `json:"list"`
			UnreadNum int           `json:"unread_num"`
		}{list, unread})
	}
	var t table
	if len(msgs) == 0 {
		fmt.Fprintln(a.out, "no messages")
	} else {
		t.row("ID", "TIME", "DIRECTION", "TYPE", "READ", "MESSAGE")
	}
	for _, m := range msgs {
		t.row("#"+strconv.FormatInt(m.ID, 10), showTime(m.SentAt), m.Direction.String(), typeOf(m.Message), readWord(m.Read), preview(m.Message))
	}
	if err := t.print(a.out); err != nil {
		return err
	}
	var err error
	if all {
		_, err = fmt.Fprintf(a.out, "%d message(s), %d unread\n", len(msgs), unread)
	} else {
		_, err = fmt.Fprintf(a.out, "%d unread in this conversation\n", unread)
	}
	return err
}
