package okayapitest

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/okayapi-go/sdk/okayapi"
)

// Account describes a member to create with AddMember: the login and the
// profile that App.User.Register would store as ext_info.
type Account struct {
	Username string         // unique; a name is made up when empty
	Password string         // plain text; App.User.Login expects md5 hex of it
	Nickname string         // becomes ext_info.nickname
	Avatar   string         // becomes ext_info.yesapi_avatar
	Age      int            // becomes ext_info.age
	Extra    map[string]any // more ext_info fields; each value must marshal to JSON
}

// User is a member as services see it (Call.User, Call.LookupUser).
type User struct {
	UUID     string // 32 upper-case hex characters
	Username string
	ExtInfo  Object // the profile (ext_info) as stored: empty, never nil
}

type member struct {
	uuid     string
	username string
	password string // as App.User.Login compares it: md5 hex of the plain password
	ext      Object // ext_info
	tokens   map[string]bool
}

// user is m as services see it, with its own copy of the profile's fields.
func (m *member) user() User {
	return User{UUID: m.uuid, Username: m.username, ExtInfo: append(Object{}, m.ext...)}
}

// AddMember creates a member, logged in, and returns its uuid (32
// upper-case hex characters) and token (64). It panics if the username is
// taken or Extra does not marshal to JSON: both are mistakes in the test.
func (s *Server) AddMember(a Account) okayapi.Member {
	ext := Object{
		{Key: "yesapi_avatar", Value: a.Avatar},
		{Key: "nickname", Value: a.Nickname},
		{Key: "age", Value: DBInt(a.Age)},
	}
	keys := make([]string, 0, len(a.Extra))
	for k := range a.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v, err := phpFromGo(a.Extra[k])
		if err != nil {
			panic(fmt.Sprintf("okayapitest: AddMember: Extra[%q] does not marshal to JSON: %v", k, err))
		}
		ext = ext.set(k, v)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := a.Username
	if name == "" {
		name = fmt.Sprintf("member%d", len(s.members)+1)
		for s.byName[name] != nil {
			name += "_"
		}
	}
	if s.byName[name] != nil {
		panic(fmt.Sprintf("okayapitest: AddMember: username %q is taken", name))
	}
	m := s.newMember(name, md5Hex(a.Password), ext)
	token := s.issueToken(m)
	return okayapi.NewMember(m.uuid, token)
}

// newMember stores a new member; s.mu must be held.
func (s *Server) newMember(username, password string, ext Object) *member {
	m := &member{username: username, password: password, ext: ext, tokens: map[string]bool{}}
	for {
		m.uuid = randomHex(16)
		if s.members[m.uuid] == nil {
			break
		}
	}
	s.members[m.uuid] = m
	s.byName[username] = m
	return m
}

// issueToken gives m a new valid token; s.mu must be held.
func (s *Server) issueToken(m *member) string {
	t := randomHex(32)
	m.tokens[t] = true
	return t
}

// ExpireToken expires every token the member with this uuid holds: the next
// calls with them answer ret 401 until the member logs in again. An unknown
// uuid is ignored.
func (s *Server) ExpireToken(uuid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.members[strings.ToUpper(uuid)]; m != nil {
		clear(m.tokens)
	}
}

// lookupUser finds a member by uuid, ignoring case as MySQL would.
func (s *Server) lookupUser(uuid string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.members[strings.ToUpper(uuid)]
	if m == nil {
		return User{}, false
	}
	return m.user(), true
}

// loggedIn returns the member whose uuid and token p carries, if the token
// is valid; s.mu must be held.
func (s *Server) loggedIn(uuid, token string) *member {
	m := s.members[strings.ToUpper(uuid)]
	if m == nil || token == "" || !m.tokens[token] {
		return nil
	}
	return m
}

// handleUserServices registers App.User.Login and App.User.Register, the
// member services every app has.
func (s *Server) handleUserServices() {
	s.Handle(Service{
		Name:    "App.User.Login",
		Params:  []Param{{Name: "username", Required: true}, {Name: "password", Required: true}},
		Handler: s.userLogin,
	})
	s.Handle(Service{
		Name: "App.User.Register",
		Params: []Param{
			{Name: "username", Required: true, Max: "50"},
			{Name: "password", Required: true},
			{Name: "ext_info", Type: "object"},
		},
		Handler: s.userRegister,
	})
}

// userLogin checks username and password (md5 hex, as sent) and issues a
// new token; earlier tokens stay valid.
func (s *Server) userLogin(c *Call) Answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.byName[c.String("username")]
	if m == nil || m.password != c.String("password") {
		return Fail(1, "登录失败，账号或密码错误")
	}
	return OK(Field{Key: "uuid", Value: m.uuid}, Field{Key: "token", Value: s.issueToken(m)})
}

// userRegister creates a member, not logged in.
func (s *Server) userRegister(c *Call) Answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := c.String("username")
	if s.byName[name] != nil {
		return Fail(1, "注册失败，账号已被注册")
	}
	ext := c.Object("ext_info")
	if ext == nil {
		ext = Object{}
	}
	m := s.newMember(name, c.String("password"), ext)
	return OK(Field{Key: "uuid", Value: m.uuid})
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
