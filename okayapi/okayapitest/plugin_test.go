package okayapitest

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

func TestHandlePanics(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	handleHello(srv)
	answer := func(*Call) Answer { return OK() }
	for _, c := range []struct {
		name string
		svc  Service
		want string
	}{
		{"empty name", Service{Handler: answer}, `okayapitest: Handle: "" is not a service name like App.Hello.World`},
		{"one part", Service{Name: "Hello", Handler: answer}, `"Hello" is not a service name`},
		{"four parts", Service{Name: "A.B.C.D", Handler: answer}, `"A.B.C.D" is not a service name`},
		{"a space", Service{Name: "App.Hello World.X", Handler: answer}, "is not a service name"},
		{"no handler", Service{Name: "App.Box.Nothing"}, "okayapitest: Handle: service App.Box.Nothing has no Handler"},
		{"taken", Service{Name: "App.Hello.World", Handler: answer}, "okayapitest: Handle: service App.Hello.World is registered already"},
		{"taken, short name", Service{Name: "Hello.World", Handler: answer}, "service App.Hello.World is registered already"},
		{"the core's", Service{Name: "App.User.Login", Handler: answer}, "service App.User.Login is registered already"},
		{"repeated param", Service{Name: "App.Box.Two", Params: []Param{{Name: "n", Type: "int"}, {Name: "n"}}, Handler: answer},
			`okayapitest: Handle: service App.Box.Two: parameter "n" is empty or repeated`},
		{"app_key param", Service{Name: "App.Box.Key", Params: []Param{{Name: "app_key"}}, Handler: answer}, `parameter "app_key"`},
		{"unnamed param", Service{Name: "App.Box.Unnamed", Params: []Param{{Name: "", Type: "int"}}, Handler: answer}, `parameter ""`},
	} {
		func() {
			defer func() { assert.Contains(t, fmt.Sprint(recover()), c.want, c.name) }()
			srv.Handle(c.svc)
		}()
	}
}

// A service registered on a running server is answered from then on, with
// the checks in PhalApi's order before its handler, which sees the checked
// parameters, the member and the server's clock.
func TestHandle(t *testing.T) {
	t.Parallel()
	clock := time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)
	f := newFake(t, WithClock(func() time.Time { clock = clock.Add(time.Second); return clock }))
	ms := f.members(2)
	alice, bob := ms[0], ms[1]
	assert.Equal(t, 404, f.call("App.Probe.Look", alice, nil).Ret, "not yet registered")

	var mu sync.Mutex
	var seen []*Call
	f.srv.Handle(Service{
		Name:  "Probe.Look", // read as App.Probe.Look
		Login: true,
		Params: []Param{
			{Name: "name", Default: "nobody"},
			{Name: "n", Type: "int", Required: true},
			{Name: "items", Type: "list"},
			{Name: "obj", Type: "object"},
			{Name: "mode", Type: "enum", Enum: []string{"a", "b"}, Default: "b"},
		},
		Handler: func(c *Call) Answer {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, c)
			switch c.String("name") {
			case "refuse":
				return Answer{Ret: 403, Msg: "禁止访问"}
			case "fail":
				return Fail(7, "seven")
			case "zero":
				return Answer{}
			}
			other, ok := c.LookupUser(strings.ToLower(bob.UUID))
			return Answer{Data: Object{
				{Key: "service", Value: c.Service},
				{Key: "me", Value: c.User.Username},
				{Key: "other", Value: other.Username},
				{Key: "found", Value: ok},
				{Key: "now", Value: c.Now().Format(time.RFC3339)},
				{Key: "n", Value: c.Int("n")},
				{Key: "items", Value: len(strings.Split(c.String("items"), ","))},
				{Key: "obj", Value: c.Object("obj")},
				{Key: "obj_text", Value: c.String("obj")},
				{Key: "mode", Value: c.String("mode")},
			}}
		},
	})
	assert.Equal(t, 400, f.call("App.Probe.Look", alice, nil).Ret, "n is required")
	assert.Equal(t, 401, f.call("App.Probe.Look", okayapi.Member{}, url.Values{"n": {"1"}}).Ret, "Login")

	r := f.ok("Probe.Look", alice, url.Values{"n": {"5abc"}, "items": {"x,y,z"}, "obj": {`{"a":{},"a":1,"b":[]}`}})
	assert.JSONEq(t, `{"service":"App.Probe.Look","me":"m0","other":"m1","found":true,"now":"2024-02-29T12:00:01Z",
		"n":5,"items":3,"obj":{"a":1,"b":[]},"obj_text":"{\"a\":{},\"a\":1,\"b\":[]}","mode":"b"}`, string(r.Data))
	assert.Equal(t, "V2.5.1 YesApi Probe.Look", r.Msg)

	r = f.call("App.Probe.Look", alice, url.Values{"n": {"1"}, "name": {"refuse"}})
	assert.Equal(t, 403, r.Ret)
	assert.Equal(t, "禁止访问", r.Msg)
	assert.Equal(t, "[]", string(r.Data), "PHP writes the empty data as []")
	r = f.call("App.Probe.Look", alice, url.Values{"n": {"1"}, "name": {"fail"}})
	assert.Equal(t, 200, r.Ret)
	assert.JSONEq(t, `{"err_code":7,"err_msg":"seven"}`, string(r.Data))
	r = f.call("App.Probe.Look", alice, url.Values{"n": {"1"}, "name": {"zero"}})
	assert.Equal(t, 200, r.Ret, "the zero Answer is ret 200")
	assert.Equal(t, "[]", string(r.Data))
	assert.Equal(t, "V2.5.1 YesApi App.Probe.Look", r.Msg)

	reqs := f.srv.Requests()
	last := reqs[len(reqs)-4:]
	assert.Equal(t, []int{200, 403, 200, 200}, []int{last[0].Ret, last[1].Ret, last[2].Ret, last[3].Ret})
	assert.Equal(t, []int{0, 0, 7, 0}, []int{last[0].ErrCode, last[1].ErrCode, last[2].ErrCode, last[3].ErrCode})

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 4, "the handler saw only the calls that passed the checks")
	first := seen[0]
	assert.Equal(t, alice.UUID, first.User.UUID)
	assert.Equal(t, "m0", first.User.Username)
	assert.Empty(t, first.String("nothing"), "not a parameter")
	assert.Equal(t, int64(0), first.Int("name"), "not an int")
	assert.Nil(t, seen[1].Object("obj"), "absent")
	assert.Empty(t, seen[1].String("items"), "absent")
	assert.Equal(t, "nobody", seen[0].String("name"), "the default")
	assert.Equal(t, "x,y,z", first.String("items"))
	ext := first.User.ExtInfo
	require.NotEmpty(t, ext)
	ext[0].Value = "changed"
	u, ok := first.LookupUser(alice.UUID)
	require.True(t, ok)
	assert.NotEqual(t, "changed", u.ExtInfo[0].Value, "the profile is a copy")
	_, ok = first.LookupUser(strings.Repeat("0", 32))
	assert.False(t, ok)
}

// A service without Login sees the zero User, even when the call carries a
// member's uuid and token.
func TestHandleWithoutLogin(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	alice := f.members(1)[0]
	var got User
	f.srv.Handle(Service{Name: "App.Open.Door", Handler: func(c *Call) Answer { got = c.User; return OK() }})
	f.ok("App.Open.Door", alice, nil)
	assert.Equal(t, User{}, got)
	f.ok("App.Open.Door", okayapi.NewMember(alice.UUID, "wrong"), nil)
}

// Handlers run without the server's lock: one may call the server's
// methods, and a slow one does not hold up other calls.
func TestHandlerRunsUnlocked(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	alice := f.members(1)[0]
	release := make(chan struct{})
	f.srv.Handle(Service{Name: "App.Slow.Wait", Handler: func(c *Call) Answer {
		<-release
		return OK()
	}})
	f.srv.Handle(Service{Name: "App.Inside.Server", Handler: func(c *Call) Answer {
		m := f.srv.AddMember(Account{})
		f.srv.ExpireToken(m.UUID)
		_ = f.srv.Requests()
		return OK(Field{Key: "uuid", Value: m.UUID})
	}})
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.ok("App.Slow.Wait", okayapi.Member{}, nil)
	}()
	f.ok("App.Inside.Server", okayapi.Member{}, nil)
	f.ok(svcCount, alice, nil)
	close(release)
	<-done
}
