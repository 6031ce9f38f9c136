package okayapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/redact/redacttest"
	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
)

const newToken = redacttest.NewToken

var malformedLogins = redacttest.MalformedLogins

// assertNoPiece fails if text holds any 16-character run of secret, in any
// letter case.
func assertNoPiece(t *testing.T, text, secret, what string) {
	t.Helper()
	lower := strings.ToLower(text)
	for i := 0; i+16 <= len(secret); i++ {
		if piece := strings.ToLower(secret[i : i+16]); strings.Contains(lower, piece) {
			t.Errorf("%s shows %q (characters %d–%d of the secret): %s", what, secret[i:i+16], i, i+16, text)
			return
		}
	}
}

func TestMalformedLoginAnswersKeepNoToken(t *testing.T) {
	t.Parallel()
	for _, c := range malformedLogins {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.onAny(httpmock.NewStringResponder(http.StatusOK, c.Body))
			var log wiretest.SyncBuffer
			cl := h.client(okayapi.WithLogger(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			m, err := cl.Login(context.Background(), "alice", "correct horse")
			require.Error(t, err, "a login answer that is not one envelope is not a login")
			assert.True(t, errors.Is(err, okayapi.ErrTransport), "%v", err)
			assert.Equal(t, okayapi.Member{}, m)
			for what, text := range map[string]string{
				"Error()": err.Error(),
				"%+v":     fmt.Sprintf("%+v", err),
				"%#v":     fmt.Sprintf("%#v", err),
				"the log": log.String(),
			} {
				assertNoPiece(t, text, newToken, what)
			}
		})
	}
}

// A Do of a call that hands out a token (its name says login) keeps no
// token in the DecodeError, its Data, or Response.Data.
func TestDecodeErrorOfATokenCallKeepsNoToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.onAny(httpmock.NewStringResponder(http.StatusOK, `{"ret":200,"data":"{\"token\":\"`+newToken+`\"}","msg":""}`))
	var log wiretest.SyncBuffer
	cl := h.client(okayapi.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	var out struct{ Token string }
	resp, err := cl.Do(context.Background(), &okayapi.Request{Service: "App.Member.Login_Wechat"}, &out)
	var de *okayapi.DecodeError
	require.ErrorAs(t, err, &de)
	for what, text := range map[string]string{
		"Error()":       err.Error(),
		"%#v":           fmt.Sprintf("%#v", err),
		"Data":          string(de.Data),
		"Response.Data": string(resp.Data),
		"the log":       log.String(),
	} {
		assertNoPiece(t, text, newToken, what)
	}

	// Another call's data is kept as it came: a uuid is no token.
	h2 := newHarness(t)
	h2.onAny(httpmock.NewStringResponder(http.StatusOK, `{"ret":200,"data":"0123456789ABCDEF0123456789ABCDEF","msg":""}`))
	_, err = h2.client().Do(context.Background(), &okayapi.Request{Service: "App.Market_ChatMessage.Send"}, &out)
	require.ErrorAs(t, err, &de)
	assert.Contains(t, string(de.Data), "0123456789ABCDEF0123456789ABCDEF")
}

// A login answer cut off mid-way by the connection keeps no piece of the
// token in the error either.
func TestCutOffLoginAnswerKeepsNoToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := redacttest.LoginOK(newToken)
	h.onAny(func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(http.StatusOK, "")
		resp.Body = io.NopCloser(io.MultiReader(strings.NewReader(body[:strings.Index(body, newToken)+40]), errReader{}))
		return resp, nil
	})
	_, err := h.client().Login(context.Background(), "alice", "correct horse")
	require.Error(t, err)
	assertNoPiece(t, err.Error(), newToken, "Error()")
	assertNoPiece(t, fmt.Sprintf("%#v", err), newToken, "%#v")
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }
