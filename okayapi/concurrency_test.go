package okayapi_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// memberN makes the n-th test member: a 32-hex uuid and a 64-hex token
// derived from n, so that each token belongs to exactly one uuid.
func memberN(n int) okayapi.Member {
	u := md5.Sum([]byte(fmt.Sprint("uuid", n)))
	t1 := md5.Sum([]byte(fmt.Sprint("token-a", n)))
	t2 := md5.Sum([]byte(fmt.Sprint("token-b", n)))
	return okayapi.NewMember(strings.ToUpper(hex.EncodeToString(u[:])), strings.ToUpper(hex.EncodeToString(t1[:])+hex.EncodeToString(t2[:])))
}

// TestConcurrentMembers runs 50 calls for 50 members at once through one
// client: each request must carry its own member's uuid, token and a sign
// over exactly its own fields. Run it with -race.
func TestConcurrentMembers(t *testing.T) {
	t.Parallel()
	const n = 50
	tokens := map[string]string{} // uuid → token; written before any call, read-only after
	for i := range n {
		m := memberN(i)
		tokens[m.UUID] = m.Token()
	}

	h := newHarness(t)
	h.on(queryURL, func(req *http.Request) (*http.Response, error) {
		if err := req.ParseForm(); err != nil {
			return nil, err
		}
		f := req.PostForm
		all := signedFields(captured{URL: req.URL, Form: f})
		okSign := wiretest.Sign(all, testSecret) == f.Get("sign")
		okToken := tokens[f.Get("uuid")] == f.Get("token")
		data, _ := json.Marshal(map[string]any{
			"err_code": 0, "uuid": f.Get("uuid"), "seq": f.Get("seq"), "sign_ok": okSign, "token_ok": okToken,
		})
		return httpmock.NewStringResponse(200, envelope(200, string(data), "")), nil
	})
	c := h.client()

	type result struct {
		UUID    string       `json:"uuid"`
		Seq     phpjson.Int  `json:"seq"`
		SignOK  phpjson.Bool `json:"sign_ok"`
		TokenOK phpjson.Bool `json:"token_ok"`
	}
	results := make([]result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = c.Do(context.Background(), &okayapi.Request{
				Service: testSvc,
				Member:  memberN(i),
				Params: struct {
					Seq int `url:"seq"`
				}{i},
			}, &results[i])
		}()
	}
	close(start)
	wg.Wait()

	for i := range n {
		require.NoError(t, errs[i], "call %d", i)
		assert.Equal(t, memberN(i).UUID, results[i].UUID, "call %d got another member's answer", i)
		assert.Equal(t, phpjson.Int(i), results[i].Seq)
		assert.True(t, bool(results[i].SignOK), "call %d: sign does not match its own fields", i)
		assert.True(t, bool(results[i].TokenOK), "call %d: token of another member", i)
	}

	reqs := h.requests()
	require.Len(t, reqs, n)
	seen := map[string]bool{}
	for _, r := range reqs {
		uuid := r.Form.Get("uuid")
		assert.False(t, seen[uuid], "uuid %s sent twice", uuid)
		seen[uuid] = true
		assert.Equal(t, tokens[uuid], r.Form.Get("token"))
		assert.Equal(t, wiretest.Sign(signedFields(r), testSecret), r.Form.Get("sign"))
	}
	assert.Len(t, seen, n)
}
