// Package hellotest is the fake of package hello's service, Hello.World,
// for an okayapitest.Server: it answers {"content":"Hello <name>"}, with
// name "PhalApi" when the call sends none, and needs no logged-in member.
package hellotest

import "github.com/okayapi-go/sdk/okayapi/okayapitest"

// Install registers Hello.World on srv. It panics if srv answers
// Hello.World already.
func Install(srv *okayapitest.Server) {
	srv.Handle(okayapitest.Service{
		Name:   "App.Hello.World",
		Params: []okayapitest.Param{{Name: "name", Default: "PhalApi"}},
		Handler: func(c *okayapitest.Call) okayapitest.Answer {
			return okayapitest.Answer{Data: okayapitest.Object{{Key: "content", Value: "Hello " + c.String("name")}}}
		},
	})
}
