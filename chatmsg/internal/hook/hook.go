// Package hook gives packages chatmsg/exactlyonce and chatmsg/broadcast what
// they need of chatmsg's internals without chatmsg exporting it: chatmsg
// sets these variables in an init function (importing chatmsg is enough to
// have them set).
//
// In their signatures, svc is a *chatmsg.Service, msg a chatmsg.Message, and
// Send's and MultiSend's results a *chatmsg.SendResult and a
// *chatmsg.MultiSendResult: this package cannot name chatmsg's types.
package hook

import (
	"context"
	"time"

	"github.com/okayapi-go/sdk/okayapi"
)

var (
	// Begin checks what every call needs before anything else: a context
	// and a logged-in member.
	Begin func(ctx context.Context, member okayapi.Member) error

	// CheckRecipients checks MultiSend's recipients: 1 to
	// chatmsg.MaxRecipients, each a uuid, none blank and none twice
	// (ignoring case).
	CheckRecipients func(to []string) error

	// CheckAudience checks any number of recipients as CheckRecipients
	// checks up to chatmsg.MaxRecipients.
	CheckAudience func(to []string) error

	// CheckMessage checks msg as Send checks it, with a send key of key's
	// length in its data when key is not "" (the key counts against the
	// size cap).
	CheckMessage func(svc, msg any, key string) error

	// Send is svc's Send with the send key key put into the message's data
	// (when not ""); the result's Key is key.
	Send func(ctx context.Context, svc any, member okayapi.Member, to string, msg any, key string) (any, error)

	// MultiSend is svc's MultiSend with the send key key put into the
	// message's data (when not ""); the result's Key is key.
	MultiSend func(ctx context.Context, svc any, member okayapi.Member, to []string, msg any, key string) (any, error)

	// AttemptTimeout is how long one HTTP attempt of svc's client may take.
	AttemptTimeout func(svc any) time.Duration
)
