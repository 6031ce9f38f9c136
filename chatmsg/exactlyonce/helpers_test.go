package exactlyonce_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
)

// keyField is the field of chat_message_data that carries the send key.
const keyField = "okayapi_send_key"

// The app and member the mocked tests act as (the public test vector of
// docs/wire.md; the member is made up).
const (
	replayBase  = "https://hn216.api.yesapi.test"
	replayUUID  = "3F2504E04F8941D39A0C0305E82C3301"
	replayToken = "9C1185A5C5E9FC54612808977EE8F548B2258D31A1B2C3D4E5F60718293A4B5C"
)

func replayMember() okayapi.Member { return okayapi.NewMember(replayUUID, replayToken) }

// mockAPI is one test's mocked OkayAPI host, on the client's own
// http.Client, in the query URL form.
type mockAPI struct{ *wiretest.Mock }

// newMockAPI returns a Service whose client does not retry and talks only
// to the returned mock.
func newMockAPI(tb testing.TB, form okayapi.URLForm) (*chatmsg.Service, *mockAPI) {
	tb.Helper()
	wm := wiretest.NewMock(tb)
	c, err := okayapi.New(replayBase, wiretest.VectorAppKey, okayapi.WithSecret(wiretest.VectorSecret),
		okayapi.WithHTTPClient(wm.HTTPClient()), okayapi.WithURLForm(form), okayapi.WithRetries(0, 0, 0))
	require.NoError(tb, err)
	return chatmsg.New(c), &mockAPI{wm}
}

// serviceURL is where a call goes in the query URL form.
func (m *mockAPI) serviceURL(service string) string { return replayBase + "/?s=" + service }

// reply answers every POST to service's URL with status and body.
func (m *mockAPI) reply(service string, status int, body []byte) {
	m.On(m.serviceURL(service), func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewBytesResponse(status, body)
		if bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")) {
			resp.Header.Set("Content-Type", "text/html")
		} else {
			resp.Header.Set("Content-Type", "application/json;charset=utf-8")
		}
		return resp, nil
	})
}
