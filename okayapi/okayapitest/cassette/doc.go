// Package cassette records what an OkayAPI app really answers and replays it
// in tests, in the manner of go-vcr: a cassette is a directory of fixture
// files, one answer body and one request sidecar per HTTP exchange.
//
// One call wires a test to a cassette:
//
//	func TestSend(t *testing.T) {
//		cas := cassette.New(t, "testdata/cassettes/send")
//		client := cas.Client() // an *okayapi.Client on the cassette
//		member, err := client.Login(ctx, "alice", cmp.Or(os.Getenv("ALICE_PASSWORD"), "replayed"))
//		…
//	}
//
// # Modes
//
// In [Replay] mode (the default) every answer comes from the files, through
// httpmock on the client's own http.Client: nothing leaves the process. In
// [Record] mode the calls go to the real app through a real transport, and
// every exchange is written down. In [RecordMissing] mode what is recorded
// is replayed and what is missing is recorded. The test chooses the mode
// ([WithMode]); the environment variable OKAYAPI_CASSETTE set to
// record, replay or missing overrides it, so the same test records on a
// developer's machine and replays in CI:
//
//	OKAYAPI_CASSETTE=record OKAYAPI_HOST=… OKAYAPI_APP_KEY=… OKAYAPI_APP_SECRET=… go test ./...
//	# review testdata/cassettes (see below), commit it
//	go test ./...   # in CI: replays, no network, no credentials
//
// A cassette recorded from the SDK's fake (okayapitest) instead of a real
// app is one option, [RecordFrom]:
//
//	srv := okayapitest.NewServer(t)
//	cas := cassette.New(t, "testdata/cassettes/send", cassette.RecordFrom(srv))
//
// and replayed as a fixture with [IgnoreEnv]:
//
//	cas := cassette.New(t, "testdata/cassettes/send", cassette.IgnoreEnv())
//
// The app recorded from is [WithApp]'s, or else the one that OKAYAPI_HOST,
// OKAYAPI_APP_KEY and OKAYAPI_APP_SECRET name (the variables okchat reads).
// A replaying client talks to a made-up host and signs with the app secret
// of WithApp, or else with the public test vector of docs/wire.md.
//
// # Matching
//
// A request is matched to a recording by its service (the s or service
// parameter, or the path form /api/App/Class/Action), by the acting member
// and by the call's own parameters: all of them, exactly, except as
// follows. The app_key and sign are never compared: they differ between
// the machine that recorded and the one that replays. The member's uuid is
// compared as it is (uuids are kept); the member's token, which the
// cassette only knows by its placeholder, and each parameter whose name
// holds "password", "secret" or "token" (recorded as a numbered
// placeholder, REDACTED-PASSWORD-1, REDACTED-PASSWORD-2, …, one per
// distinct secret) are compared by identity: a placeholder stands for the
// first value a replaying session sends in its place, and for that value
// only, and a value for one placeholder only, so that the call recorded
// with the right password is not served to a wrong one, and a call made
// with one login's token is not served to another's. A replayed login's
// token is its placeholder: sent back, it stands for itself. Where the
// replaying app is the one recorded from (the same secret, or for an app
// without one the same key), a secret parameter is compared exactly: the
// sidecar keeps its keyed hash (HMAC-SHA256 under the app secret, never
// written anywhere), so the right password gets the recorded success and
// a wrong one the recorded error in any order. An exactly-once send's key
// (chatmsg's okayapi_send_key in the message) is random: it is taken as
// "the key this call generated", tied to the key the replaying call sent,
// and every answer served afterwards shows the new key where the recording
// had the old one, so that a check that reads the conversation back finds
// the message. When several recordings match, they are served in their
// recorded order, each once (the same call made twice may be answered
// differently). A request that has no recording fails the test with a
// message that names the nearest recording and how it differs, field by
// field, with no secret in it. A hand-written exchange that answers any
// parameters, or any service, is served only when no more specific one is
// left; a hand-written sidecar without a member answers any member.
//
// Replay also checks each request's signature: it recomputes the dynamic
// signature (independently of package sign) over what was sent, with the app
// secret of the replaying client, so that a signing regression cannot hide
// behind a cassette. An app without a secret is not checked.
//
// # No secret is written
//
// The app key, the app secret, members' tokens, passwords and signatures are
// replaced by placeholders (REDACTED-APP-KEY, REDACTED-PASSWORD, …) wherever
// they appear, in the request sidecars and in the answers (as sent, URL- or
// JSON-escaped as PHP and Go write them, in any letter case), by the same
// rule as the SDK's errors; any run of 16 or more characters of one (a
// truncated or partly echoed token) becomes REDACTED-PART. Values shorter
// than 8 bytes are not replaced. An answer that is not one JSON document (a
// PHP notice or warning before it, text after it, two envelopes, a
// truncated body) is not searched for the secrets it hands out: every run
// of 16 or more ASCII letters and digits in it becomes REDACTED-TOKEN-LIKE. A token an answer hands out (a "token"
// field, as App.User.Login's) is replaced by a placeholder of the same length
// made of hexadecimal digits, the same one wherever it appears, so that a
// replayed login still gives a usable okayapi.Member. Other secrets the
// recorder cannot see on the wire, such as a plain-text password, are named
// with [WithSecrets]. Member uuids are identifiers and are kept.
//
// # Outside tests
//
// A [Recorder] is an http.RoundTripper that adds every exchange to a
// cassette (a command's --record flag: it never deletes a recording), and
// [NewHandler] serves a cassette as an HTTP server would (fakeserver
// -replay), checking signatures with its own app secret and accepting any
// token.
//
// # Files
//
// Each exchange is two files in the directory of its action in lower case
// (send/ for App.Market_ChatMessage.Send, login/ for App.User.Login):
//
//	send/0003_success.json       the answer body, byte for byte as received
//	                             (.html for an answer that is not JSON)
//	send/0003_success.req.json   the sidecar: what was asked and how it was answered
//
// A sidecar looks like this:
//
//	{
//	  "service": "App.Market_ChatMessage.Send",
//	  "method": "POST",
//	  "url_form": "query",
//	  "member": "8AEA2AF1951C0376EC668A74B8CAA64A",
//	  "token": "0000000000000000000000000000000000000000000000000000000000000001",
//	  "params": {
//	    "chat_message_data": "{\"content\":\"hi\"}",
//	    "chat_message_type": "text",
//	    "other_uuid": "5B1CA086F3E9E86F83354191AFB41E9E"
//	  },
//	  "status": 200,
//	  "content_type": "application/json;charset=utf-8",
//	  "order": 3,
//	  "recorded": "2026-04-12T09:30:00Z"
//	}
//
// service names the call ("*" in a hand-written sidecar: any service);
// params are the call's own parameters (absent or null in a hand-written
// sidecar: any parameters); member is the acting member's uuid and token
// the placeholder of its token (both compared, see Matching); keyed holds a
// secret parameter's keyed hash, by name; status (default 200), content_type and header (Retry-After,
// Location) are how the answer was served; order places the exchange among
// the others (recordings of the same call are served by order); recorded is
// when it was recorded, absent from a hand-written exchange; note is free
// text. A body file without a sidecar answers any call whose action is its
// directory's name, with any parameters, with HTTP 200.
//
// Each file is written to a temporary file in its directory and renamed
// into place, the body first, then the sidecar, while a hidden claim file
// (.0003_success.claim) reserves the name: recorders in several goroutines
// or processes adding to one cassette take distinct names, and a reader
// never sees a half-written file, nor a body whose sidecar is still on its
// way. A cassette never reads or writes through a symbolic link inside it
// (a linked action directory is refused with an error), so that it stays
// in its directory.
package cassette
