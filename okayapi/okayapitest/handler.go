package okayapitest

import (
	"crypto/subtle"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	phalapiVersion = "2.5.1"
	maxFormSize    = 10 << 20
	stallLimit     = 30 * time.Second
	// defaultService is what PhalApi calls when a request names none.
	defaultService = "App.Site.Index"
)

// serveHTTP answers one call like the hosted service.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if s.cfg.control && strings.HasPrefix(r.URL.Path, controlPrefix) {
		s.serveControl(w, r)
		return
	}
	query := r.URL.Query()
	// PHP fills $_POST from urlencoded and multipart bodies and ignores
	// what it cannot parse; so does the fake, rewriting names as PHP does.
	php := phpRequest(r)
	params := php.values()
	service := resolveService(params, r.URL.Path)
	rec := RecordedRequest{Method: r.Method, Path: r.URL.Path, Query: query, Form: params, Service: service}
	rec.Fault = s.takeFault(service)

	x := &exchange{s: s, w: w, r: r, rec: rec, php: php}
	k, _ := rec.Fault.kind() // checked by InjectFault
	if k.run == runFirst {
		x.a, x.quirks = s.process(service, php)
		x.rec.Processed = true
		x.rec.Ret, x.rec.ErrCode = x.a.Ret, x.a.errCode()
	}
	k.answer(x, k)
}

// exchange is one call being answered.
type exchange struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	rec    RecordedRequest
	php    phpParams
	a      Answer // the call's own answer, if it ran first
	quirks bool
}

// record records the request, answered with status (0: none), before the
// client can see anything, so that a test that got its answer (or error)
// finds it in Requests; it returns the request's number.
func (x *exchange) record(status int) uint64 {
	x.rec.Status = status
	return x.s.record(x.rec)
}

// answerEnvelope answers the call's envelope: no fault.
func answerEnvelope(x *exchange, k faultKind) {
	x.writeJSON(k.status, envelope(x.a, x.quirks))
}

// writeJSON records the request and answers body as JSON.
func (x *exchange) writeJSON(status int, body []byte) {
	x.record(status)
	x.w.Header().Set("Content-Type", "application/json;charset=utf-8")
	x.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	x.w.WriteHeader(status)
	_, _ = x.w.Write(body)
}

// answerException answers the exception PhalApi reports in debug mode.
func answerException(x *exchange, k faultKind) {
	x.writeJSON(k.status, exceptionEnvelope(x.rec.Fault, x.rec.Service, x.quirks))
}

// answerNginxPage answers the fault's status with nginx's page.
func answerNginxPage(x *exchange, k faultKind) {
	x.record(k.status)
	answerNginx(x.w, k.status)
}

// answerRetryAfter answers nginx's page with a Retry-After header.
func answerRetryAfter(x *exchange, k faultKind) {
	x.w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	answerNginxPage(x, k)
}

// answerDrop closes the connection without an answer: after the call
// (drop-after) or before it (reset-before), which the client cannot tell
// apart.
func answerDrop(x *exchange, _ faultKind) {
	x.record(0)
	dropConnection(x.w)
}

// answerStall stalls, then closes the connection without an answer.
func answerStall(x *exchange, _ faultKind) {
	x.s.stall(x.r, func() { x.record(0) })
	dropConnection(x.w) // what is left after stalling
}

// answerTruncated sends half of the envelope under a Content-Length for
// all of it, and closes the connection.
func answerTruncated(x *exchange, k faultKind) {
	body := envelope(x.a, x.quirks)
	x.record(k.status)
	x.w.Header().Set("Content-Type", "application/json;charset=utf-8")
	x.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	x.w.WriteHeader(k.status)
	_, _ = x.w.Write(body[:len(body)/2])
	_ = http.NewResponseController(x.w).Flush()
	dropConnection(x.w)
}

// answerPHPFatal answers HTTP 200 with a PHP error text.
func answerPHPFatal(x *exchange, k faultKind) {
	x.record(k.status)
	x.w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	x.w.WriteHeader(k.status)
	writeAll(x.w, phpFatal)
}

// answerEmpty500 is PHP with display_errors off after an uncaught
// exception: the response has not been started, so the status becomes 500
// and nothing is written.
func answerEmpty500(x *exchange, k faultKind) {
	x.record(k.status)
	x.w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	x.w.Header().Set("Content-Length", "0")
	x.w.WriteHeader(k.status)
}

// answerRedirect answers the fault's 3xx with the configured Location.
func answerRedirect(x *exchange, k faultKind) {
	x.record(k.status)
	x.s.redirect(x.w, k.status)
}

// answerEarly answers an early gateway fault at once and leaves the call
// to the backend, which runs it the backend delay later (unless the server
// is closed first). The request is recorded as processed before the
// answer; its Ret and ErrCode are filled in when the backend has run it.
func answerEarly(x *exchange, k faultKind) {
	s := x.s
	x.rec.Processed = true
	seq := x.record(k.status)
	s.mu.Lock()
	s.backendCalls++
	s.mu.Unlock()
	go func(service string, params phpParams) {
		defer func() {
			s.mu.Lock()
			if s.backendCalls--; s.backendCalls == 0 {
				s.backendIdle.Broadcast()
			}
			s.mu.Unlock()
		}()
		timer := time.NewTimer(s.cfg.backendDelay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-s.done:
			return // the backend went down with the server
		}
		a, _ := s.process(service, params)
		s.setResult(seq, a.Ret, a.errCode())
	}(x.rec.Service, x.php)
	answerNginx(x.w, k.status)
}

// Drain waits until the backend has run every call that an early gateway
// fault (502-early, 503-early, 504-early) answered before
// running it. A test calls it before counting what was stored.
func (s *Server) Drain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.backendCalls > 0 {
		s.backendIdle.Wait()
	}
}

// resolveService finds the service as PhalApi does: the service parameter,
// then s, then the path form /api/App/Class/Action.
func resolveService(p url.Values, path string) string {
	if v := p.Get("service"); v != "" {
		return v
	}
	if v := p.Get("s"); v != "" {
		return v
	}
	rest, ok := strings.CutPrefix(path, "/api/")
	if !ok {
		return ""
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	if len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
		return ""
	}
	return strings.Join(parts, ".")
}

// process runs a request through PhalApi 2's steps and then the service's
// handler, and says whether quirks are on. The order follows PhalApi 2's
// source (it is not verified against the hosted service):
//
//  1. ApiFactory resolves the service: unknown, ret 404.
//  2. Api::init() → createMemberValue(): the parameter rules, the common
//     app_key first, then the service's own in their declared order: ret 400.
//  3. filterCheck(), OkayAPI's filter: an app_key that is not this app's,
//     ret 406; then the signature for the sign mode, ret 400.
//  4. userCheck(): the member's uuid and token, ret 401.
//  5. The service itself (the handler), without the server's lock.
func (s *Server) process(service string, p phpParams) (Answer, bool) {
	name := service
	if name == "" {
		name = defaultService
	}
	svc, c, refusal := s.check(name, p)
	var a Answer
	if refusal != nil {
		a = *refusal
	} else {
		a = svc.handler(c)
		if a.Ret == 0 {
			a.Ret = 200
		}
		if a.Ret == 200 && a.Msg == "" {
			a.Msg = "V" + phalapiVersion + " YesApi " + name
		}
	}
	return a, s.cfg.quirks
}

// check runs steps 1 to 4 of process under the lock: it returns the
// service and the call for its handler, or the refusal.
func (s *Server) check(name string, php phpParams) (*service, *Call, *Answer) {
	p := php.values()
	refuse := func(ret int, msg string) (*service, *Call, *Answer) {
		return nil, nil, &Answer{Ret: ret, Msg: msg}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	svc := s.services[canonical(name)]
	if svc == nil {
		return refuse(404, "非法请求：服务"+name+"不存在")
	}
	a, msg := checkParams(svc.rules, p)
	if msg != "" {
		return refuse(400, msg)
	}
	if p.Get("app_key") != s.cfg.appKey {
		return refuse(406, "客户端非法请求：非法app_key，请核对你所在的接口域名")
	}
	if !s.signed(php) {
		return refuse(400, "非法请求：签名错误")
	}
	c := &Call{srv: s, Service: canonical(name), args: a}
	if svc.login {
		who := s.loggedIn(p.Get("uuid"), p.Get("token"))
		if who == nil {
			return refuse(401, "用户未登录，或登录凭证已过期")
		}
		c.User = who.user()
	}
	return svc, c, nil
}

// signed checks the signature for the app's mode. The comparison is exact
// (upper-case hex), as PhalApi's filter compares strings.
func (s *Server) signed(p phpParams) bool {
	got := p.values().Get("sign")
	var want string
	switch s.cfg.sign {
	case signNone:
		return true
	case signStatic:
		want = s.cfg.staticSign
	default:
		want = phpSign(p, s.cfg.secret) // sign itself is left out
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// envelope writes {"ret":…,"data":…,"msg":…} (and, with quirks, "debug").
func envelope(a Answer, quirks bool) []byte {
	data := a.Data
	if data == nil {
		data = Object{}
	}
	env := Object{{Key: "ret", Value: a.Ret}, {Key: "data", Value: data}, {Key: "msg", Value: a.Msg}}
	if quirks {
		env = append(env, Field{Key: "debug", Value: debugInfo(nil)})
	}
	return phpEncode(env, quirks)
}

// debugInfo is PhalApi's debug field: the exception's trace, if any, then
// the tracer's stack, the SQL statements and the version.
func debugInfo(trace []any) Object {
	var d Object
	if trace != nil {
		d = append(d, Field{Key: "exception", Value: trace})
	}
	return append(d,
		Field{Key: "stack", Value: []any{
			"[#1 - 0ms - PHALAPI_INIT]/www/wwwroot/okayapi/public/index.php(6)",
			"[#2 - 1.2ms - PHALAPI_RESPONSE]/www/wwwroot/okayapi/vendor/phalapi/kernal/src/PhalApi.php(46)",
			"[#3 - 1.3ms - PHALAPI_FINISH]/www/wwwroot/okayapi/vendor/phalapi/kernal/src/PhalApi.php(74)",
		}},
		Field{Key: "sqls", Value: []any{}},
		Field{Key: "version", Value: phalapiVersion},
	)
}

// writeAll writes s after the headers, ignoring a client that went away.
func writeAll(w http.ResponseWriter, s string) { _, _ = io.WriteString(w, s) }
