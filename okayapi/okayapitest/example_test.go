package okayapitest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"sync"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

func ExampleStart() {
	srv, err := okayapitest.Start(okayapitest.WithQuirks(true))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	alice := srv.AddMember(okayapitest.Account{Username: "alice", Password: "secret", Nickname: "Alice"})

	client, err := srv.Client() // the server's URL, app key and secret
	if err != nil {
		log.Fatal(err)
	}
	again, err := client.Login(context.Background(), "alice", "secret")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("logged in as alice:", again.UUID == alice.UUID)
	_, err = client.Login(context.Background(), "alice", "wrong")
	fmt.Println("wrong password:", errors.Is(err, okayapi.ErrLoginFailed))
	// Output:
	// logged in as alice: true
	// wrong password: true
}

// A plugin's fake registers its services with Handle; the server checks
// the parameters, the signature and the login before the handler runs.
func ExampleServer_Handle() {
	srv, err := okayapitest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.Handle(okayapitest.Service{
		Name:   "App.Greeting.Say",
		Login:  true,
		Params: []okayapitest.Param{{Name: "word", Required: true, Max: "10"}},
		Handler: func(c *okayapitest.Call) okayapitest.Answer {
			if c.String("word") == "bye" {
				return okayapitest.Fail(1, "not yet")
			}
			return okayapitest.OK(okayapitest.Field{Key: "said", Value: c.User.Username + ": " + c.String("word")})
		},
	})
	alice := srv.AddMember(okayapitest.Account{Username: "alice"})
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	say := func(who okayapi.Member, word string) {
		var out struct {
			Said string `json:"said"`
		}
		_, err := client.Do(context.Background(), &okayapi.Request{
			Service: "App.Greeting.Say", Member: who, Params: url.Values{"word": {word}},
		}, &out)
		var pe *okayapi.PluginError
		switch {
		case errors.As(err, &pe):
			fmt.Println("err_code", pe.Code, pe.Msg)
		case errors.Is(err, okayapi.ErrNotLoggedIn):
			fmt.Println("not logged in")
		case errors.Is(err, okayapi.ErrBadRequest):
			fmt.Println("bad request")
		case err != nil:
			fmt.Println(err)
		default:
			fmt.Println(out.Said)
		}
	}
	say(alice, "hello")
	say(alice, "bye")
	say(alice, "far too long a word")
	say(okayapi.Member{}, "hello")
	// Output:
	// alice: hello
	// err_code 1 not yet
	// bad request
	// not logged in
}

func ExampleServer_InjectFault() {
	srv, err := okayapitest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	var mu sync.Mutex
	total := 0
	srv.Handle(okayapitest.Service{
		Name:   "App.Counter.Add",
		Params: []okayapitest.Param{{Name: "n", Type: "int", Required: true}},
		Handler: func(c *okayapitest.Call) okayapitest.Answer {
			mu.Lock()
			defer mu.Unlock()
			total += int(c.Int("n"))
			return okayapitest.OK()
		},
	})
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}

	// The next call is processed, then its connection drops: the counter
	// grows, but the client gets no answer (and, as the call is not
	// idempotent, does not send it again).
	srv.InjectFault("", "drop-after", 1)
	_, err = client.Do(context.Background(), &okayapi.Request{Service: "App.Counter.Add", Params: url.Values{"n": {"5"}}}, nil)
	fmt.Println("error:", err != nil, "may have arrived:", okayapi.MayHaveArrived(err))
	mu.Lock()
	fmt.Println("total:", total)
	mu.Unlock()
	fmt.Println("requests:", len(srv.Requests()))
	// Output:
	// error: true may have arrived: true
	// total: 5
	// requests: 1
}
