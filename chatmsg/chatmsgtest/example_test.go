package chatmsgtest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// In a test, chatmsgtest.NewServer(t) does the first two steps in one line
// and closes the server when the test ends.
func ExampleInstall() {
	srv, err := okayapitest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	plugin := chatmsgtest.Install(srv)

	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	chat := chatmsg.New(client)
	if _, err := chat.Send(context.Background(), alice, bob.UUID, chatmsg.Text{Content: "hi"}); err != nil {
		log.Fatal(err)
	}
	for _, m := range plugin.Messages() {
		fmt.Println(m.ID, m.From == alice.UUID, m.To == bob.UUID, m.Type, string(m.Data), m.Read)
	}
	// Output:
	// 1 true true text {"content":"hi"} false
}

func ExamplePlugin_SetInstalled() {
	srv, err := okayapitest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	plugin := chatmsgtest.Install(srv)
	plugin.SetInstalled(false)

	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	_, err = chatmsg.New(client).GetAllUnreadNum(context.Background(), alice)
	fmt.Println(errors.Is(err, chatmsg.ErrNotInstalled))
	// Output: true
}
