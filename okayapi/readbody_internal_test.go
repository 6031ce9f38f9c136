package okayapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An answer without Content-Length (chunked) is read whole, whatever its
// size against the read buffers, into a buffer of exactly its size (not a
// grown one, which costs several times the answer); one byte over the limit
// is ErrResponseTooLarge, and a read error answers the part read.
func TestReadBodyChunked(t *testing.T) {
	t.Parallel()
	for _, size := range []int{0, 1, 511, chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 7, 300_000} {
		body := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
		for _, r := range []io.Reader{bytes.NewReader(body), iotest.OneByteReader(bytes.NewReader(body)), iotest.HalfReader(bytes.NewReader(body))} {
			got, err := readBody(&http.Response{ContentLength: -1, Body: io.NopCloser(r)}, int64(size))
			require.NoError(t, err, size)
			assert.Equal(t, body, got, size)
			assert.Equal(t, len(got), cap(got), "size %d: buffer of exactly the answer's size", size)

			_, err = readBody(&http.Response{ContentLength: -1, Body: io.NopCloser(bytes.NewReader(append(body, 'x')))}, int64(size))
			assert.ErrorIs(t, err, ErrResponseTooLarge, size)
		}
	}
	boom := errors.New("boom")
	got, err := readBody(&http.Response{ContentLength: -1, Body: io.NopCloser(io.MultiReader(
		bytes.NewReader(bytes.Repeat([]byte("y"), chunkSize+5)), iotest.ErrReader(boom)))}, 1<<20)
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, bytes.Repeat([]byte("y"), chunkSize+5), got)

	got, err = readBody(&http.Response{ContentLength: -1, Body: io.NopCloser(bytes.NewReader([]byte("abc")))}, 1<<62)
	require.NoError(t, err)
	assert.Equal(t, "abc", string(got))
}
