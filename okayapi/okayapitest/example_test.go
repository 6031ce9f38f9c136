package okayapitest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

func ExampleStart() {
	srv, err := okayapitest.Start(okayapitest.WithQuirks(true))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	alice := srv.AddMember(okayapitest.Profile{Username: "alice", Password: "secret"})
	bob := srv.AddMember(okayapitest.Profile{Username: "bob", Nickname: "Bob"})

	client, err := srv.Client() // the server's URL, app key and secret
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := chatmsg.New(client).Send(ctx, alice, bob.UUID, chatmsg.Text{Content: "hi"}); err != nil {
		log.Fatal(err)
	}
	again, err := client.Login(ctx, "alice", "secret")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("logged in as alice:", again.UUID == alice.UUID)
	for _, m := range srv.Messages() {
		fmt.Println(m.ID, m.Type, string(m.Data))
	}
	// Output:
	// logged in as alice: true
	// 1 text {"content":"hi"}
}

func ExampleServer_InjectFault() {
	srv, err := okayapitest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	alice := srv.AddMember(okayapitest.Profile{Username: "alice"})
	bob := srv.AddMember(okayapitest.Profile{Username: "bob"})
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	chat := chatmsg.New(client)

	// The next call is processed, then its connection drops: the message is
	// stored, but the sender gets no answer.
	srv.InjectFault(okayapitest.FaultDropAfter, 1)
	_, err = chat.Send(context.Background(), alice, bob.UUID, chatmsg.Text{Content: "did it arrive?"})
	fmt.Println("error:", err != nil, "may have arrived:", okayapi.MayHaveArrived(err))
	fmt.Println("stored:", len(srv.Messages()))
	fmt.Println("requests:", len(srv.Requests()))
	// Output:
	// error: true may have arrived: true
	// stored: 1
	// requests: 1
}
