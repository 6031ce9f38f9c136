package hellotest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/okayapi-go/sdk/internal/hello"
	"github.com/okayapi-go/sdk/internal/hello/hellotest"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

func ExampleInstall() {
	srv, err := okayapitest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	hellotest.Install(srv)

	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	greeting, err := hello.New(client).World(context.Background(), "dogstar")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(greeting)
	// Output: Hello dogstar
}
