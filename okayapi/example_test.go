package okayapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jarcoal/httpmock"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// ExampleClient_Do calls a service through the one send-and-decode path. The
// answer here comes from a mocked transport; a real program leaves out
// WithHTTPClient.
func ExampleClient_Do() {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, "https://hn216.api.yesapi.cn/?s=App.Market_ChatMessage.GetAllUnreadNum",
		httpmock.NewStringResponder(200, `{"ret":200,"data":{"err_code":0,"err_msg":"","unread_num":"3"},"msg":"V2.5.1 YesApi"}`))

	client, err := okayapi.New("https://hn216.api.yesapi.cn", "16BD4337FB1D355902E0502AFCBFD4DF",
		okayapi.WithSecret("4c1402596e4cd017eeaO670df6f8B6783475b4ac8A32B4900f20abP2159711ad"),
		okayapi.WithHTTPClient(&http.Client{Transport: mt}))
	if err != nil {
		fmt.Println(err)
		return
	}
	var out struct {
		Unread phpjson.Int `json:"unread_num"`
	}
	member := okayapi.NewMember("0123456789ABCDEF0123456789ABCDEF", "FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210")
	_, err = client.Do(context.Background(), &okayapi.Request{
		Service:    "App.Market_ChatMessage.GetAllUnreadNum",
		Member:     member,
		Idempotent: true,
	}, &out)
	switch {
	case errors.Is(err, okayapi.ErrNotLoggedIn):
		fmt.Println("log the member in again")
	case err != nil:
		fmt.Println("failed; may have taken effect:", okayapi.MayHaveArrived(err))
	default:
		fmt.Println("unread:", out.Unread)
	}
	// Output: unread: 3
}
