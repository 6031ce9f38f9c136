package chatmsg

import "errors"

// The plugin's documented err_codes, for errors.Is. The *okayapi.PluginError
// that wraps one keeps the code and the service's err_msg.
var (
	// ErrSelf is err_code 1: a member cannot send to, or chat with, itself.
	ErrSelf = errors.New("chatmsg: cannot send to or chat with yourself")
	// ErrSendFailed is err_code 2: the service could not store the message.
	ErrSendFailed = errors.New("chatmsg: send failed")
	// ErrNotInstalled is err_code 9: the private-message plugin is not
	// installed for this app.
	ErrNotInstalled = errors.New("chatmsg: private-message plugin not installed")
	// ErrUnknownCode is any other non-zero err_code.
	ErrUnknownCode = errors.New("chatmsg: undocumented err_code")
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
