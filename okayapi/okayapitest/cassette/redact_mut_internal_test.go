package cassette

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMutShortTokenIsHidden: a token of the shortest length that is hidden
// (8 bytes), handed out by an answer or sent by the acting member, gets a
// placeholder of its shape and is written nowhere.
func TestMutShortTokenIsHidden(t *testing.T) {
	t.Parallel()
	const token = "a1b2c3d4"
	require.Len(t, token, minSecret)
	dir := t.TempDir()
	rec, err := NewRecorder(dir, answerText(`{"ret":200,"data":{"err_code":0,"token":"`+token+`","echo":"`+token+`"},"msg":""}`))
	require.NoError(t, err)
	_, err = postHello(t, rec)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, "world", "0001_success.json"))
	require.NoError(t, err)
	assert.Equal(t, `{"ret":200,"data":{"err_code":0,"token":"00000001","echo":"00000001"},"msg":""}`, string(b))

	dir = t.TempDir()
	rec, err = NewRecorder(dir, answerText(`{"ret":200,"data":{},"msg":""}`))
	require.NoError(t, err)
	_, err = post(t, rec, map[string][]string{"app_key": {"0123456789ABCDEF0123456789ABCDEF"}, "uuid": {"94275598697D07FE75F00CF43B0EFADA"}, "token": {token}})
	require.NoError(t, err)
	require.NoError(t, rec.Err())
	assert.Equal(t, "00000001", readSide(t, dir, "world/0001_success.req.json").Token)
}
