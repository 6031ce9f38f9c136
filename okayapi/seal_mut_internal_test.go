package okayapi

import (
	"crypto/cipher"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSealIsAESCTR: the token's sealing is AES-CTR, byte for byte what
// cipher.NewCTR gives under the same key and IV, also when the counter
// carries across bytes (…FF to …00, up to the first byte) and when the
// secret ends mid-block; and it opens back to the secret.
func TestSealIsAESCTR(t *testing.T) {
	t.Parallel()
	ivs := map[string][]byte{
		"zero":               make([]byte, nonceLen),
		"last byte wraps":    append(make([]byte, nonceLen-1), 0xFF),
		"two bytes wrap":     append(make([]byte, nonceLen-2), 0xFF, 0xFE),
		"carry to the first": append([]byte{0x00}, []byte(strings.Repeat("\xff", nonceLen-1))...),
		"all ones":           []byte(strings.Repeat("\xff", nonceLen)),
	}
	src := strings.Repeat("0123456789ABCDEF", 4) + "tail"
	for name, iv := range ivs {
		want := make([]byte, len(src))
		cipher.NewCTR(sealKeys.block, iv).XORKeyStream(want, []byte(src))
		var got strings.Builder
		xorCTR(&got, src, string(iv))
		assert.Equal(t, string(want), got.String(), name)
	}

	s := seal(src)
	require.Len(t, string(s), nonceLen+len(src))
	assert.Equal(t, src, s.open())
	assert.Equal(t, s, seal(src), "equal secrets seal to equal values")
}

// TestSealedBlocksDoNotRepeat: a token made of four equal 16-byte blocks
// seals to four different blocks, so what reflection shows of a Member
// tells nothing of the token's shape.
func TestSealedBlocksDoNotRepeat(t *testing.T) {
	t.Parallel()
	token := strings.Repeat("FEDCBA9876543210", 4)
	body := string(NewMember("0123456789ABCDEF0123456789ABCDEF", token).token)[nonceLen:]
	require.Len(t, body, 64)
	seen := map[string]bool{}
	for i := 0; i < len(body); i += 16 {
		assert.False(t, seen[body[i:i+16]], "block %d repeats", i/16)
		seen[body[i:i+16]] = true
	}
}
