package main

import (
	"flag"
	"fmt"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
)

var chatsCommand = command{
	name:     "chats",
	short:    "list your conversations",
	synopsis: "[--page N] [--perpage N]",
	about:    "List your conversations, newest first: the other member and the latest message.",
	flags: func(fs *flag.FlagSet) func(*app) error {
		page := fs.Int("page", 0, "the page, 1–100 (0: the first)")
		perPage := fs.Int("perpage", 0, "conversations per page, 1–100 (0: the service's default, 20)")
		return func(a *app) error {
			return a.chats(chatmsg.ChatListOptions{Page: *page, PerPage: *perPage})
		}
	},
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
		t.row(c.With, memberName(c.User), showTime(c.SentAt), c.Direction.String(), string(typeOf(c.Last)), readWord(c.Read), preview(c.Last))
	}
	if err := t.print(a.out); err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.out, "%d conversation(s) in all\n", list.Total)
	return err
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
