package okayapitest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Fault names a way for a call to misbehave; see [Server.InjectFault]. The
// faults are these, by name (GET on the control endpoint lists them too):
//
//	html502              HTTP 502 with an nginx page; the call is not run
//	drop-after           the call is run (a message IS stored), then the connection is closed unanswered
//	stall                no answer until the client gives up (at most 30s); the call is not run
//	truncate             the call is run, then half of the answer is sent and the connection is closed
//	non-json             HTTP 200 with a PHP error text; the call is not run
//	exception            the call is run, then an uncaught PHP exception: HTTP 500, empty body (debug off)
//	exception-ret0       the call is run, then an uncaught exception with debug on: HTTP 200, ret 0, a trace
//	exception-db         the same for a database error: ret "HY000" (a JSON string), msg "SQLSTATE[HY000]: …"
//	redirect307          HTTP 307 to the redirect location; the call is not run
//	store-then-redirect  the call is run (a message IS stored), then HTTP 302 to the redirect location
//	reset-before         the connection is closed unanswered before the call is run (what drop-after shows)
//	503-after            the call is run (a message IS stored), then HTTP 503 with an nginx page
//	504-after            the call is run (a message IS stored), then HTTP 504 with an nginx page
//	429                  HTTP 429 Too Many Requests, no Retry-After; the call is not run
//	429-retry-after      HTTP 429 with Retry-After: 1; the call is not run
//	502-early            HTTP 502 at once; the backend runs the call (a message IS stored) the backend delay later
//	503-early            HTTP 503 at once; the backend runs the call the backend delay later
//	504-early            HTTP 504 at once; the backend runs the call the backend delay later
//
// A fault that runs the call runs it exactly as without the fault (a
// service that stores something stores it, unless the call is refused)
// and then spoils the answer. The early gateway faults answer at once and
// run the call later, as a gateway that gives up while the backend goes on
// working (see WithBackendDelay and Server.Drain). Whatever the client was
// told, Requests (RecordedRequest.Processed and WorkDone) and the
// service's own state show what the call did. The redirect location is
// WithRedirectLocation's; the exceptions are those PhalApi answers for a
// Redis error (ret 0) and a PDOException ("HY000").
//
// Names are matched in any case; any other is refused: InjectFault
// panics, listing these.
type Fault string

// runWhen is when a fault lets the call run.
type runWhen int

const (
	runFirst runWhen = iota // the call runs, then the fault spoils its answer
	runNever                // the fault answers (or not) instead: nothing is done
	runLater                // the fault answers at once; the backend runs the call later
)

// faultKind is everything about one Fault: its entry in faultKinds is the
// one place a fault is declared (the list in Fault's doc is checked
// against it by a test).
type faultKind struct {
	name   Fault   // the name (InjectFault, the control endpoint, fakeserver -fault)
	doc    string  // one line, for help texts
	run    runWhen // whether and when the call runs
	status int     // the HTTP status answered; 0 for none (the connection is dropped)
	// answer answers the exchange, recording it (x.record) before the
	// client can see anything.
	answer func(x *exchange, k faultKind)
}

// noFault answers the envelope: a call without a fault.
var noFault = faultKind{status: http.StatusOK, answer: answerEnvelope}

// faultKinds are the faults, in the order Faults lists them.
var faultKinds = []faultKind{
	{name: "html502", doc: "HTTP 502 with an nginx page; the call is not run",
		run: runNever, status: http.StatusBadGateway, answer: answerNginxPage},
	{name: "drop-after", doc: "the call is run (a message IS stored), then the connection is closed unanswered",
		answer: answerDrop},
	{name: "stall", doc: "no answer until the client gives up (at most 30s); the call is not run",
		run: runNever, answer: answerStall},
	{name: "truncate", doc: "the call is run, then half of the answer is sent and the connection is closed",
		status: http.StatusOK, answer: answerTruncated},
	{name: "non-json", doc: "HTTP 200 with a PHP error text; the call is not run",
		run: runNever, status: http.StatusOK, answer: answerPHPFatal},
	{name: "exception", doc: "the call is run, then an uncaught PHP exception: HTTP 500, empty body (debug off)",
		status: http.StatusInternalServerError, answer: answerEmpty500},
	{name: "exception-ret0", doc: "the call is run, then an uncaught exception with debug on: HTTP 200, ret 0, a trace",
		status: http.StatusOK, answer: answerException},
	{name: "exception-db", doc: `the same for a database error: ret "HY000" (a JSON string), msg "SQLSTATE[HY000]: …"`,
		status: http.StatusOK, answer: answerException},
	{name: "redirect307", doc: "HTTP 307 to the redirect location; the call is not run",
		run: runNever, status: http.StatusTemporaryRedirect, answer: answerRedirect},
	{name: "store-then-redirect", doc: "the call is run (a message IS stored), then HTTP 302 to the redirect location",
		status: http.StatusFound, answer: answerRedirect},
	{name: "reset-before", doc: "the connection is closed unanswered before the call is run (what drop-after shows)",
		run: runNever, answer: answerDrop},
	{name: "503-after", doc: "the call is run (a message IS stored), then HTTP 503 with an nginx page",
		status: http.StatusServiceUnavailable, answer: answerNginxPage},
	{name: "504-after", doc: "the call is run (a message IS stored), then HTTP 504 with an nginx page",
		status: http.StatusGatewayTimeout, answer: answerNginxPage},
	{name: "429", doc: "HTTP 429 Too Many Requests, no Retry-After; the call is not run",
		run: runNever, status: http.StatusTooManyRequests, answer: answerNginxPage},
	{name: "429-retry-after", doc: "HTTP 429 with Retry-After: 1; the call is not run",
		run: runNever, status: http.StatusTooManyRequests, answer: answerRetryAfter},
	{name: "502-early", doc: "HTTP 502 at once; the backend runs the call (a message IS stored) the backend delay later",
		run: runLater, status: http.StatusBadGateway, answer: answerEarly},
	{name: "503-early", doc: "HTTP 503 at once; the backend runs the call the backend delay later",
		run: runLater, status: http.StatusServiceUnavailable, answer: answerEarly},
	{name: "504-early", doc: "HTTP 504 at once; the backend runs the call the backend delay later",
		run: runLater, status: http.StatusGatewayTimeout, answer: answerEarly},
}

// Faults returns the name of every fault, in the order of Fault's list.
func Faults() []Fault {
	out := make([]Fault, len(faultKinds))
	for i, k := range faultKinds {
		out[i] = k.name
	}
	return out
}

// kind returns f's entry in faultKinds: noFault for "", and false for a
// name that is no fault. The name is matched in any case.
func (f Fault) kind() (faultKind, bool) {
	if f == "" {
		return noFault, true
	}
	for _, k := range faultKinds {
		if strings.EqualFold(string(k.name), string(f)) {
			return k, true
		}
	}
	return faultKind{}, false
}

// faultNames lists the names for error messages: "html502, …, 503-early
// or 504-early".
func faultNames() string {
	var b strings.Builder
	for i, k := range faultKinds {
		switch {
		case i == len(faultKinds)-1:
			b.WriteString(" or ")
		case i > 0:
			b.WriteString(", ")
		}
		b.WriteString(string(k.name))
	}
	return b.String()
}

type pendingFault struct {
	service string // canonical service, or "" for any
	fault   Fault
	left    int
}

// InjectFault makes the next n calls to service (e.g.
// "App.Market_ChatMessage.Send"; "" for any service) misbehave with f, e.g.
// srv.InjectFault("", "drop-after", 1). Calls to other services are not
// affected and do not count; faults injected earlier are used up first.
// It panics if f is no fault (the message lists the faults), service is
// not a service name or n is less than 1: each is a mistake in the test.
func (s *Server) InjectFault(service string, f Fault, n int) {
	k, ok := f.kind()
	if !ok || f == "" {
		panic(fmt.Sprintf("okayapitest: InjectFault: unknown fault %q (want %s)", f, faultNames()))
	}
	if service != "" && !validServiceName(service) {
		panic(fmt.Sprintf("okayapitest: InjectFault: %q is not a service name like App.Hello.World", service))
	}
	if n < 1 {
		panic(fmt.Sprintf("okayapitest: InjectFault: n must be 1 or more, got %d", n))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if service != "" {
		service = canonical(service)
	}
	s.faults = append(s.faults, pendingFault{service: service, fault: k.name, left: n})
}

// takeFault uses up one pending fault that applies to service, if any.
func (s *Server) takeFault(service string) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := canonical(service)
	for i := range s.faults {
		pf := &s.faults[i]
		if pf.service != "" && pf.service != c {
			continue
		}
		f := pf.fault
		pf.left--
		if pf.left == 0 {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		return f
	}
	return ""
}

// nginxPage is the HTML page nginx answers for an error or a redirect,
// titled e.g. "502 Bad Gateway".
func nginxPage(title string) string {
	return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n" +
		"<center><h1>" + title + "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
}

// nginxTitles are nginx's own status lines, where they differ from
// net/http's.
var nginxTitles = map[int]string{
	http.StatusServiceUnavailable: "503 Service Temporarily Unavailable",
	http.StatusGatewayTimeout:     "504 Gateway Time-out",
}

// answerNginx answers status with nginx's page for it.
func answerNginx(w http.ResponseWriter, status int) {
	title, ok := nginxTitles[status]
	if !ok {
		title = strconv.Itoa(status) + " " + http.StatusText(status)
	}
	page := nginxPage(title)
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Server", "nginx")
	w.Header().Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(status)
	writeAll(w, page)
}

const phpFatal = "PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) " +
	"in /www/wwwroot/okayapi/vendor/phalapi/kernal/src/Response.php on line 42\n"

// stall waits until the client gives up, the server closes or stallLimit
// passes; record is called once the handler counts as stalled.
func (s *Server) stall(r *http.Request, record func()) {
	s.stalled.Add(1)
	defer s.stalled.Add(-1)
	record()
	timer := time.NewTimer(stallLimit)
	defer timer.Stop()
	select {
	case <-r.Context().Done():
	case <-s.done:
	case <-timer.C:
	}
}

// redirect answers status (a 3xx) with an nginx page and the configured
// Location.
func (s *Server) redirect(w http.ResponseWriter, status int) {
	w.Header().Set("Location", s.cfg.redirectTo)
	answerNginx(w, status)
}

// dropConnection closes the client's connection without (more of) an answer.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // aborts the response without logging
	}
	_ = conn.Close()
}

// Uncaught exceptions as PhalApi answers them in debug mode.
const (
	redisErrorMsg = "read error on connection to 127.0.0.1:6379"
	pdoSQLState   = "HY000"
	pdoErrorMsg   = "SQLSTATE[HY000]: General error: 1205 Lock wait timeout exceeded; try restarting transaction"
)

// exceptionEnvelope is what PhalApi's response() answers, in debug mode, for
// an exception it did not expect (not a PhalApi\Exception) in service: ret
// is the exception's getCode(), msg its getMessage(), data is left empty,
// and debug holds the trace (getTrace(), without arguments) and the stack.
func exceptionEnvelope(f Fault, service string, quirks bool) []byte {
	var ret any = 0
	msg := redisErrorMsg
	frame := Object{
		{Key: "file", Value: domainFile(service)},
		{Key: "line", Value: 88},
		{Key: "function", Value: "incr"},
		{Key: "class", Value: "Redis"},
		{Key: "type", Value: "->"},
	}
	if f == "exception-db" {
		ret, msg = pdoSQLState, pdoErrorMsg // PDOException::getCode() is the SQLSTATE, a string
		frame = Object{
			{Key: "file", Value: "/www/wwwroot/okayapi/vendor/phalapi/notorm/src/NotORM/Result.php"},
			{Key: "line", Value: 249},
			{Key: "function", Value: "execute"},
			{Key: "class", Value: "PDOStatement"},
			{Key: "type", Value: "->"},
		}
	}
	trace := []any{frame, Object{
		{Key: "file", Value: "/www/wwwroot/okayapi/vendor/phalapi/kernal/src/PhalApi.php"},
		{Key: "line", Value: 52},
		{Key: "function", Value: "call_user_func"},
	}}
	env := Object{
		{Key: "ret", Value: ret},
		{Key: "data", Value: Object{}},
		{Key: "msg", Value: msg},
		{Key: "debug", Value: debugInfo(trace)},
	}
	return phpEncode(env, quirks)
}

// domainFile is where PhalApi keeps the domain class of a service:
// App.Market_ChatMessage.Send → src/app/Domain/Market/ChatMessage.php.
func domainFile(service string) string {
	class := "Site"
	if parts := strings.Split(canonical(service), "."); len(parts) == 3 {
		class = strings.ReplaceAll(parts[1], "_", "/")
	}
	return "/www/wwwroot/okayapi/src/app/Domain/" + class + ".php"
}
