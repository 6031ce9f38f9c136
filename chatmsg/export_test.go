package chatmsg

import "encoding/json"

// Kind and Data give the tests a message's chat_message_type and its
// checked chat_message_data, as Send would send them.
func Kind(m Message) string { return m.kind() }

// Data: see Kind.
func Data(m Message) (json.RawMessage, error) {
	b, err := m.data()
	return b, err
}

// DefaultMaxMessageSize is the cap without WithMaxMessageSize.
const DefaultMaxMessageSize = defaultMaxMessageSize
