package okayapi

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/okayapi-go/sdk/okayapi/internal/jsonscan"
)

// FuzzDecodeVerdict: for any body that starts as the envelope, the SDK calls
// it malformed (a *DecodeError "answer is not valid JSON") exactly when
// encoding/json does (json.Valid), whether data is decoded or not.
func FuzzDecodeVerdict(f *testing.F) {
	for _, s := range []string{
		`{"ret":200,"data":{"err_code":0,"id":"12"},"msg":""}`,
		`{"ret":200,"data":{},"msg":"","x":[1 2 3]}`,
		`{"ret":"200","data":[],"msg":"\u4f60"}`,
		`{"ret":500,"data":null,"msg":"x"}`,
		`{"ret":200,"data":{"err_code":"1","err_msg":"no"},"msg":""}`,
		`{"ret":200,"data":{"a":[1,{"b":"}"}]},"debug":{"sql":["x"]},"msg":""}`,
		`{"ret":200,"data":{"err_code":0`,
		`{"ret":200,"data":{},"msg":""} `,
		`{"RET":200,"Data":{},"data":{"x":1},"msg":"a\/b"}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	c, err := New("https://api.example.test", "K")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, decode bool) {
		trimmed := jsonscan.TrimSpace(body)
		if len(trimmed) == 0 || trimmed[0] != '{' {
			return // not the envelope: a TransportError, whatever follows
		}
		var out any
		if decode {
			out = &map[string]any{}
		}
		cl := &call{c: c, req: &Request{Service: "App.Fuzz.Go"}}
		_, err := cl.decode(&Response{StatusCode: 200}, body, out)
		var de *DecodeError
		malformed := errors.As(err, &de) && de.Reason == "answer is not valid JSON"
		if malformed == json.Valid(body) {
			t.Fatalf("json.Valid %v, but the SDK says %v for %q", json.Valid(body), err, body)
		}
	})
}
