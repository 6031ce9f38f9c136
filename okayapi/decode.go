package okayapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/okayapi-go/sdk/okayapi/internal/jsonscan"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

const excerptLen = 120

var (
	utf8BOM      = []byte("\xEF\xBB\xBF")
	jsonNull     = []byte("null")
	jsonEmptyObj = []byte("{}")
)

// decode is the one place that turns an answer into a result or an error.
// It reads the envelope in one pass over the body, taking ret, msg and data
// as they stand (data is not copied), then err_code from data, and decodes
// data into out once.
func (cl *call) decode(resp *Response, raw []byte, out any) (*Response, error) {
	service := cl.req.Service
	transport := func(cause error) error {
		return &TransportError{
			Service: service, StatusCode: resp.StatusCode, Attempts: resp.Attempts,
			MayHaveArrived: resp.arrived, Err: cause, Excerpt: cl.redactor().unreadExcerpt(raw),
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		te := transport(ErrRateLimited).(*TransportError)
		te.RetryAfter = resp.retryAfter
		return resp, te
	}
	if resp.StatusCode != http.StatusOK {
		return resp, transport(errors.New("HTTP status " + strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)))
	}
	// A PHP file saved with a byte-order mark sends it before the JSON.
	body := jsonscan.TrimSpace(bytes.TrimPrefix(raw, utf8BOM))
	switch {
	case len(body) == 0:
		return resp, transport(errors.New("answer is empty"))
	case body[0] == '<':
		return resp, transport(errors.New("answer is HTML, not JSON"))
	case body[0] != '{':
		return resp, transport(errors.New("answer is not the JSON envelope"))
	}
	// From here on the body claims to be the envelope: any malformed byte in
	// it is a DecodeError. The scan checks the envelope's own structure;
	// encoding/json checks every key and every value but data, which is
	// checked in full by whatever reads it below (json.Unmarshal always is).
	malformed := func() error { return cl.decodeError(body, "answer is not valid JSON", nil) }
	var retRaw, msgRaw, data []byte
	valid := true
	end, err := jsonscan.ObjectEnd(body, func(key, value []byte) bool {
		if !validToken(key) {
			valid = false
			return false
		}
		switch {
		case keyIs(key, "data"):
			if data != nil && !json.Valid(data) { // a repeated data: the last one counts
				valid = false
				return false
			}
			data = value
			return true
		case keyIs(key, "ret"):
			retRaw = value
		case keyIs(key, "msg"):
			msgRaw = value
		}
		valid = validToken(value)
		return valid
	})
	if err != nil || !valid || end != len(body) {
		return resp, malformed()
	}
	notEnvelope := func(why string) error {
		if data != nil && !json.Valid(data) {
			return malformed()
		}
		return transport(errors.New(why))
	}
	ret, retText, ok := readRet(retRaw)
	if !ok {
		return resp, notEnvelope("answer has no ret")
	}
	var msg phpjson.String
	if msgRaw != nil && msg.UnmarshalJSON(msgRaw) != nil {
		return resp, notEnvelope("answer's msg is not text")
	}
	resp.Ret, resp.Msg, resp.Data = ret, string(msg), data
	if ret != 200 || retText != "" {
		if data != nil && !json.Valid(data) {
			return resp, malformed()
		}
		r := cl.redactor()
		return resp, &APIError{Service: service, Ret: ret, RetText: r.redact(retText), Msg: r.redact(resp.Msg)}
	}
	if len(data) == 0 || bytes.Equal(data, jsonNull) || jsonscan.IsEmptyArray(data) {
		data = jsonEmptyObj
	}
	if data[0] != '{' {
		if !json.Valid(data) {
			return resp, malformed()
		}
		return resp, cl.decodeError(data, "data is not an object", nil)
	}
	var code, errMsg []byte
	if err := jsonscan.ObjectFields(data, func(key, value []byte) bool {
		switch {
		case keyIs(key, "err_code"):
			code = value
		case keyIs(key, "err_msg"):
			errMsg = value
		}
		return true
	}); err != nil {
		return resp, malformed()
	}
	if out == nil || code != nil && !isZeroCode(code) {
		// Nothing else will read data: check it here.
		if !json.Valid(data) {
			return resp, malformed()
		}
	}
	if code != nil {
		var n phpjson.Int
		if err := n.UnmarshalJSON(code); err != nil {
			return resp, cl.decodeError(data, "err_code", err)
		}
		if n != 0 {
			var m phpjson.String
			_ = m.UnmarshalJSON(errMsg) // an unreadable err_msg is no reason to hide the code
			pe := &PluginError{Service: service, Code: int(n), Msg: cl.redactor().redact(string(m))}
			if cl.req.Codes != nil {
				pe.Err = cl.req.Codes(pe.Code)
			}
			return resp, pe
		}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			if !json.Valid(data) { // not a nested UnmarshalJSON's own syntax error
				return resp, malformed()
			}
			return resp, cl.decodeError(data, "data does not have the expected shape", err)
		}
	}
	return resp, nil
}

// validToken is json.Valid with a fast path for what an envelope's keys,
// ret and msg almost always are: a string without escapes or an integer
// (json.Valid on each costs a Send several percent: BENCHMARKS.md).
func validToken(b []byte) bool {
	switch {
	case len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"':
		for _, c := range b[1 : len(b)-1] {
			if c < 0x20 || c == '"' || c == '\\' {
				return json.Valid(b)
			}
		}
		return true
	case len(b) == 1 && b[0] == '0':
		return true
	case len(b) > 0 && '1' <= b[0] && b[0] <= '9':
		for _, c := range b {
			if c < '0' || c > '9' {
				return json.Valid(b)
			}
		}
		return true
	}
	return json.Valid(b)
}

// keyIs reports whether the quoted JSON key is name, ignoring ASCII case as
// encoding/json does.
func keyIs(key []byte, name string) bool {
	return len(key) == len(name)+2 && bytes.EqualFold(key[1:len(key)-1], []byte(name))
}

// isZeroCode reports whether an err_code token reads as 0.
func isZeroCode(b []byte) bool {
	var n phpjson.Int
	return n.UnmarshalJSON(b) == nil && n == 0
}

// readRet reads the envelope's ret: an integer (as a number or a numeric
// string), or the text of a non-numeric one such as "HY000". ok is false when
// there is none.
func readRet(raw json.RawMessage) (ret int, text string, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, jsonNull) {
		return 0, "", false
	}
	var n phpjson.Int
	if n.UnmarshalJSON(raw) == nil {
		return int(n), "", true
	}
	if s, ok := jsonscan.Unquote(raw); ok && strings.TrimSpace(s) != "" {
		return 0, strings.TrimSpace(s), true
	}
	return 0, "", false
}

func (cl *call) decodeError(data []byte, reason string, err error) *DecodeError {
	r := cl.redactor()
	if handsOutToken(cl.req.Service) {
		// The data may hold the token the call hands out, which no list of
		// secrets knows yet: token-like runs are hidden too.
		return &DecodeError{Service: cl.req.Service, Data: []byte(r.unread(string(data))), Reason: r.unread(reason), Err: r.unreadErr(err), Excerpt: r.unreadExcerpt(data)}
	}
	return &DecodeError{Service: cl.req.Service, Data: r.redactBytes(data), Reason: r.redact(reason), Err: r.err(err), Excerpt: r.excerpt(data)}
}

// handsOutToken reports whether service's answer may hold a token it hands
// out, by its name: a login or a registration (App.User.Login), or any call
// whose name says token or session. An answer to such a call that the SDK
// cannot read is kept in errors (and in Response.Data after one) only with
// every run of 16 or more ASCII letters and digits hidden.
func handsOutToken(service string) bool {
	s := asciiLower(service)
	return strings.Contains(s, "login") || strings.Contains(s, "register") || strings.Contains(s, "signup") ||
		strings.Contains(s, "token") || strings.Contains(s, "session")
}
