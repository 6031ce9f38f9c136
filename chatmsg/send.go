package chatmsg

import (
	"context"
	"encoding/json"
	"net/url"
	"reflect"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// SendResult is what Send answers.
type SendResult struct {
	// MessageID is the new message's id if the service returned one, else 0
	// (the reference does not say that Send returns it).
	MessageID int64
	// Raw is the answer's data as received.
	Raw json.RawMessage
	// Response is what the HTTP exchange said (status, attempts, ret, msg);
	// nil when an exactly-once send found its message by reading.
	Response *okayapi.Response
	// Key is the send key of an exactly-once send (package
	// chatmsg/exactlyonce); "" otherwise.
	Key string
}

type sendParams struct {
	OtherUUID string `url:"other_uuid"`
	Type      string `url:"chat_message_type"`
	Data      string `url:"chat_message_data"`
}

// values is p as the form sends it: built directly rather than by
// reflection, as every send pays for it.
func (p sendParams) values() url.Values {
	return url.Values{"other_uuid": {p.OtherUUID}, "chat_message_type": {p.Type}, "chat_message_data": {p.Data}}
}

// sendData holds the id fields Send's answer may have. They are kept raw and
// read leniently: the reference documents no id, so an odd value must not
// turn a message that was sent into an error.
type sendData struct {
	ChatMessageID phpjson.Lenient[phpjson.Int] `json:"chat_message_id"`
	ID            phpjson.Lenient[phpjson.Int] `json:"id"`
}

// messageID returns the first of the answer's id fields that reads as a
// positive integer, or 0.
func (d sendData) messageID() int64 {
	for _, n := range [...]phpjson.Int{d.ChatMessageID.Value, d.ID.Value} {
		if n > 0 {
			return int64(n)
		}
	}
	return 0
}

// keyedParams checks msg and builds what Send and MultiSend send, with the
// send key key (package exactlyonce) put into chat_message_data when not "":
// the message is checked once, by its kind, and its chat_message_data
// measured against the size cap (with the key).
func (s *Service) keyedParams(to string, msg Message, key string) (sendParams, error) {
	if msg == nil || isNilPointer(msg) {
		return sendParams{}, &okayapi.InvalidParamError{Field: "chat_message_data", Rule: "a message is required"}
	}
	data, err := msg.data()
	if err != nil {
		return sendParams{}, err
	}
	if len(data) > s.maxSize {
		return sendParams{}, sizeError(len(data), s.maxSize)
	}
	if hasField(data, keyField) {
		return sendParams{}, &okayapi.InvalidParamError{Field: dataField + "." + keyField, Rule: "is the send key of exactly-once sending; the SDK sets it (use exactlyonce.Resume to send again under a key)"}
	}
	if key != "" {
		if data, err = checkObject(withKey(data, key), s.maxSize); err != nil {
			return sendParams{}, err
		}
	}
	return sendParams{OtherUUID: to, Type: msg.kind(), Data: string(data)}, nil
}

// Check checks msg as Send and MultiSend check it, without sending it: nil,
// or the *okayapi.InvalidParamError they would return. A queue of messages
// to send later (an outbox) checks each one when it is queued.
func (s *Service) Check(msg Message) error {
	_, err := s.keyedParams("", msg, "")
	return err
}

// isNilPointer reports whether msg is a nil pointer to a message kind (such
// as a nil *Text), whose methods would panic.
func isNilPointer(msg Message) bool {
	v := reflect.ValueOf(msg)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// Send sends msg from member to the member whose uuid is to.
//
// The message is checked before anything is sent: its kind's own rules (see
// Text, HTML, Image, Link, Custom), valid UTF-8 text, and, whatever its Go
// type, chat_message_data must be one JSON object of at most the Service's
// size cap (64 KiB unless WithMaxMessageSize says otherwise).
// A refusal is an *okayapi.InvalidParamError and nothing was sent.
//
// Send is not repeated after a failure that may have reached the service, so
// a message is never sent twice by the SDK; on such a failure
// okayapi.MayHaveArrived(err) is true and the message may have been delivered.
// Package chatmsg/exactlyonce finds out, and sends again only if it was not.
func (s *Service) Send(ctx context.Context, member okayapi.Member, to string, msg Message) (*SendResult, error) {
	return s.send(ctx, member, to, msg, "")
}

// send is Send with the send key key put into the message (when not "").
func (s *Service) send(ctx context.Context, member okayapi.Member, to string, msg Message, key string) (*SendResult, error) {
	if err := begin(ctx, member); err != nil {
		return nil, err
	}
	if err := okayapi.CheckUUID("other_uuid", to); err != nil {
		return nil, err
	}
	p, err := s.keyedParams(to, msg, key)
	if err != nil {
		return nil, err
	}
	var out sendData
	resp, err := s.do(ctx, member, ServiceSend, p.values(), false, &out)
	if err != nil {
		return nil, err
	}
	return &SendResult{MessageID: out.messageID(), Raw: resp.Data, Response: resp, Key: key}, nil
}
