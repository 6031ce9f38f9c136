package okayapitest

import (
	"fmt"
	"strings"
	"time"
)

// Service is a service the fake app answers, registered with Handle: the
// way a fake for an OkayAPI plugin joins the server.
//
// The server checks a call in PhalApi's order before Handler sees it: the
// service name (ret 404), the app_key rule and then Params in their order
// (ret 400), the app key and the signature (ret 406, 400), and, if Login is
// set, the member's uuid and token (ret 401).
type Service struct {
	// Name is the service, e.g. "App.Hello.World". "Class.Action" is read
	// as "App.Class.Action", as PhalApi reads it.
	Name string
	// Params are the service's own parameter rules, checked in order.
	Params []Param
	// Login says the call needs a logged-in member (uuid and token).
	Login bool
	// Handler answers a call that passed the checks. Handlers run
	// concurrently, without the server's lock: a handler guards its own
	// state, and may call the Server's methods.
	Handler func(*Call) Answer
}

// Handle registers svc on the running server; calls to it are answered from
// then on. It panics if the name is not Class.Action or
// Namespace.Class.Action (letters, digits, underscores), is registered
// already (App.User.Login and App.User.Register are), if a parameter rule
// cannot be read, if two parameters share a name, or if Handler is nil:
// each is a mistake in the test.
func (s *Server) Handle(svc Service) {
	if !validServiceName(svc.Name) {
		panic(fmt.Sprintf("okayapitest: Handle: %q is not a service name like App.Hello.World", svc.Name))
	}
	if svc.Handler == nil {
		panic(fmt.Sprintf("okayapitest: Handle: service %s has no Handler", svc.Name))
	}
	seen := map[string]bool{appKeyRule.name: true}
	rules := []rule{appKeyRule}
	for _, p := range svc.Params {
		if p.Name == "" || seen[p.Name] {
			panic(fmt.Sprintf("okayapitest: Handle: service %s: parameter %q is empty or repeated (app_key is common to every call)", svc.Name, p.Name))
		}
		seen[p.Name] = true
		r, err := p.rule()
		if err != nil {
			panic(fmt.Sprintf("okayapitest: Handle: service %s: %v", svc.Name, err))
		}
		rules = append(rules, r)
	}
	name := canonical(svc.Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.services[name] != nil {
		panic(fmt.Sprintf("okayapitest: Handle: service %s is registered already", name))
	}
	s.services[name] = &service{rules: rules, login: svc.Login, handler: svc.Handler}
}

// service is a registered Service, its rules read.
type service struct {
	rules   []rule // app_key's first
	login   bool
	handler func(*Call) Answer
}

// validServiceName reports whether name looks like a service: Class.Action
// or Namespace.Class.Action, each part letters, digits and underscores.
func validServiceName(name string) bool {
	parts := strings.Split(name, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.IndexFunc(p, func(r rune) bool {
			return !(r == '_' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
		}) >= 0 {
			return false
		}
	}
	return true
}

// canonical names a service with its namespace: PhalApi reads Class.Action
// as App.Class.Action.
func canonical(service string) string {
	if strings.Count(service, ".") == 1 {
		return "App." + service
	}
	return service
}

// Call is one call to a registered service, after the server's checks.
type Call struct {
	// Service is the service's canonical name, e.g. "App.Hello.World".
	Service string
	// User is the logged-in member making the call, or the zero User for
	// a service without Login.
	User User

	srv  *Server
	args args
}

// LookupUser returns the member with this uuid (case does not matter, as
// in MySQL), if there is one.
func (c *Call) LookupUser(uuid string) (User, bool) { return c.srv.lookupUser(uuid) }

// Now reads the server's clock (see WithClock).
func (c *Call) Now() time.Time {
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	return c.srv.cfg.now()
}

// String returns a parameter's value as received, or its default, or "" if
// it has neither. For an "object" it is the JSON text exactly as received,
// and a "list" is its items joined by commas, as received.
func (c *Call) String(name string) string { return c.args[name].text }

// Int returns an "int" parameter's value, as PHP's intval read it.
func (c *Call) Int(name string) int64 { return c.args[name].n }

// Object returns an "object" parameter's value as PHP's json_decode read
// it (a repeated key keeps its first place and its last value; numbers are
// written back as PHP would), or nil if it was absent. Put it in an answer
// to send it back as PHP would.
func (c *Call) Object(name string) Object { return c.args[name].object }

// Answer is what a service's Handler answers: the envelope's ret, msg and
// data. OK and Fail make a plugin's answers; Answer{Ret: 401, Msg: "…"}
// refuses a call as the framework does, with empty data.
type Answer struct {
	Ret  int    // 0 is 200
	Msg  string // for ret 200, "" is PhalApi's "V2.5.1 YesApi <service>"
	Data Object // nil is an empty object
}

// OK answers a plugin's success: ret 200 with data {"err_code":0,
// "err_msg":"", fields…}.
func OK(fields ...Field) Answer {
	return Answer{Data: append(Object{{Key: "err_code", Value: 0}, {Key: "err_msg", Value: ""}}, fields...)}
}

// Fail answers a plugin's refusal: ret 200 with data {"err_code":code,
// "err_msg":msg}. The server records code as the request's ErrCode.
func Fail(code int, msg string) Answer {
	return Answer{Data: Object{{Key: "err_code", Value: code}, {Key: "err_msg", Value: msg}}}
}

// errCode is data.err_code if it is an integer, else 0.
func (a Answer) errCode() int {
	v, _ := a.Data.get("err_code")
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case DBInt:
		return int(n)
	}
	return 0
}
