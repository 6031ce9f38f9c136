package chatmsgtest

import (
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// The plugin's services, as the reference names them.
const (
	serviceSend            = "App.Market_ChatMessage.Send"
	serviceMultiSend       = "App.Market_ChatMessage.MultiSend"
	serviceTakeMessageList = "App.Market_ChatMessage.TakeMessageList"
	serviceMarkAsReaded    = "App.Market_ChatMessage.MarkAsReaded"
	serviceGetAllChatList  = "App.Market_ChatMessage.GetAllChatList"
	serviceGetAllUnreadNum = "App.Market_ChatMessage.GetAllUnreadNum"
)

// services are the six calls with the reference's parameter rules, each
// needing a logged-in member.
func (p *Plugin) services() []okayapitest.Service {
	var (
		otherUUID   = okayapitest.Param{Name: "other_uuid", Required: true, Min: "32", Max: "32"}
		messageType = okayapitest.Param{Name: "chat_message_type", Type: "enum", Enum: []string{"text", "html", "image", "link", "custom"},
			Required: true, Default: "text"}
		messageData = okayapitest.Param{Name: "chat_message_data", Type: "object", Required: true}
		perPage     = okayapitest.Param{Name: "perpage", Type: "int", Default: "20", Min: "1", Max: "100"}
	)
	services := []okayapitest.Service{
		{Name: serviceSend, Params: []okayapitest.Param{otherUUID, messageType, messageData}, Handler: p.guard(p.send)},
		{Name: serviceMultiSend, Params: []okayapitest.Param{
			{Name: "other_uuid", Type: "list", Required: true, Min: "1", Max: "200"}, messageType, messageData,
		}, Handler: p.guard(p.multiSend)},
		{Name: serviceTakeMessageList, Params: []okayapitest.Param{
			otherUUID,
			{Name: "last_id", Type: "int", Default: "0", Min: "0"},
			{Name: "direction", Type: "enum", Enum: []string{"up", "down"}, Default: "down"},
			perPage,
		}, Handler: p.guard(p.takeMessageList)},
		{Name: serviceMarkAsReaded, Params: []okayapitest.Param{
			otherUUID, {Name: "chat_message_id", Type: "int", Default: "0", Min: "0"},
		}, Handler: p.guard(p.markAsReaded)},
		{Name: serviceGetAllChatList, Params: []okayapitest.Param{
			{Name: "page", Type: "int", Default: "1", Min: "1", Max: "100"}, perPage,
		}, Handler: p.guard(p.getAllChatList)},
		{Name: serviceGetAllUnreadNum, Handler: p.guard(p.getAllUnreadNum)},
	}
	for i := range services {
		services[i].Login = true
	}
	return services
}

// guard runs a call under the plugin's lock, as the member making it, if
// the plugin is installed.
func (p *Plugin) guard(run func(c *okayapitest.Call, me string) okayapitest.Answer) func(*okayapitest.Call) okayapitest.Answer {
	return func(c *okayapitest.Call) okayapitest.Answer {
		p.mu.Lock()
		defer p.mu.Unlock()
		if !p.installed {
			return okayapitest.Fail(9, "插件未安装")
		}
		return run(c, c.User.UUID)
	}
}

func field(key string, v any) okayapitest.Field { return okayapitest.Field{Key: key, Value: v} }

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*60*60) // no tz database; China has no DST
	}
	return loc
}()

// store keeps a new message; p.mu must be held.
func (p *Plugin) store(c *okayapitest.Call, from, to string) *message {
	m := &message{
		id: int64(len(p.messages) + 1), from: from, to: to, typ: c.String("chat_message_type"),
		raw: c.String("chat_message_data"), data: c.Object("chat_message_data"), sentAt: c.Now(),
	}
	p.messages = append(p.messages, m)
	return m
}

func (p *Plugin) send(c *okayapitest.Call, me string) okayapitest.Answer {
	to := strings.ToUpper(c.String("other_uuid"))
	if to == me {
		return okayapitest.Fail(1, "不能给自己发送私信")
	}
	if _, ok := c.LookupUser(to); !ok {
		return okayapitest.Fail(2, "发送失败")
	}
	m := p.store(c, me, to)
	if p.sendID {
		return okayapitest.OK(field("chat_message_id", okayapitest.DBInt(m.id)))
	}
	return okayapitest.OK()
}

func (p *Plugin) multiSend(c *okayapitest.Call, me string) okayapitest.Answer {
	given := strings.Split(c.String("other_uuid"), ",")
	to := make([]string, len(given))
	for i, u := range given {
		to[i] = strings.ToUpper(u)
		if to[i] == me {
			return okayapitest.Fail(1, "不能给自己发送私信")
		}
	}
	for _, u := range to {
		if _, ok := c.LookupUser(u); !ok {
			return okayapitest.Fail(2, "发送失败")
		}
	}
	detail := make([]any, 0, len(to))
	for i, u := range to {
		m := p.store(c, me, u)
		detail = append(detail, okayapitest.Object{field("other_uuid", given[i]), field("chat_message_id", okayapitest.DBInt(m.id))})
	}
	return okayapitest.OK(field("detail", detail))
}

// visible returns the messages a read sees, by id ascending: those stored
// at least the world's Lag ago, by the server's clock; p.mu must be held.
func (p *Plugin) visible(c *okayapitest.Call) []*message {
	if p.world.Lag <= 0 {
		return p.messages
	}
	now := c.Now()
	out := make([]*message, 0, len(p.messages))
	for _, m := range p.messages {
		if !now.Before(m.sentAt.Add(p.world.Lag)) {
			out = append(out, m)
		}
	}
	return out
}

// perPage is how many rows a page holds: what the call asked for, unless
// the world ignores it.
func (p *Plugin) perPage(c *okayapitest.Call) int {
	if p.world.PerPage > 0 {
		return p.world.PerPage
	}
	return int(c.Int("perpage"))
}

// addTime is a message's add_time as the service writes it, to the second.
func addTime(m *message) string { return m.sentAt.In(shanghai).Format(time.DateTime) }

// shuffleTies puts the runs of rows with the same key (rows in key order)
// in a random order, as MySQL orders rows that ORDER BY cannot tell apart.
func shuffleTies[T any](rows []T, key func(T) string) {
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && key(rows[j]) == key(rows[i]) {
			j++
		}
		run := rows[i:j]
		rand.Shuffle(len(run), func(a, b int) { run[a], run[b] = run[b], run[a] })
		i = j
	}
}

// conversation returns the messages between two members among msgs, by id
// ascending.
func conversation(msgs []*message, a, b string) []*message {
	var out []*message
	for _, m := range msgs {
		if m.from == a && m.to == b || m.from == b && m.to == a {
			out = append(out, m)
		}
	}
	return out
}

func (p *Plugin) takeMessageList(c *okayapitest.Call, me string) okayapitest.Answer {
	other := strings.ToUpper(c.String("other_uuid"))
	if other == me {
		return okayapitest.Fail(1, "不能和自己聊天")
	}
	conv := conversation(p.visible(c), me, other)
	lastID, per := c.Int("last_id"), p.perPage(c)
	var page []*message
	switch {
	case c.String("direction") == "down" && lastID > 0: // the first ones after last_id
		for _, m := range conv {
			if m.id > lastID && len(page) < per {
				page = append(page, m)
			}
		}
	case c.String("direction") == "up" && lastID > 0: // the last ones before last_id
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
	if p.world.ShuffleTies { // ORDER BY add_time, with no tie-breaker
		page = slices.Clone(page)
		slices.SortStableFunc(page, func(a, b *message) int { return strings.Compare(addTime(a), addTime(b)) })
		shuffleTies(page, addTime)
	}
	list := make([]any, 0, len(page))
	for _, m := range page {
		list = append(list, item(me, m, true))
	}
	unread := 0
	for _, m := range conv {
		if m.to == me && !m.read {
			unread++
		}
	}
	return okayapitest.OK(field("list", list), field("unread_num", okayapitest.DBInt(unread)))
}

// item is a message as the viewer sees it in a list.
func item(viewer string, m *message, withID bool) okayapitest.Object {
	other, io := m.to, "in" // the reference: in = sent by me
	if m.to == viewer {
		other, io = m.from, "out"
	}
	read := 0
	if m.read {
		read = 1
	}
	o := make(okayapitest.Object, 0, 8)
	if withID {
		o = append(o, field("id", okayapitest.DBInt(m.id)))
	}
	return append(o,
		field("chat_message_to_uuid", other),
		field("chat_message_data", m.data),
		field("chat_message_type", m.typ),
		field("chat_message_is_read", okayapitest.DBInt(read)),
		field("chat_message_io", io),
		field("add_time", addTime(m)),
	)
}

func (p *Plugin) markAsReaded(c *okayapitest.Call, me string) okayapitest.Answer {
	other := strings.ToUpper(c.String("other_uuid"))
	id := c.Int("chat_message_id")
	n := 0
	mark := func(m *message) {
		if m.to == me && m.from == other && !m.read {
			m.read = true
			n++
		}
	}
	if id == 0 {
		for _, m := range p.messages {
			mark(m)
		}
	} else if id <= int64(len(p.messages)) {
		mark(p.messages[id-1])
	}
	return okayapitest.OK(field("readed_num", n))
}

func (p *Plugin) getAllChatList(c *okayapitest.Call, me string) okayapitest.Answer {
	type chat struct {
		other  string
		latest *message
	}
	var chats []chat // one per conversation, newest first
	seen := map[string]bool{}
	msgs := p.visible(c)
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		other := m.to
		switch me {
		case m.from:
		case m.to:
			other = m.from
		default:
			continue
		}
		if !seen[other] {
			seen[other] = true
			chats = append(chats, chat{other, m})
		}
	}
	if p.world.ShuffleTies { // ORDER BY add_time DESC, with no tie-breaker
		key := func(ch chat) string { return addTime(ch.latest) }
		slices.SortStableFunc(chats, func(a, b chat) int { return strings.Compare(key(b), key(a)) })
		shuffleTies(chats, key)
	}
	if p.world.ShiftPages && len(chats) > 1 { // each read moves the last row to the top
		p.shifts[me]++
		k := p.shifts[me] % len(chats)
		chats = append(chats[len(chats)-k:], chats[:len(chats)-k]...)
	}
	page, per := int(c.Int("page")), p.perPage(c)
	start := min((page-1)*per, len(chats))
	end := min(start+per, len(chats))
	list := make([]any, 0, end-start)
	for _, ch := range chats[start:end] {
		user := okayapitest.Object{}
		if u, ok := c.LookupUser(ch.other); ok {
			user = okayapitest.Object{field("username", u.Username), field("ext_info", u.ExtInfo)}
		}
		list = append(list, append(item(me, ch.latest, false), field("user", user)))
	}
	return okayapitest.OK(field("list", list), field("total", okayapitest.DBInt(len(chats))))
}

func (p *Plugin) getAllUnreadNum(c *okayapitest.Call, me string) okayapitest.Answer {
	n := 0
	for _, m := range p.visible(c) {
		if m.to == me && !m.read {
			n++
		}
	}
	return okayapitest.OK(field("unread_num", okayapitest.DBInt(n)))
}
