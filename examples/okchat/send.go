package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/okayapi-go/sdk/chatmsg"
)

var sendCommand = command{
	name:     "send",
	short:    "send one message to one member",
	synopsis: "--to UUID (--text S | --html S | --image URL | --link URL | --custom JSON)",
	about:    "Send one message to the member --to. Exactly one message flag is required.",
	sends:    true,
	flags: func(fs *flag.FlagSet) func(*app) error {
		to := fs.String("to", "", "the recipient's member `UUID` (32 hex characters)")
		msg := messageFlags(fs)
		return func(a *app) error {
			if err := requireFlag(fs, "to"); err != nil {
				return err
			}
			m, err := msg()
			if err != nil {
				return err
			}
			return a.send(*to, m)
		}
	},
}

// messageFlags adds the five message flags to fs and returns a function that,
// after parsing, builds the one message they describe.
func messageFlags(fs *flag.FlagSet) func() (chatmsg.Message, error) {
	text := fs.String("text", "", "a text message whose content is `S` (emoji welcome)")
	html := fs.String("html", "", "an HTML message whose content, the HTML source, is `S`")
	image := fs.String("image", "", "an image message: the image's `URL`")
	link := fs.String("link", "", "a link message: the `URL`")
	custom := fs.String("custom", "", "a custom message: a `JSON` object")
	return func() (chatmsg.Message, error) {
		var given []string
		for _, name := range []string{"text", "html", "image", "link", "custom"} {
			if isSet(fs, name) {
				given = append(given, "--"+name)
			}
		}
		switch len(given) {
		case 0:
			return nil, &usageError{msg: "a message flag is required: one of --text, --html, --image, --link, --custom"}
		case 1:
		default:
			return nil, &usageError{msg: "give exactly one message flag, not " + strings.Join(given, " and ")}
		}
		switch given[0] {
		case "--text":
			return chatmsg.Text{Content: *text}, nil
		case "--html":
			return chatmsg.HTML{Content: *html}, nil
		case "--image":
			return chatmsg.Image{URL: *image}, nil
		case "--link":
			return chatmsg.Link{URL: *link}, nil
		}
		return chatmsg.Custom{Object: json.RawMessage(*custom)}, nil
	}
}

func (a *app) send(to string, msg chatmsg.Message) error {
	res, err := a.chat.Send(a.ctx, a.member, to, msg)
	if err != nil {
		return err
	}
	if a.json {
		var id *int64 // null: the service returned no id
		if res.MessageID != 0 {
			id = &res.MessageID
		}
		return a.printJSON(struct {
			ChatMessageID *int64 `json:"chat_message_id"`
		}{id})
	}
	if res.MessageID != 0 {
		_, err = fmt.Fprintf(a.out, "sent %s message #%d to %s\n", msg.Type(), res.MessageID, to)
	} else {
		_, err = fmt.Fprintf(a.out, "sent %s message to %s (the service returned no message id)\n", msg.Type(), to)
	}
	return err
}
