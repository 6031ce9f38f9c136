package watch_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/chatmsg/watch"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

func ExampleRun() {
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
	defer client.Close()
	chat := chatmsg.New(client)
	ctx := context.Background()
	for _, text := range []string{"早上好", "Lunch?", "🍜"} {
		if _, err := chat.Send(ctx, bob, alice.UUID, chatmsg.Text{Content: text}); err != nil {
			log.Fatal(err)
		}
	}

	names := map[string]string{bob.UUID: "bob"}
	n := 0
	opts := watch.Options{MinInterval: 10 * time.Millisecond, MarkRead: true}
	for ev, err := range watch.Run(ctx, chat, []okayapi.Member{alice}, opts) {
		if err != nil {
			log.Print(err) // the watch goes on, unless the error is final
			continue
		}
		fmt.Printf("#%d from %s: %s\n", ev.Message.ID, names[ev.Message.With], chatmsg.Preview(ev.Message.Message, 80))
		if n++; n == 3 {
			break
		}
	}
	// Output:
	// #1 from bob: 早上好
	// #2 from bob: Lunch?
	// #3 from bob: 🍜
}

// fileStore keeps each member's cursor in a JSON file of its own: the shape
// of any Store (a database table keyed by member works the same way).
type fileStore struct{ dir string }

func (s fileStore) Load(_ context.Context, member string) ([]byte, bool, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, member+".json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	return b, err == nil, err
}

func (s fileStore) Save(_ context.Context, member string, cursor []byte) error {
	tmp := filepath.Join(s.dir, member+".json.tmp")
	if err := os.WriteFile(tmp, cursor, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(s.dir, member+".json")) // all or nothing
}

func ExampleStore() {
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
	defer client.Close()
	chat := chatmsg.New(client)
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "cursors")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	opts := watch.Options{MinInterval: 10 * time.Millisecond, Store: fileStore{dir}}

	// handle handles n new messages of alice's, and stops.
	handle := func(n int) {
		for ev, err := range watch.Run(ctx, chat, []okayapi.Member{alice}, opts) {
			if err != nil {
				log.Fatal(err)
			}
			fmt.Println("handled", chatmsg.Preview(ev.Message.Message, 80))
			if n--; n == 0 {
				return
			}
		}
	}
	send := func(text string) {
		if _, err := chat.Send(ctx, bob, alice.UUID, chatmsg.Text{Content: text}); err != nil {
			log.Fatal(err)
		}
	}

	send("one")
	send("two")
	handle(2)
	send("three") // while no watch runs
	handle(1)     // a new process would do the same, with the same directory
	// Output:
	// handled one
	// handled two
	// handled three
}
