package okayapi_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// handedOut is what a register call's answer may hold: a new token no list
// of secrets knows yet.
const handedOut = "Q1W2E3R4T5Y6U7I8O9P0ZZ"

// quoting is a caller's field whose UnmarshalJSON error quotes what it got.
type quoting struct{}

var errQuoting = errors.New("quoting: refused")

func (*quoting) UnmarshalJSON(b []byte) error { return fmt.Errorf("%w: %s", errQuoting, b) }

// TestCauseOfAnUnreadableTokenAnswerHidesTokenLikeRuns: when the answer of a
// call that hands out a token (App.User.Register) cannot be read into the
// caller's type, a cause whose text quotes a run of 16 or more letters and
// digits shows it as <redacted> and still matches what it matched; a cause
// with nothing to hide is handed back itself (errors.As finds its type).
func TestCauseOfAnUnreadableTokenAnswerHidesTokenLikeRuns(t *testing.T) {
	t.Parallel()
	const service = "App.User.Register"
	call := func(t *testing.T, data string, out any) *okayapi.DecodeError {
		t.Helper()
		h := newHarness(t)
		h.on(testBase+"/?s="+service, ok(data))
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: service}, out)
		var de *okayapi.DecodeError
		require.ErrorAs(t, err, &de)
		assert.NotContains(t, err.Error(), handedOut)
		assert.NotContains(t, string(de.Data), handedOut)
		return de
	}

	t.Run("a cause quoting the token", func(t *testing.T) {
		t.Parallel()
		var out struct {
			Token quoting `json:"token"`
		}
		de := call(t, `{"err_code":0,"token":"`+handedOut+`"}`, &out)
		require.Error(t, de.Err)
		assert.NotContains(t, de.Err.Error(), handedOut)
		assert.Contains(t, de.Err.Error(), "quoting: refused")
		assert.Contains(t, de.Err.Error(), "<redacted>")
		assert.ErrorIs(t, de, errQuoting, "the hidden cause still matches its sentinel")
	})
	t.Run("a cause with nothing to hide", func(t *testing.T) {
		t.Parallel()
		var out struct {
			At time.Time `json:"at"`
		}
		de := call(t, `{"err_code":0,"at":"not a time"}`, &out)
		var pe *time.ParseError
		require.ErrorAs(t, de, &pe, "the cause is handed back itself: %#v", de.Err)
		assert.Equal(t, "not a time", pe.Value)
		assert.False(t, strings.Contains(de.Error(), "<redacted>"), de.Error())
	})
}
