package watch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/chatmsg/watch"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// listRT passes the rows of each TakeMessageList answer through rewrite,
// as a service that shows or writes some rows differently would.
type listRT struct{ rewrite func(list []any) []any }

func (l listRT) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || req.URL.Query().Get("s") != chatmsg.ServiceTakeMessageList {
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var env map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if dec.Decode(&env) == nil {
		if data, ok := env["data"].(map[string]any); ok {
			if list, ok := data["list"].([]any); ok {
				data["list"] = l.rewrite(list)
				b, _ = json.Marshal(env)
			}
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// lateRT hides chosen message ids from TakeMessageList answers until a
// deadline, as a service whose transactions commit out of order would.
type lateRT struct {
	mu     sync.Mutex
	hidden map[int64]time.Time // id → visible from
}

// rows is list without the rows still hidden.
func (l *lateRT) rows(list []any) []any {
	keep := []any{}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, it := range list {
		// "id":"12" with PHP's habits (the fake's default), "id":12 without.
		id, _ := strconv.ParseInt(fmt.Sprint(it.(map[string]any)["id"]), 10, 64)
		if until, h := l.hidden[id]; h && time.Now().Before(until) {
			continue
		}
		keep = append(keep, it)
	}
	return keep
}

// TestWatchCatchesAMessageShownOutOfOrder: message 2 shows only after
// message 3 (within Settle); it is still delivered, once.
func TestWatchCatchesAMessageShownOutOfOrder(t *testing.T) {
	t.Parallel()
	srv, _ := chatmsgtest.NewServer(t)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	late := &lateRT{hidden: map[int64]time.Time{}}
	watching := chatmsg.New(okayapitest.NewClient(t, srv, okayapi.WithHTTPClient(&http.Client{Transport: listRT{late.rows}})))
	sending := chatmsg.New(okayapitest.NewClient(t, srv))

	ctx, cancel := context.WithCancel(context.Background())
	ids := make(chan int64, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev, err := range watch.Run(ctx, watching, []okayapi.Member{alice}, watch.Options{MinInterval: 50 * time.Millisecond, MaxInterval: 100 * time.Millisecond}) {
			if err == nil {
				ids <- ev.Message.ID
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })

	late.mu.Lock()
	late.hidden[2] = time.Now().Add(600 * time.Millisecond)
	late.mu.Unlock()
	for _, text := range []string{"a", "b", "c"} {
		_, err := sending.Send(context.Background(), bob, alice.UUID, chatmsg.Text{Content: text})
		require.NoError(t, err)
	}
	var got []int64
	deadline := time.After(10 * time.Second)
	for len(got) < 3 {
		select {
		case id := <-ids:
			got = append(got, id)
		case <-deadline:
			t.Fatalf("delivered %v, want 1, 2 and 3", got)
		}
	}
	assert.ElementsMatch(t, []int64{1, 2, 3}, got)
	select { // and nothing twice
	case id := <-ids:
		t.Errorf("delivered %d again", id)
	case <-time.After(300 * time.Millisecond):
	}
}
