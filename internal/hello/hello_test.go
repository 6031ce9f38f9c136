package hello_test

// These tests run the hello package against the core fake with the
// Hello.World fake registered on it: a plugin package and its fake,
// written without touching the core or any other plugin.

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/internal/hello"
	"github.com/okayapi-go/sdk/internal/hello/hellotest"
	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// The public test vector from the wire notes.
const (
	vectorAppKey = "16BD4337FB1D355902E0502AFCBFD4DF"
	vectorSecret = "4c1402596e4cd017eeaO670df6f8B6783475b4ac8A32B4900f20abP2159711ad"
	vectorSign   = "908AA11EC46BB439184B64BA68315718"
)

// newHello starts a fake with Hello.World and returns it with a client.
func newHello(t *testing.T, opts ...okayapitest.Option) (*okayapitest.Server, *hello.Service) {
	t.Helper()
	srv := okayapitest.NewServer(t, opts...)
	hellotest.Install(srv)
	return srv, hello.New(okayapitest.NewClient(t, srv, okayapi.WithRetries(0, 0, 0)))
}

func TestWorld(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, want string }{
		{"dogstar", "Hello dogstar"},
		{"", "Hello PhalApi"},
		{"世界 & a/b+c", "Hello 世界 & a/b+c"},
	} {
		for _, quirks := range []bool{false, true} {
			_, h := newHello(t, okayapitest.WithQuirks(quirks))
			got, err := h.World(t.Context(), c.name)
			require.NoError(t, err, c.name)
			assert.Equal(t, c.want, got, "quirks %v", quirks)
		}
	}
}

func TestWireVector(t *testing.T) {
	t.Parallel()
	srv, h := newHello(t, okayapitest.WithAppKey(vectorAppKey), okayapitest.WithSecret(vectorSecret))
	got, err := h.World(t.Context(), "dogstar")
	require.NoError(t, err)
	assert.Equal(t, "Hello dogstar", got)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "Hello.World", reqs[0].Service)
	assert.Equal(t, vectorSign, reqs[0].Form.Get("sign"), "s, app_key and name signed as the vector says")
	assert.Equal(t, url.Values{"s": {"Hello.World"}, "app_key": {vectorAppKey}, "name": {"dogstar"}, "sign": {vectorSign}}, reqs[0].Form)
}

func TestSignModes(t *testing.T) {
	t.Parallel()
	for mode, sign := range signModes() {
		_, h := newHello(t, sign)
		got, err := h.World(t.Context(), "x")
		require.NoError(t, err, mode)
		assert.Equal(t, "Hello x", got, mode)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	srv := okayapitest.NewServer(t)
	hellotest.Install(srv)

	wrong := hello.New(okayapitest.NewClient(t, srv, okayapi.WithSecret("not the secret")))
	_, err := wrong.World(t.Context(), "x")
	assert.ErrorIs(t, err, okayapi.ErrBadSignature)

	h := hello.New(okayapitest.NewClient(t, srv, okayapi.WithRetries(0, 0, 0)))
	srv.InjectFault(hello.ServiceWorld, "non-json", 1)
	_, err = h.World(t.Context(), "x")
	assert.ErrorIs(t, err, okayapi.ErrTransport)
	got, err := h.World(t.Context(), "x")
	require.NoError(t, err, "one call misbehaved")
	assert.Equal(t, "Hello x", got)

	none := okayapitest.NewServer(t) // Hello.World not installed
	_, err = hello.New(okayapitest.NewClient(t, none)).World(context.Background(), "x")
	assert.ErrorIs(t, err, okayapi.ErrNoSuchService)

	assert.Panics(t, func() { hellotest.Install(srv) }, "installed twice")
}

// signModes are the fake app's three ways of checking signatures, by name.
func signModes() map[string]okayapitest.Option {
	return map[string]okayapitest.Option{"dynamic": okayapitest.WithSecret(""), "static": okayapitest.WithStaticSign(""), "none": okayapitest.WithoutSign()}
}
