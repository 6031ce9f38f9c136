package chatmsgtest_test

// These tests check the fake plugin with a plain net/http client and their
// own signing code, not the SDK, so that the fake is checked independently
// of what it is used to test.

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/internal/wiretest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

const (
	svcSend     = "App.Market_ChatMessage.Send"
	svcMulti    = "App.Market_ChatMessage.MultiSend"
	svcTake     = "App.Market_ChatMessage.TakeMessageList"
	svcMark     = "App.Market_ChatMessage.MarkAsReaded"
	svcChatList = "App.Market_ChatMessage.GetAllChatList"
	svcUnread   = "App.Market_ChatMessage.GetAllUnreadNum"
)

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

var fixedTime = time.Date(2019, 8, 11, 9, 12, 2, 0, time.UTC) // 17:12:02 in Shanghai

// fake is one server with the plugin and a plain HTTP client for it.
type fake struct {
	t      *testing.T
	srv    *okayapitest.Server
	plugin *chatmsgtest.Plugin
	hc     *http.Client
}

func newFake(t *testing.T, opts ...okayapitest.Option) *fake {
	t.Helper()
	// PHP's habits are on by default; these tests read the answers with
	// plain encoding/json types, so they turn them off (a test may turn
	// them on again with WithQuirks: TestQuirksJSON is about them).
	opts = append([]okayapitest.Option{okayapitest.WithClock(func() time.Time { return fixedTime }), okayapitest.WithQuirks(false)}, opts...)
	srv, plugin := chatmsgtest.NewServer(t, opts...)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	return &fake{t: t, srv: srv, plugin: plugin, hc: hc}
}

// reply is an answer and its envelope.
type reply struct {
	Status int
	Body   []byte
	Ret    int
	Msg    string
	Data   json.RawMessage
}

// code returns data.err_code.
func (r reply) code(t *testing.T) int {
	t.Helper()
	var d struct {
		ErrCode int `json:"err_code"`
	}
	require.NoError(t, json.Unmarshal(r.Data, &d), string(r.Body))
	return d.ErrCode
}

// into decodes data into v.
func (r reply) into(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Data, v), string(r.Body))
}

// params returns the parameters of a signed call by who.
func (f *fake) params(service string, who okayapi.Member, extra url.Values) url.Values {
	p := url.Values{"s": {service}, "app_key": {f.srv.AppKey()}}
	if who.UUID != "" {
		p.Set("uuid", who.UUID)
		p.Set("token", who.Token())
	}
	for k, vs := range extra {
		p[k] = vs
	}
	p.Set("sign", wiretest.Sign(p, f.srv.Secret()))
	return p
}

// call POSTs a signed call and decodes the envelope.
func (f *fake) call(service string, who okayapi.Member, extra url.Values) reply {
	f.t.Helper()
	return f.post(f.params(service, who, extra))
}

// post POSTs p as a form and decodes the envelope.
func (f *fake) post(p url.Values) reply {
	f.t.Helper()
	resp, err := f.send(context.Background(), p)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(f.t, err)
	require.Equal(f.t, http.StatusOK, resp.StatusCode, string(b))
	r := reply{Status: resp.StatusCode, Body: b}
	var env struct {
		Ret  *int            `json:"ret"`
		Data json.RawMessage `json:"data"`
		Msg  string          `json:"msg"`
	}
	require.NoError(f.t, json.Unmarshal(b, &env), string(b))
	require.NotNil(f.t, env.Ret, string(b))
	r.Ret, r.Msg, r.Data = *env.Ret, env.Msg, env.Data
	return r
}

func (f *fake) send(ctx context.Context, p url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.srv.URL()+"/", strings.NewReader(p.Encode()))
	require.NoError(f.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.hc.Do(req)
}

// ok is call that expects ret 200 and err_code 0.
func (f *fake) ok(service string, who okayapi.Member, extra url.Values) reply {
	f.t.Helper()
	r := f.call(service, who, extra)
	require.Equal(f.t, 200, r.Ret, "%s: %s", service, r.Body)
	require.Equal(f.t, 0, r.code(f.t), "%s: %s", service, r.Body)
	return r
}

func text(s string) url.Values {
	return url.Values{"chat_message_type": {"text"}, "chat_message_data": {`{"content":` + strconv.Quote(s) + `}`}}
}

func to(uuid string, v url.Values) url.Values {
	v.Set("other_uuid", uuid)
	return v
}

// members adds n members named m0, m1, …
func (f *fake) members(n int) []okayapi.Member {
	out := make([]okayapi.Member, n)
	for i := range out {
		out[i] = f.srv.AddMember(okayapitest.Account{Username: fmt.Sprintf("m%d", i), Password: "pw", Nickname: fmt.Sprintf("M%d", i), Age: 20 + i})
	}
	return out
}

// wireItem is a list item with quirks off.
type wireItem struct {
	ID      int64          `json:"id"`
	ToUUID  string         `json:"chat_message_to_uuid"`
	Data    map[string]any `json:"chat_message_data"`
	Type    string         `json:"chat_message_type"`
	IsRead  int            `json:"chat_message_is_read"`
	IO      string         `json:"chat_message_io"`
	AddTime string         `json:"add_time"`
	User    *struct {
		Username string         `json:"username"`
		ExtInfo  map[string]any `json:"ext_info"`
	} `json:"user"`
}

type wireList struct {
	ErrCode   int        `json:"err_code"`
	List      []wireItem `json:"list"`
	UnreadNum int        `json:"unread_num"`
	Total     int        `json:"total"`
}

func ids(items []wireItem) []int64 {
	out := []int64{}
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}
