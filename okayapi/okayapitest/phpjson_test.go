package okayapitest

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

func TestQuirksJSON(t *testing.T) {
	t.Parallel()
	content := `中文 😀 a/b "q" \ <tag> & é` + "\n"
	type scene struct {
		f          *fake
		alice, bob okayapi.Member
		plain      string // the uuid of a member with an empty profile
	}
	// setUp makes the same members and first message on a fake with
	// quirks on or off.
	setUp := func(quirks bool) scene {
		f := newFake(t, WithQuirks(quirks))
		s := scene{f: f,
			alice: f.srv.AddMember(Account{Username: "alice", Nickname: "爱丽丝", Avatar: "https://img.example.com/a.png", Age: 18}),
			bob:   f.srv.AddMember(Account{Username: "bob/b"}),
		}
		f.ok("App.User.Register", okayapi.Member{}, url.Values{"username": {"plain"}, "password": {md5hex("pw")}})
		var login struct{ UUID, Token string }
		f.ok("App.User.Login", okayapi.Member{}, url.Values{"username": {"plain"}, "password": {md5hex("pw")}}).into(t, &login)
		s.plain = login.UUID
		f.ok(svcPut, s.alice, to(s.bob.UUID, text(content)))
		return s
	}

	const wantContent = `"\u4e2d\u6587 \ud83d\ude00 a\/b \"q\" \\ <tag> & \u00e9\n"`
	want := func(id, total string) string {
		return `{"ret":200,"data":{"err_code":0,"err_msg":"","list":[{"id":` + id + `,"data":{"content":` + wantContent +
			`},"type":"text"}],"total":` + total + `},"msg":"V2.5.1 YesApi App.Test_Box.List"`
	}
	off := setUp(false)
	r := off.f.ok(svcList, off.bob, nil)
	assert.Equal(t, want("1", "1")+"}", string(r.Body), "quirks off")

	on := setUp(true)
	f, alice, bob := on.f, on.alice, on.bob
	r = f.ok(svcList, bob, nil)
	body := string(r.Body)
	assert.True(t, strings.HasPrefix(body, want(`"1"`, `"1"`)+`,"debug":{`), body)
	assert.NotContains(t, body, f.srv.Secret())
	assert.NotContains(t, body, bob.Token())

	// Empty objects as [], sequential keys as a list, PHP floats; what was
	// received is kept as received.
	f.ok(svcPut, alice, to(bob.UUID, url.Values{"data": {`{"empty":{},"list":{"0":"a","1":"b"},"map":{"1":"a"},"f":1.50,"i":10.0,"big":1e25,"n":-0,"t":true,"z":null}`}}))
	f.ok(svcPut, alice, to(bob.UUID, url.Values{"data": {`{}`}}))
	r = f.ok(svcList, bob, nil)
	assert.Contains(t, string(r.Body), `"data":{"empty":[],"list":["a","b"],"map":{"1":"a"},"f":1.5,"i":10,"big":1.0e+25,"n":0,"t":true,"z":null}`)
	assert.Contains(t, string(r.Body), `"data":[],"type":"text"`)
	assert.Contains(t, string(r.Body), `"total":"3"`)
	assert.Equal(t, `{}`, f.box.all()[2].raw, "kept as received")

	// Profiles: age as a string, an empty ext_info as [].
	r = f.ok(svcWhois, bob, url.Values{"other_uuid": {on.plain}})
	assert.Contains(t, string(r.Body), `"user":{"username":"plain","ext_info":[]}`)
	r = f.ok(svcWhois, bob, url.Values{"other_uuid": {alice.UUID}})
	assert.Contains(t, string(r.Body), `"user":{"username":"alice","ext_info":{"yesapi_avatar":"https:\/\/img.example.com\/a.png","nickname":"\u7231\u4e3d\u4e1d","age":"18"}}`)
	r = f.ok(svcCount, alice, nil)
	assert.Contains(t, string(r.Body), `"data":{"err_code":0,"err_msg":"","count":"0"}`)

	// Refusals: data is [] with quirks on.
	r = f.call(svcCount, okayapi.Member{}, nil)
	assert.True(t, strings.HasPrefix(string(r.Body), `{"ret":401,"data":[],"msg":"\u7528\u6237\u672a\u767b\u5f55\uff0c\u6216\u767b\u5f55\u51ed\u8bc1\u5df2\u8fc7\u671f","debug":`), string(r.Body))

	r = off.f.ok(svcWhois, off.bob, url.Values{"other_uuid": {off.plain}})
	assert.Contains(t, string(r.Body), `"user":{"username":"plain","ext_info":{}}`)
	r = off.f.ok(svcWhois, off.bob, url.Values{"other_uuid": {off.alice.UUID}})
	assert.Contains(t, string(r.Body), `"age":18`)
	assert.NotContains(t, string(r.Body), `"debug"`)
	r = off.f.call(svcCount, okayapi.Member{}, nil)
	assert.Equal(t, `{"ret":401,"data":{},"msg":"\u7528\u6237\u672a\u767b\u5f55\uff0c\u6216\u767b\u5f55\u51ed\u8bc1\u5df2\u8fc7\u671f"}`, string(r.Body))
}

func TestPHPEncode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in           any
		plain, quirk string
	}{
		{"a/b\"\\\b\f\n\r\t\x01\x7f<>&'", `"a\/b\"\\\b\f\n\r\t\u0001` + "\x7f" + `<>&'"`, ""},
		{"é中😀", `"\u00e9\u4e2d\ud83d\ude00"`, ""},
		{"\xff", `"\ufffd"`, ""},
		{DBInt(12), `12`, `"12"`},
		{-3, `-3`, ""},
		{int64(-4), `-4`, ""},
		{2.5, `2.5`, ""},
		{float64(3), `3`, ""},
		{Object{}, `{}`, `[]`},
		{[]any{}, `[]`, ""},
		{Object{{"0", 1}, {"1", DBInt(2)}}, `{"0":1,"1":2}`, `[1,"2"]`},
		{Object{{"1", 1}}, `{"1":1}`, ""},
		{Object{{"b", nil}, {"a", false}}, `{"b":null,"a":false}`, ""},
		{phpNumber("1.50"), `1.5`, ""},
		{phpNumber("10.0"), `10`, ""}, // PHP writes 1.0 as 1 (no JSON_PRESERVE_ZERO_FRACTION)
		{phpNumber("1.0"), `1`, ""},
		{phpNumber("-2.0"), `-2`, ""},
		{phpNumber("100"), `100`, ""},
		{phpNumber("-0"), `0`, ""},
		{phpNumber("1e25"), `1.0e+25`, ""},
		{phpNumber("1.5e-7"), `1.5e-7`, ""},
		{phpNumber("0.001"), `0.001`, ""},
		{phpNumber("12345678901234567890"), `1.2345678901234567e+19`, ""},
	}
	for _, c := range cases {
		quirk := c.quirk
		if quirk == "" {
			quirk = c.plain
		}
		assert.Equal(t, c.plain, string(phpEncode(c.in, false)), "%#v", c.in)
		assert.Equal(t, quirk, string(phpEncode(c.in, true)), "%#v quirks", c.in)
	}
	assert.Panics(t, func() { phpEncode(struct{}{}, false) })
}

func TestPHPDecode(t *testing.T) {
	t.Parallel()
	v, err := phpDecode([]byte(` {"b":1,"a":[true,null,"x"],"b":2} `))
	require.NoError(t, err)
	assert.Equal(t, Object{{"b", phpNumber("2")}, {"a", []any{true, nil, "x"}}}, v, "a repeated key keeps its place and its last value")
	for _, bad := range []string{``, `{`, `{"a":1}{}`, `{"a":1,}`, "{\"a\":\"\xff\"}", `{a:1}`, `nul`} {
		_, err := phpDecode([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func TestIntval(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{
		"12": 12, " 12": 12, "12abc": 12, "abc": 0, "": 0, "-5": -5, "+7": 7,
		"99999999999999999999": 1<<63 - 1, "-99999999999999999999": -1 << 63,
	} {
		assert.Equal(t, want, intval(in), in)
	}
}
