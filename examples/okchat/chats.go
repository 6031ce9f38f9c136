package main

import (
	"flag"
	"fmt"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

var chatsCommand = command{
	name:     "chats",
	short:    "list your conversations",
	synopsis: "[--all | --page N] [--perpage N]",
	about: `List your conversations, newest first: the other member and the latest message. One page,
or with --all every page (up to the service's last, page 100), each conversation once; --page
makes no sense then and is refused, and --perpage is the size of each request (default 100).
With --json, "list" holds them all in one array and "total" counts them.`,
	flags: func(fs *flag.FlagSet) func(*app) error {
		all := fs.Bool("all", false, "list every page, not one")
		page := fs.Int("page", 0, "the page, 1–100 (0: the first)")
		perPage := fs.Int("perpage", 0, "conversations per page, 1–100 (0: the service's default, 20; with --all, 100)")
		return func(a *app) error {
			if *all {
				if isSet(fs, "page") {
					return &usageError{msg: "--all reads every page: give --all or --page, not both"}
				}
				return a.chatsAll(chatmsg.ChatsOptions{PerPage: *perPage})
			}
			return a.chats(chatmsg.ChatListOptions{Page: *page, PerPage: *perPage})
		}
	},
}

func (a *app) chats(opts chatmsg.ChatListOptions) error {
	list, err := a.chat.GetAllChatList(a.ctx, a.member, opts)
	if err != nil {
		return err
	}
	return a.printChats(list.Chats, list.Total)
}

// chatsAll walks every page and prints the conversations once the walk has
// ended: a walk that fails prints nothing.
func (a *app) chatsAll(opts chatmsg.ChatsOptions) error {
	var chats []chatmsg.Chat
	for c, err := range a.chat.Chats(a.ctx, a.member, opts) {
		if err != nil {
			return err
		}
		chats = append(chats, c)
	}
	return a.printChats(chats, len(chats))
}

func (a *app) printChats(list []chatmsg.Chat, total int) error {
	if a.json {
		chats := make([]jsonMessage, 0, len(list))
		for _, c := range list {
			jm := toJSONMessage(c.With, c.Last, c.Read, c.Direction, c.SentAt)
			jm.User = &jsonUser{Username: c.User.Username, ExtInfo: extInfo(c.User)}
			jm.SendKey = c.Key
			chats = append(chats, jm)
		}
		return a.printJSON(struct {
			List  []jsonMessage `json:"list"`
			Total int           `json:"total"`
		}{chats, total})
	}
	var t table
	if len(list) == 0 {
		fmt.Fprintln(a.out, "no conversations")
	} else {
		t.row("WITH", "MEMBER", "TIME", "LAST", "TYPE", "READ", "MESSAGE")
	}
	for _, c := range list {
		t.row(c.With, memberName(c.User), showTime(c.SentAt), c.Direction.String(), typeOf(c.Last), readWord(c.Read), preview(c.Last))
	}
	if err := t.print(a.out); err != nil {
		return err
	}
	_, err := fmt.Fprintf(a.out, "%d conversation(s) in all\n", total)
	return err
}

func memberName(p phpjson.Profile) string {
	switch {
	case p.Nickname != "" && p.Username != "":
		return p.Nickname + " (" + p.Username + ")"
	case p.Username != "":
		return p.Username
	}
	return "-"
}
