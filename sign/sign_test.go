package sign_test

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/sign"
)

// The public vector of docs/wire.md, shared with the other packages' tests.
const (
	vectorSecret = wiretest.VectorSecret
	vectorAppKey = wiretest.VectorAppKey
)

func TestComputePublicVector(t *testing.T) {
	t.Parallel()
	params := url.Values{"s": {"Hello.World"}, "name": {"dogstar"}, "app_key": {vectorAppKey}}
	assert.Equal(t, "908AA11EC46BB439184B64BA68315718", sign.Compute(params, vectorSecret))
	assert.Equal(t, "908AA11EC46BB439184B64BA68315718", sign.Dynamic(vectorSecret).Sign(params))
}

// reference is the algorithm written the slow, obvious way, to check Compute
// against on values that a buggy encoder would mangle.
func reference(params map[string]string, secret string) string {
	names := make([]string, 0, len(params))
	for k := range params {
		if k != "sign" {
			names = append(names, k)
		}
	}
	// insertion sort by bytes, independent of the slices package
	for i := 1; i < len(names); i++ {
		for j := i; j > 0 && names[j] < names[j-1]; j-- {
			names[j], names[j-1] = names[j-1], names[j]
		}
	}
	s := ""
	for _, k := range names {
		s += params[k]
	}
	return strings.ToUpper(fmt.Sprintf("%x", md5.Sum([]byte(s+secret))))
}

func TestComputeTrickyValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		value string
	}{
		{"emoji", "I ❤ ⚽ 😀"},
		{"chinese", "我爱小白接口"},
		{"ampersand", "a&b=c"},
		{"plus", "1+1"},
		{"percent", "100%25 %zz"},
		{"hash", "#hash"},
		{"equals", "=="},
		{"spaces", "  two  spaces "},
		{"empty", ""},
		{"json", `{"content":"hi \"there\"","n":1}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			params := map[string]string{
				"s": "App.Market_ChatMessage.Send", "app_key": vectorAppKey,
				"chat_message_data": tc.value, "other_uuid": "8AEA2AF1951C0376EC668A74B8CAA64A",
			}
			values := url.Values{}
			for k, v := range params {
				values.Set(k, v)
			}
			want := reference(params, vectorSecret)
			assert.Equal(t, want, sign.Compute(values, vectorSecret))

			// The signature is over decoded values: a round trip through the
			// form encoding must not change it.
			decoded, err := url.ParseQuery(values.Encode())
			require.NoError(t, err)
			assert.Equal(t, tc.value, decoded.Get("chat_message_data"))
			assert.Equal(t, want, sign.Compute(decoded, vectorSecret))
		})
	}
}

func TestComputeRules(t *testing.T) {
	t.Parallel()
	base := url.Values{"s": {"Hello.World"}, "name": {"dogstar"}, "app_key": {vectorAppKey}}
	want := sign.Compute(base, vectorSecret)

	withSign := url.Values{"s": {"Hello.World"}, "name": {"dogstar"}, "app_key": {vectorAppKey}, "sign": {"XYZ"}}
	assert.Equal(t, want, sign.Compute(withSign, vectorSecret), "sign itself is not signed")

	withEmpty := url.Values{"s": {"Hello.World"}, "name": {"dogstar"}, "app_key": {vectorAppKey}, "empty": {""}}
	assert.Equal(t, want, sign.Compute(withEmpty, vectorSecret), "an empty value adds nothing")

	// Byte order: upper case sorts before lower case, "_" between them.
	order := url.Values{"b": {"2"}, "B": {"1"}, "_": {"3"}, "a": {"4"}}
	assert.Equal(t, reference(map[string]string{"b": "2", "B": "1", "_": "3", "a": "4"}, "x"), sign.Compute(order, "x"))
	assert.Equal(t, strings.ToUpper(fmt.Sprintf("%x", md5.Sum([]byte("1342x")))), sign.Compute(order, "x"))

	repeated := url.Values{"a": {"first", "last"}}
	assert.Equal(t, sign.Compute(url.Values{"a": {"last"}}, "k"), sign.Compute(repeated, "k"))

	assert.NotEqual(t, want, sign.Compute(base, vectorSecret+"x"), "the secret matters")
	assert.Regexp(t, `^[0-9A-F]{32}$`, want)
}

func TestStaticAndNone(t *testing.T) {
	t.Parallel()
	p := url.Values{"s": {"Hello.World"}}
	assert.Equal(t, "FIXED", sign.Static("FIXED").Sign(p))
	assert.Equal(t, "", sign.None().Sign(p))
}

func TestSignersHideSecrets(t *testing.T) {
	t.Parallel()
	for _, s := range []sign.Signer{sign.Dynamic("topsecret"), sign.Static("topsecret")} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			assert.NotContains(t, fmt.Sprintf(verb, s), "topsecret", verb)
		}
	}
}

func BenchmarkCompute(b *testing.B) {
	params := url.Values{
		"s": {"App.Market_ChatMessage.Send"}, "app_key": {vectorAppKey},
		"uuid": {"8AEA2AF1951C0376EC668A74B8CAA64A"}, "token": {strings.Repeat("AB", 32)},
		"other_uuid": {"5B1CA086F3E9E86F83354191AFB41E9E"}, "chat_message_type": {"text"},
		"chat_message_data": {`{"content":"I ❤ ⚽ "}`},
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = sign.Compute(params, vectorSecret)
	}
}

// nineParams is a Send's parameters as signed: the five common ones and the
// call's own, with the longest value a message.
var nineParams = url.Values{
	"s": {"App.Market_ChatMessage.Send"}, "app_key": {vectorAppKey},
	"uuid": {"8AEA2AF1951C0376EC668A74B8CAA64A"}, "token": {strings.Repeat("AB", 32)},
	"other_uuid": {"5B1CA086F3E9E86F83354191AFB41E9E"}, "chat_message_type": {"text"},
	"chat_message_data": {`{"content":"I ❤ ⚽ a&b=c+d 100%"}`}, "perpage": {"20"}, "last_id": {"0"},
}

// BenchmarkSign9 compares Compute on nine parameters with the least a
// hand-written signer does: the values concatenated in a fixed, known order
// (no sorting, no map walk), MD5, upper-case hex.
func BenchmarkSign9(b *testing.B) {
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = sign.Compute(nineParams, vectorSecret)
		}
	})
	b.Run("floor", func(b *testing.B) {
		order := []string{"app_key", "chat_message_data", "chat_message_type", "last_id", "other_uuid", "perpage", "s", "token", "uuid"}
		b.ReportAllocs()
		for b.Loop() {
			var buf []byte
			for _, k := range order {
				buf = append(buf, nineParams[k][0]...)
			}
			buf = append(buf, vectorSecret...)
			sum := md5.Sum(buf)
			_ = strings.ToUpper(hex.EncodeToString(sum[:]))
		}
	})
}
