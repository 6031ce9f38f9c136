package okayapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// The envelope's keys are read as encoding/json reads them, ignoring ASCII
// case: a gateway or a plugin that writes "Ret", "DATA" or "Err_Code" is
// understood, not turned into "no ret" or a silent success.
func TestEnvelopeKeysInAnyCase(t *testing.T) {
	t.Parallel()
	t.Run("success", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, `{"Ret":200,"DATA":{"Err_Code":0,"n":7},"Msg":"V2.5.1"}`))
		var out struct {
			N int `json:"n"`
		}
		resp, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, &out)
		require.NoError(t, err)
		assert.Equal(t, 7, out.N)
		assert.Equal(t, 200, resp.Ret)
		assert.Equal(t, "V2.5.1", resp.Msg)
		assert.JSONEq(t, `{"Err_Code":0,"n":7}`, string(resp.Data))
	})
	t.Run("refusal", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, `{"RET":401,"Data":{},"MSG":"请先登录"}`))
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
		assert.ErrorIs(t, err, okayapi.ErrNotLoggedIn)
		var ae *okayapi.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "请先登录", ae.Msg)
	})
	t.Run("plugin error", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, `{"ret":200,"data":{"ERR_CODE":3,"Err_Msg":"对方不存在"},"msg":""}`))
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
		var pe *okayapi.PluginError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, 3, pe.Code)
		assert.Equal(t, "对方不存在", pe.Msg)
	})
	t.Run("a longer or shorter key is another key", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, `{"rets":200,"re":200,"data":{},"msg":""}`))
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc}, nil)
		assert.ErrorIs(t, err, okayapi.ErrTransport, "no ret")
	})
}
