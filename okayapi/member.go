package okayapi

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// Member is the login state of the member a call acts for: the uuid and token
// that App.User.Login hands out. A backend keeps one per member and passes it
// with each call; the zero Member makes an anonymous call.
//
// The token is a secret. Member's String and GoString hide it, and it is
// held sealed (encrypted with a key made when the process starts), so that
// reflection-based printers (testify's and go-cmp's diffs, spew) show noise
// in its place. Equal Members are still == and reflect.DeepEqual. Make one
// with NewMember (or Client.Login); store UUID and Token() to keep it.
type Member struct {
	UUID  string // the member's uuid: 32 hexadecimal characters
	token sealed // the login token, sealed
}

// NewMember returns the login state of the member uuid with token (as
// App.User.Login handed them out, and a backend stored them).
func NewMember(uuid, token string) Member { return Member{UUID: uuid, token: seal(token)} }

// Token returns the login token: a secret.
func (m Member) Token() string { return m.token.open() }

// IsZero reports whether m carries no login state.
func (m Member) IsZero() bool { return m.UUID == "" && m.token == "" }

// String returns the uuid with the token redacted.
func (m Member) String() string {
	if m.token == "" {
		return "Member{" + m.UUID + "}"
	}
	return "Member{" + m.UUID + ", token <redacted>}"
}

// GoString hides the token from %#v.
func (m Member) GoString() string { return "okayapi." + m.String() }

// Format prints GoString for %#v and String for every other verb, so that
// no verb shows the token.
func (m Member) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, m.GoString())
		return
	}
	io.WriteString(f, m.String())
}

// LogValue hides the token from slog.
func (m Member) LogValue() slog.Value { return slog.StringValue(m.UUID) }

// Validate checks that m can act for a member: a 32-character uuid and a token.
func (m Member) Validate() error {
	if err := CheckUUID("uuid", m.UUID); err != nil {
		// Without the value: a uuid and a token swapped by mistake would put
		// the token into the error.
		return &InvalidParamError{Field: "uuid", Rule: uuidRule + " (the value is not shown: it may be a token)"}
	}
	if m.token == "" {
		return &InvalidParamError{Field: "token", Rule: "must not be empty (log the member in first)"}
	}
	return nil
}

// CheckUUID checks that a member uuid is 32 hexadecimal characters, and
// names field in the error if it is not.
func CheckUUID(field, uuid string) error {
	if len(uuid) != 32 {
		return &InvalidParamError{Field: field, Rule: uuidRule, Value: uuid}
	}
	for i := 0; i < len(uuid); i++ {
		c := uuid[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return &InvalidParamError{Field: field, Rule: uuidRule, Value: uuid}
		}
	}
	return nil
}

// uuidRule is the one rule a member uuid breaks, whatever is wrong with it.
const uuidRule = "must be a 32-character member uuid of hexadecimal digits"

type loginParams struct {
	Username string `url:"username"`
	Password string `url:"password"`
}

// loginData is read leniently: an odd uuid or token must not put the
// answer, which holds the new token, into an error.
type loginData struct {
	UUID  phpjson.Lenient[phpjson.String] `json:"uuid"`
	Token phpjson.Lenient[phpjson.String] `json:"token"`
}

// Login logs a member in with App.User.Login and returns its login state.
// password is the plain password: Login sends its MD5 hex, as the service
// expects. A wrong username or password is a *PluginError wrapping
// ErrLoginFailed.
func (c *Client) Login(ctx context.Context, username, password string) (Member, error) {
	if username == "" {
		return Member{}, &InvalidParamError{Field: "username", Rule: "must not be empty"}
	}
	if password == "" {
		return Member{}, &InvalidParamError{Field: "password", Rule: "must not be empty"}
	}
	sum := md5.Sum([]byte(password))
	var out loginData
	_, err := c.Do(ctx, &Request{
		Service:    "App.User.Login",
		Params:     loginParams{Username: username, Password: hex.EncodeToString(sum[:])},
		Idempotent: true,
		Codes:      func(int) error { return ErrLoginFailed },
		Secrets:    []string{hex.EncodeToString(sum[:]), password},
	}, &out)
	var de *DecodeError
	if errors.As(err, &de) {
		// The answer may hold the new token, which no error may show.
		return Member{}, &DecodeError{Service: de.Service, Reason: de.Reason + " (the answer is not shown: it may hold a token)"}
	}
	if err != nil {
		return Member{}, err
	}
	m := NewMember(string(out.UUID.Value), string(out.Token.Value))
	if !out.UUID.OK() || !out.Token.OK() || m.Validate() != nil {
		return Member{}, &DecodeError{Service: "App.User.Login", Reason: "answer has no readable uuid and token (it is not shown: it may hold a token)"}
	}
	return m, nil
}
