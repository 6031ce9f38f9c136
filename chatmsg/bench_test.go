package chatmsg_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
)

// newBenchService returns a Service whose client answers every call to
// service with the fixture, through httpmock on its own http.Client and
// without recording anything.
func newBenchService(b *testing.B, service, fixture string) *chatmsg.Service {
	b.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, replayBase+"/?s="+service, httpmock.NewBytesResponder(http.StatusOK, readFixture(b, fixture)))
	c, err := okayapi.New(replayBase, replayAppKey,
		okayapi.WithSecret(replaySecret),
		okayapi.WithHTTPClient(&http.Client{Transport: mt}),
		okayapi.WithRetries(0, 0, 0),
	)
	require.NoError(b, err)
	return chatmsg.New(c)
}

// BenchmarkSend measures one Send: validate, encode, sign, POST, decode.
func BenchmarkSend(b *testing.B) {
	svc := newBenchService(b, chatmsg.ServiceSend, "send/success.json")
	ctx := context.Background()
	member := replayMember()
	msg := chatmsg.Text{Content: "I ❤ ⚽ ", Ext: map[string]any{"client": "bench"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Send(ctx, member, uuidAB, msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetAllChatList measures decoding the reference's recorded answer.
func BenchmarkGetAllChatList(b *testing.B) {
	svc := newBenchService(b, chatmsg.ServiceGetAllChatList, "getallchatlist/reference.json")
	ctx := context.Background()
	member := replayMember()
	b.ReportAllocs()
	for b.Loop() {
		list, err := svc.GetAllChatList(ctx, member, chatmsg.ChatListOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(list.Chats) != 2 {
			b.Fatalf("got %d chats, want 2", len(list.Chats))
		}
	}
}
