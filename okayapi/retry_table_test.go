package okayapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// unsized answers 200 with body and no Content-Length (a chunked answer).
func unsized(body string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, ContentLength: -1,
			Body: io.NopCloser(strings.NewReader(body))}, nil
	}
}

// The retry table's "answer larger than the cap: no" row, for the calls most
// tempting to repeat: an idempotent call that got an over-size answer is not
// sent again (the same answer would come back), whether the size was
// announced or found out while reading.
func TestOversizeAnswerToAnIdempotentCallIsNotRetried(t *testing.T) {
	t.Parallel()
	big := envelope(200, `{"blob":"`+strings.Repeat("x", 4096)+`"}`, "")
	for name, answer := range map[string]httpmock.Responder{
		"announced": httpmock.NewStringResponder(http.StatusOK, big),
		"unsized":   unsized(big),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, sequence(answer, ok(`{}`)))
			_, err := h.client(fastRetries, okayapi.WithMaxResponseSize(1024)).Do(context.Background(),
				&okayapi.Request{Service: testSvc, Idempotent: true}, nil)
			require.ErrorIs(t, err, okayapi.ErrResponseTooLarge)
			assert.Equal(t, 1, h.calls(), "not sent again")
			var te *okayapi.TransportError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, 1, te.Attempts)
			assert.True(t, te.MayHaveArrived, "an answer came: the call arrived")
		})
	}
}
