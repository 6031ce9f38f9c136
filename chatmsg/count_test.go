package chatmsg_test

import "github.com/okayapi-go/sdk/okayapi/okayapitest"

// countCalls counts the requests srv saw for service.
func countCalls(srv *okayapitest.Server, service string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Service == service {
			n++
		}
	}
	return n
}
