package okayapitest

import (
	"strings"
	"time"
)

// api is one service the fake implements.
type api struct {
	params []param
	login  bool // needs uuid and a valid token
	plugin bool // part of the private-message plugin
	// run does the call with s.mu held and returns data.
	run func(s *Server, who *member, a args) phpObject
}

var (
	otherUUID   = param{name: "other_uuid", kind: kindString, required: true, min: 32, hasMin: true, max: 32}
	messageType = param{name: "chat_message_type", kind: kindEnum, required: true, def: "text",
		enum: []string{"text", "html", "image", "link", "custom"}}
	messageData = param{name: "chat_message_data", kind: kindJSONObject, required: true}
	perPage     = param{name: "perpage", kind: kindInt, def: "20", min: 1, hasMin: true, max: 100}
)

// apis are the services by canonical name.
var apis = map[string]*api{
	"App.Hello.World": {
		params: []param{{name: "name", kind: kindString, def: "PhalApi"}},
		run:    (*Server).helloWorld,
	},
	"App.User.Login": {
		params: []param{
			{name: "username", kind: kindString, required: true},
			{name: "password", kind: kindString, required: true},
		},
		run: (*Server).userLogin,
	},
	"App.User.Register": {
		params: []param{
			{name: "username", kind: kindString, required: true, max: 50},
			{name: "password", kind: kindString, required: true},
			{name: "ext_info", kind: kindJSONObject},
		},
		run: (*Server).userRegister,
	},
	"App.Market_ChatMessage.Send": {
		params: []param{otherUUID, messageType, messageData},
		login:  true, plugin: true,
		run: (*Server).chatSend,
	},
	"App.Market_ChatMessage.MultiSend": {
		params: []param{
			{name: "other_uuid", kind: kindList, required: true, min: 1, hasMin: true, max: 200},
			messageType, messageData,
		},
		login: true, plugin: true,
		run: (*Server).chatMultiSend,
	},
	"App.Market_ChatMessage.TakeMessageList": {
		params: []param{
			otherUUID,
			{name: "last_id", kind: kindInt, def: "0", min: 0, hasMin: true},
			{name: "direction", kind: kindEnum, def: "down", enum: []string{"up", "down"}},
			perPage,
		},
		login: true, plugin: true,
		run: (*Server).chatTakeMessageList,
	},
	"App.Market_ChatMessage.MarkAsReaded": {
		params: []param{otherUUID, {name: "chat_message_id", kind: kindInt, def: "0", min: 0, hasMin: true}},
		login:  true, plugin: true,
		run: (*Server).chatMarkAsReaded,
	},
	"App.Market_ChatMessage.GetAllChatList": {
		params: []param{{name: "page", kind: kindInt, def: "1", min: 1, hasMin: true, max: 100}, perPage},
		login:  true, plugin: true,
		run: (*Server).chatGetAllChatList,
	},
	"App.Market_ChatMessage.GetAllUnreadNum": {
		login: true, plugin: true,
		run: (*Server).chatGetAllUnreadNum,
	},
}

// ok is a plugin's success: err_code 0, an empty err_msg, then fields.
func ok(fields ...phpField) phpObject {
	return append(phpObject{{Key: "err_code", Value: 0}, {Key: "err_msg", Value: ""}}, fields...)
}

// fail is a plugin's refusal.
func fail(code int, msg string) phpObject {
	return phpObject{{Key: "err_code", Value: code}, {Key: "err_msg", Value: msg}}
}

func field(key string, v any) phpField { return phpField{Key: key, Value: v} }

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*60*60) // no tz database; China has no DST
	}
	return loc
}()

func (s *Server) helloWorld(_ *member, a args) phpObject {
	return phpObject{field("content", "Hello "+a.str("name"))}
}

func (s *Server) userLogin(_ *member, a args) phpObject {
	m := s.byName[a.str("username")]
	if m == nil || m.password != a.str("password") {
		return fail(1, "登录失败，账号或密码错误")
	}
	return ok(field("uuid", m.uuid), field("token", s.issueToken(m)))
}

func (s *Server) userRegister(_ *member, a args) phpObject {
	name := a.str("username")
	if s.byName[name] != nil {
		return fail(1, "注册失败，账号已被注册")
	}
	ext := phpObject{}
	if j := a.object("ext_info"); j != nil {
		ext = j.value
	}
	m := s.newMember(name, a.str("password"), ext)
	return ok(field("uuid", m.uuid))
}

// store keeps a new message; s.mu must be held.
func (s *Server) store(from, to, typ string, data *jsonArg) *message {
	m := &message{
		id: int64(len(s.messages) + 1), from: from, to: to, typ: typ,
		raw: data.raw, data: data.value, sentAt: s.cfg.now(),
	}
	s.messages = append(s.messages, m)
	return m
}

func (s *Server) chatSend(who *member, a args) phpObject {
	to := strings.ToUpper(a.str("other_uuid"))
	if to == who.uuid {
		return fail(1, "不能给自己发送私信")
	}
	if s.members[to] == nil {
		return fail(2, "发送失败")
	}
	m := s.store(who.uuid, to, a.str("chat_message_type"), a.object("chat_message_data"))
	if s.cfg.sendID {
		return ok(field("chat_message_id", phpInt(m.id)))
	}
	return ok()
}

func (s *Server) chatMultiSend(who *member, a args) phpObject {
	given := a.list("other_uuid")
	to := make([]string, len(given))
	for i, u := range given {
		to[i] = strings.ToUpper(u)
		if to[i] == who.uuid {
			return fail(1, "不能给自己发送私信")
		}
	}
	for _, u := range to {
		if s.members[u] == nil {
			return fail(2, "发送失败")
		}
	}
	detail := make([]any, 0, len(to))
	for i, u := range to {
		m := s.store(who.uuid, u, a.str("chat_message_type"), a.object("chat_message_data"))
		detail = append(detail, phpObject{field("other_uuid", given[i]), field("chat_message_id", phpInt(m.id))})
	}
	return ok(field("detail", detail))
}

// conversation returns the messages between two members, by id ascending;
// s.mu must be held.
func (s *Server) conversation(a, b string) []*message {
	var out []*message
	for _, m := range s.messages {
		if m.from == a && m.to == b || m.from == b && m.to == a {
			out = append(out, m)
		}
	}
	return out
}

func (s *Server) chatTakeMessageList(who *member, a args) phpObject {
	other := strings.ToUpper(a.str("other_uuid"))
	if other == who.uuid {
		return fail(1, "不能和自己聊天")
	}
	conv := s.conversation(who.uuid, other)
	lastID, per := a.int("last_id"), int(a.int("perpage"))
	var page []*message
	switch {
	case a.str("direction") == "down" && lastID > 0: // the first ones after last_id
		for _, m := range conv {
			if m.id > lastID && len(page) < per {
				page = append(page, m)
			}
		}
	case a.str("direction") == "up" && lastID > 0: // the last ones before last_id
		before := conv
		for i, m := range conv {
			if m.id >= lastID {
				before = conv[:i]
				break
			}
		}
		page = before[max(0, len(before)-per):]
	default: // the newest
		page = conv[max(0, len(conv)-per):]
	}
	list := make([]any, 0, len(page))
	for _, m := range page {
		list = append(list, s.item(who.uuid, m, true))
	}
	unread := 0
	for _, m := range conv {
		if m.to == who.uuid && !m.read {
			unread++
		}
	}
	return ok(field("list", list), field("unread_num", phpInt(unread)))
}

// item is a message as the viewer sees it in a list.
func (s *Server) item(viewer string, m *message, withID bool) phpObject {
	other, io := m.to, "in" // the reference: in = sent by me
	if m.to == viewer {
		other, io = m.from, "out"
	}
	read := 0
	if m.read {
		read = 1
	}
	o := make(phpObject, 0, 8)
	if withID {
		o = append(o, field("id", phpInt(m.id)))
	}
	return append(o,
		field("chat_message_to_uuid", other),
		field("chat_message_data", m.data),
		field("chat_message_type", m.typ),
		field("chat_message_is_read", phpInt(read)),
		field("chat_message_io", io),
		field("add_time", m.sentAt.In(shanghai).Format(time.DateTime)),
	)
}

func (s *Server) chatMarkAsReaded(who *member, a args) phpObject {
	other := strings.ToUpper(a.str("other_uuid"))
	id := a.int("chat_message_id")
	n := 0
	mark := func(m *message) {
		if m.to == who.uuid && m.from == other && !m.read {
			m.read = true
			n++
		}
	}
	if id == 0 {
		for _, m := range s.messages {
			mark(m)
		}
	} else if id <= int64(len(s.messages)) {
		mark(s.messages[id-1])
	}
	return ok(field("readed_num", n))
}

func (s *Server) chatGetAllChatList(who *member, a args) phpObject {
	var latest []*message // one per conversation, newest first
	seen := map[string]bool{}
	for i := len(s.messages) - 1; i >= 0; i-- {
		m := s.messages[i]
		other := m.to
		switch who.uuid {
		case m.from:
		case m.to:
			other = m.from
		default:
			continue
		}
		if !seen[other] {
			seen[other] = true
			latest = append(latest, m)
		}
	}
	page, per := int(a.int("page")), int(a.int("perpage"))
	start := min((page-1)*per, len(latest))
	end := min(start+per, len(latest))
	list := make([]any, 0, end-start)
	for _, m := range latest[start:end] {
		row := s.item(who.uuid, m, false)
		other, _ := row.get("chat_message_to_uuid")
		user := phpObject{}
		if om := s.members[other.(string)]; om != nil {
			user = phpObject{field("username", om.username), field("ext_info", om.ext)}
		}
		list = append(list, append(row, field("user", user)))
	}
	return ok(field("list", list), field("total", phpInt(len(latest))))
}

func (s *Server) chatGetAllUnreadNum(who *member, _ args) phpObject {
	n := 0
	for _, m := range s.messages {
		if m.to == who.uuid && !m.read {
			n++
		}
	}
	return ok(field("unread_num", phpInt(n)))
}
