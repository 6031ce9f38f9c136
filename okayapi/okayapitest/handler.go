package okayapitest

import (
	"context"
	"crypto/subtle"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/okayapi-go/sdk/sign"
)

const (
	phalapiVersion = "2.5.1"
	maxFormSize    = 10 << 20
	stallLimit     = 30 * time.Second
	// defaultService is what PhalApi calls when a request names none.
	defaultService = "App.Site.Index"
)

const nginx502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
	"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

const phpFatal = "PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) " +
	"in /www/wwwroot/okayapi/vendor/phalapi/kernal/src/Response.php on line 42\n"

// answer is the envelope the framework produced for one call.
type answer struct {
	ret     int
	msg     string
	data    phpObject // nil for a refusal: written as an empty object
	errCode int
}

func refuse(ret int, msg string) answer { return answer{ret: ret, msg: msg} }

// serveHTTP answers one call like the hosted service.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if s.cfg.control && strings.HasPrefix(r.URL.Path, controlPrefix) {
		s.serveControl(w, r)
		return
	}
	query := r.URL.Query()
	// PHP fills $_POST from urlencoded and multipart bodies and ignores
	// what it cannot parse; so does the fake.
	_ = r.ParseMultipartForm(maxFormSize)
	params := mergeParams(query, r.PostForm)
	service := resolveService(params, r.URL.Path)
	rec := RecordedRequest{Method: r.Method, Path: r.URL.Path, Query: query, Form: params, Service: service}
	rec.Fault = s.takeFault(service)

	// Each branch records the request before the client can see anything,
	// so that a test that got its answer (or error) finds it in Requests.
	switch rec.Fault {
	case FaultHTML502:
		rec.Status = http.StatusBadGateway
		s.record(rec)
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Server", "nginx")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, nginx502)
		return
	case FaultNonJSON:
		rec.Status = http.StatusOK
		s.record(rec)
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, phpFatal)
		return
	case FaultRedirect307:
		rec.Status = http.StatusTemporaryRedirect
		s.record(rec)
		s.redirect(w, http.StatusTemporaryRedirect)
		return
	case FaultStall:
		s.stalled.Add(1)
		s.record(rec)
		timer := time.NewTimer(stallLimit)
		defer timer.Stop()
		select {
		case <-r.Context().Done():
		case <-s.done:
		case <-timer.C:
		}
		// The handler is done stalling; what is left is closing the connection.
		s.stalled.Add(-1)
		dropConnection(w)
		return
	}

	a, quirks := s.process(service, params)
	body := envelope(a, quirks)
	rec.Ret, rec.ErrCode = a.ret, a.errCode
	switch rec.Fault {
	case FaultException500:
		// PHP with display_errors off: the response has not been started,
		// so the status becomes 500 and nothing is written.
		rec.Status = http.StatusInternalServerError
		s.record(rec)
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusInternalServerError)
		return
	case FaultExceptionRet0, FaultExceptionDB:
		body = exceptionEnvelope(rec.Fault, quirks)
	case FaultStoreThenRedirect:
		rec.Status = http.StatusFound
		s.record(rec)
		s.redirect(w, http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	switch rec.Fault {
	case FaultDropAfter:
		s.record(rec)
		dropConnection(w)
	case FaultTruncate:
		rec.Status = http.StatusOK
		s.record(rec)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body[:len(body)/2])
		_ = http.NewResponseController(w).Flush()
		dropConnection(w)
	default:
		rec.Status = http.StatusOK
		s.record(rec)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}
}

// redirect answers status (a 3xx) with an nginx page and the configured
// Location.
func (s *Server) redirect(w http.ResponseWriter, status int) {
	text := strconv.Itoa(status) + " " + http.StatusText(status)
	page := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n" +
		"<center><h1>" + text + "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	w.Header().Set("Location", s.cfg.redirectTo)
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Server", "nginx")
	w.Header().Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, page)
}

// dropConnection closes the client's connection without (more of) an answer.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // aborts the response without logging
	}
	_ = conn.Close()
}

func (s *Server) record(rec RecordedRequest) {
	s.mu.Lock()
	s.keepRequest(rec)
	s.mu.Unlock()
	if s.cfg.log == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", rec.Method),
		slog.String("service", rec.Service),
		slog.Int("status", rec.Status),
		slog.Int("ret", rec.Ret),
		slog.Int("err_code", rec.ErrCode),
	}
	if rec.Fault != 0 {
		attrs = append(attrs, slog.String("fault", rec.Fault.String()))
	}
	s.cfg.log.LogAttrs(context.Background(), slog.LevelInfo, "okayapitest call", attrs...)
}

// mergeParams builds what PHP's $_REQUEST holds: one value per name (the
// last one, as PHP keeps for repeated fields), the body's over the query's.
func mergeParams(query, body url.Values) url.Values {
	out := make(url.Values, len(query)+len(body))
	for _, src := range []url.Values{query, body} {
		for k, vs := range src {
			if len(vs) > 0 {
				out[k] = []string{vs[len(vs)-1]}
			}
		}
	}
	return out
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

// canonical names a service with its namespace: PhalApi reads Class.Action
// as App.Class.Action.
func canonical(service string) string {
	if strings.Count(service, ".") == 1 {
		return "App." + service
	}
	return service
}

// process runs the framework's checks and the service, under the lock.
func (s *Server) process(service string, p url.Values) (answer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.call(service, p), s.quirks
}

// appKeyRule is the common parameter every call declares first: the
// reference lists HTTP_APPKEY as a required string of at least 32 characters.
var appKeyRule = param{name: "app_key", kind: kindString, required: true, min: 32, hasMin: true}

// call runs a request through PhalApi 2's steps and then the service; s.mu
// must be held. The order follows PhalApi 2's source (it is not verified
// against the hosted service):
//
//  1. ApiFactory resolves the service: unknown, ret 404.
//  2. Api::init() → createMemberValue(): the parameter rules, the common
//     app_key first, then the call's own in their declared order: ret 400.
//  3. filterCheck(), OkayAPI's filter: an app_key that is not this app's,
//     ret 406; then the signature for the sign mode, ret 400.
//  4. userCheck(): the member's uuid and token, ret 401.
//  5. The plugin's own check: not installed, ret 200 with err_code 9.
func (s *Server) call(service string, p url.Values) answer {
	name := service
	if name == "" {
		name = defaultService
	}
	api, ok := apis[canonical(name)]
	if !ok {
		return refuse(404, "非法请求：服务"+name+"不存在")
	}
	a, msg := checkParams(append([]param{appKeyRule}, api.params...), p)
	if msg != "" {
		return refuse(400, msg)
	}
	if p.Get("app_key") != s.cfg.appKey {
		return refuse(406, "客户端非法请求：非法app_key，请核对你所在的接口域名")
	}
	if !s.signed(p) {
		return refuse(400, "非法请求：签名错误")
	}
	var who *member
	if api.login {
		if who = s.loggedIn(p); who == nil {
			return refuse(401, "用户未登录，或登录凭证已过期")
		}
	}
	var data phpObject
	if api.plugin && !s.plugin {
		data = fail(9, "插件未安装")
	} else {
		data = api.run(s, who, a)
	}
	code, _ := data.get("err_code")
	n, _ := code.(int)
	return answer{ret: 200, msg: "V" + phalapiVersion + " YesApi " + name, data: data, errCode: n}
}

// signed checks the signature for the app's mode. The comparison is exact
// (upper-case hex), as PhalApi's filter compares strings.
func (s *Server) signed(p url.Values) bool {
	got := p.Get("sign")
	var want string
	switch s.cfg.sign {
	case SignNone:
		return true
	case SignStatic:
		want = s.cfg.staticSign
	default:
		want = sign.Compute(p, s.cfg.secret) // sign itself is left out
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// loggedIn returns the member whose uuid and token the call carries, if the
// token is valid; s.mu must be held.
func (s *Server) loggedIn(p url.Values) *member {
	m := s.members[strings.ToUpper(p.Get("uuid"))]
	if m == nil {
		return nil
	}
	if token := p.Get("token"); token == "" || !m.tokens[token] {
		return nil
	}
	return m
}

// envelope writes {"ret":…,"data":…,"msg":…} (and, with quirks, "debug").
func envelope(a answer, quirks bool) []byte {
	data := a.data
	if data == nil {
		data = phpObject{}
	}
	env := phpObject{{Key: "ret", Value: a.ret}, {Key: "data", Value: data}, {Key: "msg", Value: a.msg}}
	if quirks {
		env = append(env, phpField{Key: "debug", Value: debugInfo(nil)})
	}
	return phpEncode(env, quirks)
}

// debugInfo is PhalApi's debug field: the exception's trace, if any, then
// the tracer's stack, the SQL statements and the version.
func debugInfo(trace []any) phpObject {
	var d phpObject
	if trace != nil {
		d = append(d, phpField{Key: "exception", Value: trace})
	}
	return append(d,
		phpField{Key: "stack", Value: []any{
			"[#1 - 0ms - PHALAPI_INIT]/www/wwwroot/okayapi/public/index.php(6)",
			"[#2 - 1.2ms - PHALAPI_RESPONSE]/www/wwwroot/okayapi/vendor/phalapi/kernal/src/PhalApi.php(46)",
			"[#3 - 1.3ms - PHALAPI_FINISH]/www/wwwroot/okayapi/vendor/phalapi/kernal/src/PhalApi.php(74)",
		}},
		phpField{Key: "sqls", Value: []any{}},
		phpField{Key: "version", Value: phalapiVersion},
	)
}

// Uncaught exceptions as PhalApi answers them in debug mode.
const (
	redisErrorMsg = "read error on connection to 127.0.0.1:6379"
	pdoSQLState   = "HY000"
	pdoErrorMsg   = "SQLSTATE[HY000]: General error: 1205 Lock wait timeout exceeded; try restarting transaction"
)

// exceptionEnvelope is what PhalApi's response() answers, in debug mode, for
// an exception it did not expect (not a PhalApi\Exception): ret is the
// exception's getCode(), msg its getMessage(), data is left empty, and
// debug holds the trace (getTrace(), without arguments) and the stack.
func exceptionEnvelope(f Fault, quirks bool) []byte {
	var ret any = 0
	msg := redisErrorMsg
	frame := phpObject{
		{Key: "file", Value: "/www/wwwroot/okayapi/src/app/Domain/Market/ChatMessage.php"},
		{Key: "line", Value: 88},
		{Key: "function", Value: "incr"},
		{Key: "class", Value: "Redis"},
		{Key: "type", Value: "->"},
	}
	if f == FaultExceptionDB {
		ret, msg = pdoSQLState, pdoErrorMsg // PDOException::getCode() is the SQLSTATE, a string
		frame = phpObject{
			{Key: "file", Value: "/www/wwwroot/okayapi/vendor/phalapi/notorm/src/NotORM/Result.php"},
			{Key: "line", Value: 249},
			{Key: "function", Value: "execute"},
			{Key: "class", Value: "PDOStatement"},
			{Key: "type", Value: "->"},
		}
	}
	trace := []any{frame, phpObject{
		{Key: "file", Value: "/www/wwwroot/okayapi/vendor/phalapi/kernal/src/PhalApi.php"},
		{Key: "line", Value: 52},
		{Key: "function", Value: "call_user_func"},
	}}
	env := phpObject{
		{Key: "ret", Value: ret},
		{Key: "data", Value: phpObject{}},
		{Key: "msg", Value: msg},
		{Key: "debug", Value: debugInfo(trace)},
	}
	return phpEncode(env, quirks)
}

// Parameter rules, PhalApi style.

type paramKind int

const (
	kindString     paramKind = iota // min/max bound the length in bytes
	kindInt                         // min/max bound the value; read like PHP's intval
	kindEnum                        // one of enum
	kindJSONObject                  // a JSON object
	kindList                        // comma-separated; min/max bound the count
)

type param struct {
	name     string
	kind     paramKind
	required bool
	def      string // used when the parameter is absent or empty
	min, max int64  // 0 max: no upper bound
	hasMin   bool
	enum     []string
}

// args are a call's parameters after the rules: string, int64, []string or jsonArg.
type args map[string]any

type jsonArg struct {
	raw   []byte
	value phpObject
}

func (a args) str(name string) string      { s, _ := a[name].(string); return s }
func (a args) int(name string) int64       { n, _ := a[name].(int64); return n }
func (a args) list(name string) []string   { l, _ := a[name].([]string); return l }
func (a args) object(name string) *jsonArg { j, _ := a[name].(*jsonArg); return j }

// checkParams applies the rules in order and returns the first violation
// as PhalApi words it.
func checkParams(rules []param, p url.Values) (args, string) {
	a := args{}
	for _, r := range rules {
		v := p.Get(r.name)
		if v == "" {
			if r.def == "" {
				if r.required {
					return nil, "客户端非法请求：缺少必要参数" + r.name
				}
				continue
			}
			v = r.def
		}
		switch r.kind {
		case kindString:
			n := int64(len(v))
			if r.hasMin && n < r.min {
				return nil, "非法请求：" + r.name + "的长度不能小于" + itoa(r.min)
			}
			if r.max > 0 && n > r.max {
				return nil, "非法请求：" + r.name + "的长度不能大于" + itoa(r.max)
			}
			a[r.name] = v
		case kindInt:
			n := intval(v)
			if r.hasMin && n < r.min {
				return nil, "非法请求：参数" + r.name + "的值不能小于" + itoa(r.min)
			}
			if r.max > 0 && n > r.max {
				return nil, "非法请求：参数" + r.name + "的值不能大于" + itoa(r.max)
			}
			a[r.name] = n
		case kindEnum:
			if !slices.Contains(r.enum, v) {
				return nil, "非法请求：参数" + r.name + "应该为：" + strings.Join(r.enum, "/") + "，但现在" + r.name + " = " + v
			}
			a[r.name] = v
		case kindJSONObject:
			val, err := phpDecode([]byte(v))
			obj, isObj := val.(phpObject)
			if err != nil || !isObj {
				return nil, "非法请求：参数" + r.name + "应该是JSON格式的对象"
			}
			a[r.name] = &jsonArg{raw: []byte(v), value: obj}
		case kindList:
			items := strings.Split(v, ",")
			n := int64(len(items))
			if r.hasMin && n < r.min {
				return nil, "非法请求：" + r.name + "的个数不能小于" + itoa(r.min)
			}
			if r.max > 0 && n > r.max {
				return nil, "非法请求：" + r.name + "的个数不能大于" + itoa(r.max)
			}
			a[r.name] = items
		}
	}
	return a, ""
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// intval reads an integer as PHP's intval does: leading white space, a sign
// and digits; anything else stops it, and no digits read as 0.
func intval(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n int64
	for i := 0; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		d := int64(s[i] - '0')
		if n > (1<<63-1-d)/10 {
			if neg {
				return -1 << 63
			}
			return 1<<63 - 1
		}
		n = n*10 + d
	}
	if neg {
		return -n
	}
	return n
}
