package chatmsgtest_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

func TestPluginNotInstalled(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.plugin.SetInstalled(false)
	ms := f.members(2)
	alice, bob := ms[0], ms[1]
	for service, params := range map[string]url.Values{
		svcSend:     to(bob.UUID, text("hi")),
		svcMulti:    to(bob.UUID, text("hi")),
		svcTake:     {"other_uuid": {bob.UUID}},
		svcMark:     {"other_uuid": {bob.UUID}},
		svcChatList: nil,
		svcUnread:   nil,
	} {
		r := f.call(service, alice, params)
		require.Equal(t, 200, r.Ret, service)
		var d struct {
			ErrCode int    `json:"err_code"`
			ErrMsg  string `json:"err_msg"`
		}
		r.into(t, &d)
		assert.Equal(t, 9, d.ErrCode, service)
		assert.Equal(t, "插件未安装", d.ErrMsg, service)
	}
	// The framework's checks come first.
	assert.Equal(t, 400, f.call(svcSend, alice, text("no recipient")).Ret)
	assert.Equal(t, 401, f.call(svcUnread, okayapi.Member{}, nil).Ret)
	// Other services are not the plugin's.
	f.ok("App.User.Login", okayapi.Member{}, url.Values{"username": {"m0"}, "password": {md5hex("pw")}})
	assert.Empty(t, f.plugin.Messages())

	f.plugin.SetInstalled(true)
	f.ok(svcSend, alice, to(bob.UUID, text("now")))
	f.plugin.SetInstalled(false)
	assert.Equal(t, 9, f.call(svcUnread, bob, nil).code(t))
	assert.Len(t, f.plugin.Messages(), 1)
}

func TestTakeMessageListPaging(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(3)
	alice, bob, carol := ms[0], ms[1], ms[2]
	for i := 1; i <= 10; i++ {
		switch {
		case i%3 == 0:
			f.ok(svcSend, carol, to(alice.UUID, text("c"+strconv.Itoa(i))))
		case i%2 == 1:
			f.ok(svcSend, alice, to(bob.UUID, text("a"+strconv.Itoa(i))))
		default:
			f.ok(svcSend, bob, to(alice.UUID, text("b"+strconv.Itoa(i))))
		}
	}
	// The alice–bob conversation holds ids 1, 2, 4, 5, 7, 8, 10.
	cases := []struct {
		name   string
		params url.Values
		want   []int64
	}{
		{"defaults", url.Values{}, []int64{1, 2, 4, 5, 7, 8, 10}},
		{"down from the newest", url.Values{"perpage": {"3"}}, []int64{7, 8, 10}},
		{"down explicit", url.Values{"direction": {"down"}, "last_id": {"0"}, "perpage": {"3"}}, []int64{7, 8, 10}},
		{"down after 4", url.Values{"last_id": {"4"}, "perpage": {"2"}}, []int64{5, 7}},
		{"down after 3 (not in the conversation)", url.Values{"last_id": {"3"}, "perpage": {"2"}}, []int64{4, 5}},
		{"down after the newest", url.Values{"last_id": {"10"}}, []int64{}},
		{"up before 7", url.Values{"direction": {"up"}, "last_id": {"7"}, "perpage": {"2"}}, []int64{4, 5}},
		{"up before 2", url.Values{"direction": {"up"}, "last_id": {"2"}, "perpage": {"5"}}, []int64{1}},
		{"up before 1", url.Values{"direction": {"up"}, "last_id": {"1"}}, []int64{}},
		{"up from the newest", url.Values{"direction": {"up"}, "perpage": {"2"}}, []int64{8, 10}},
		{"up before 100", url.Values{"direction": {"up"}, "last_id": {"100"}, "perpage": {"1"}}, []int64{10}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.params.Set("other_uuid", bob.UUID)
			var l wireList
			f.ok(svcTake, alice, c.params).into(t, &l)
			assert.Equal(t, c.want, ids(l.List))
		})
	}

	t.Run("each side", func(t *testing.T) {
		t.Parallel()
		var l wireList
		f.ok(svcTake, alice, url.Values{"other_uuid": {bob.UUID}, "perpage": {"2"}, "last_id": {"0"}, "direction": {"up"}}).into(t, &l)
		require.Len(t, l.List, 2)
		assert.Equal(t, wireItem{ID: 8, ToUUID: bob.UUID, Data: map[string]any{"content": "b8"}, Type: "text", IO: "out", AddTime: "2019-08-11 17:12:02"}, l.List[0])
		assert.Equal(t, wireItem{ID: 10, ToUUID: bob.UUID, Data: map[string]any{"content": "b10"}, Type: "text", IO: "out", AddTime: "2019-08-11 17:12:02"}, l.List[1])
		assert.Equal(t, 4, l.UnreadNum, "alice received 2, 4, 8, 10 from bob, all unread")

		f.ok(svcTake, bob, url.Values{"other_uuid": {strings.ToLower(alice.UUID)}, "last_id": {"5"}, "direction": {"up"}, "perpage": {"1"}}).into(t, &l)
		require.Len(t, l.List, 1)
		assert.Equal(t, int64(4), l.List[0].ID)
		assert.Equal(t, alice.UUID, l.List[0].ToUUID, "the other member, whatever the case sent")
		assert.Equal(t, "in", l.List[0].IO, "bob sent 4: in")
		f.ok(svcTake, bob, url.Values{"other_uuid": {alice.UUID}, "last_id": {"2"}, "direction": {"up"}, "perpage": {"1"}}).into(t, &l)
		assert.Equal(t, "out", l.List[0].IO, "bob received 1: out")
		assert.Equal(t, 3, l.UnreadNum, "bob received 1, 5, 7")

		f.ok(svcTake, carol, url.Values{"other_uuid": {bob.UUID}}).into(t, &l)
		assert.Empty(t, l.List)
		f.ok(svcTake, carol, url.Values{"other_uuid": {strings.Repeat("0", 32)}}).into(t, &l)
		assert.Empty(t, l.List, "not a member: an empty conversation")
		r := f.call(svcTake, carol, url.Values{"other_uuid": {carol.UUID}})
		assert.Equal(t, 1, r.code(t), "with yourself")
	})
}

func TestReadAndUnread(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(3)
	alice, bob, carol := ms[0], ms[1], ms[2]
	for _, c := range []struct {
		from okayapi.Member
		to   string
	}{{alice, bob.UUID}, {alice, bob.UUID}, {alice, bob.UUID}, {carol, bob.UUID}, {carol, bob.UUID}, {bob, alice.UUID}} {
		f.ok(svcSend, c.from, to(c.to, text("x")))
	}
	unread := func(who okayapi.Member) int {
		var d struct {
			UnreadNum int `json:"unread_num"`
		}
		f.ok(svcUnread, who, nil).into(t, &d)
		return d.UnreadNum
	}
	mark := func(who okayapi.Member, other string, id string) int {
		p := url.Values{"other_uuid": {other}}
		if id != "" {
			p.Set("chat_message_id", id)
		}
		var d struct {
			ReadedNum int `json:"readed_num"`
		}
		f.ok(svcMark, who, p).into(t, &d)
		return d.ReadedNum
	}
	take := func(who okayapi.Member, other string) wireList {
		var l wireList
		f.ok(svcTake, who, url.Values{"other_uuid": {other}}).into(t, &l)
		return l
	}
	assert.Equal(t, 5, unread(bob))
	assert.Equal(t, 1, unread(alice))
	assert.Equal(t, 0, unread(carol))
	assert.Equal(t, 3, take(bob, alice.UUID).UnreadNum)
	assert.Equal(t, 1, take(alice, bob.UUID).UnreadNum, "only what alice received")

	assert.Equal(t, 1, mark(bob, alice.UUID, "2"))
	assert.Equal(t, 0, mark(bob, alice.UUID, "2"), "already read")
	assert.Equal(t, 0, mark(bob, alice.UUID, "6"), "bob sent 6: not his to mark")
	assert.Equal(t, 0, mark(bob, alice.UUID, "4"), "4 is carol's, not in this conversation")
	assert.Equal(t, 0, mark(bob, alice.UUID, "999"), "no such message")
	assert.Equal(t, 4, unread(bob))

	l := take(bob, alice.UUID)
	assert.Equal(t, 2, l.UnreadNum)
	reads := map[int64]int{}
	for _, it := range l.List {
		reads[it.ID] = it.IsRead
	}
	assert.Equal(t, map[int64]int{1: 0, 2: 1, 3: 0, 6: 0}, reads)
	l = take(alice, bob.UUID)
	assert.Equal(t, 1, l.List[1].IsRead, "alice sees that bob read 2")

	assert.Equal(t, 2, mark(bob, alice.UUID, "0"))
	assert.Equal(t, 0, mark(bob, alice.UUID, ""))
	assert.Equal(t, 2, unread(bob), "carol's two are still unread")
	assert.Equal(t, 1, unread(alice), "marking is per recipient")
	assert.Equal(t, 2, mark(bob, carol.UUID, ""))
	assert.Equal(t, 0, unread(bob))

	var read []bool
	for _, m := range f.plugin.Messages() {
		read = append(read, m.Read)
	}
	assert.Equal(t, []bool{true, true, true, true, true, false}, read)
}

func TestSendAndMultiSend(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	ms := f.members(3)
	alice, bob, carol := ms[0], ms[1], ms[2]
	stranger := strings.Repeat("AB", 16)

	r := f.ok(svcSend, alice, to(strings.ToLower(bob.UUID), text("lower-case uuid")))
	assert.JSONEq(t, `{"err_code":0,"err_msg":""}`, string(r.Data), "no id unless SetSendReturnsID")
	assert.Equal(t, bob.UUID, f.plugin.Messages()[0].To)

	var d struct {
		ErrCode int    `json:"err_code"`
		ErrMsg  string `json:"err_msg"`
		Detail  []struct {
			OtherUUID     string `json:"other_uuid"`
			ChatMessageID int64  `json:"chat_message_id"`
		} `json:"detail"`
	}
	for name, c := range map[string]struct {
		service string
		to      string
		code    int
	}{
		"send to self":         {svcSend, alice.UUID, 1},
		"send to a stranger":   {svcSend, stranger, 2},
		"multi with self":      {svcMulti, bob.UUID + "," + alice.UUID, 1},
		"multi with stranger":  {svcMulti, bob.UUID + "," + stranger, 2},
		"multi with a blank":   {svcMulti, bob.UUID + ",", 2},
		"multi self, stranger": {svcMulti, stranger + "," + alice.UUID, 1},
	} {
		r := f.call(c.service, alice, to(c.to, text("no")))
		require.Equal(t, 200, r.Ret, name)
		r.into(t, &d)
		assert.Equal(t, c.code, d.ErrCode, name)
		assert.NotEmpty(t, d.ErrMsg, name)
	}
	assert.Len(t, f.plugin.Messages(), 1, "refused sends store nothing")

	f.ok(svcMulti, alice, to(carol.UUID+","+bob.UUID, url.Values{"chat_message_type": {"image"}, "chat_message_data": {`{"url":"https://x.test/a.png"}`}})).into(t, &d)
	require.Len(t, d.Detail, 2)
	assert.Equal(t, carol.UUID, d.Detail[0].OtherUUID)
	assert.Equal(t, int64(2), d.Detail[0].ChatMessageID)
	assert.Equal(t, bob.UUID, d.Detail[1].OtherUUID)
	assert.Equal(t, int64(3), d.Detail[1].ChatMessageID)
	msgs := f.plugin.Messages()
	require.Len(t, msgs, 3)
	assert.Equal(t, []string{carol.UUID, bob.UUID}, []string{msgs[1].To, msgs[2].To})
	assert.Equal(t, "image", msgs[2].Type)

	many := make([]string, 200)
	for i := range many {
		many[i] = carol.UUID
	}
	f.ok(svcMulti, bob, to(strings.Join(many, ","), text("200"))).into(t, &d)
	assert.Len(t, d.Detail, 200)
	assert.Len(t, f.plugin.Messages(), 203)

	// chat_message_type defaults to text.
	f.ok(svcSend, alice, url.Values{"other_uuid": {bob.UUID}, "chat_message_data": {`{"content":"typeless"}`}})
	assert.Equal(t, "text", f.plugin.Messages()[203].Type)

	g := newFake(t)
	g.plugin.SetSendReturnsID(true)
	gm := g.members(2)
	g.ok(svcSend, gm[0], to(gm[1].UUID, text("a")))
	r = g.ok(svcSend, gm[0], to(gm[1].UUID, text("b")))
	assert.JSONEq(t, `{"err_code":0,"err_msg":"","chat_message_id":2}`, string(r.Data))
}

func TestGetAllChatList(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	alice := f.srv.AddMember(okayapitest.Account{Username: "alice", Nickname: "Alice"})
	bob := f.srv.AddMember(okayapitest.Account{Username: "bob", Nickname: "Bobby", Avatar: "https://x.test/b.png", Age: 31,
		Extra: map[string]any{"city": "杭州", "vip": true, "age": 32}})
	carol := f.srv.AddMember(okayapitest.Account{Username: "carol"})
	dave := f.srv.AddMember(okayapitest.Account{Username: "dave"})
	f.ok(svcSend, bob, to(alice.UUID, text("1")))
	f.ok(svcSend, alice, to(carol.UUID, text("2")))
	f.ok(svcSend, dave, to(alice.UUID, text("3")))
	f.ok(svcSend, bob, to(alice.UUID, text("4")))
	f.ok(svcMark, alice, url.Values{"other_uuid": {bob.UUID}})

	var l wireList
	f.ok(svcChatList, alice, nil).into(t, &l)
	assert.Equal(t, 3, l.Total)
	require.Len(t, l.List, 3)
	assert.Equal(t, []string{bob.UUID, dave.UUID, carol.UUID}, []string{l.List[0].ToUUID, l.List[1].ToUUID, l.List[2].ToUUID}, "newest first")
	first := l.List[0]
	assert.Equal(t, int64(0), first.ID, "no id in the chat list")
	assert.Equal(t, map[string]any{"content": "4"}, first.Data)
	assert.Equal(t, "out", first.IO)
	assert.Equal(t, 1, first.IsRead)
	require.NotNil(t, first.User)
	assert.Equal(t, "bob", first.User.Username)
	assert.Equal(t, map[string]any{"yesapi_avatar": "https://x.test/b.png", "nickname": "Bobby", "age": float64(32), "city": "杭州", "vip": true}, first.User.ExtInfo, "Extra overrides")
	assert.Equal(t, "in", l.List[2].IO)
	assert.Equal(t, 0, l.List[1].IsRead)
	assert.Equal(t, "carol", l.List[2].User.Username)

	f.ok(svcChatList, alice, url.Values{"page": {"2"}, "perpage": {"2"}}).into(t, &l)
	assert.Equal(t, 3, l.Total)
	require.Len(t, l.List, 1)
	assert.Equal(t, carol.UUID, l.List[0].ToUUID)
	f.ok(svcChatList, alice, url.Values{"page": {"3"}, "perpage": {"2"}}).into(t, &l)
	assert.Equal(t, 3, l.Total)
	assert.Empty(t, l.List)

	f.ok(svcChatList, carol, nil).into(t, &l)
	assert.Equal(t, 1, l.Total)
	assert.Equal(t, alice.UUID, l.List[0].ToUUID)
	assert.Equal(t, map[string]any{"yesapi_avatar": "", "nickname": "Alice", "age": float64(0)}, l.List[0].User.ExtInfo)
}

func TestQuirksJSON(t *testing.T) {
	t.Parallel()
	content := `中文 😀 a/b "q" \ <tag> & é` + "\n"
	type scene struct {
		f                *fake
		alice, bob, dave okayapi.Member
	}
	// first stores the same first message on a fake with quirks on or
	// off; second the rest.
	first := func(quirks bool) scene {
		f := newFake(t, okayapitest.WithQuirks(quirks))
		s := scene{f: f,
			alice: f.srv.AddMember(okayapitest.Account{Username: "alice", Nickname: "爱丽丝", Avatar: "https://img.example.com/a.png", Age: 18}),
			bob:   f.srv.AddMember(okayapitest.Account{Username: "bob/b"}),
		}
		s.dave = f.members(1)[0]
		f.ok("App.User.Register", okayapi.Member{}, url.Values{"username": {"plain"}, "password": {md5hex("pw")}})
		f.ok(svcSend, s.alice, to(s.bob.UUID, text(content)))
		return s
	}
	second := func(s scene) {
		f := s.f
		// Empty objects as [], sequential keys as a list, PHP floats.
		f.ok(svcSend, s.alice, to(s.bob.UUID, url.Values{"chat_message_type": {"custom"},
			"chat_message_data": {`{"empty":{},"list":{"0":"a","1":"b"},"map":{"1":"a"},"f":1.50,"i":10.0,"big":1e25,"n":-0,"t":true,"z":null}`}}))
		f.ok(svcSend, s.alice, to(s.bob.UUID, url.Values{"chat_message_type": {"custom"}, "chat_message_data": {`{}`}}))
		f.ok(svcSend, s.dave, to(s.alice.UUID, text("hi")))
		plain := f.ok("App.User.Login", okayapi.Member{}, url.Values{"username": {"plain"}, "password": {md5hex("pw")}})
		var login struct{ UUID, Token string }
		plain.into(t, &login)
		f.ok(svcSend, okayapi.NewMember(login.UUID, login.Token), to(s.bob.UUID, text("hi")))
	}

	const wantContent = `"\u4e2d\u6587 \ud83d\ude00 a\/b \"q\" \\ <tag> & \u00e9\n"`
	want := func(s scene, id, read, unread string) string {
		return `{"ret":200,"data":{"err_code":0,"err_msg":"","list":[{"id":` + id + `,"chat_message_to_uuid":"` + s.alice.UUID +
			`","chat_message_data":{"content":` + wantContent + `},"chat_message_type":"text","chat_message_is_read":` + read +
			`,"chat_message_io":"out","add_time":"2019-08-11 17:12:02"}],"unread_num":` + unread +
			`},"msg":"V2.5.1 YesApi App.Market_ChatMessage.TakeMessageList"`
	}

	off := first(false)
	r := off.f.ok(svcTake, off.bob, url.Values{"other_uuid": {off.alice.UUID}})
	assert.Equal(t, want(off, "1", "0", "1")+"}", string(r.Body), "quirks off")

	on := first(true)
	f, alice, bob, dave := on.f, on.alice, on.bob, on.dave
	r = f.ok(svcTake, bob, url.Values{"other_uuid": {alice.UUID}})
	body := string(r.Body)
	assert.True(t, strings.HasPrefix(body, want(on, `"1"`, `"0"`, `"1"`)+`,"debug":{`), body)
	assert.NotContains(t, body, f.srv.Secret())
	assert.NotContains(t, body, bob.Token())

	second(off)
	second(on)
	r = f.ok(svcTake, bob, url.Values{"other_uuid": {alice.UUID}, "last_id": {"1"}})
	assert.Contains(t, string(r.Body), `"chat_message_data":{"empty":[],"list":["a","b"],"map":{"1":"a"},"f":1.5,"i":10,"big":1.0e+25,"n":0,"t":true,"z":null}`)
	assert.Contains(t, string(r.Body), `"chat_message_data":[],"chat_message_type":"custom"`)
	assert.Contains(t, string(r.Body), `"unread_num":"3"`)
	msgs := f.plugin.Messages()
	assert.Equal(t, `{}`, string(msgs[2].Data), "stored as received")

	// Profiles: age as a string, empty ext_info as [].
	r = f.ok(svcChatList, bob, nil)
	assert.Contains(t, string(r.Body), `"user":{"username":"plain","ext_info":[]}`)
	assert.Contains(t, string(r.Body), `"user":{"username":"alice","ext_info":{"yesapi_avatar":"https:\/\/img.example.com\/a.png","nickname":"\u7231\u4e3d\u4e1d","age":"18"}}`)
	assert.Contains(t, string(r.Body), `"total":"2"`)
	r = f.ok(svcUnread, alice, nil)
	assert.Contains(t, string(r.Body), `"data":{"err_code":0,"err_msg":"","unread_num":"1"}`)
	r = f.ok(svcMark, alice, url.Values{"other_uuid": {dave.UUID}})
	assert.Contains(t, string(r.Body), `"data":{"err_code":0,"err_msg":"","readed_num":1}`)

	// Refusals: data is [] with quirks on.
	r = f.call(svcUnread, okayapi.Member{}, nil)
	assert.True(t, strings.HasPrefix(string(r.Body), `{"ret":401,"data":[],"msg":"\u7528\u6237\u672a\u767b\u5f55\uff0c\u6216\u767b\u5f55\u51ed\u8bc1\u5df2\u8fc7\u671f","debug":`), string(r.Body))

	r = off.f.ok(svcChatList, off.bob, nil)
	assert.Contains(t, string(r.Body), `"user":{"username":"plain","ext_info":{}}`)
	assert.Contains(t, string(r.Body), `"age":18`)
	assert.Contains(t, string(r.Body), `"total":2}`)
	assert.NotContains(t, string(r.Body), `"debug"`)
	r = off.f.call(svcUnread, okayapi.Member{}, nil)
	assert.Equal(t, `{"ret":401,"data":{},"msg":"\u7528\u6237\u672a\u767b\u5f55\uff0c\u6216\u767b\u5f55\u51ed\u8bc1\u5df2\u8fc7\u671f"}`, string(r.Body))
}
