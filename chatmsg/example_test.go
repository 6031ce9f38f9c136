package chatmsg_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// The examples run against okayapitest's fake OkayAPI with chatmsgtest's
// fake plugin installed. Against the real
// service, make the client with
//
//	client, err := okayapi.New("https://hn216.api.yesapi.cn", appKey, okayapi.WithSecret(appSecret))
//
// and get each member's login state from client.Login.

// exampleClock dates the fake's messages from 2019-08-11 17:12:02 China
// time, one minute apart, so that the examples print the same every time.
func exampleClock() okayapitest.Option {
	next := time.Date(2019, 8, 11, 9, 12, 2, 0, time.UTC)
	return okayapitest.WithClock(func() time.Time {
		t := next
		next = next.Add(time.Minute)
		return t
	})
}

func ExampleService_Send() {
	srv, err := okayapitest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	chatmsgtest.Install(srv).SetSendReturnsID(true)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	chat := chatmsg.New(client)
	ctx := context.Background()

	res, err := chat.Send(ctx, alice, bob.UUID, chatmsg.Text{Content: "I ❤ ⚽"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("text message", res.MessageID)

	order, err := chatmsg.NewCustom(map[string]any{"kind": "order", "order_id": 42})
	if err != nil {
		log.Fatal(err)
	}
	res, err = chat.Send(ctx, alice, bob.UUID, order)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("custom message", res.MessageID)

	// The service refuses a message to yourself.
	_, err = chat.Send(ctx, alice, alice.UUID, chatmsg.Text{Content: "note to self"})
	fmt.Println("to myself:", errors.Is(err, chatmsg.ErrSelf))
	// Output:
	// text message 1
	// custom message 2
	// to myself: true
}

func ExampleService_MultiSend() {
	srv, err := okayapitest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	chatmsgtest.Install(srv)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	carol := srv.AddMember(okayapitest.Account{Username: "carol"})
	names := map[string]string{bob.UUID: "bob", carol.UUID: "carol"}
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	chat := chatmsg.New(client)

	res, err := chat.MultiSend(context.Background(), alice, []string{bob.UUID, carol.UUID},
		chatmsg.HTML{Content: "<b>Party</b> at 8 🎉"})
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range res.Deliveries {
		fmt.Println(names[d.To], "got message", d.MessageID)
	}
	// Output:
	// bob got message 1
	// carol got message 2
}

func ExampleService_TakeMessageList() {
	srv, err := okayapitest.Start(exampleClock())
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	chatmsgtest.Install(srv)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	chat := chatmsg.New(client)
	ctx := context.Background()
	for _, s := range []struct {
		from, to okayapi.Member
		text     string
	}{{alice, bob, "Hi Bob"}, {bob, alice, "Hi Alice"}, {alice, bob, "Lunch?"}, {bob, alice, "Sure, 12:30"}} {
		if _, err := chat.Send(ctx, s.from, s.to.UUID, chatmsg.Text{Content: s.text}); err != nil {
			log.Fatal(err)
		}
	}

	// Alice reads the newest two messages of her conversation with Bob…
	page, err := chat.TakeMessageList(ctx, alice, bob.UUID, chatmsg.ListOptions{PerPage: 2})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("unread:", page.Unread)
	for _, m := range page.Messages {
		fmt.Println(m.ID, m.Direction, m.SentAt.Format(time.DateTime), m.Message.(chatmsg.Text).Content)
	}
	// …then the ones before.
	older, err := chat.TakeMessageList(ctx, alice, bob.UUID, chatmsg.ListOptions{LastID: page.Messages[0].ID, Order: chatmsg.Older})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range older.Messages {
		fmt.Println(m.ID, m.Direction, m.SentAt.Format(time.DateTime), m.Message.(chatmsg.Text).Content)
	}
	// Output:
	// unread: 2
	// 3 sent 2019-08-11 17:14:02 Lunch?
	// 4 received 2019-08-11 17:15:02 Sure, 12:30
	// 1 sent 2019-08-11 17:12:02 Hi Bob
	// 2 received 2019-08-11 17:13:02 Hi Alice
}

func ExampleService_MarkAsReaded() {
	srv, err := okayapitest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	chatmsgtest.Install(srv)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	chat := chatmsg.New(client)
	ctx := context.Background()
	for _, text := range []string{"one", "two", "three"} {
		if _, err := chat.Send(ctx, alice, bob.UUID, chatmsg.Text{Content: text}); err != nil {
			log.Fatal(err)
		}
	}

	// Bob reads message 2, then the rest of the conversation.
	n, err := chat.MarkAsReaded(ctx, bob, alice.UUID, 2)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("marked", n)
	n, err = chat.MarkAllAsReaded(ctx, bob, alice.UUID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("marked", n)
	// Output:
	// marked 1
	// marked 2
}

func ExampleService_GetAllChatList() {
	srv, err := okayapitest.Start(exampleClock())
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	chatmsgtest.Install(srv)
	alice := srv.AddMember(okayapitest.Account{Username: "alice", Nickname: "Alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob", Nickname: "Bobby", Age: 31})
	carol := srv.AddMember(okayapitest.Account{Username: "carol", Nickname: "小卡"})
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	chat := chatmsg.New(client)
	ctx := context.Background()
	sends := []struct {
		from okayapi.Member
		to   string
		text string
	}{{bob, alice.UUID, "Hi Alice"}, {alice, carol.UUID, "Hello 小卡"}, {bob, alice.UUID, "Are you there?"}}
	for _, s := range sends {
		if _, err := chat.Send(ctx, s.from, s.to, chatmsg.Text{Content: s.text}); err != nil {
			log.Fatal(err)
		}
	}

	list, err := chat.GetAllChatList(ctx, alice, chatmsg.ChatListOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("conversations:", list.Total)
	for _, c := range list.Chats {
		fmt.Printf("%s (%s, %d): %s %s %q, read: %v\n", c.User.Nickname, c.User.Username, c.User.Age,
			c.SentAt.Format("15:04"), c.Direction, c.Last.(chatmsg.Text).Content, c.Read)
	}
	// Output:
	// conversations: 2
	// Bobby (bob, 31): 17:14 received "Are you there?", read: false
	// 小卡 (carol, 0): 17:13 sent "Hello 小卡", read: false
}

func ExampleService_GetAllUnreadNum() {
	srv, err := okayapitest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	chatmsgtest.Install(srv)
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	bob := srv.AddMember(okayapitest.Account{Username: "bob"})
	carol := srv.AddMember(okayapitest.Account{Username: "carol"})
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	chat := chatmsg.New(client)
	ctx := context.Background()
	for _, from := range []okayapi.Member{bob, bob, carol} {
		if _, err := chat.Send(ctx, from, alice.UUID, chatmsg.Text{Content: "ping"}); err != nil {
			log.Fatal(err)
		}
	}

	unread, err := chat.GetAllUnreadNum(ctx, alice)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("unread:", unread.Count)

	if _, err := chat.MarkAllAsReaded(ctx, alice, bob.UUID); err != nil {
		log.Fatal(err)
	}
	unread, err = chat.GetAllUnreadNum(ctx, alice)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("unread after reading bob's:", unread.Count)
	// Output:
	// unread: 3
	// unread after reading bob's: 1
}
