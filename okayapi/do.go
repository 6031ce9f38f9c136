package okayapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-querystring/query"
	"github.com/hashicorp/go-retryablehttp"
)

// Request describes one call to an OkayAPI service.
type Request struct {
	// Service names the call, e.g. "App.Market_ChatMessage.Send" or "App.User.Login".
	Service string
	// Member is the acting member's login state; the zero Member sends no
	// uuid or token.
	Member Member
	// Params are the call's own parameters: nil, url.Values, or a struct whose
	// fields carry go-querystring `url:"name"` tags. The common parameters
	// (s, app_key, sign, uuid, token) are added by the client and must not
	// appear here.
	Params any
	// Idempotent says the call may be repeated safely after a failure that
	// may have reached the service (reads, marking as read). Calls that are
	// not idempotent (sending a message) are repeated only when the earlier
	// attempt provably never reached the service.
	Idempotent bool
	// Codes maps a non-zero data.err_code to the plugin's sentinel error,
	// which the resulting *PluginError wraps. It may return nil.
	Codes func(code int) error
	// Secrets are values the call sends that must never be shown (a
	// password's hash, say): they are hidden from errors and logs like the
	// member's token, the signature and the app secret, which always are.
	Secrets []string
}

// Response is what the service answered to a call that got an answer. When
// Do also returns an error, Msg and Data have any secret they echoed hidden.
type Response struct {
	Service    string          // the service called
	StatusCode int             // the HTTP status (200)
	Ret        int             // the envelope's ret
	Msg        string          // the envelope's msg
	Data       json.RawMessage // the envelope's data, as received
	Attempts   int             // HTTP attempts made

	arrived bool // some attempt may have reached the service (all but 429s and failed dials)
}

var reserved = [...]string{"s", "service", "app_key", "sign", "uuid", "token"}

// callState is what one call's attempts tell each other. It is touched only by
// the goroutine that runs the call (retryablehttp calls its hooks in line).
type callState struct {
	idempotent     bool
	attempts       int  // HTTP attempts made so far
	mayHaveArrived bool // some attempt may have reached the service
}

type callStateKey struct{}

// Do sends one call and decodes its answer.
//
// It adds the common parameters (s, app_key, and the member's uuid and token),
// signs exactly what is sent, POSTs it as a form, and reads the {ret, data,
// msg} envelope. With ret 200 and data.err_code 0 it decodes data into out (if
// out is not nil) and returns the response. Otherwise it returns:
//
//   - *InvalidParamError before anything is sent, for a bad request
//     description: a nil context, a bad service name, a member without a
//     token, or a parameter name PHP would rewrite ('.', ' ', '[', ']', a
//     number), which could never be signed correctly;
//   - *APIError when ret is not 200: ret 400–499 is a refusal (ErrBadRequest,
//     ErrNotLoggedIn, ErrNoSuchService, ErrBadAppKey, ErrBadSignature) and the
//     call was not carried out; any other ret (5xx, or an uncaught exception's
//     0 or "HY000") matches ErrServer and may have taken effect;
//   - *PluginError when data.err_code is not 0 (matching the sentinel that
//     req.Codes gives, and ErrPlugin);
//   - *TransportError when no well-formed answer came: a network failure, an
//     HTTP status other than 200 (a redirect is never followed: ErrRedirect),
//     a body that is not the envelope or larger than the cap
//     (ErrResponseTooLarge), a closed client (ErrClosed), or a context that
//     was done (then nothing is sent if it was done already);
//   - *DecodeError when data does not fit out.
//
// No error value holds a secret: the token, the signature, the app secret and
// req.Secrets are hidden (also a run of 16 or more of their characters, and
// their URL- and JSON-escaped forms) when the error is built.
//
// Each attempt reads the whole answer before it ends, so a body cut off or
// stalled mid-way is a failed attempt like any other network error. Retry
// table: a failed attempt is repeated, up to the client's retry count with
// exponential backoff, only in these cases.
//
//	failure                                 idempotent   not idempotent
//	connection never made (dial, DNS)       retry        retry: nothing was sent
//	other network error, timeout,           retry        no: it may have arrived
//	  also while reading the body
//	HTTP 429 Too Many Requests              retry        retry: it was turned away unprocessed (*)
//	HTTP 502, 503, 504                      retry        no: it may have arrived
//	HTTP 3xx (never followed)               no           no: it may have arrived
//	answer larger than the cap              no           no
//	other HTTP status, any envelope         no           no
//	context cancelled or expired            no           no
//
// An envelope is never retried: ret 4xx and err_code answers will not change,
// and any other ret may mean the call did part of its work. A Retry-After
// header longer than the client's maximum wait ends the retries; a shorter one
// sets the wait. Waits grow exponentially with jitter.
//
// (*) OkayAPI documents no rate limits; this row assumes that a 429, from the
// service or a gateway before it, means the call was not processed.
func (c *Client) Do(ctx context.Context, req *Request, out any) (*Response, error) {
	if ctx == nil {
		return nil, &InvalidParamError{Field: "ctx", Rule: "must not be nil (use context.Background())"}
	}
	if req == nil {
		return nil, &InvalidParamError{Field: "request", Rule: "must not be nil"}
	}
	if out != nil {
		// Found out before sending: afterwards the call may have taken effect.
		if rv := reflect.ValueOf(out); rv.Kind() != reflect.Pointer || rv.IsNil() {
			return nil, &InvalidParamError{Field: "out", Rule: "must be nil or a non-nil pointer"}
		}
	}
	values, err := c.buildParams(req)
	if err != nil {
		return nil, err
	}
	signature := c.keys.signer.Sign(values)
	if signature != "" {
		values.Set("sign", signature)
	}
	target := c.queryURL + "?s=" + url.QueryEscape(req.Service)
	if c.form == PathForm {
		target = c.pathURL + strings.ReplaceAll(req.Service, ".", "/")
	} else {
		values.Del("s") // it travels in the URL
	}
	body := values.Encode()

	call := &call{c: c, req: req, signature: signature}
	if c.closed.Load() {
		return nil, &TransportError{Service: req.Service, Err: ErrClosed}
	}
	if err := ctx.Err(); err != nil {
		// The caller gave up already: send nothing. net/http leaves this
		// check to the transport, and not every transport makes it.
		return nil, &TransportError{Service: req.Service, Err: err}
	}
	st := &callState{idempotent: req.Idempotent, attempts: 1}
	ctx = context.WithValue(ctx, callStateKey{}, st)
	hreq, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		return nil, &TransportError{Service: req.Service, Err: call.redactor().err(err)}
	}
	hreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hreq.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		hreq.Header.Set("User-Agent", c.userAgent)
	}

	start := time.Now()
	resp, raw, err := call.roundTrip(hreq, st)
	if err == nil {
		resp, err = call.decode(resp, raw, out)
	}
	if err != nil && resp != nil {
		r := call.redactor()
		resp.Msg = r.redact(resp.Msg)
		resp.Data = r.redactBytes(resp.Data)
	}
	if c.closed.Load() && c.own != nil {
		c.own.CloseIdleConnections() // the connection this call gave back
	}
	c.logCall(ctx, req, resp, st.attempts, time.Since(start), err)
	return resp, err
}

// call is one call of Do: what its errors must hide.
type call struct {
	c         *Client
	req       *Request
	signature string
	red       *redactor
}

// redactor hides the call's secrets: built on the first error only.
func (cl *call) redactor() *redactor {
	if cl.red == nil {
		secrets := append([]string{cl.req.Member.Token, cl.signature, *cl.c.keys.secret}, cl.req.Secrets...)
		cl.red = newRedactor(secrets...)
	}
	return cl.red
}

func (c *Client) buildParams(req *Request) (url.Values, error) {
	if !validService(req.Service) {
		return nil, &InvalidParamError{Field: "service", Rule: "must look like App.Class.Action (letters, digits, _ and dots)", Value: req.Service}
	}
	if !req.Member.IsZero() {
		if req.Member.UUID == "" {
			return nil, &InvalidParamError{Field: "uuid", Rule: "must not be empty when a token is given"}
		}
		if req.Member.Token == "" {
			return nil, &InvalidParamError{Field: "token", Rule: "must not be empty (log the member in first)"}
		}
	}
	var values url.Values
	switch p := req.Params.(type) {
	case nil:
		values = url.Values{}
	case url.Values:
		values = make(url.Values, len(p)+5)
		for k, v := range p {
			values[k] = append([]string(nil), v...)
		}
	default:
		v, err := query.Values(p)
		if err != nil {
			return nil, &InvalidParamError{Field: "params", Rule: "must be url.Values or a struct with url tags: " + err.Error()}
		}
		values = v
	}
	for _, name := range reserved {
		if _, ok := values[name]; ok {
			return nil, &InvalidParamError{Field: name, Rule: "is set by the client and must not be passed as a parameter"}
		}
	}
	for name := range values {
		if rule := badParamName(name); rule != "" {
			return nil, &InvalidParamError{Field: "parameter name", Rule: rule, Value: name}
		}
	}
	values.Set("s", req.Service)
	values.Set("app_key", c.appKey)
	if !req.Member.IsZero() {
		values.Set("uuid", req.Member.UUID)
		values.Set("token", req.Member.Token)
	}
	return values, nil
}

// badParamName says why PHP would not receive a parameter under the name it
// was signed with, or returns "". PHP's form parser turns '.' and ' ' in a
// name into '_' and a[b] into an array, and its arrays turn decimal names
// into integer keys, which ksort does not order as bytes.
func badParamName(name string) string {
	if name == "" {
		return "must not be empty"
	}
	digits := true
	for i := 0; i < len(name); i++ {
		switch b := name[i]; {
		case b <= ' ' || b == 0x7F:
			return "must not hold white space or control characters (PHP rewrites them, so the signature could not match)"
		case b == '.' || b == '[' || b == ']':
			return "must not hold '.', '[' or ']' (PHP rewrites them, so the signature could not match)"
		case b < '0' || b > '9':
			digits = false
		}
	}
	if digits {
		return "must not be a number (PHP sorts numeric names as numbers, so the signature could not match)"
	}
	return ""
}

func validService(s string) bool {
	if s == "" || len(s) > 128 || s[0] == '.' || s[len(s)-1] == '.' || !strings.Contains(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// roundTrip sends the request and returns the answer's body, read whole
// inside the attempt (see attempt).
func (cl *call) roundTrip(hreq *retryablehttp.Request, st *callState) (*Response, []byte, error) {
	service := cl.req.Service
	hresp, err := cl.c.http.Do(hreq)
	if err != nil {
		if hresp != nil {
			hresp.Body.Close()
		}
		// checkRetry saw every attempt; an error that is not a *url.Error did
		// not come from an attempt (the wait between attempts was cut short).
		arrived := st.mayHaveArrived
		var ue *url.Error
		if errors.As(err, &ue) && !neverSent(err) {
			arrived = true
		}
		r := cl.redactor()
		te := &TransportError{Service: service, Attempts: st.attempts, MayHaveArrived: arrived, Err: r.err(cleanURLError(err))}
		var be *bodyError
		if errors.As(err, &be) {
			te.StatusCode, te.Err = be.status, r.err(be.err)
			te.Excerpt = r.excerpt(be.partial)
		}
		return nil, nil, te
	}
	defer hresp.Body.Close()
	var raw []byte
	if mb, ok := hresp.Body.(*memBody); ok {
		raw = mb.b
	} else if raw, err = io.ReadAll(io.LimitReader(hresp.Body, cl.c.maxBody+1)); err != nil || int64(len(raw)) > cl.c.maxBody {
		// Not reached: attempt reads every body. Kept so that a change
		// there cannot turn into an unbounded read here.
		return nil, nil, &TransportError{Service: service, StatusCode: hresp.StatusCode, Attempts: st.attempts, MayHaveArrived: true, Err: ErrResponseTooLarge}
	}
	resp := &Response{Service: service, StatusCode: hresp.StatusCode, Attempts: st.attempts, arrived: st.mayHaveArrived}
	if hresp.StatusCode >= 300 && hresp.StatusCode < 400 {
		r := cl.redactor()
		return resp, nil, &TransportError{
			Service: service, StatusCode: hresp.StatusCode, Attempts: st.attempts,
			MayHaveArrived: true, Err: ErrRedirect,
			Location: r.redact(redirectHost(cl.c.base, hresp.Header.Get("Location"))),
			Excerpt:  r.excerpt(raw),
		}
	}
	return resp, raw, nil
}

// redirectHost names where a redirect pointed: the host only, since the rest
// of the URL may carry what was sent.
func redirectHost(base *url.URL, location string) string {
	if location == "" {
		return "(no Location)"
	}
	u, err := base.Parse(location)
	if err != nil || u.Host == "" {
		return "(unreadable Location)"
	}
	return u.Host
}

const excerptLen = 120

var utf8BOM = []byte("\xEF\xBB\xBF")

// envelope is the answer every OkayAPI call gets.
type envelope struct {
	Ret  json.RawMessage `json:"ret"`
	Data json.RawMessage `json:"data"`
	Msg  String          `json:"msg"`
}

// dataHead is the part of data that every plugin answer shares.
type dataHead struct {
	ErrCode Int    `json:"err_code"`
	ErrMsg  String `json:"err_msg"`
}

// decode is the one place that turns an answer into a result or an error.
func (cl *call) decode(resp *Response, raw []byte, out any) (*Response, error) {
	service := cl.req.Service
	transport := func(cause error) error {
		return &TransportError{
			Service: service, StatusCode: resp.StatusCode, Attempts: resp.Attempts,
			MayHaveArrived: resp.arrived, Err: cause, Excerpt: cl.redactor().excerpt(raw),
		}
	}
	if resp.StatusCode != http.StatusOK {
		return resp, transport(errors.New("HTTP status " + strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)))
	}
	var env envelope
	// A PHP file saved with a byte-order mark sends it before the JSON.
	if err := json.Unmarshal(bytes.TrimPrefix(raw, utf8BOM), &env); err != nil {
		if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 && trimmed[0] == '<' {
			return resp, transport(errors.New("answer is HTML, not JSON"))
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			return resp, transport(errors.New("answer is empty"))
		}
		return resp, transport(errors.New("answer is not valid JSON: " + err.Error()))
	}
	ret, retText, ok := readRet(env.Ret)
	if !ok {
		return resp, transport(errors.New("answer has no ret"))
	}
	resp.Ret, resp.Msg, resp.Data = ret, string(env.Msg), env.Data
	if ret != 200 || retText != "" {
		r := cl.redactor()
		return resp, &APIError{Service: service, Ret: ret, RetText: r.redact(retText), Msg: r.redact(resp.Msg)}
	}
	data := bytes.TrimSpace(env.Data)
	if len(data) == 0 || bytes.Equal(data, jsonNull) || isEmptyArray(data) {
		data = jsonEmptyObj
	}
	if data[0] != '{' {
		return resp, cl.decodeError(data, "data is not an object", nil)
	}
	var head dataHead
	if err := json.Unmarshal(data, &head); err != nil {
		return resp, cl.decodeError(data, "err_code", err)
	}
	if head.ErrCode != 0 {
		pe := &PluginError{Service: service, Code: int(head.ErrCode), Msg: cl.redactor().redact(string(head.ErrMsg))}
		if cl.req.Codes != nil {
			pe.sentinel = cl.req.Codes(pe.Code)
		}
		return resp, pe
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp, cl.decodeError(data, "data does not have the expected shape", err)
		}
	}
	return resp, nil
}

// readRet reads the envelope's ret: an integer (as a number or a numeric
// string), or the text of a non-numeric one such as "HY000". ok is false when
// there is none.
func readRet(raw json.RawMessage) (ret int, text string, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, jsonNull) {
		return 0, "", false
	}
	var n Int
	if n.UnmarshalJSON(raw) == nil {
		return int(n), "", true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && strings.TrimSpace(s) != "" {
		return 0, strings.TrimSpace(s), true
	}
	return 0, "", false
}

func (cl *call) decodeError(data []byte, reason string, err error) *DecodeError {
	r := cl.redactor()
	return &DecodeError{Service: cl.req.Service, Data: r.redactBytes(data), Reason: reason, Err: r.err(err), Excerpt: r.excerpt(data)}
}

// checkRetry applies the retry table documented on Do. retryablehttp calls it
// after every attempt, so it also keeps count of whether any attempt may have
// reached the service.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st, _ := ctx.Value(callStateKey{}).(*callState)
	if st == nil {
		st = &callState{}
	}
	if err != nil && !neverSent(err) || err == nil && resp.StatusCode != http.StatusTooManyRequests {
		st.mayHaveArrived = true
	}
	if ctx.Err() != nil {
		return false, nil
	}
	if err != nil {
		if errors.Is(err, ErrResponseTooLarge) {
			return false, nil // the same answer would come again
		}
		return st.idempotent || neverSent(err), nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if d, ok := retryAfter(resp.Header.Get("Retry-After")); ok && d > c.http.RetryWaitMax {
			return false, nil // the service asks for a longer wait than we may take
		}
		// 429 means the call was turned away unprocessed: safe to repeat.
		return st.idempotent || resp.StatusCode == http.StatusTooManyRequests, nil
	}
	return false, nil
}

// backoff waits as Retry-After asks, or exponentially from minWait with
// jitter (between half and all of the step, never below minWait, so that
// callers that failed together do not retry together), never longer than
// maxWait. A minWait of 0 retries at once.
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
			return min(d, maxWait)
		}
	}
	if minWait <= 0 {
		return 0 // WithRetries(n, 0, max): retry at once
	}
	d := maxWait
	if attempt < 32 && minWait<<attempt > 0 && minWait<<attempt < maxWait {
		d = minWait << attempt
	}
	low := max(minWait, d/2)
	if d <= low {
		return d
	}
	return low + rand.N(d-low+1)
}

// retryAfter reads a Retry-After header: delay seconds or an HTTP date.
func retryAfter(h string) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(math.MaxInt64/time.Second) {
			return math.MaxInt64, true
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// neverSent reports whether err proves the request never left this machine:
// the connection (or the name look-up before it) failed.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// cleanURLError drops *url.Error's URL (it names the host and service, which
// the TransportError already has) and keeps the cause.
func cleanURLError(err error) error {
	for {
		ue, ok := err.(*url.Error)
		if !ok {
			return err
		}
		err = ue.Err
	}
}

func (c *Client) logCall(ctx context.Context, req *Request, resp *Response, attempts int, took time.Duration, err error) {
	if c.log == nil {
		return
	}
	level := slog.LevelDebug
	attrs := make([]slog.Attr, 0, 7)
	attrs = append(attrs, slog.String("service", req.Service), slog.Int("attempts", attempts), slog.Duration("took", took))
	if !req.Member.IsZero() {
		attrs = append(attrs, slog.String("uuid", req.Member.UUID))
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
		if resp.Ret != 0 {
			attrs = append(attrs, slog.Int("ret", resp.Ret))
		}
	}
	if err != nil {
		level = slog.LevelWarn
		var pe *PluginError
		if errors.As(err, &pe) {
			attrs = append(attrs, slog.Int("err_code", pe.Code))
		}
		attrs = append(attrs, slog.String("error", err.Error()), slog.Bool("may_have_arrived", MayHaveArrived(err)))
	}
	c.log.LogAttrs(ctx, level, "okayapi call", attrs...)
}
