package main

import (
	"flag"
	"fmt"
	"strconv"

	"github.com/okayapi-go/sdk/chatmsg"
)

var historyCommand = command{
	name:     "history",
	short:    "read the conversation with one member",
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
		t.row("#"+strconv.FormatInt(m.ID, 10), showTime(m.SentAt), m.Direction.String(), string(typeOf(m.Message)), readWord(m.Read), preview(m.Message))
	}
	if err := t.print(a.out); err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.out, "%d unread in this conversation\n", list.Unread)
	return err
}
