package chatmsg

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// Delivery is MultiSend's result for one recipient.
type Delivery struct {
	To        string // detail[].other_uuid
	MessageID int64  // detail[].chat_message_id
}

// MultiSendResult is what MultiSend answers.
type MultiSendResult struct {
	// Deliveries is detail, in the service's order. It is nil when the answer
	// has no detail the SDK can read: the call succeeded (err_code 0) but says
	// nothing per recipient; Raw shows what it said.
	//
	// It holds at most one entry per recipient (len(to)): entries beyond that
	// are dropped without being read, so that an answer of any size costs
	// memory for no more than were asked for. Raw still holds them.
	Deliveries []Delivery
	Raw        json.RawMessage   // the answer's data as received
	Response   *okayapi.Response // what the HTTP exchange said (status, attempts, ret, msg)
	Key        string            // the send key of an exactly-once send (package exactlyonce)
}

// multiSendData is read leniently: the messages were sent, so an odd value in
// the answer must not turn the result into an error. Raw keeps what arrived.
type multiSendData struct {
	Detail phpjson.Lenient[phpjson.List[wireDelivery]] `json:"detail"`
}

// wireDelivery is an element of detail. Its fields never fail, and an
// element that is not an object is zero: one odd element never hides the
// others.
type wireDelivery struct {
	OtherUUID     phpjson.Lenient[phpjson.String] `json:"other_uuid"`
	ChatMessageID phpjson.Lenient[phpjson.Int]    `json:"chat_message_id"`
}

// UnmarshalJSON reads an element in one pass; it fails only when the
// element is not an object.
func (d *wireDelivery) UnmarshalJSON(b []byte) error {
	*d = wireDelivery{}
	return phpjson.Fields(b, func(name, v []byte) bool {
		switch string(name) {
		case "other_uuid":
			_ = d.OtherUUID.UnmarshalJSON(v)
		case "chat_message_id":
			_ = d.ChatMessageID.UnmarshalJSON(v)
		}
		return true
	})
}

// deliveries reads detail as a list (or PHP's object with keys 0, 1, …);
// anything else gives none.
func (d multiSendData) deliveries() []Delivery {
	if !d.Detail.OK() || d.Detail.Value.Items == nil {
		return nil
	}
	out := make([]Delivery, 0, len(d.Detail.Value.Items))
	for _, it := range d.Detail.Value.Items {
		out = append(out, Delivery{To: string(it.OtherUUID.Value), MessageID: int64(it.ChatMessageID.Value)})
	}
	return out
}

// MultiSend sends msg from member to each of 1 to 200 members (uuids, no
// blanks, no duplicates). Like Send, it is never repeated after a failure
// that may have reached the service (package chatmsg/exactlyonce finds out,
// and sends again only to those without a copy).
//
// The message is checked as Send checks it, before anything is sent.
func (s *Service) MultiSend(ctx context.Context, member okayapi.Member, to []string, msg Message) (*MultiSendResult, error) {
	return s.multiSend(ctx, member, to, msg, "")
}

// multiSend is MultiSend with the send key key put into the message (when
// not "").
func (s *Service) multiSend(ctx context.Context, member okayapi.Member, to []string, msg Message, key string) (*MultiSendResult, error) {
	if err := begin(ctx, member); err != nil {
		return nil, err
	}
	if err := checkRecipients(to); err != nil {
		return nil, err
	}
	p, err := s.keyedParams(strings.Join(to, ","), msg, key)
	if err != nil {
		return nil, err
	}
	out := multiSendData{Detail: phpjson.Lenient[phpjson.List[wireDelivery]]{Value: phpjson.List[wireDelivery]{Max: len(to)}}}
	resp, err := s.do(ctx, member, ServiceMultiSend, p.values(), false, &out)
	if err != nil {
		return nil, err
	}
	res := &MultiSendResult{Deliveries: out.deliveries(), Raw: resp.Data, Response: resp, Key: key}
	return res, nil
}

func checkRecipients(to []string) error {
	if len(to) == 0 {
		return &okayapi.InvalidParamError{Field: "other_uuid", Rule: "needs at least 1 recipient"}
	}
	if len(to) > MaxRecipients {
		return &okayapi.InvalidParamError{Field: "other_uuid", Rule: "takes at most " + strconv.Itoa(MaxRecipients) + " recipients", Value: strconv.Itoa(len(to)) + " recipients"}
	}
	return checkUnique(to)
}

// checkUnique checks that each of to is a member uuid, none blank and none
// twice (ignoring case), naming other_uuid[i] in the error.
func checkUnique(to []string) error {
	field := func(i int) string { return "other_uuid[" + strconv.Itoa(i) + "]" }
	seen := make(map[[32]byte]int, len(to))
	for i, uuid := range to {
		if strings.TrimSpace(uuid) == "" {
			return &okayapi.InvalidParamError{Field: field(i), Rule: "must not be blank"}
		}
		if err := okayapi.CheckUUID("", uuid); err != nil {
			return okayapi.CheckUUID(field(i), uuid)
		}
		var key [32]byte // the uuid in upper case: uuids match ignoring case
		for k := range key {
			c := uuid[k]
			if 'a' <= c && c <= 'f' {
				c -= 'a' - 'A'
			}
			key[k] = c
		}
		if j, dup := seen[key]; dup {
			return &okayapi.InvalidParamError{Field: field(i), Rule: "duplicates " + field(j), Value: uuid}
		}
		seen[key] = i
	}
	return nil
}
