package main

import (
	"flag"
	"fmt"
)

var unreadCommand = command{
	name:     "unread",
	short:    "count your unread messages",
	synopsis: "",
	about:    "Count your unread messages across all conversations.",
	flags: func(*flag.FlagSet) func(*app) error {
		return func(a *app) error { return a.unread() }
	},
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
