package okayapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

var allSentinels = map[string]error{
	"ErrNotLoggedIn":      okayapi.ErrNotLoggedIn,
	"ErrBadAppKey":        okayapi.ErrBadAppKey,
	"ErrBadSignature":     okayapi.ErrBadSignature,
	"ErrNoSuchService":    okayapi.ErrNoSuchService,
	"ErrBadRequest":       okayapi.ErrBadRequest,
	"ErrServer":           okayapi.ErrServer,
	"ErrTransport":        okayapi.ErrTransport,
	"ErrResponseTooLarge": okayapi.ErrResponseTooLarge,
	"ErrInvalidParam":     okayapi.ErrInvalidParam,
	"ErrLoginFailed":      okayapi.ErrLoginFailed,
	"ErrPlugin":           okayapi.ErrPlugin,
	"ErrRedirect":         okayapi.ErrRedirect,
	"ErrClosed":           okayapi.ErrClosed,
}

// assertSentinels checks that err matches exactly the sentinels named in want.
func assertSentinels(t *testing.T, err error, want ...string) {
	t.Helper()
	is := map[string]bool{}
	for _, name := range want {
		is[name] = true
	}
	for name, sentinel := range allSentinels {
		assert.Equal(t, is[name], errors.Is(err, sentinel), "errors.Is(err, %s)", name)
	}
}

func TestAPIErrorTaxonomy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ret     int
		msg     string
		matches []string
		arrived bool
	}{
		{"missing parameter", 400, "客户端非法请求：缺少必要参数app_key", []string{"ErrBadRequest"}, false},
		{"wrong signature", 400, "非法请求：签名错误", []string{"ErrBadSignature", "ErrBadRequest"}, false},
		{"wrong signature in English", 400, "Illegal request: wrong sign", []string{"ErrBadSignature", "ErrBadRequest"}, false},
		{"signature, the word", 400, "Invalid Signature.", []string{"ErrBadSignature", "ErrBadRequest"}, false},
		{"a parameter that contains sign", 400, "客户端非法请求：缺少必要参数design_id", []string{"ErrBadRequest"}, false},
		{"a parameter that starts with sign", 400, "客户端非法请求：缺少必要参数signature_x", []string{"ErrBadRequest"}, false},
		{"not logged in", 401, "用户未登录，或登录凭证已过期", []string{"ErrNotLoggedIn", "ErrBadRequest"}, false},
		{"no such service", 404, "接口服务App.No.Such不存在", []string{"ErrNoSuchService", "ErrBadRequest"}, false},
		{"bad app key", 406, "客户端非法请求：非法app_key，请核对你所在的接口域名", []string{"ErrBadAppKey", "ErrBadRequest"}, false},
		{"another 4xx", 402, "", []string{"ErrBadRequest"}, false},
		{"401 mentioning a signature", 401, "签名", []string{"ErrNotLoggedIn", "ErrBadSignature", "ErrBadRequest"}, false},
		{"PhalApi's stock signature filter answers 406", 406, "非法请求：签名错误", []string{"ErrBadSignature", "ErrBadRequest"}, false},
		{"a signature error at another 4xx", 403, "wrong signature", []string{"ErrBadSignature", "ErrBadRequest"}, false},
		{"an uncaught exception in debug mode: ret 0", 0, "Call to a member function fetch() on null", []string{"ErrServer"}, true},
		{"an exception with a negative code", -1, "x", []string{"ErrServer"}, true},
		{"an exception with a 3-digit code", 300, "x", []string{"ErrServer"}, true},
		{"top of the 4xx range", 499, "x", []string{"ErrBadRequest"}, false},
		{"server error", 500, "服务器运行错误", []string{"ErrServer"}, true},
		{"service unavailable", 503, "", []string{"ErrServer"}, true},
		{"top of the 5xx range", 599, "", []string{"ErrServer"}, true},
		{"an unknown ret", 302, "", []string{"ErrServer"}, true},
		{"past the 5xx range", 600, "", []string{"ErrServer"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, envelope(tt.ret, `{}`, tt.msg)))
			// Idempotent with retries on: an envelope is never retried.
			c := h.client(okayapi.WithRetries(2, 0, 0))
			var out struct{}
			resp, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember, Idempotent: true}, &out)
			require.Error(t, err)
			assertSentinels(t, err, tt.matches...)

			var ae *okayapi.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.ret, ae.Ret)
			assert.Equal(t, tt.msg, ae.Msg)
			assert.Equal(t, testSvc, ae.Service)
			assert.Contains(t, err.Error(), testSvc)
			assert.Contains(t, err.Error(), fmt.Sprint(tt.ret))
			assert.Equal(t, tt.arrived, okayapi.MayHaveArrived(err))

			require.NotNil(t, resp, "the envelope is returned with the error")
			assert.Equal(t, tt.ret, resp.Ret)
			assert.Equal(t, tt.msg, resp.Msg)
			assert.Equal(t, 1, h.calls(), "an envelope is never retried")
		})
	}
}

var (
	errSelf       = errors.New("chat: to yourself")
	errSendFailed = errors.New("chat: send failed")
)

func chatCodes(code int) error {
	switch code {
	case 1:
		return errSelf
	case 2:
		return errSendFailed
	}
	return nil
}

func TestPluginError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		data     string
		codes    func(int) error
		code     int
		msg      string
		sentinel error
	}{
		{"mapped code", `{"err_code":2,"err_msg":"发送失败"}`, chatCodes, 2, "发送失败", errSendFailed},
		{"code as a string", `{"err_code":"1","err_msg":"不能给自己发"}`, chatCodes, 1, "不能给自己发", errSelf},
		{"unmapped code", `{"err_code":7,"err_msg":"?"}`, chatCodes, 7, "?", nil},
		{"no mapper", `{"err_code":9,"err_msg":"插件未安装"}`, nil, 9, "插件未安装", nil},
		{"no err_msg", `{"err_code":3}`, chatCodes, 3, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, ok(tt.data))
			var out struct {
				ID phpjson.Int `json:"id"`
			}
			resp, err := h.client(okayapi.WithRetries(2, 0, 0)).Do(context.Background(),
				&okayapi.Request{Service: testSvc, Member: testMember, Idempotent: true, Codes: tt.codes}, &out)
			require.Error(t, err)
			assert.ErrorIs(t, err, okayapi.ErrPlugin)
			var pe *okayapi.PluginError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.code, pe.Code)
			assert.Equal(t, tt.msg, pe.Msg)
			assert.Equal(t, testSvc, pe.Service)
			if tt.sentinel != nil {
				assert.ErrorIs(t, err, tt.sentinel)
				assert.Same(t, tt.sentinel, errors.Unwrap(err))
			} else {
				assert.NoError(t, errors.Unwrap(err))
			}
			for _, other := range []error{errSelf, errSendFailed} {
				if other != tt.sentinel {
					assert.NotErrorIs(t, err, other)
				}
			}
			assertSentinels(t, err, "ErrPlugin")
			assert.False(t, okayapi.MayHaveArrived(err), "the plugin refused the call")
			assert.Contains(t, err.Error(), fmt.Sprintf("err_code %d", tt.code))
			if tt.msg == "" {
				assert.Contains(t, err.Error(), "no err_msg")
			}
			require.NotNil(t, resp)
			assert.Equal(t, 200, resp.Ret)
			assert.Equal(t, 1, h.calls())
		})
	}
}

const nginx502 = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx/1.18.0</center>
</body>
</html>
<!-- a padding comment to make the page longer than any excerpt ............................................. -->
<!-- a padding comment to make the page longer than any excerpt ............................................. -->
`

func TestTransportErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  int
		body    string
		excerpt string // a prefix of the excerpt
	}{
		{"HTTP 502 HTML page", 502, nginx502, "<html> <head><title>502 Bad Gateway</title></head>"},
		{"HTTP 500 with an envelope", 500, envelope(200, `{}`, ""), `{"ret":200`},
		{"HTTP 404 empty", 404, "", ""},
		{"HTTP 200 with HTML", 200, "<!DOCTYPE html><html><body>PHP Fatal error</body></html>", "<!DOCTYPE html>"},
		{"HTTP 200 with plain text", 200, "Fatal error: Allowed memory size exhausted", "Fatal error:"},
		{"HTTP 200 empty", 200, "", ""},
		{"JSON without ret", 200, `{"data":{},"msg":"hello"}`, `{"data":{},"msg":"hello"}`},
		{"ret null", 200, `{"ret":null,"data":{},"msg":""}`, `{"ret":null`},
		{"JSON null", 200, `null`, "null"},
		{"JSON array", 200, `[{"ret":200}]`, `[{"ret":200}]`},
		{"ret is an object", 200, `{"ret":{"code":200},"data":{}}`, `{"ret":{"code":200}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, httpmock.NewStringResponder(tt.status, tt.body))
			resp, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, &struct{}{})
			require.Error(t, err)
			assertSentinels(t, err, "ErrTransport")
			var te *okayapi.TransportError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tt.status, te.StatusCode)
			assert.Equal(t, testSvc, te.Service)
			assert.Equal(t, 1, te.Attempts)
			assert.True(t, te.MayHaveArrived)
			assert.True(t, okayapi.MayHaveArrived(err))
			assert.True(t, strings.HasPrefix(te.Excerpt, tt.excerpt), "excerpt %q", te.Excerpt)
			assert.LessOrEqual(t, len(strings.TrimSuffix(te.Excerpt, "…")), 120, "the excerpt is short")
			assert.NotContains(t, te.Excerpt, "\n")
			if tt.status != 200 {
				assert.Contains(t, err.Error(), fmt.Sprintf("HTTP %d", tt.status))
			}
			assert.Contains(t, err.Error(), "may have reached the service")
			require.NotNil(t, resp)
			assert.Equal(t, tt.status, resp.StatusCode)
		})
	}
}

func TestTransportError502ExcerptIsCut(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, httpmock.NewStringResponder(502, nginx502))
	_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	var te *okayapi.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 502, te.StatusCode)
	assert.True(t, strings.HasSuffix(te.Excerpt, "…"), "the page is longer than the excerpt")
	assert.Less(t, len(te.Excerpt), len(nginx502)/2)
	assert.NotContains(t, te.Excerpt, "nginx/1.18.0 </center> </body>", "the excerpt stops early")
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	type shape struct {
		N int `json:"n"`
	}
	tests := []struct {
		name   string
		data   string
		reason string
	}{
		{"data is a string", `"hello"`, "not an object"},
		{"data is a number", `12`, "not an object"},
		{"data is a non-empty array", `[1,2]`, "not an object"},
		{"err_code is garbage", `{"err_code":"abc"}`, "err_code"},
		{"data does not fit out", `{"err_code":0,"n":"twelve"}`, "expected shape"},
		{"data field of the wrong kind", `{"n":{"a":1}}`, "expected shape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, ok(tt.data))
			var out shape
			resp, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, &out)
			require.Error(t, err)
			var de *okayapi.DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, testSvc, de.Service)
			assert.Contains(t, de.Reason, tt.reason)
			assert.NotEmpty(t, de.Excerpt)
			assert.ErrorIs(t, err, okayapi.ErrTransport, "a decode error is a kind of transport failure")
			assert.NotErrorIs(t, err, okayapi.ErrPlugin)
			assert.True(t, okayapi.MayHaveArrived(err), "the call was processed")
			require.NotNil(t, resp)
			assert.Equal(t, 200, resp.Ret)
		})
	}
}

func TestDecodeErrorUnwrapsTheJSONError(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, ok(`{"n":"twelve"}`))
	var out struct {
		N int `json:"n"`
	}
	_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, &out)
	var ute *json.UnmarshalTypeError
	require.ErrorAs(t, err, &ute)
	assert.Equal(t, "n", ute.Field)
}

func TestBodySizeLimit(t *testing.T) {
	t.Parallel()
	const limit = 64
	exact := envelope(200, `{}`, "")
	exact += strings.Repeat(" ", limit-len(exact)) // JSON allows trailing white space
	require.Len(t, exact, limit)

	t.Run("exactly the limit", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, exact))
		_, err := h.client(okayapi.WithMaxResponseSize(limit)).Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
		require.NoError(t, err)
	})
	t.Run("one byte more", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, exact+" "))
		_, err := h.client(okayapi.WithMaxResponseSize(limit)).Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
		require.Error(t, err)
		assert.ErrorIs(t, err, okayapi.ErrResponseTooLarge)
		assert.ErrorIs(t, err, okayapi.ErrTransport)
		var te *okayapi.TransportError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, http.StatusOK, te.StatusCode)
		assert.True(t, okayapi.MayHaveArrived(err))
	})
	t.Run("far larger", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, envelope(200, `{"blob":"`+strings.Repeat("x", 1<<16)+`"}`, "")))
		_, err := h.client(okayapi.WithMaxResponseSize(1024)).Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
		assert.ErrorIs(t, err, okayapi.ErrResponseTooLarge)
		assert.Less(t, len(err.Error()), 1024)
	})
}

// TestErrorsHideSecrets makes the service echo the token, the app secret and
// the sign value back in every place an error shows something of the answer.
func TestErrorsHideSecrets(t *testing.T) {
	t.Parallel()
	// echo returns the secrets of this request, in upper and lower case.
	echo := func(req *http.Request) string {
		_ = req.ParseForm()
		sig := req.PostForm.Get("sign")
		return "token=" + testToken + " secret=" + testSecret + " sign=" + sig +
			" lower=" + strings.ToLower(testToken) + "," + strings.ToLower(sig) + "," + strings.ToLower(testSecret)
	}
	tests := []struct {
		name   string
		answer func(req *http.Request) (*http.Response, error)
	}{
		{"APIError msg", func(req *http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(200, envelope(401, `{}`, "bad login "+echo(req))), nil
		}},
		{"APIError 400 msg", func(req *http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(200, envelope(400, `{}`, "非法请求：签名错误 "+echo(req))), nil
		}},
		{"PluginError err_msg", func(req *http.Request) (*http.Response, error) {
			m, _ := json.Marshal(echo(req))
			return httpmock.NewStringResponse(200, envelope(200, `{"err_code":2,"err_msg":`+string(m)+`}`, "")), nil
		}},
		{"HTTP 502 page", func(req *http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(502, "<html><body>"+echo(req)+"</body></html>"), nil
		}},
		{"token straddling the excerpt cut", func(req *http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(502, strings.Repeat("x", 100)+testToken+strings.Repeat("y", 200)), nil
		}},
		{"sign straddling the excerpt cut", func(req *http.Request) (*http.Response, error) {
			_ = req.ParseForm()
			return httpmock.NewStringResponse(502, strings.Repeat("x", 110)+req.PostForm.Get("sign")+strings.Repeat("y", 200)), nil
		}},
		{"secret straddling the excerpt cut", func(req *http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(200, strings.Repeat("x", 90)+testSecret+strings.Repeat("y", 200)), nil
		}},
		{"request body echoed in a non-JSON answer", func(req *http.Request) (*http.Response, error) {
			b := new(strings.Builder)
			_ = req.ParseForm()
			b.WriteString("Warning: bad input ")
			b.WriteString(req.PostForm.Encode())
			return httpmock.NewStringResponse(200, b.String()), nil
		}},
		{"DecodeError data", func(req *http.Request) (*http.Response, error) {
			m, _ := json.Marshal(echo(req))
			return httpmock.NewStringResponse(200, envelope(200, `[`+string(m)+`]`, "")), nil
		}},
		{"DecodeError value that does not fit", func(req *http.Request) (*http.Response, error) {
			_ = req.ParseForm()
			return httpmock.NewStringResponse(200, envelope(200, `{"n":"`+testToken+`","m":"`+req.PostForm.Get("sign")+`"}`, "")), nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, tt.answer)
			var out struct {
				N phpjson.Int `json:"n"`
			}
			_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, &out)
			require.Error(t, err)
			sig := h.only().Form.Get("sign")
			require.Len(t, sig, 32)
			msg := err.Error()
			for _, secret := range []string{testToken, testSecret, sig} {
				for _, form := range []string{secret, strings.ToLower(secret)} {
					assert.NotContains(t, msg, form)
					assert.NotContains(t, msg, form[:12], "not even the start of a secret")
					assert.NotContains(t, fmt.Sprintf("%+v", err), form)
				}
			}
			assert.Contains(t, msg, "<redacted>", "what was hidden is marked")
		})
	}
}

// TestErrorsHideURLEncodedSecrets: a token that form encoding changes is
// hidden in its encoded form too, as a service echoing the raw body shows it.
func TestErrorsHideURLEncodedSecrets(t *testing.T) {
	t.Parallel()
	token := "tok+en/with=chars&more%stuff"
	encoded := url.QueryEscape(token)
	require.NotEqual(t, token, encoded)
	h := newHarness(t)
	h.on(queryURL, func(req *http.Request) (*http.Response, error) {
		body, _ := io.ReadAll(req.Body)
		return httpmock.NewStringResponse(200, "Warning: bad input "+string(body)), nil
	})
	member := okayapi.NewMember(testUUID, token)
	_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc, Member: member}, nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), encoded)
	assert.NotContains(t, err.Error(), token)
	assert.Contains(t, err.Error(), "<redacted>")
}

func TestMayHaveArrived(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"invalid param", &okayapi.InvalidParamError{Field: "uuid", Rule: "r"}, false},
		{"bare ErrInvalidParam", fmt.Errorf("wrapped: %w", okayapi.ErrInvalidParam), false},
		{"ret 400", &okayapi.APIError{Ret: 400}, false},
		{"ret 401", &okayapi.APIError{Ret: 401}, false},
		{"ret 406", &okayapi.APIError{Ret: 406}, false},
		{"ret 500", &okayapi.APIError{Ret: 500}, true},
		{"ret 503", &okayapi.APIError{Ret: 503}, true},
		{"wrapped ret 502", fmt.Errorf("chat: %w", &okayapi.APIError{Ret: 502}), true},
		{"ret 0: an uncaught exception", &okayapi.APIError{Ret: 0}, true},
		{"ret HY000: a database exception", &okayapi.APIError{RetText: "HY000"}, true},
		{"ret 302", &okayapi.APIError{Ret: 302}, true},
		{"plugin error", &okayapi.PluginError{Code: 2}, false},
		{"wrapped plugin error", fmt.Errorf("chat: %w", &okayapi.PluginError{Code: 2}), false},
		{"transport, never sent", &okayapi.TransportError{MayHaveArrived: false}, false},
		{"transport, maybe sent", &okayapi.TransportError{MayHaveArrived: true}, true},
		{"decode error", &okayapi.DecodeError{Reason: "r"}, true},
		{"unknown error", errors.New("something else"), true},
		{"context canceled alone", context.Canceled, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, okayapi.MayHaveArrived(tt.err))
		})
	}
}

// TestMayHaveArrivedFromDo checks each failure as Do reports it.
func TestMayHaveArrivedFromDo(t *testing.T) {
	t.Parallel()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	tests := []struct {
		name   string
		answer httpmock.Responder
		want   bool
	}{
		{"success", ok(`{}`), false},
		{"ret 401", httpmock.NewStringResponder(200, envelope(401, `{}`, "x")), false},
		{"ret 500", httpmock.NewStringResponder(200, envelope(500, `{}`, "x")), true},
		{"err_code", ok(`{"err_code":1}`), false},
		{"dial error: never sent", httpmock.NewErrorResponder(dial), false},
		{"DNS error: never sent", httpmock.NewErrorResponder(&net.DNSError{Err: "no such host", Name: "api.example.test", IsNotFound: true}), false},
		{"connection reset", httpmock.NewErrorResponder(&net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}), true},
		{"other network error", httpmock.NewErrorResponder(errors.New("unexpected EOF")), true},
		{"HTTP 502", httpmock.NewStringResponder(502, nginx502), true},
		{"decode error", ok(`"x"`), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, tt.answer)
			_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
			assert.Equal(t, tt.want, okayapi.MayHaveArrived(err), "%v", err)
			var te *okayapi.TransportError
			if errors.As(err, &te) {
				assert.Equal(t, tt.want, te.MayHaveArrived)
				if tt.want {
					assert.Contains(t, err.Error(), "may have reached the service")
				} else {
					assert.Contains(t, err.Error(), "did not reach the service")
				}
			}
		})
	}
	t.Run("invalid param", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: "bad"}, nil)
		require.Error(t, err)
		assert.False(t, okayapi.MayHaveArrived(err))
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(queryURL, func(req *http.Request) (*http.Response, error) {
			<-req.Context().Done() // the service is slow: the request did arrive
			return nil, req.Context().Err()
		})
		c := h.client(okayapi.WithTimeout(20 * time.Millisecond))
		_, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
		require.Error(t, err)
		assert.ErrorIs(t, err, okayapi.ErrTransport)
		assert.True(t, okayapi.MayHaveArrived(err))
	})
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	t.Run("whether the call took effect", func(t *testing.T) {
		t.Parallel()
		for ret, want := range map[int]string{400: "not carried out", 401: "not carried out", 406: "not carried out", 499: "not carried out", 500: "may have taken effect", 503: "may have taken effect", 0: "may have taken effect", 399: "may have taken effect"} {
			assert.Contains(t, (&okayapi.APIError{Service: testSvc, Ret: ret, Msg: "x"}).Error(), want, "ret %d", ret)
		}
		assert.Contains(t, (&okayapi.PluginError{Service: testSvc, Code: 2, Msg: "发送失败"}).Error(), "not carried out")
	})
	t.Run("InvalidParamError", func(t *testing.T) {
		t.Parallel()
		err := &okayapi.InvalidParamError{Field: "other_uuid", Rule: "must be a 32-character member uuid", Value: strings.Repeat("ab", 40)}
		msg := err.Error()
		assert.Contains(t, msg, "other_uuid")
		assert.Contains(t, msg, "must be a 32-character member uuid")
		assert.Contains(t, msg, "…", "a long value is shortened")
		assert.Contains(t, msg, "nothing was sent")
		assert.Less(t, len(msg), 160)
	})
	t.Run("TransportError", func(t *testing.T) {
		t.Parallel()
		err := &okayapi.TransportError{Service: testSvc, StatusCode: 503, Attempts: 3, Excerpt: "busy", MayHaveArrived: true, Err: errors.New("HTTP status 503")}
		msg := err.Error()
		for _, want := range []string{testSvc, "HTTP 503", `"busy"`, "after 3 attempts", "may have reached"} {
			assert.Contains(t, msg, want)
		}
		assert.Contains(t, (&okayapi.TransportError{Service: testSvc}).Error(), "did not reach")
	})
	t.Run("DecodeError", func(t *testing.T) {
		t.Parallel()
		cause := errors.New("cause")
		err := &okayapi.DecodeError{Service: testSvc, Reason: "data is not an object", Excerpt: `"x"`, Err: cause}
		assert.Contains(t, err.Error(), "data is not an object")
		assert.Contains(t, err.Error(), "cause")
		assert.Contains(t, err.Error(), "the call may have taken effect")
		assert.ErrorIs(t, err, cause)
	})
}
