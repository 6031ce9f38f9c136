package chatmsg

import (
	"context"
	"strconv"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

type markParams struct {
	OtherUUID     string `url:"other_uuid"`
	ChatMessageID int64  `url:"chat_message_id"`
}

type markData struct {
	ReadedNum phpjson.Int `json:"readed_num"`
}

// MarkAsReaded marks one message (id ≥ 1) of member's conversation with the
// member whose uuid is with as read, and returns how many messages changed
// (0 or 1). Use MarkAllAsReaded for the whole conversation.
//
// Marking is idempotent, so the SDK repeats it after a network failure or an
// HTTP 429/502/503/504; when an earlier attempt did its work, the count
// returned is that of the last attempt and may be lower (often 0).
func (s *Service) MarkAsReaded(ctx context.Context, member okayapi.Member, with string, messageID int64) (int, error) {
	if err := begin(ctx, member); err != nil {
		return 0, err
	}
	if messageID <= 0 {
		return 0, &okayapi.InvalidParamError{Field: "chat_message_id", Rule: "must be 1 or more (use MarkAllAsReaded for the whole conversation)", Value: strconv.FormatInt(messageID, 10)}
	}
	return s.mark(ctx, member, with, messageID)
}

// MarkAllAsReaded marks every message of member's conversation with the
// member whose uuid is with as read, and returns how many changed. Like
// MarkAsReaded, it may be repeated after a failure, and then the count is
// that of the last attempt.
func (s *Service) MarkAllAsReaded(ctx context.Context, member okayapi.Member, with string) (int, error) {
	if err := begin(ctx, member); err != nil {
		return 0, err
	}
	return s.mark(ctx, member, with, 0)
}

// mark marks message id (0: all) of the conversation with with as read.
func (s *Service) mark(ctx context.Context, member okayapi.Member, with string, id int64) (int, error) {
	if err := okayapi.CheckUUID("other_uuid", with); err != nil {
		return 0, err
	}
	var out markData
	// Marking read is idempotent in effect; a repeated attempt may report
	// fewer changes than the first one made.
	_, err := s.do(ctx, member, ServiceMarkAsReaded, markParams{OtherUUID: with, ChatMessageID: id}, true, &out)
	if err != nil {
		return 0, err
	}
	return int(out.ReadedNum), nil
}
