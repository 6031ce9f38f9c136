package main

import (
	"flag"
	"fmt"
)

var readCommand = command{
	name:     "read",
	short:    "mark one message, or a whole conversation, as read",
	synopsis: "--with UUID [--id N]",
	about:    "Mark the message --id of the conversation with --with as read; without --id, the whole conversation.",
	flags: func(fs *flag.FlagSet) func(*app) error {
		with := fs.String("with", "", "the other member's `UUID`")
		id := fs.Int64("id", 0, "mark the message whose id is `N` (omit --id to mark the whole conversation)")
		return func(a *app) error {
			if err := requireFlag(fs, "with"); err != nil {
				return err
			}
			one := isSet(fs, "id")
			if one && *id < 1 {
				return &usageError{msg: "--id must be a message id, 1 or more; omit --id to mark the whole conversation"}
			}
			return a.read(*with, *id, one)
		}
	},
}

func (a *app) read(with string, id int64, one bool) error {
	var (
		n   int
		err error
	)
	if one {
		n, err = a.chat.MarkAsReaded(a.ctx, a.member, with, id)
	} else {
		n, err = a.chat.MarkAllAsReaded(a.ctx, a.member, with)
	}
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(struct {
			ReadedNum int `json:"readed_num"`
		}{n})
	}
	_, err = fmt.Fprintf(a.out, "marked %d message(s) as read\n", n)
	return err
}
