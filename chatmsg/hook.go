package chatmsg

import (
	"context"
	"time"

	"github.com/okayapi-go/sdk/chatmsg/internal/hook"
	"github.com/okayapi-go/sdk/okayapi"
)

// init gives packages exactlyonce and broadcast what they need of this
// package, without exporting it (see package hook).
func init() {
	hook.Begin = begin
	hook.CheckRecipients = checkRecipients
	hook.CheckAudience = checkRecipientList
	hook.CheckMessage = func(svc, msg any, key string) error {
		_, err := svc.(*Service).keyedParams("", asMessage(msg), key)
		return err
	}
	hook.Send = func(ctx context.Context, svc any, member okayapi.Member, to string, msg any, key string) (any, error) {
		return svc.(*Service).send(ctx, member, to, asMessage(msg), key)
	}
	hook.MultiSend = func(ctx context.Context, svc any, member okayapi.Member, to []string, msg any, key string) (any, error) {
		return svc.(*Service).multiSend(ctx, member, to, asMessage(msg), key)
	}
	hook.AttemptTimeout = func(svc any) time.Duration { return svc.(*Service).c.AttemptTimeout() }
}

// asMessage is msg as a Message; nil when it is nil (which the checks
// refuse).
func asMessage(msg any) Message {
	m, _ := msg.(Message)
	return m
}

// checkRecipientList checks any number of recipients as checkRecipients
// checks up to MaxRecipients.
func checkRecipientList(to []string) error {
	if len(to) == 0 {
		return &okayapi.InvalidParamError{Field: "other_uuid", Rule: "needs at least 1 recipient"}
	}
	return checkUnique(to)
}
