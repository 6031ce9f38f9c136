package main

import (
	"encoding/json"
	"io"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
)

// outWriter is stdout, remembering the first write error. Every command
// makes its one call before it writes, so a write error means the call
// succeeded.
type outWriter struct {
	w   io.Writer
	err error
}

func (o *outWriter) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		o.err = err
	}
	return n, err
}

// printJSON writes v as the one JSON document of --json.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// The cells of the tables: "-" stands for nothing.

func showTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02 15:04:05 MST")
}

func readWord(read bool) string {
	if read {
		return "read"
	}
	return "unread"
}

// typeOf is a message's kind as the service names it (chat_message_type).
func typeOf(m chatmsg.Message) string {
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
	return "-"
}

// preview shows a message on one line of at most 60 characters.
func preview(m chatmsg.Message) string {
	if s := chatmsg.Preview(m, 60); s != "" {
		return s
	}
	return "-"
}
