package okayapi

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An answer's body, read already inside the attempt, is still an ordinary
// reader for whoever reads it after (the retry layer drains it before a
// retry): its bytes, then EOF, also when it is empty.
func TestAnswerBodyReadsAsAReader(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "x", `{"ret":200,"data":{},"msg":""}`} {
		r := &memBody{b: []byte(body)}
		var got []byte
		buf := make([]byte, 4)
		for reads := 0; ; reads++ {
			require.Less(t, reads, len(body)+2, "%q: EOF comes after the bytes", body)
			n, err := r.Read(buf)
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
		}
		assert.Equal(t, body, string(got))
		n, err := r.Read(buf)
		assert.Equal(t, 0, n)
		assert.Equal(t, io.EOF, err, "and EOF again")
	}
}
