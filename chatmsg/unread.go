package chatmsg

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// unreadFields are the names GetAllUnreadNum's count may have; the reference
// lists none, and unread_num (as in TakeMessageList) is the likely one.
var unreadFields = [...]string{"unread_num", "unread_count", "total_unread_num", "all_unread_num"}

// UnreadCount is what GetAllUnreadNum answers.
type UnreadCount struct {
	Count int             // unread messages across all conversations
	Field string          // the data field the count was read from
	Raw   json.RawMessage // the answer's data as received
	// Response is what the HTTP exchange said (status, attempts, ret, msg).
	Response *okayapi.Response
}

// GetAllUnreadNum counts member's unread messages across all conversations.
// The reference does not name the field; the count is read from unread_num or,
// failing that, a few names that say "unread" (Field says which). If none is
// there, it fails with an *okayapi.DecodeError wrapping ErrNoUnreadCount,
// whose Data holds the answer, rather than reporting a silent 0.
func (s *Service) GetAllUnreadNum(ctx context.Context, member okayapi.Member) (*UnreadCount, error) {
	if err := begin(ctx, member); err != nil {
		return nil, err
	}
	var out map[string]json.RawMessage
	resp, err := s.do(ctx, member, ServiceGetAllUnreadNum, nil, true, &out)
	if err != nil {
		return nil, err
	}
	for _, name := range unreadFields {
		v, ok := out[name]
		if !ok {
			continue
		}
		var n phpjson.Int
		if err := n.UnmarshalJSON(v); err != nil {
			return nil, resp.DecodeError(name, err)
		}
		return &UnreadCount{Count: int(n), Field: name, Raw: resp.Data, Response: resp}, nil
	}
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	slices.Sort(names)
	// Built through resp, so that a field name or value echoing the token
	// is redacted like any error Do builds.
	return nil, resp.DecodeError("no unread count among the fields "+strings.Join(names, ", "), ErrNoUnreadCount)
}
