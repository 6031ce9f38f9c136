package main

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// What --json prints: the API's own field names, typed.

// jsonDelivery is one recipient of multisend: MultiSend's detail entry,
// with what became of the message for it.
type jsonDelivery struct {
	OtherUUID     string `json:"other_uuid"`
	ChatMessageID *int64 `json:"chat_message_id"` // null: not delivered, or the service gave no id
	Outcome       string `json:"outcome"`         // delivered, not_delivered or maybe_delivered
	ErrCode       *int   `json:"err_code,omitempty"`
	Error         string `json:"error,omitempty"`
	SendKey       string `json:"send_key,omitempty"` // --exactly-once: the batch's send key, when its error says it
}

// jsonMessage is one message of history, or the latest of a conversation in
// chats, plus "direction", which says what chat_message_io means.
type jsonMessage struct {
	ID        *int64          `json:"id,omitempty"`
	ToUUID    string          `json:"chat_message_to_uuid"`
	Type      string          `json:"chat_message_type"`
	Data      json.RawMessage `json:"chat_message_data"`
	IsRead    bool            `json:"chat_message_is_read"`
	IO        *string         `json:"chat_message_io"`
	Direction string          `json:"direction"`
	AddTime   *string         `json:"add_time"`
	User      *jsonUser       `json:"user,omitempty"`
	SendKey   string          `json:"send_key,omitempty"` // the message's send key, if it was sent exactly once
}

// jsonUser is the other member of a conversation in chats.
type jsonUser struct {
	Username string         `json:"username"`
	ExtInfo  map[string]any `json:"ext_info"`
}

func toJSONMessage(with string, msg chatmsg.Message, read bool, dir chatmsg.Direction, at time.Time) jsonMessage {
	jm := jsonMessage{
		ToUUID:    with,
		Data:      messageData(msg),
		IsRead:    read,
		Direction: dir.String(),
	}
	if msg != nil {
		jm.Type = typeOf(msg)
	}
	// The reference's chat_message_io: "in" is a message the member sent, "out" one it received.
	var dirIO string
	switch dir {
	case chatmsg.Sent:
		dirIO = "in"
		jm.IO = &dirIO
	case chatmsg.Received:
		dirIO = "out"
		jm.IO = &dirIO
	}
	if !at.IsZero() {
		s := at.Format(time.RFC3339)
		jm.AddTime = &s
	}
	return jm
}

// messageData returns a message's chat_message_data as a JSON object: the
// kind's own field (content or url) with its extension fields, Custom's
// object, or Unknown's data as read.
func messageData(msg chatmsg.Message) json.RawMessage {
	var obj map[string]any
	own := func(key, value string, ext map[string]any) {
		obj = make(map[string]any, len(ext)+1)
		for k, v := range ext {
			obj[k] = v
		}
		obj[key] = value
	}
	switch m := msg.(type) {
	case chatmsg.Text:
		own("content", m.Content, m.Ext)
	case chatmsg.HTML:
		own("content", m.Content, m.Ext)
	case chatmsg.Image:
		own("url", m.URL, m.Ext)
	case chatmsg.Link:
		own("url", m.URL, m.Ext)
	case chatmsg.Custom:
		var buf bytes.Buffer
		if json.Compact(&buf, m.Object) == nil && buf.Len() > 0 {
			return buf.Bytes()
		}
	case chatmsg.Unknown:
		if len(m.Raw) > 0 {
			return m.Raw
		}
	}
	if obj == nil {
		return json.RawMessage("{}")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(obj) != nil {
		return json.RawMessage("{}")
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// extInfo returns user.ext_info with the documented fields typed (age as a
// number, even if the service wrote "18") and the others as read.
func extInfo(p phpjson.Profile) map[string]any {
	ext := make(map[string]any, len(p.Ext))
	for k, v := range p.Ext {
		ext[k] = v
	}
	set := func(key string, v any) {
		if _, ok := ext[key]; ok {
			ext[key] = v
		}
	}
	set("nickname", p.Nickname)
	set("yesapi_avatar", p.Avatar)
	set("age", p.Age)
	return ext
}
