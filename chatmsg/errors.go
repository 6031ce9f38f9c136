package chatmsg

import (
	"errors"

	"github.com/okayapi-go/sdk/okayapi"
)

// The plugin's documented err_codes, for errors.Is. The *okayapi.PluginError
// that wraps one keeps the code and the service's err_msg, and its text shows
// the sentinel's English explanation beside the service's Chinese err_msg.
var (
	// ErrSelf is err_code 1: a member cannot send to, or chat with, itself.
	ErrSelf = errors.New("chatmsg: cannot send to or chat with yourself: name another member")
	// ErrSendFailed is err_code 2: the service could not store the message.
	ErrSendFailed = errors.New("chatmsg: send failed: the service could not store the message; sending again may work")
	// ErrNotInstalled is err_code 9: the private-message plugin is not
	// installed for this app.
	ErrNotInstalled = errors.New("chatmsg: private-message plugin not installed: install it for this app in the OkayAPI console")
	// ErrUnknownCode is any other non-zero err_code.
	ErrUnknownCode = errors.New("chatmsg: undocumented err_code: the plugin's reference does not name it (see its err_msg)")
)

func codeErr(code int) error {
	switch code {
	case 1:
		return ErrSelf
	case 2:
		return ErrSendFailed
	case 9:
		return ErrNotInstalled
	}
	return ErrUnknownCode
}

// ErrNoUnreadCount: GetAllUnreadNum's answer holds no field this SDK takes
// for the count. The reference names none; see UnreadCount.Raw.
var ErrNoUnreadCount = errors.New("chatmsg: answer holds no unread count")

// cancelledCall is the error of a call not made because ctx was done: what
// Client.Do returns then (a *okayapi.TransportError wrapping ctx's error,
// MayHaveArrived false), so that the iterators classify a cancelled context
// as Send does.
func cancelledCall(service string, err error) error {
	return &okayapi.TransportError{Service: service, Err: err}
}
