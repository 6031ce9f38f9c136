package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/exactlyonce"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest/cassette"
	"github.com/okayapi-go/sdk/sign"
)

// defaultTimeout is how long okchat waits for the service unless --timeout
// says otherwise: long enough for a slow answer, short enough that a stalled
// server does not keep a shell waiting.
const defaultTimeout = 15 * time.Second

// app is a client configured from the environment, acting for one member
// (none for a noMember command).
type app struct {
	ctx      context.Context
	cmd      *command
	client   *okayapi.Client
	chat     *chatmsg.Service
	member   okayapi.Member
	getenv   func(string) string // as given, untrimmed
	stdin    io.Reader
	out      io.Writer
	stderr   io.Writer // for what a long-running command tells as it goes
	json     bool
	unsigned bool                // calls go out without a signature
	static   bool                // calls carry a static sign value
	recorder *cassette.Recorder  // --record, or nil
	once     *exactlyonce.Config // --exactly-once: sends are exactly-once, with this configuration; nil: plain
}

func newApp(ctx context.Context, cmd *command, sys system, out io.Writer, g globalFlags) (*app, error) {
	env := func(name string) string { return strings.TrimSpace(sys.getenv(name)) }
	required := []string{"OKAYAPI_HOST", "OKAYAPI_APP_KEY"}
	if !cmd.noMember {
		required = append(required, "OKAYAPI_UUID", "OKAYAPI_TOKEN")
	}
	var missing []string
	for _, name := range required {
		if env(name) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, &usageError{msg: "missing environment variable(s): " + strings.Join(missing, ", ") + " (see 'okchat --help')"}
	}
	var signing okayapi.Option
	secret, static := env("OKAYAPI_APP_SECRET"), env("OKAYAPI_STATIC_SIGN")
	switch {
	case secret != "" && static != "":
		return nil, &usageError{msg: "set OKAYAPI_APP_SECRET (dynamic signature) or OKAYAPI_STATIC_SIGN (static signature), not both"}
	case secret != "":
		signing = okayapi.WithSecret(secret) // not WithSigner: the client then also hides the secret from errors
	case static != "":
		signing = okayapi.WithSigner(sign.Static(static))
	default:
		signing = okayapi.WithSigner(sign.None())
	}
	opts := []okayapi.Option{signing, okayapi.WithTimeout(g.timeout), okayapi.WithUserAgent(userAgent)}
	var rec *cassette.Recorder
	switch {
	case g.record != "":
		var next http.RoundTripper // nil: http.DefaultTransport
		if sys.hc != nil {
			next = sys.hc.Transport
		}
		var err error
		rec, err = cassette.NewRecorder(g.record, next,
			cassette.WithApp(cassette.App{AppKey: env("OKAYAPI_APP_KEY"), Secret: secret}),
			cassette.WithSecrets(static, env("OKAYAPI_TOKEN"), env("OKAYAPI_PASSWORD")))
		if err != nil {
			return nil, &usageError{msg: "--record: " + err.Error()}
		}
		opts = append(opts, okayapi.WithHTTPClient(&http.Client{Transport: rec}))
	case sys.hc != nil:
		opts = append(opts, okayapi.WithHTTPClient(sys.hc))
	}
	client, err := okayapi.New(env("OKAYAPI_HOST"), env("OKAYAPI_APP_KEY"), opts...)
	if err != nil {
		return nil, err
	}
	a := &app{
		ctx:      ctx,
		cmd:      cmd,
		client:   client,
		chat:     chatmsg.New(client),
		getenv:   sys.getenv,
		stdin:    sys.stdin,
		out:      out,
		stderr:   sys.stderr,
		json:     g.json,
		unsigned: secret == "" && static == "",
		static:   static != "",
		recorder: rec,
	}
	if !cmd.noMember {
		a.member = okayapi.NewMember(env("OKAYAPI_UUID"), env("OKAYAPI_TOKEN"))
		if err := okayapi.CheckUUID("OKAYAPI_UUID", a.member.UUID); err != nil {
			client.Close()
			return nil, err
		}
	}
	return a, nil
}
