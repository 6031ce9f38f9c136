package redisstore

import (
	"encoding/json"

	"github.com/okayapi-go/sdk/okayapi"
)

// memberJSON carries a member, token included, to a child process: an
// okayapi.Member does not write its token out (its JSON drops it).
type memberJSON okayapi.Member

func (m memberJSON) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ UUID, Token string }{m.UUID, okayapi.Member(m).Token()})
}

func (m *memberJSON) UnmarshalJSON(b []byte) error {
	var w struct{ UUID, Token string }
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*m = memberJSON(okayapi.NewMember(w.UUID, w.Token))
	return nil
}

func toJSON(ms []okayapi.Member) []memberJSON {
	out := make([]memberJSON, len(ms))
	for i, m := range ms {
		out[i] = memberJSON(m)
	}
	return out
}

func fromJSON(ms []memberJSON) []okayapi.Member {
	out := make([]okayapi.Member, len(ms))
	for i, m := range ms {
		out[i] = okayapi.Member(m)
	}
	return out
}
