package okayapi_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
)

const loginURL = testBase + "/?s=App.User.Login"

func TestLogin(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(loginURL, ok(`{"err_code":0,"err_msg":"","uuid":"`+testUUID+`","token":"`+testToken+`","role":"user"}`))
	c := h.client()

	m, err := c.Login(context.Background(), "dogstar", "p@ss hunter2&1")
	require.NoError(t, err)
	assert.Equal(t, testMember, m)

	got := h.only()
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "App.User.Login", got.URL.Query().Get("s"))
	assert.Equal(t, []string{"app_key", "password", "sign", "username"}, keys(got.Form), "no uuid or token before logging in")
	assert.Equal(t, "dogstar", got.Form.Get("username"))
	assert.Equal(t, md5Hex("p@ss hunter2&1"), got.Form.Get("password"), "the lower-case MD5 hex of the password")
	assert.Regexp(t, `^[0-9a-f]{32}$`, got.Form.Get("password"))
	assert.NotContains(t, got.Body, "hunter2")
	assert.Equal(t, wiretest.Sign(signedFields(got), testSecret), got.Form.Get("sign"))
}

func TestLoginInPathForm(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.on(testBase+"/api/App/User/Login", ok(`{"uuid":"`+testUUID+`","token":"`+testToken+`"}`))
	m, err := h.client(okayapi.WithURLForm(okayapi.PathForm)).Login(context.Background(), "dogstar", "pw")
	require.NoError(t, err)
	assert.Equal(t, testMember, m)
	assert.Equal(t, "App.User.Login", h.only().Form.Get("s"))
}

func TestLoginFailures(t *testing.T) {
	t.Parallel()
	t.Run("wrong password", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(loginURL, ok(`{"err_code":1,"err_msg":"账号或密码错误"}`))
		m, err := h.client(fastRetries).Login(context.Background(), "dogstar", "wrong")
		require.Error(t, err)
		assert.True(t, m.IsZero())
		assert.ErrorIs(t, err, okayapi.ErrLoginFailed)
		assert.ErrorIs(t, err, okayapi.ErrPlugin)
		var pe *okayapi.PluginError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, 1, pe.Code)
		assert.Equal(t, "App.User.Login", pe.Service)
		assert.Equal(t, 1, h.calls(), "a refusal is not retried")
	})
	t.Run("disabled account", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(loginURL, ok(`{"err_code":"3","err_msg":"账号已被禁用"}`))
		_, err := h.client().Login(context.Background(), "dogstar", "pw")
		assert.ErrorIs(t, err, okayapi.ErrLoginFailed)
	})
	t.Run("bad app key is not a login failure", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(loginURL, httpmock.NewStringResponder(200, envelope(406, `{}`, "客户端非法请求：非法app_key")))
		_, err := h.client().Login(context.Background(), "dogstar", "pw")
		assert.ErrorIs(t, err, okayapi.ErrBadAppKey)
		assert.NotErrorIs(t, err, okayapi.ErrLoginFailed)
	})
	t.Run("answer without a token", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(loginURL, ok(`{"err_code":0,"uuid":"`+testUUID+`"}`))
		m, err := h.client().Login(context.Background(), "dogstar", "pw")
		require.Error(t, err)
		assert.True(t, m.IsZero())
		var de *okayapi.DecodeError
		require.ErrorAs(t, err, &de)
	})
	t.Run("idempotent: retried on 502", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(loginURL, sequence(status(502), ok(`{"uuid":"`+testUUID+`","token":"`+testToken+`"}`)))
		m, err := h.client(fastRetries).Login(context.Background(), "dogstar", "pw")
		require.NoError(t, err)
		assert.Equal(t, testMember, m)
		assert.Equal(t, 2, h.calls())
	})
}

func TestLoginRejectsEmptyCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, username, password, field string
	}{
		{"empty username", "", "pw", "username"},
		{"empty password", "dogstar", "", "password"},
		{"both empty", "", "", "username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.onAny(ok(`{"uuid":"` + testUUID + `","token":"` + testToken + `"}`))
			m, err := h.client().Login(context.Background(), tt.username, tt.password)
			assert.True(t, m.IsZero())
			requireInvalid(t, h, err, tt.field)
		})
	}
}

func TestMember(t *testing.T) {
	t.Parallel()
	assert.True(t, okayapi.Member{}.IsZero())
	assert.False(t, okayapi.Member{UUID: testUUID}.IsZero())
	assert.False(t, okayapi.NewMember("", testToken).IsZero())
	assert.NoError(t, testMember.Validate())

	tests := []struct {
		name   string
		member okayapi.Member
		field  string
	}{
		{"zero", okayapi.Member{}, "uuid"},
		{"short uuid", okayapi.NewMember("ABC", testToken), "uuid"},
		{"uuid not hex", okayapi.NewMember(strings.Repeat("G", 32), testToken), "uuid"},
		{"no token", okayapi.Member{UUID: testUUID}, "token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.member.Validate()
			require.Error(t, err)
			var ipe *okayapi.InvalidParamError
			require.ErrorAs(t, err, &ipe)
			assert.Equal(t, tt.field, ipe.Field)
		})
	}
}

func TestCheckUUID(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{testUUID, strings.ToLower(testUUID), strings.Repeat("0", 32)} {
		assert.NoError(t, okayapi.CheckUUID("other_uuid", ok), ok)
	}
	for _, bad := range []string{"", "0123", testUUID + "0", strings.Repeat("z", 32), strings.Repeat("你", 10) + "AB"} {
		err := okayapi.CheckUUID("other_uuid", bad)
		require.Error(t, err, bad)
		assert.ErrorIs(t, err, okayapi.ErrInvalidParam)
		var ipe *okayapi.InvalidParamError
		require.ErrorAs(t, err, &ipe)
		assert.Equal(t, "other_uuid", ipe.Field)
		assert.Contains(t, err.Error(), "other_uuid")
	}
}

func TestMemberHidesTheToken(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("acting", "member", testMember)
	assert.Contains(t, buf.String(), testUUID)
	assert.NotContains(t, buf.String(), testToken)

	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(format, testMember)
		assert.Contains(t, s, testUUID, format)
		assert.NotContains(t, s, testToken, format)
	}
	assert.Equal(t, "Member{"+testUUID+"}", okayapi.Member{UUID: testUUID}.String())
	assert.Contains(t, fmt.Sprintf("%v", []okayapi.Member{testMember}), "<redacted>")
}
