package okayapitest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Fault is a way for a call to misbehave; see InjectFault.
//
// Some faults answer before the call runs, and the call is never run:
// nothing is done (FaultResetBefore, FaultHTML502, FaultStall, FaultNonJSON,
// FaultRedirect307, Fault429, Fault429RetryAfter). The others run the call
// first, exactly as without the fault (a service that stores something
// stores it, unless the call is refused), and then spoil the answer
// (FaultDropAfter, FaultTruncate, FaultException500, FaultExceptionRet0,
// FaultExceptionDB, FaultStoreThenRedirect, Fault503After, Fault504After).
// The early gateway faults (Fault502Early, Fault503Early, Fault504Early)
// answer at once and run the call later, as a gateway that gives up while
// the backend goes on working (see WithBackendDelay and Server.Drain).
// Processes tells those that run the call from those that do not; for the second kind, Requests (see
// RecordedRequest.Processed and RecordedRequest.WorkDone) and the service's
// own state show what the call did, whatever the client was told.
//
// A Fault is written and read by its short name (see String), so it works
// with flag.TextVar and encoding/json.
type Fault int

const (
	// FaultHTML502 answers HTTP 502 with an nginx HTML page; nothing is done.
	FaultHTML502 Fault = iota + 1
	// FaultDropAfter processes the call (its work IS done), then closes
	// the connection without answering.
	FaultDropAfter
	// FaultStall stalls before the call runs, and the call is never run:
	// nothing is done. It waits until the client gives up (the request's
	// context is done), the server closes, or 30 seconds pass, then closes
	// the connection without answering.
	FaultStall
	// FaultTruncate processes the call (its work IS done), then sends half
	// of the JSON answer under a Content-Length for all of it, and closes
	// the connection.
	FaultTruncate
	// FaultNonJSON answers HTTP 200 with a plain-text PHP error; nothing is done.
	FaultNonJSON
	// FaultException500 is an uncaught PHP exception after the work is done,
	// with PhalApi's debug mode off (as in production): the call is
	// processed, then the answer is HTTP 500 with an empty body.
	FaultException500
	// FaultExceptionRet0 is an uncaught PHP exception after the work is
	// done, with PhalApi's debug mode on: the call is processed, then
	// PhalApi catches the exception and answers HTTP 200 with an envelope
	// whose ret is the exception's code, 0 here (a Redis error), msg its
	// message, data empty, and a debug object holding the exception's trace
	// and the stack. So ret 0 does not mean "nothing done".
	FaultExceptionRet0
	// FaultExceptionDB is FaultExceptionRet0 for a database error (a
	// PDOException after the work is done): ret is the SQLSTATE as a JSON
	// string, "HY000", and msg PDO's text, "SQLSTATE[HY000]: General error:
	// 1205 Lock wait timeout exceeded; …".
	FaultExceptionDB
	// FaultRedirect307 answers HTTP 307 Temporary Redirect with an nginx
	// page and a Location header (see WithRedirectLocation); nothing is
	// done. A client that follows it sends the member's token and the
	// signature to another host.
	FaultRedirect307
	// FaultStoreThenRedirect processes the call (its work IS done), then
	// answers HTTP 302 Found with a Location header (see
	// WithRedirectLocation) instead of the envelope.
	FaultStoreThenRedirect
	// FaultResetBefore is the connection lost before the request reached
	// the service: the call is never run, nothing is done, and the
	// connection is closed without an answer. (The fake reads the request,
	// to record it and to know which service it is for, but runs nothing.)
	// The client sees exactly what FaultDropAfter shows it, a connection
	// closed with no answer, so it cannot tell whether the work was done:
	// only Requests, or asking the service, can.
	FaultResetBefore
	// Fault503After processes the call (its work IS done), then answers
	// HTTP 503 with an nginx page ("503 Service Temporarily Unavailable")
	// instead of the envelope, as a gateway does when it gives up on the
	// backend that went on working.
	Fault503After
	// Fault504After processes the call (its work IS done), then answers
	// HTTP 504 with an nginx page ("504 Gateway Time-out") instead of the
	// envelope, as nginx does when the backend answers after its timeout.
	Fault504After
	// Fault429 answers HTTP 429 Too Many Requests with an nginx page and
	// no Retry-After header, as nginx's limit_req does; nothing is done.
	Fault429
	// Fault429RetryAfter answers HTTP 429 Too Many Requests with an nginx
	// page and a Retry-After header, 1 second unless WithRetryAfter says
	// otherwise; nothing is done.
	Fault429RetryAfter
	// Fault502Early is a gateway that gives up at once: it answers HTTP
	// 502 with an nginx page at once, while the backend, still working,
	// runs the call later (WithBackendDelay after the answer; its work IS
	// done then). A client that checks at once finds nothing, and a
	// second copy sent then is stored too. Server.Drain waits for the
	// backend.
	Fault502Early
	// Fault503Early is Fault502Early answering HTTP 503.
	Fault503Early
	// Fault504Early is Fault502Early answering HTTP 504, as nginx does
	// when its proxy_read_timeout passes while PHP is still working.
	Fault504Early
)

// lastFault is the highest declared Fault.
const lastFault = Fault504Early

// lastFaultGoName is lastFault's Go name, for panics.
const lastFaultGoName = "Fault504Early"

// runWhen is when a fault lets the call run.
type runWhen int

const (
	runFirst runWhen = iota // the call runs, then the fault spoils its answer
	runNever                // the fault answers (or not) instead: nothing is done
	runLater                // the fault answers at once; the backend runs the call later
)

// faultKind is everything about one Fault: its entry in faultKinds is the
// one place a fault is declared, apart from its constant.
type faultKind struct {
	name   string  // the short name (String, MarshalText, the control endpoint, fakeserver -fault)
	doc    string  // one line, for help texts
	run    runWhen // whether and when the call runs
	status int     // the HTTP status answered; 0 for none (the connection is dropped)
	// answer answers the exchange, recording it (x.record) before the
	// client can see anything.
	answer func(x *exchange, k faultKind)
}

// faultKinds are the faults, by Fault; 0 is no fault. It is filled in by
// init, as the answers refer back to it (through Fault.String).
var faultKinds [lastFault + 1]faultKind

func init() {
	faultKinds = [...]faultKind{
		0: {name: "none", status: http.StatusOK, answer: answerEnvelope},
		FaultHTML502: {name: "html502", doc: "HTTP 502 with an nginx page; the call is not run",
			run: runNever, status: http.StatusBadGateway, answer: answerNginxPage},
		FaultDropAfter: {name: "drop-after", doc: "the call is run (a message IS stored), then the connection is closed unanswered",
			answer: answerDrop},
		FaultStall: {name: "stall", doc: "no answer until the client gives up (at most 30s); the call is not run",
			run: runNever, answer: answerStall},
		FaultTruncate: {name: "truncate", doc: "the call is run, then half of the answer is sent and the connection is closed",
			status: http.StatusOK, answer: answerTruncated},
		FaultNonJSON: {name: "non-json", doc: "HTTP 200 with a PHP error text; the call is not run",
			run: runNever, status: http.StatusOK, answer: answerPHPFatal},
		FaultException500: {name: "exception", doc: "the call is run, then an uncaught PHP exception: HTTP 500, empty body (debug off)",
			status: http.StatusInternalServerError, answer: answerEmpty500},
		FaultExceptionRet0: {name: "exception-ret0", doc: "the call is run, then an uncaught exception with debug on: HTTP 200, ret 0, a trace",
			status: http.StatusOK, answer: answerException},
		FaultExceptionDB: {name: "exception-db", doc: `the same for a database error: ret "HY000" (a JSON string), msg "SQLSTATE[HY000]: …"`,
			status: http.StatusOK, answer: answerException},
		FaultRedirect307: {name: "redirect307", doc: "HTTP 307 to the redirect location; the call is not run",
			run: runNever, status: http.StatusTemporaryRedirect, answer: answerRedirect},
		FaultStoreThenRedirect: {name: "store-then-redirect", doc: "the call is run (a message IS stored), then HTTP 302 to the redirect location",
			status: http.StatusFound, answer: answerRedirect},
		FaultResetBefore: {name: "reset-before", doc: "the connection is closed unanswered before the call is run (what drop-after shows)",
			run: runNever, answer: answerDrop},
		Fault503After: {name: "503-after", doc: "the call is run (a message IS stored), then HTTP 503 with an nginx page",
			status: http.StatusServiceUnavailable, answer: answerNginxPage},
		Fault504After: {name: "504-after", doc: "the call is run (a message IS stored), then HTTP 504 with an nginx page",
			status: http.StatusGatewayTimeout, answer: answerNginxPage},
		Fault429: {name: "429", doc: "HTTP 429 Too Many Requests, no Retry-After; the call is not run",
			run: runNever, status: http.StatusTooManyRequests, answer: answerNginxPage},
		Fault429RetryAfter: {name: "429-retry-after", doc: "HTTP 429 with Retry-After; the call is not run",
			run: runNever, status: http.StatusTooManyRequests, answer: answerRetryAfter},
		Fault502Early: {name: "502-early", doc: "HTTP 502 at once; the backend runs the call (a message IS stored) the backend delay later",
			run: runLater, status: http.StatusBadGateway, answer: answerEarly},
		Fault503Early: {name: "503-early", doc: "HTTP 503 at once; the backend runs the call the backend delay later",
			run: runLater, status: http.StatusServiceUnavailable, answer: answerEarly},
		Fault504Early: {name: "504-early", doc: "HTTP 504 at once; the backend runs the call the backend delay later",
			run: runLater, status: http.StatusGatewayTimeout, answer: answerEarly},
	}
	var b strings.Builder
	for f := Fault(1); f <= lastFault; f++ {
		switch {
		case f == lastFault:
			b.WriteString(" or ")
		case f > 1:
			b.WriteString(", ")
		}
		b.WriteString(faultKinds[f].name)
	}
	faultNameList = b.String()
}

// faultNameList lists the names for error messages: "html502, …,
// 503-early or 504-early". It is set by init, after faultKinds.
var faultNameList string

// String returns the fault's short name, as listed in the table of
// fakeserver's -fault flag: "html502", "drop-after", …, "504-early". The
// zero Fault (no fault) is "none" and any other value "Fault(N)".
func (f Fault) String() string {
	if f.valid() || f == 0 {
		return faultKinds[f].name
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// MarshalText returns f's short name (see String), "none" for the zero
// Fault. It fails for a value that is no declared fault.
func (f Fault) MarshalText() ([]byte, error) {
	if f.valid() || f == 0 {
		return []byte(faultKinds[f].name), nil
	}
	return nil, fmt.Errorf("okayapitest: %s is not a fault", f)
}

// UnmarshalText reads a fault's short name as String writes it, in any
// case, or "none" for the zero Fault. It fails for anything else, listing
// the names.
func (f *Fault) UnmarshalText(text []byte) error {
	name := strings.ToLower(string(text))
	for i, k := range faultKinds {
		if k.name == name {
			*f = Fault(i)
			return nil
		}
	}
	return fmt.Errorf("okayapitest: unknown fault %q (want %s)", text, faultNameList)
}

// valid reports whether f is one of the declared faults.
func (f Fault) valid() bool { return f >= FaultHTML502 && f <= lastFault }

// Processes reports whether a call that meets f is processed (its checks
// and, if they pass, the service's handler run: the work is done), before
// the fault spoils the answer or, for the early gateway faults
// (Fault502Early …), after it. It is true for the zero Fault (no fault)
// and the faults whose documentation says the call is run; false for
// those that answer (or not) without running the call, and for a value
// that is no declared fault.
func (f Fault) Processes() bool { return f == 0 || f.valid() && faultKinds[f].run != runNever }

type pendingFault struct {
	service string // canonical service, or "" for any
	fault   Fault
	left    int
}

// InjectFault makes the next n calls, to any service, misbehave with f.
// Faults injected earlier are used up first. It panics if n is less than 1
// or f is not one of the declared faults: either is a mistake in the test.
func (s *Server) InjectFault(f Fault, n int) { s.injectFault("InjectFault", "", f, n) }

// InjectFaultFor makes the next n calls to service (e.g.
// "App.Market_ChatMessage.Send"; "" for any) misbehave with f. Calls to
// other services are not affected and do not count. Like InjectFault, it
// panics if n is less than 1 or f is not one of the declared faults.
func (s *Server) InjectFaultFor(service string, f Fault, n int) {
	s.injectFault("InjectFaultFor", service, f, n)
}

func (s *Server) injectFault(method, service string, f Fault, n int) {
	if !f.valid() {
		panic(fmt.Sprintf("okayapitest: %s: unknown fault %s (want one of FaultHTML502 … %s)", method, f, lastFaultGoName))
	}
	if n < 1 {
		panic(fmt.Sprintf("okayapitest: %s: n must be 1 or more, got %d", method, n))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if service != "" {
		service = canonical(service)
	}
	s.faults = append(s.faults, pendingFault{service: service, fault: f, left: n})
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
	return 0
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
	if f == FaultExceptionDB {
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
