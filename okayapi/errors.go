package okayapi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors for errors.Is. An *APIError matches the ones for its ret; a
// *TransportError matches ErrTransport; an *InvalidParamError matches ErrInvalidParam.
var (
	// ErrNotLoggedIn: ret 401, the member is not logged in or the token expired.
	// Log the member in again.
	ErrNotLoggedIn = errors.New("okayapi: not logged in or login expired")
	// ErrBadAppKey: ret 406 whose message is not about the signature: the
	// app key is not valid for this host.
	ErrBadAppKey = errors.New("okayapi: app key not valid for this host")
	// ErrBadSignature: a ret from 400 to 499 whose message says the
	// signature is wrong (the hosted service answers 400, PhalApi's stock
	// signature filter 406).
	ErrBadSignature = errors.New("okayapi: wrong signature")
	// ErrNoSuchService: ret 404, the service does not exist.
	ErrNoSuchService = errors.New("okayapi: no such service")
	// ErrBadRequest: any ret from 400 to 499, including the more specific ones above.
	ErrBadRequest = errors.New("okayapi: bad request")
	// ErrServer: any ret other than 200 and 400–499: a server error (5xx),
	// or an uncaught exception in the plugin, which PhalApi answers with the
	// exception's own code (often 0, or a database's text code such as
	// "HY000"). The call may have done part of its work.
	ErrServer = errors.New("okayapi: server error")
	// ErrTransport: the call got no well-formed answer (network failure,
	// HTTP status other than 200, a non-JSON body).
	ErrTransport = errors.New("okayapi: transport failure")
	// ErrResponseTooLarge: the answer was larger than the client's cap.
	ErrResponseTooLarge = errors.New("okayapi: answer body too large")
	// ErrRedirect: the host answered with a redirect (HTTP 3xx), which the
	// client never follows: OkayAPI never redirects, and following one would
	// carry the member's token and the signature to another host.
	ErrRedirect = errors.New("okayapi: redirect refused")
	// ErrRateLimited: the service (or a gateway before it) answered HTTP 429
	// Too Many Requests to the last attempt; TransportError.RetryAfter says
	// how long it asked to wait, when it did. The call was not processed.
	ErrRateLimited = errors.New("okayapi: rate limited (HTTP 429)")
	// ErrClosed: the client was closed with Client.Close; nothing was sent.
	ErrClosed = errors.New("okayapi: client closed")
	// ErrInvalidParam: a parameter was rejected before anything was sent.
	ErrInvalidParam = errors.New("okayapi: invalid parameter")
	// ErrLoginFailed: App.User.Login answered a non-zero err_code (wrong
	// username or password, or a disabled account).
	ErrLoginFailed = errors.New("okayapi: login failed: wrong username or password, or a disabled account")
	// ErrPlugin: any non-zero err_code; see *PluginError.
	ErrPlugin = errors.New("okayapi: plugin error")
)

// APIError is an answer whose ret is not 200. A ret from 400 to 499 is a
// refusal: the call was not carried out. Any other ret (5xx, or the code of an
// uncaught exception: 0, "HY000") may come after the call did part of its work.
type APIError struct {
	Service string // the service called, e.g. App.Market_ChatMessage.Send
	Ret     int    // the envelope's ret, e.g. 401; 0 when RetText is set
	// RetText is ret as the service wrote it when it is not an integer (a
	// database exception's SQLSTATE, such as "HY000"); empty otherwise.
	RetText string
	Msg     string // the envelope's msg, as the service wrote it, secrets hidden
}

// refused reports whether the ret proves the call was turned away before it
// did anything: PhalApi checks parameters, app key, signature and login
// before the call runs, and answers those with 400–499.
func (e *APIError) refused() bool { return e.RetText == "" && e.Ret >= 400 && e.Ret < 500 }

// Error describes the answer and says whether the call may have taken
// effect; it never holds parameters or secrets.
func (e *APIError) Error() string {
	effect := "the call was not carried out"
	if !e.refused() {
		effect = "the call may have taken effect"
	}
	ret := strconv.Itoa(e.Ret)
	if e.RetText != "" {
		ret = strconv.Quote(e.RetText)
	}
	msg := e.Msg
	if msg == "" {
		msg = "(no msg)"
	}
	return fmt.Sprintf("okayapi: %s: ret %s: %s — %s; %s", e.Service, ret, msg, e.meaning(), effect)
}

// meaning says in English what the ret means, beside the service's own
// (Chinese) msg, and what to do about it.
func (e *APIError) meaning() string {
	switch {
	case e.RetText != "":
		return "an uncaught exception in the plugin (a database error, by its code): check what the call did before repeating it"
	case e.refused() && signatureMsg(e.Msg):
		return "wrong signature: check the app secret, and that the client signs as the app expects"
	case e.Ret == 400:
		return "bad request: a parameter is missing or malformed (the message names it)"
	case e.Ret == 401:
		return "not logged in or the login expired: log the member in again"
	case e.Ret == 404:
		return "no such service: check the service name, and that its plugin is installed for this app"
	case e.Ret == 406:
		return "app key not valid for this host: check the app key and the base URL"
	case e.refused():
		return "the service refused the request"
	case e.Ret == 0:
		return "an uncaught exception in the plugin: check what the call did before repeating it"
	case e.Ret >= 500 && e.Ret < 600:
		return "server error: check what the call did before repeating it"
	}
	return "an unexpected ret: check what the call did before repeating it"
}

// Is matches the sentinel errors for the ret: ErrNotLoggedIn (401),
// ErrNoSuchService (404), ErrBadSignature (a signature message at any
// 4xx), ErrBadAppKey (406 that is not about the signature), ErrBadRequest
// (all 4xx) and ErrServer (any other ret).
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.refused()
	case ErrServer:
		return !e.refused()
	case ErrNotLoggedIn:
		return e.refused() && e.Ret == 401
	case ErrBadAppKey:
		return e.refused() && e.Ret == 406 && !signatureMsg(e.Msg)
	case ErrNoSuchService:
		return e.refused() && e.Ret == 404
	case ErrBadSignature:
		return e.refused() && signatureMsg(e.Msg)
	}
	return false
}

// signatureMsg reports whether msg says the signature is wrong
// (非法请求：签名错误, or an English "sign"/"signature").
func signatureMsg(msg string) bool {
	return strings.Contains(msg, "签名") || hasWord(msg, "sign") || hasWord(msg, "signature")
}

// PluginError is an answer with ret 200 whose data.err_code is not 0: the
// call reached the plugin, which refused it. Err is the plugin package's
// sentinel for the code (for chat messages chatmsg.ErrSelf and so on), so
// that errors.Is matches it; a fake of a plugin in a user's tests builds the
// same error with the same fields.
type PluginError struct {
	Service string // the service called
	Code    int    // data.err_code
	Msg     string // data.err_msg
	Err     error  // the plugin's sentinel for Code, or nil
}

// Error describes the refusal.
func (e *PluginError) Error() string {
	msg := e.Msg
	if msg == "" {
		msg = "(no err_msg)"
	}
	return fmt.Sprintf("okayapi: %s: err_code %d: %s — %s; the call was not carried out", e.Service, e.Code, msg, e.meaning())
}

// meaning says in English what the code means, from the plugin's sentinel
// for it (its text without the package's prefix).
func (e *PluginError) meaning() string {
	if e.Err == nil {
		return "the plugin refused the call (see its reference for the code)"
	}
	text := e.Err.Error()
	if i := strings.Index(text, ": "); i > 0 && isPackageName(text[:i]) {
		return text[i+2:] // a sentinel's "chatmsg: "
	}
	return text
}

func isPackageName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// trimPrefix drops a leading "okayapi: " from a cause's text, so that the
// error that prints it does not say "okayapi: " twice.
func trimPrefix(text string) string { return strings.TrimPrefix(text, "okayapi: ") }

// Is matches ErrPlugin.
func (e *PluginError) Is(target error) bool { return target == ErrPlugin }

// Unwrap returns the plugin's sentinel error for the code, if it has one.
func (e *PluginError) Unwrap() error { return e.Err }

// TransportError is a call that got no well-formed answer: the network
// failed, the HTTP status was not 200, or the body was not the JSON envelope.
//
// It holds no secret: the excerpt, the cause's text and the redirect's host
// are redacted when the error is built, so that any fmt verb, a log or a
// test failure may print it whole.
type TransportError struct {
	Service    string // the service called
	StatusCode int    // the HTTP status, or 0 if no answer arrived
	// Excerpt is the start of the body, shortened, free of secrets, and
	// with every run of 16 or more ASCII letters and digits (what may be a
	// token the answer handed out) replaced by <redacted>.
	Excerpt string
	// Location is the host a redirect (HTTP 3xx) pointed to, free of
	// secrets; the redirect was not followed.
	Location string
	Attempts int // HTTP attempts made
	// RetryAfter is how long the service asked to wait (its Retry-After
	// header) when the last answer was HTTP 429; 0 when it did not say.
	RetryAfter time.Duration
	// MayHaveArrived is false only when the call provably never reached the
	// service: the connection was never made, every answer was HTTP 429, or
	// the context was done before anything was sent. When it is true, a
	// non-idempotent call such as sending a message may have taken effect.
	MayHaveArrived bool
	Err            error // the cause
}

// Error describes the failure and says whether the call may have taken effect.
func (e *TransportError) Error() string {
	var b strings.Builder
	b.WriteString("okayapi: ")
	b.WriteString(e.Service)
	b.WriteString(": ")
	if e.StatusCode != 0 {
		b.WriteString("HTTP ")
		b.WriteString(strconv.Itoa(e.StatusCode))
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(trimPrefix(e.Err.Error()))
	} else {
		b.WriteString("transport failure")
	}
	if e.Location != "" {
		b.WriteString(" (to ")
		b.WriteString(e.Location)
		b.WriteString(")")
	}
	if e.Excerpt != "" {
		b.WriteString(" (body: ")
		b.WriteString(strconv.Quote(e.Excerpt))
		b.WriteString(")")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.MayHaveArrived {
		b.WriteString("; the call may have reached the service")
	} else {
		b.WriteString("; the call did not reach the service")
	}
	return b.String()
}

// Is matches ErrTransport.
func (e *TransportError) Is(target error) bool { return target == ErrTransport }

// Unwrap returns the cause, so that errors.Is(err, context.DeadlineExceeded) works.
func (e *TransportError) Unwrap() error { return e.Err }

// DecodeError is an answer that is the envelope but cannot be read: not
// valid JSON at any place in it (Reason "answer is not valid JSON", Data the
// whole answer), or data without the shape the SDK expects. It matches
// ErrTransport: the call was processed, but its answer could not be read.
// Like TransportError, it holds no secret.
type DecodeError struct {
	Service string // the service called
	Reason  string // what could not be read
	Excerpt string // the start of the data, shortened
	Err     error  // the decoder's error, if any
	// Data is the answer's data as received, with any secret it echoed
	// hidden, so that nothing is lost when the SDK cannot read it. Error
	// never prints it.
	Data []byte
}

// Error describes what could not be read.
func (e *DecodeError) Error() string {
	s := "okayapi: " + e.Service + ": cannot read answer: " + e.Reason
	if e.Err != nil {
		s += ": " + trimPrefix(e.Err.Error())
	}
	if e.Excerpt != "" {
		s += " (data: " + strconv.Quote(e.Excerpt) + ")"
	}
	return s + "; the call may have taken effect"
}

// Is matches ErrTransport.
func (e *DecodeError) Is(target error) bool { return target == ErrTransport }

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// InvalidParamError is a parameter rejected before anything was sent.
type InvalidParamError struct {
	Field string // the parameter, as the service names it (e.g. other_uuid)
	Rule  string // the rule it broke
	Value string // the offending value, shortened; empty for secrets
}

// Error names the field and the rule, and quotes the value as given (%q,
// so that white space shows), its first 48 bytes when it is longer.
func (e *InvalidParamError) Error() string {
	s := "okayapi: invalid " + e.Field + ": " + e.Rule
	if e.Value != "" {
		s += " (got " + quoteStart(e.Value, 48) + ")"
	}
	return s + "; nothing was sent"
}

// quoteStart quotes v as %q does, cut to its first n bytes on a rune
// boundary, with "…" after the quote when it was cut.
func quoteStart(v string, n int) string {
	if len(v) <= n {
		return strconv.Quote(v)
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return strconv.Quote(v[:cut]) + "…"
}

// hasWord reports whether text holds word (ASCII, any case) with no letter,
// digit or underscore on either side, so that "sign" matches "sign error"
// but not "design_id".
func hasWord(text, word string) bool {
	lower := asciiLower(text)
	for i := 0; ; {
		j := strings.Index(lower[i:], word)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(word)
		if (start == 0 || !wordByte(lower[start-1])) && (end == len(lower) || !wordByte(lower[end])) {
			return true
		}
		i = start + 1
	}
}

func wordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// Is matches ErrInvalidParam.
func (e *InvalidParamError) Is(target error) bool { return target == ErrInvalidParam }

// MayHaveArrived reports whether a failed call may nevertheless have taken
// effect at the service, so that a caller knows whether a message may have
// been delivered. It is false for nil, for invalid parameters (nothing was
// sent), for refusals (ret 400–499, non-zero err_code) and for transport
// failures that provably never reached the service (the connection was never
// made, or every answer was HTTP 429 Too Many Requests); it is true for any
// other ret (5xx, or an uncaught exception's 0 or "HY000"), for answers that
// could not be read, for redirects, and for other transport failures.
//
// An error that answers the question itself, with a method
// MayHaveArrived() bool (a summary of many calls, such as chatmsg/broadcast's
// *broadcast.Error), is taken at its word.
func MayHaveArrived(err error) bool {
	if err == nil {
		return false
	}
	var says interface{ MayHaveArrived() bool }
	if errors.As(err, &says) {
		return says.MayHaveArrived()
	}
	var te *TransportError
	if errors.As(err, &te) {
		return te.MayHaveArrived
	}
	var de *DecodeError
	if errors.As(err, &de) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return !ae.refused()
	}
	var pe *PluginError
	if errors.As(err, &pe) {
		return false
	}
	if errors.Is(err, ErrInvalidParam) {
		return false
	}
	// Anything else came from outside the SDK's taxonomy: assume the worst.
	return true
}

// excerpt returns the start of b as valid UTF-8 text of at most n bytes, cut
// on a rune boundary, with runs of white space folded into one space and
// leading and trailing white space dropped; invalid bytes read as '?'. When
// text was cut off, "…" follows (beyond the n bytes). It is what errors show
// of a body.
func excerpt(b []byte, n int) string {
	var out strings.Builder
	space := false // white space seen since the last rune written
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			r = '?'
		}
		if unicode.IsSpace(r) {
			space = true
			b = b[size:]
			continue
		}
		need := utf8.RuneLen(r)
		sep := space && out.Len() > 0
		if sep {
			need++
		}
		if out.Len()+need > n {
			break
		}
		if sep {
			out.WriteByte(' ')
		}
		out.WriteRune(r)
		space = false
		b = b[size:]
	}
	s := out.String()
	if len(b) > 0 {
		s += "…"
	}
	return s
}
