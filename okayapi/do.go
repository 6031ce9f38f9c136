package okayapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Request describes one call to an OkayAPI service. fmt prints no secret
// of it; a reflective dump (testify's diff, go-cmp, spew) shows Params and
// Secrets as the caller gave them (the Member's token is sealed): the SDK
// never hands a Request back.
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

// String describes the request without its secrets: the service, the
// member's uuid, whether it is idempotent, and how many parameters it has.
func (r Request) String() string {
	return fmt.Sprintf("okayapi.Request{%s, %v, idempotent %v, params hidden, %d secret(s) hidden}", r.Service, r.Member, r.Idempotent, len(r.Secrets))
}

// GoString is String, also for %#v.
func (r Request) GoString() string { return r.String() }

// Format prints String for every verb: parameters may hold a password's
// hash, and Secrets are secrets.
func (r Request) Format(f fmt.State, _ rune) { io.WriteString(f, r.String()) }

// LogValue hides the same from slog.
func (r Request) LogValue() slog.Value { return slog.StringValue(r.String()) }

// Response is what the service answered to a call that got an answer. When
// Do also returns an error, Msg and Data have any secret they echoed hidden.
// Whatever fmt verb prints it, it shows no secret of the call's own.
type Response struct {
	Service    string          // the service called
	StatusCode int             // the HTTP status (200)
	Ret        int             // the envelope's ret
	Msg        string          // the envelope's msg
	Data       json.RawMessage // the envelope's data, as received
	Attempts   int             // HTTP attempts made

	arrived    bool          // some attempt may have reached the service (all but 429s and failed dials)
	retryAfter time.Duration // the last answer's Retry-After, if any
	// decodeError builds DecodeError's error with the call's secrets
	// hidden: a closure, so that a reflective dump of a Response (testify's
	// diff, go-cmp, spew) reaches neither the secrets nor the client.
	decodeError func(data []byte, reason string, err error) *DecodeError
}

// DecodeError returns a *DecodeError for this answer, for a plugin package
// that finds the data unreadable after Do succeeded (a field the reference
// does not name, say). Like the errors Do builds, it holds no secret: its
// reason, cause, excerpt and Data are redacted with the call's secrets.
func (r *Response) DecodeError(reason string, err error) *DecodeError {
	if r.decodeError == nil {
		red := newRedactor()
		return &DecodeError{Service: r.Service, Reason: reason, Err: err, Data: r.Data, Excerpt: red.excerpt(r.Data)}
	}
	return r.decodeError(r.Data, reason, err)
}

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
//     a body that does not start as the envelope or is larger than the cap
//     (ErrResponseTooLarge), a closed client (ErrClosed), or a context that
//     was done (then nothing is sent if it was done already);
//   - *DecodeError when the envelope is not valid JSON (any malformed byte,
//     anywhere: encoding/json's verdict) or data does not fit out.
//
// No error value holds a secret: the token, the signature, the app secret and
// req.Secrets are hidden (also a run of 16 or more of their characters, and
// their URL- and JSON-escaped forms, in any letter case) when the error is
// built. An answer that is not one well-formed envelope (a PHP notice or
// warning before the JSON, text after it, two envelopes, a truncated body)
// may hold a new token no list of secrets knows: its excerpt has every run
// of 16 or more ASCII letters and digits replaced by <redacted> as well; so
// have the excerpt, Data and cause of a DecodeError, and Response.Data, for
// a call that hands out a token (its service names a login, a registration,
// a token or a session).
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
	signature := c.keys.sign(values)
	if signature != "" {
		values.Set("sign", signature)
	}
	target, skip := c.queryURL+"?s="+url.QueryEscape(req.Service), "s" // s travels in the URL
	if c.form == PathForm {
		target, skip = c.pathURL+strings.ReplaceAll(req.Service, ".", "/"), ""
	}
	delete(values, skip) // values is the call's own (buildParams); nothing reads it after
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
	// Shared, read-only header values: net/http only reads them.
	hreq.Header["Content-Type"] = formContentType
	hreq.Header["Accept"] = acceptJSON
	if c.userAgent != "" {
		hreq.Header["User-Agent"] = c.userAgentHeader
	}

	start := time.Now()
	resp, raw, err := call.roundTrip(hreq, st)
	if err == nil {
		resp, err = call.decode(resp, raw, out)
	}
	if err != nil && resp != nil {
		r := call.redactor()
		resp.Msg = r.redact(resp.Msg)
		if handsOutToken(req.Service) && resp.Data != nil {
			resp.Data = []byte(r.unread(string(resp.Data)))
		} else {
			resp.Data = r.redactBytes(resp.Data)
		}
	}
	if own := c.net().own; c.closed.Load() && own != nil {
		own.CloseIdleConnections() // the connection this call gave back
	}
	c.logCall(ctx, req, resp, st.attempts, time.Since(start), err)
	return resp, err
}

var (
	formContentType = []string{"application/x-www-form-urlencoded"}
	acceptJSON      = []string{"application/json"}
)

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
		secrets := append([]string{cl.req.Member.Token(), cl.signature, cl.c.keys.secret()}, cl.req.Secrets...)
		cl.red = newRedactor(secrets...)
	}
	return cl.red
}
