package okayapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
	"github.com/okayapi-go/sdk/sign"
)

// sendParams is a call's own parameters as a plugin package writes them.
type sendParams struct {
	OtherUUID string `url:"other_uuid"`
	Type      string `url:"chat_message_type"`
	Data      string `url:"chat_message_data"`
	Note      string `url:"note,omitempty"`
	Count     int    `url:"count"`
}

// awkward holds every character the official Go client forgets to escape.
const awkward = `{"text":"a&b+c #1 100% =ok? 你好 \/"}`

func keys(v url.Values) []string {
	out := make([]string, 0, len(v))
	for k := range v {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestDoMatchesPublicSignatureVector(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(testBase+"/?s=Hello.World", ok(`{}`))
	c := h.client()

	_, err := c.Do(context.Background(), &okayapi.Request{
		Service: "Hello.World",
		Params:  url.Values{"name": {"dogstar"}},
	}, nil)
	require.NoError(t, err)

	got := h.only()
	// The vector from docs/wire.md: s=Hello.World, name=dogstar, this app key and secret.
	assert.Equal(t, "908AA11EC46BB439184B64BA68315718", got.Form.Get("sign"))
	assert.Equal(t, wiretest.Sign(signedFields(got), testSecret), got.Form.Get("sign"))
}

func TestDoQueryFormRequestShape(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, ok(`{"err_code":0}`))
	c := h.client()

	resp, err := c.Do(context.Background(), &okayapi.Request{
		Service: testSvc,
		Member:  testMember,
		Params:  sendParams{OtherUUID: "AAAABBBBCCCCDDDDEEEEFFFF00001111", Type: "text", Data: awkward, Count: 3},
	}, nil)
	require.NoError(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, 200, resp.Ret)
	assert.Equal(t, 1, resp.Attempts)

	got := h.only()
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "application/x-www-form-urlencoded", got.Header.Get("Content-Type"))
	assert.Equal(t, okayapi.DefaultUserAgent, got.Header.Get("User-Agent"))
	assert.Equal(t, "/", got.URL.Path)
	assert.Equal(t, url.Values{"s": {testSvc}}, got.URL.Query(), "only s travels in the URL")
	assert.NotContains(t, got.URL.String(), testToken)
	assert.NotContains(t, got.URL.String(), got.Form.Get("sign"))

	assert.Equal(t, []string{"app_key", "chat_message_data", "chat_message_type", "count", "other_uuid", "sign", "token", "uuid"},
		keys(got.Form), "s is not repeated in the body; omitempty fields are left out")
	for name, want := range map[string]string{
		"app_key":           testAppKey,
		"uuid":              testUUID,
		"token":             testToken,
		"other_uuid":        "AAAABBBBCCCCDDDDEEEEFFFF00001111",
		"chat_message_type": "text",
		"chat_message_data": awkward,
		"count":             "3",
	} {
		assert.Equal(t, []string{want}, got.Form[name], name)
	}
	// The raw body escapes what a form must escape.
	assert.NotContains(t, got.Body, "a&b")
	assert.NotContains(t, got.Body, " ")

	require.Len(t, got.Form["sign"], 1)
	assert.Equal(t, wiretest.Sign(signedFields(got), testSecret), got.Form.Get("sign"), "sign covers s from the URL and every body field")
}

func TestDoPathFormRequestShape(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(testBase+"/api/App/User/Login", ok(`{"err_code":0}`))
	c := h.client(okayapi.WithURLForm(okayapi.PathForm))

	_, err := c.Do(context.Background(), &okayapi.Request{
		Service: "App.User.Login",
		Params:  url.Values{"username": {"dogstar"}, "password": {md5Hex("secret")}},
	}, nil)
	require.NoError(t, err)

	got := h.only()
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "/api/App/User/Login", got.URL.Path)
	assert.Empty(t, got.URL.RawQuery, "nothing travels in the URL")
	assert.Equal(t, []string{"app_key", "password", "s", "sign", "username"}, keys(got.Form))
	assert.Equal(t, "App.User.Login", got.Form.Get("s"), "s is sent in the body")
	assert.Equal(t, wiretest.Sign(got.Form, testSecret), got.Form.Get("sign"))
}

func TestDoBaseURLWithPathPrefix(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"https://gw.example.test/okay", "https://gw.example.test/okay/", "https://gw.example.test/okay//"} {
		for _, form := range []okayapi.URLForm{okayapi.QueryForm, okayapi.PathForm} {
			t.Run(base+" "+form.String(), func(t *testing.T) {
				t.Parallel()
				h := newHarness(t)
				want := "https://gw.example.test/okay/?s=App.User.Profile"
				if form == okayapi.PathForm {
					want = "https://gw.example.test/okay/api/App/User/Profile"
				}
				h.on(want, ok(`{}`))
				c, err := okayapi.New(base, testAppKey, okayapi.WithHTTPClient(h.hc), okayapi.WithURLForm(form), okayapi.WithRetries(0, 0, 0))
				require.NoError(t, err)

				_, err = c.Do(context.Background(), &okayapi.Request{Service: "App.User.Profile"}, nil)
				require.NoError(t, err, "the request must go to %s", want)
				got := h.only()
				assert.Equal(t, want, got.URL.String())
			})
		}
	}
}

func TestDoURLValuesParams(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, ok(`{}`))
	c := h.client()

	params := url.Values{"other_uuid": {"AAAABBBBCCCCDDDDEEEEFFFF00001111"}, "chat_message_data": {awkward}}
	before := url.Values{"other_uuid": {"AAAABBBBCCCCDDDDEEEEFFFF00001111"}, "chat_message_data": {awkward}}
	_, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember, Params: params}, nil)
	require.NoError(t, err)

	assert.Equal(t, before, params, "the caller's url.Values are not changed")
	got := h.only()
	assert.Equal(t, []string{"app_key", "chat_message_data", "other_uuid", "sign", "token", "uuid"}, keys(got.Form))
	assert.Equal(t, awkward, got.Form.Get("chat_message_data"))
	assert.Equal(t, wiretest.Sign(signedFields(got), testSecret), got.Form.Get("sign"))
}

func TestDoPointerToStructParams(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, ok(`{}`))
	c := h.client()

	_, err := c.Do(context.Background(), &okayapi.Request{
		Service: testSvc, Member: testMember,
		Params: &sendParams{OtherUUID: "X", Type: "text", Data: "hi", Note: "n"},
	}, nil)
	require.NoError(t, err)
	got := h.only()
	assert.Equal(t, "n", got.Form.Get("note"))
	assert.Equal(t, "hi", got.Form.Get("chat_message_data"))
}

func TestDoAnonymousCallSendsNoLoginState(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(testBase+"/?s=App.Hello.World", ok(`{}`))
	c := h.client()

	_, err := c.Do(context.Background(), &okayapi.Request{Service: "App.Hello.World"}, nil)
	require.NoError(t, err)
	got := h.only()
	assert.Equal(t, []string{"app_key", "sign"}, keys(got.Form))
	assert.Equal(t, wiretest.Sign(signedFields(got), testSecret), got.Form.Get("sign"))
}

func TestDoSignModes(t *testing.T) {
	t.Parallel()
	const static = "5A9C1E7F0B3D42A8B6E1C9D7F3A0B2C4"
	tests := []struct {
		name   string
		signer sign.Signer
		check  func(t *testing.T, got captured)
	}{
		{"dynamic", sign.Dynamic(testSecret), func(t *testing.T, got captured) {
			require.Len(t, got.Form["sign"], 1)
			assert.Equal(t, wiretest.Sign(signedFields(got), testSecret), got.Form.Get("sign"))
		}},
		{"dynamic with another secret", sign.Dynamic("another-secret-value"), func(t *testing.T, got captured) {
			assert.Equal(t, wiretest.Sign(signedFields(got), "another-secret-value"), got.Form.Get("sign"))
			assert.NotEqual(t, wiretest.Sign(signedFields(got), testSecret), got.Form.Get("sign"))
		}},
		{"static", sign.Static(static), func(t *testing.T, got captured) {
			assert.Equal(t, []string{static}, got.Form["sign"])
		}},
		{"none", sign.None(), func(t *testing.T, got captured) {
			_, present := got.Form["sign"]
			assert.False(t, present, "no sign field at all")
			assert.NotContains(t, got.Body, "sign=")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, ok(`{}`))
			c, err := okayapi.New(testBase, testAppKey, okayapi.WithHTTPClient(h.hc), okayapi.WithSigner(tt.signer), okayapi.WithRetries(0, 0, 0))
			require.NoError(t, err)
			_, err = c.Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember, Params: url.Values{"x": {"1"}}}, nil)
			require.NoError(t, err)
			tt.check(t, h.only())
		})
	}
}

func TestDoWithoutSignerSendsNoSign(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, ok(`{}`))
	c, err := okayapi.New(testBase, testAppKey, okayapi.WithHTTPClient(h.hc))
	require.NoError(t, err)
	_, err = c.Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	require.NoError(t, err)
	_, present := h.only().Form["sign"]
	assert.False(t, present)
}

func TestDoUserAgent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, ok(`{}`))
	c := h.client(okayapi.WithUserAgent("my-backend/2.3"))
	_, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	require.NoError(t, err)
	assert.Equal(t, "my-backend/2.3", h.only().Header.Get("User-Agent"))
}

// requireInvalid checks that err is an *InvalidParamError naming field, and
// that no HTTP request was made.
func requireInvalid(t *testing.T, h *harness, err error, field string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, okayapi.ErrInvalidParam)
	var ipe *okayapi.InvalidParamError
	require.ErrorAs(t, err, &ipe)
	assert.Equal(t, field, ipe.Field)
	assert.Contains(t, err.Error(), field, "the message names the field")
	assert.False(t, okayapi.MayHaveArrived(err))
	assert.Equal(t, 0, h.calls(), "no HTTP request is made")
	assert.Empty(t, h.requests())
}

type reservedS struct {
	S string `url:"s"`
}
type reservedAppKey struct {
	AppKey string `url:"app_key"`
}
type reservedSign struct {
	Sign string `url:"sign"`
}
type reservedUUID struct {
	UUID string `url:"uuid"`
}
type reservedToken struct {
	Token string `url:"token"`
}
type reservedService struct {
	Service string `url:"service"`
}

func TestDoRejectsReservedParams(t *testing.T) {
	t.Parallel()
	structs := map[string]any{
		"s":       reservedS{"App.Other.Call"},
		"app_key": reservedAppKey{"X"},
		"sign":    reservedSign{"X"},
		"uuid":    reservedUUID{"X"},
		"token":   reservedToken{"X"},
		"service": reservedService{"App.Other.Call"},
	}
	for name, st := range structs {
		for kind, params := range map[string]any{"url.Values": url.Values{name: {"App.Other.Call"}}, "struct": st} {
			t.Run(name+" as "+kind, func(t *testing.T) {
				t.Parallel()
				h := newHarness(t)
				h.onAny(ok(`{}`))
				c := h.client()
				_, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember, Params: params}, nil)
				requireInvalid(t, h, err, name)
			})
		}
	}
}

func TestDoRejectsInvalidServiceNames(t *testing.T) {
	t.Parallel()
	for _, svc := range []string{
		"", "App", ".App.User", "App.User.", "App..User", "App.User Login", "App/User/Login",
		"App.User.Login?x=1", "App.User.Login&s=x", "App.用户.Login", "App.User-Login", strings.Repeat("A.", 64) + "B",
	} {
		t.Run(svc, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.onAny(ok(`{}`))
			c := h.client()
			_, err := c.Do(context.Background(), &okayapi.Request{Service: svc}, nil)
			requireInvalid(t, h, err, "service")
		})
	}
}

func TestDoAcceptsValidServiceNames(t *testing.T) {
	t.Parallel()
	for _, svc := range []string{"App.User.Login", "Hello.World", "App.Market_ChatMessage.GetAllUnreadNum", "App.Table_2.Get"} {
		t.Run(svc, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(testBase+"/?s="+svc, ok(`{}`))
			_, err := h.client().Do(context.Background(), &okayapi.Request{Service: svc}, nil)
			require.NoError(t, err)
			assert.Equal(t, 1, h.calls())
		})
	}
}

func TestDoRejectsHalfAMember(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		member okayapi.Member
		field  string
	}{
		{"uuid without token", okayapi.Member{UUID: testUUID}, "token"},
		{"token without uuid", okayapi.NewMember("", testToken), "uuid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.onAny(ok(`{}`))
			_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc, Member: tt.member}, nil)
			requireInvalid(t, h, err, tt.field)
			assert.NotContains(t, err.Error(), testToken)
		})
	}
}

func TestDoRejectsBadRequestDescriptions(t *testing.T) {
	t.Parallel()
	var nilPtr *struct{ N int }
	tests := []struct {
		name  string
		req   *okayapi.Request
		out   any
		field string
	}{
		{"nil request", nil, nil, "request"},
		{"params of an unsupported type", &okayapi.Request{Service: testSvc, Params: map[string]string{"a": "b"}}, nil, "params"},
		{"params as a plain string", &okayapi.Request{Service: testSvc, Params: "a=b"}, nil, "params"},
		{"out not a pointer", &okayapi.Request{Service: testSvc}, struct{ N int }{}, "out"},
		{"out a nil pointer", &okayapi.Request{Service: testSvc}, nilPtr, "out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.onAny(ok(`{"n":1}`))
			resp, err := h.client().Do(context.Background(), tt.req, tt.out)
			assert.Nil(t, resp)
			requireInvalid(t, h, err, tt.field)
		})
	}
}

func TestDoDecodesDataIntoOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, ok(`{"err_code":"0","err_msg":"","id":"12","is_read":"1","name":"\u4f60\u597d","ext":[],"items":{"3":"c","1":"a"}}`))
	c := h.client()

	var out struct {
		ID     phpjson.Int          `json:"id"`
		IsRead phpjson.Bool         `json:"is_read"`
		Name   phpjson.String       `json:"name"`
		Ext    phpjson.Object       `json:"ext"`
		Items  phpjson.List[string] `json:"items"`
	}
	resp, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, &out)
	require.NoError(t, err)
	assert.Equal(t, phpjson.Int(12), out.ID)
	assert.True(t, bool(out.IsRead))
	assert.Equal(t, phpjson.String("你好"), out.Name)
	assert.True(t, out.Ext.IsEmpty())
	assert.Equal(t, []string{"c", "a"}, out.Items.Items)

	assert.Equal(t, testSvc, resp.Service)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 200, resp.Ret)
	assert.Equal(t, "V2.5.1 YesApi test", resp.Msg)
	assert.JSONEq(t, `{"err_code":"0","err_msg":"","id":"12","is_read":"1","name":"你好","ext":[],"items":{"3":"c","1":"a"}}`, string(resp.Data))
}

func TestDoAcceptsEmptyData(t *testing.T) {
	t.Parallel()
	for _, data := range []string{`{}`, `[]`, `null`, `[ ]`} {
		t.Run(data, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, ok(data))
			var out struct {
				N phpjson.Int `json:"n"`
			}
			_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, &out)
			require.NoError(t, err)
			assert.Zero(t, out.N)
		})
	}
	t.Run("missing data", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, `{"ret":200,"msg":"ok"}`))
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, &struct{}{})
		require.NoError(t, err)
	})
}

func TestDoAcceptsRetAsString(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, `{"ret":"401","data":{},"msg":"用户未登录，或登录凭证已过期"}`))
	_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
	assert.ErrorIs(t, err, okayapi.ErrNotLoggedIn)
}

func TestDoAcceptsByteOrderMark(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, "\xEF\xBB\xBF\r\n"+`{"ret":200,"data":{"err_code":0,"n":"7"},"msg":"ok"}`))
	var out struct {
		N phpjson.Int `json:"n"`
	}
	_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, &out)
	require.NoError(t, err)
	assert.Equal(t, phpjson.Int(7), out.N)
}

func TestDoSignsRepeatedValuesAsPHPReadsThem(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(queryURL, ok(`{}`))
	_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc, Params: url.Values{"x": {"first", "last"}}}, nil)
	require.NoError(t, err)
	got := h.only()
	assert.Equal(t, []string{"first", "last"}, got.Form["x"])
	// PHP keeps the last of repeated fields, so that is what is signed.
	fields := signedFields(got)
	fields.Set("x", "last")
	assert.Equal(t, wiretest.Sign(fields, testSecret), got.Form.Get("sign"))
}

func TestDoPassesTheCallersContext(t *testing.T) {
	t.Parallel()
	// A context carrying values of its own still works and is passed to the transport.
	type key struct{}
	h := newHarness(t)
	var seen any
	h.on(queryURL, func(req *http.Request) (*http.Response, error) {
		seen = req.Context().Value(key{})
		return httpmock.NewStringResponse(http.StatusOK, envelope(200, `{}`, "")), nil
	})
	ctx := context.WithValue(context.Background(), key{}, "mine")
	_, err := h.client().Do(ctx, &okayapi.Request{Service: testSvc}, nil)
	require.NoError(t, err)
	assert.Equal(t, "mine", seen)
}

func TestDoErrorsAreNotMistakenForOthers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.onAny(ok(`{}`))
	_, err := h.client().Do(context.Background(), &okayapi.Request{Service: ""}, nil)
	require.Error(t, err)
	for _, other := range []error{okayapi.ErrTransport, okayapi.ErrPlugin, okayapi.ErrBadRequest, okayapi.ErrServer} {
		assert.False(t, errors.Is(err, other), "%v", other)
	}
}
