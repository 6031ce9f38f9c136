package wiretest_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/wiretest"
)

func TestSignPublicVector(t *testing.T) {
	t.Parallel()
	params := wiretest.VectorParams()
	params.Set("sign", "ignored")
	assert.Equal(t, wiretest.VectorSign, wiretest.Sign(params, wiretest.VectorSecret))
}

func TestRecording(t *testing.T) {
	t.Parallel()
	m := wiretest.NewMock(t)
	m.On("https://example.test/", func(*http.Request) (*http.Response, error) {
		return httpmock.NewStringResponse(200, "ok"), nil
	})
	rec := wiretest.NewRecording(m.Transport())
	hc := &http.Client{Transport: rec}
	resp, err := hc.PostForm("https://example.test/", url.Values{"a": {"1 2"}})
	require.NoError(t, err)
	resp.Body.Close()
	_, err = hc.Get("https://elsewhere.test/x")
	require.Error(t, err)

	reqs := rec.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, http.MethodPost, reqs[0].Method)
	assert.Equal(t, "a=1+2", reqs[0].Body)
	assert.Equal(t, url.Values{"a": {"1 2"}}, reqs[0].Form)
	assert.True(t, reqs[0].Matched)
	assert.Equal(t, "a=1+2", m.Requests()[0].Body, "the body went on")
	assert.False(t, reqs[1].Matched)
	assert.Equal(t, "/x", reqs[1].URL.Path)
}
