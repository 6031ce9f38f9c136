package main

import (
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
	Type      chatmsg.Type    `json:"chat_message_type"`
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
		jm.Type = msg.Type()
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

// messageData returns a message's chat_message_data as a JSON object.
func messageData(msg chatmsg.Message) json.RawMessage {
	switch m := msg.(type) {
	case nil:
		return json.RawMessage("{}")
	case chatmsg.Unknown:
		if len(m.Raw) > 0 {
			return m.Raw
		}
		return json.RawMessage("{}")
	case chatmsg.Custom:
		if b, err := m.Data(); err == nil {
			return b
		}
		return json.RawMessage("{}")
	}
	if b, err := msg.Data(); err == nil {
		return b
	}
	// A message read back may break a rule that sending enforces (a blank
	// content, say): show its main field anyway.
	var v map[string]string
	switch m := msg.(type) {
	case chatmsg.Text:
		v = map[string]string{"content": m.Content}
	case chatmsg.HTML:
		v = map[string]string{"content": m.Content}
	case chatmsg.Image:
		v = map[string]string{"url": m.URL}
	case chatmsg.Link:
		v = map[string]string{"url": m.URL}
	}
	b, err := json.Marshal(v)
	if err != nil || v == nil {
		return json.RawMessage("{}")
	}
	return b
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
