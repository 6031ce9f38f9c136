package okayapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

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
