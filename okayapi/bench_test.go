package okayapi_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// BenchmarkDo measures one signed call and its decoding, against httpmock.
func BenchmarkDo(b *testing.B) {
	mt := httpmock.NewMockTransport()
	body := envelope(200, `{"err_code":0,"err_msg":"","id":"12","is_read":"1","ext_info":[]}`, "V2.5.1 YesApi App.Market_ChatMessage.Send")
	mt.RegisterResponder(http.MethodPost, queryURL, httpmock.NewStringResponder(http.StatusOK, body))
	c, err := okayapi.New(testBase, testAppKey,
		okayapi.WithHTTPClient(&http.Client{Transport: mt}),
		okayapi.WithSecret(testSecret),
		okayapi.WithRetries(0, 0, 0))
	if err != nil {
		b.Fatal(err)
	}
	req := &okayapi.Request{
		Service: testSvc,
		Member:  testMember,
		Params:  url.Values{"other_uuid": {"AAAABBBBCCCCDDDDEEEEFFFF00001111"}, "chat_message_type": {"text"}, "chat_message_data": {awkward}},
	}
	var out struct {
		ID     phpjson.Int    `json:"id"`
		IsRead phpjson.Bool   `json:"is_read"`
		Ext    phpjson.Object `json:"ext_info"`
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Do(ctx, req, &out); err != nil {
			b.Fatal(err)
		}
	}
	if out.ID != 12 {
		b.Fatalf("decoded id %d", out.ID)
	}
}
