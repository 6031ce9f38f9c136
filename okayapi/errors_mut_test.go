package okayapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// TestPluginErrorMeaningDropsOnlyAPackagePrefix: a plugin error explains its
// err_code with the plugin's sentinel text, dropping the text before the first
// ": " only when it is a package name (lower-case ASCII letters and digits, the
// range ends a, z, 0 and 9 included); any other text before ": " (upper case,
// a slash, a brace, nothing at all) is part of the explanation and kept whole.
func TestPluginErrorMeaningDropsOnlyAPackagePrefix(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		sentinel string
		meaning  string
	}{
		{"chatmsg: to yourself", "to yourself"},
		{"az: letters at both ends", "letters at both ends"},
		{"zz: only z", "only z"},
		{"a0: digit zero", "digit zero"},
		{"a9: digit nine", "digit nine"},
		{"p09z: all the ends", "all the ends"},
		{"0: only a digit", "only a digit"},
		{": nothing before the colon", ": nothing before the colon"},
		{"Chat: upper case", "Chat: upper case"},
		{"chatZ: upper case last", "chatZ: upper case last"},
		{"a/b: a slash", "a/b: a slash"},
		{"a`: a back quote", "a`: a back quote"},
		{"a{: a brace", "a{: a brace"},
		{"a:b: a colon", "a:b: a colon"},
		{"two words: a space", "two words: a space"},
		{"no colon here", "no colon here"},
	} {
		t.Run(tt.sentinel, func(t *testing.T) {
			t.Parallel()
			sentinel := errors.New(tt.sentinel)
			h := newHarness(t)
			h.on(queryURL, ok(`{"err_code":5,"err_msg":"失败"}`))
			_, err := h.client().Do(context.Background(), &okayapi.Request{
				Service: testSvc, Member: testMember,
				Codes: func(code int) error {
					if code == 5 {
						return sentinel
					}
					return nil
				},
			}, nil)
			require.ErrorIs(t, err, sentinel)
			assert.Equal(t, "okayapi: "+testSvc+": err_code 5: 失败 — "+tt.meaning+"; the call was not carried out", err.Error())
			assert.False(t, okayapi.MayHaveArrived(err))

			// A fake of the plugin that builds the error itself reads the same.
			fake := &okayapi.PluginError{Service: testSvc, Code: 5, Msg: "失败", Err: sentinel}
			assert.Equal(t, err.Error(), fake.Error())
		})
	}
}

// TestInvalidParamErrorQuotesUpTo48Bytes: a rejected value of exactly 48
// bytes is quoted whole; one of 49 is cut to its first 48 with "…" after the
// quote.
func TestInvalidParamErrorQuotesUpTo48Bytes(t *testing.T) {
	t.Parallel()
	v48 := strings.Repeat("A", 47) + "z"
	var ip *okayapi.InvalidParamError
	require.ErrorAs(t, okayapi.CheckUUID("other_uuid", v48), &ip)
	assert.Equal(t, v48, ip.Value)
	assert.Contains(t, ip.Error(), `(got "`+v48+`")`)
	assert.NotContains(t, ip.Error(), "…")

	v49 := v48 + "Q"
	require.ErrorAs(t, okayapi.CheckUUID("other_uuid", v49), &ip)
	assert.Contains(t, ip.Error(), `(got "`+v48+`"…)`)
	assert.NotContains(t, ip.Error(), "Q")
}

// TestInvalidParamErrorCutsOnARuneBoundary: a long value is cut back to the
// start of the rune that would straddle byte 48, never inside it; a value
// with no rune start in its first 48 bytes (all continuation bytes) shows
// nothing but the "…".
func TestInvalidParamErrorCutsOnARuneBoundary(t *testing.T) {
	t.Parallel()
	// "a" then 3-byte runes: byte 48 is the third byte of the 16th "好".
	v := "a" + strings.Repeat("好", 20)
	var ip *okayapi.InvalidParamError
	require.ErrorAs(t, okayapi.CheckUUID("other_uuid", v), &ip)
	assert.Contains(t, ip.Error(), `(got "a`+strings.Repeat("好", 15)+`"…)`)

	junk := strings.Repeat("\x80", 60)
	require.ErrorAs(t, okayapi.CheckUUID("other_uuid", junk), &ip)
	assert.Equal(t, junk, ip.Value)
	assert.Contains(t, ip.Error(), `(got ""…)`)
}

// TestSignatureWordAtTheEdges: "sign" is a word at the very start of a msg
// (a 400 that begins "sign error" is a wrong signature), and "sign" inside
// a longer word ("redesign") is not, wherever it stands.
func TestSignatureWordAtTheEdges(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		msg       string
		signature bool
	}{
		{"sign error", true},
		{"signature mismatch", true},
		{"Sign", true},
		{"bad sign", true},
		{"redesign needed", false},
		{"redesign", false},
		{"designs", false},
		{"ensign sign", true},
	} {
		t.Run(tt.msg, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, envelope(400, `{}`, tt.msg)))
			_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
			require.ErrorIs(t, err, okayapi.ErrBadRequest)
			assert.Equal(t, tt.signature, errors.Is(err, okayapi.ErrBadSignature))
			if tt.signature {
				assert.Contains(t, err.Error(), "— wrong signature: check the app secret")
			} else {
				assert.Contains(t, err.Error(), "— bad request: a parameter is missing or malformed")
			}
			assert.False(t, okayapi.MayHaveArrived(err))
		})
	}
}

// TestRetClassBoundaries: at the edges of each ret class, through Do, the
// error says whether the call was carried out, what the ret means, which
// sentinels match and whether the call may have arrived: 400 to 499 are
// refusals; 399, 500, 599, 600, 0 and -1 are not; 500 to 599 are server
// errors and 600 is an unexpected ret.
func TestRetClassBoundaries(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ret     int
		meaning string
		refused bool
	}{
		{399, "an unexpected ret", false},
		{400, "bad request: a parameter is missing or malformed", true},
		{401, "not logged in or the login expired", true},
		{402, "the service refused the request", true},
		{404, "no such service", true},
		{406, "app key not valid for this host", true},
		{499, "the service refused the request", true},
		{500, "server error: check what the call did before repeating it", false},
		{599, "server error: check what the call did before repeating it", false},
		{600, "an unexpected ret: check what the call did before repeating it", false},
		{0, "an uncaught exception in the plugin: check what the call did", false},
		{-1, "an unexpected ret", false},
	} {
		t.Run(itoa(tt.ret), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.on(queryURL, httpmock.NewStringResponder(http.StatusOK, envelope(tt.ret, `{}`, "m")))
			_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
			var ae *okayapi.APIError
			require.ErrorAs(t, err, &ae)
			assert.Contains(t, err.Error(), "ret "+itoa(tt.ret)+": m — "+tt.meaning)
			assert.Equal(t, tt.refused, errors.Is(err, okayapi.ErrBadRequest))
			assert.Equal(t, !tt.refused, errors.Is(err, okayapi.ErrServer))
			assert.Equal(t, !tt.refused, okayapi.MayHaveArrived(err))
			if tt.refused {
				assert.True(t, strings.HasSuffix(err.Error(), "; the call was not carried out"), err.Error())
			} else {
				assert.True(t, strings.HasSuffix(err.Error(), "; the call may have taken effect"), err.Error())
			}
		})
	}
}

// TestSignatureWordNeighbours: "sign" is a word only when no ASCII letter
// (either case), digit or underscore touches it; the bytes just outside those
// ranges (` { / : @ [ ^ - and non-ASCII text such as 参数) do not join it to
// a word, on either side.
func TestSignatureWordNeighbours(t *testing.T) {
	t.Parallel()
	joins := []string{"a", "z", "A", "Z", "0", "9", "_", "m"}
	parts := []string{"`", "{", "/", ":", "@", "[", "^", "-", " ", "参数", "~", "\x7f"}
	check := func(msg string, signature bool) {
		t.Helper()
		err := &okayapi.APIError{Service: testSvc, Ret: 400, Msg: msg}
		assert.Equal(t, signature, errors.Is(err, okayapi.ErrBadSignature), "%q", msg)
		assert.True(t, errors.Is(err, okayapi.ErrBadRequest), "%q", msg)
		assert.Equal(t, signature, strings.Contains(err.Error(), "— wrong signature"), "%q", msg)
	}
	for _, c := range joins {
		check(c+"sign", false)
		check("sign"+c, false)
		check("x "+c+"sign y", false)
		check("x sign"+c+" y", false)
	}
	for _, c := range parts {
		check(c+"sign", true)
		check("sign"+c, true)
		check("x"+c+"sign"+c+"y", true)
	}
}

// TestErrorExcerptShowsNoPieceOfAnEchoedToken: a 502 page that echoes the
// member's token many times, so that the tokens before the excerpt's cut
// shrink to <redacted>, shows no piece of a token in the error, not even the
// first characters of one cut off where the SDK's wider look ended.
func TestErrorExcerptShowsNoPieceOfAnEchoedToken(t *testing.T) {
	t.Parallel()
	for _, shape := range []struct{ fill, copies int }{{27, 5}, {94, 2}, {0, 0}, {200, 8}} {
		body := strings.Repeat("-", shape.fill) + " " + strings.Repeat(testToken+" ", shape.copies) + testToken + " " + strings.Repeat("- ", 400)
		h := newHarness(t)
		h.on(queryURL, httpmock.NewStringResponder(http.StatusBadGateway, body))
		_, err := h.client().Do(context.Background(), &okayapi.Request{Service: testSvc, Member: testMember}, nil)
		var te *okayapi.TransportError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, http.StatusBadGateway, te.StatusCode)
		assert.NotEmpty(t, te.Excerpt)
		assert.False(t, strings.ContainsAny(te.Excerpt, "0123456789ABCDEF"), "%+v: %q", shape, te.Excerpt)
		_, shown, found := strings.Cut(err.Error(), "(body: ")
		require.True(t, found, err.Error())
		assert.False(t, strings.ContainsAny(shown, "0123456789ABCDEF"), "%+v: %s", shape, err)
	}
}
