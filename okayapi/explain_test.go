package okayapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// Every ret the SDK knows carries an English explanation, with what to do,
// beside the service's own (Chinese) msg.
func TestAPIErrorExplainsTheRet(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		ret     int
		retText string
		msg     string
		want    string
	}{
		{400, "", "客户端非法请求：缺少必要参数other_uuid", "ret 400: 客户端非法请求：缺少必要参数other_uuid — bad request: a parameter is missing or malformed"},
		{400, "", "非法请求：签名错误", "— wrong signature: check the app secret"},
		{406, "", "非法请求：签名错误", "— wrong signature: check the app secret"},
		{401, "", "用户未登录，或登录凭证已过期", "ret 401: 用户未登录，或登录凭证已过期 — not logged in or the login expired: log the member in again; the call was not carried out"},
		{404, "", "非法请求：接口服务X不存在", "— no such service: check the service name"},
		{406, "", "客户端非法请求：非法app_key，请核对你所在的接口域名", "— app key not valid for this host: check the app key and the base URL"},
		{409, "", "x", "— the service refused the request"},
		{500, "", "服务器内部错误", "— server error: check what the call did before repeating it; the call may have taken effect"},
		{0, "", "SQLSTATE", "— an uncaught exception in the plugin"},
		{0, "HY000", "SQLSTATE[HY000]", `ret "HY000": SQLSTATE[HY000] — an uncaught exception in the plugin (a database error`},
		{302, "", "", "(no msg) — an unexpected ret"},
	} {
		err := &okayapi.APIError{Service: "App.X.Y", Ret: c.ret, RetText: c.retText, Msg: c.msg}
		assert.Contains(t, err.Error(), c.want)
		assert.Equal(t, 1, strings.Count(err.Error(), "okayapi: "), err.Error())
	}
}

// A plugin's err_code is explained by its sentinel, without its prefix.
func TestPluginErrorExplainsTheCode(t *testing.T) {
	t.Parallel()
	err := &okayapi.PluginError{Service: "App.User.Login", Code: 1, Msg: "账号或密码错误", Err: okayapi.ErrLoginFailed}
	assert.Equal(t, "okayapi: App.User.Login: err_code 1: 账号或密码错误 — login failed: wrong username or password, or a disabled account; the call was not carried out", err.Error())
	bare := &okayapi.PluginError{Service: "App.X.Y", Code: 7, Msg: "失败"}
	assert.Contains(t, bare.Error(), "err_code 7: 失败 — the plugin refused the call")

	h := newHarness(t)
	h.onAny(httpmock.NewStringResponder(200, envelope(200, `{"err_code":1,"err_msg":"账号或密码错误"}`, "")))
	_, err2 := h.client().Login(context.Background(), "alice", "wrong")
	require.ErrorIs(t, err2, okayapi.ErrLoginFailed)
	assert.Contains(t, err2.Error(), "账号或密码错误 — login failed: wrong username or password")
}

// InvalidParamError quotes the value as given: white space shows.
func TestInvalidParamErrorQuotesTheValueAsGiven(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]string{
		" 0123456789ABCDEF0123456789ABCDE":  `(got " 0123456789ABCDEF0123456789ABCDE")`,
		"0123456789ABCDEF0123456789ABCDE\n": `(got "0123456789ABCDEF0123456789ABCDE\n")`,
		"a  b":                              `(got "a  b")`,
		strings.Repeat("好", 20):             `(got "` + strings.Repeat("好", 16) + `"…)`,
	} {
		err := okayapi.CheckUUID("other_uuid", value)
		require.Error(t, err)
		assert.Contains(t, err.Error(), want)
	}
}

// The same rule gives the same fields, whatever is wrong with the input.
func TestInvalidParamErrorSameFieldsForTheSameRule(t *testing.T) {
	t.Parallel()
	var rules []string
	for _, uuid := range []string{"short", strings.Repeat("A", 33), strings.Repeat("Z", 32), " " + strings.Repeat("A", 31)} {
		var ip *okayapi.InvalidParamError
		require.ErrorAs(t, okayapi.CheckUUID("other_uuid", uuid), &ip)
		assert.Equal(t, "other_uuid", ip.Field)
		assert.Equal(t, uuid, ip.Value, "the value as given")
		rules = append(rules, ip.Rule)

		var mv *okayapi.InvalidParamError
		require.ErrorAs(t, okayapi.NewMember(uuid, testToken).Validate(), &mv)
		assert.Equal(t, okayapi.InvalidParamError{Field: "uuid", Rule: mv.Rule}, *mv, "a member's uuid is never shown: it may be a token")
		rules = append(rules, strings.TrimSuffix(mv.Rule, " (the value is not shown: it may be a token)"))
	}
	for _, r := range rules {
		assert.Equal(t, rules[0], r)
	}
}

// A closed client's error says "okayapi: " once.
func TestNoDoubledPrefix(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.client()
	require.NoError(t, c.Close())
	_, err := c.Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
	require.ErrorIs(t, err, okayapi.ErrClosed)
	assert.Equal(t, 1, strings.Count(err.Error(), "okayapi:"), err.Error())
	assert.Equal(t, "okayapi: "+testSvc+": client closed; the call did not reach the service", err.Error())

	de := &okayapi.DecodeError{Service: testSvc, Reason: "x", Err: errors.New("okayapi: cannot read time 1")}
	assert.Equal(t, 1, strings.Count(de.Error(), "okayapi:"), de.Error())
}
