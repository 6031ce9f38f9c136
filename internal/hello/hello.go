// Package hello is the smallest OkayAPI plugin package: one call,
// Hello.World, built on okayapi.Client.Do. It exists to show (and test) how
// a plugin package and its fake (package hellotest) are written on top of
// okayapi and okayapitest, without changing either.
package hello

import (
	"context"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/okayapi-go/sdk/okayapi/phpjson"
)

// ServiceWorld is the service World calls.
const ServiceWorld = "Hello.World"

// Service calls Hello.World through an okayapi.Client.
type Service struct {
	client *okayapi.Client
}

// New returns a Service that calls through client.
func New(client *okayapi.Client) *Service { return &Service{client: client} }

type worldParams struct {
	Name string `url:"name,omitempty"`
}

type worldData struct {
	Content phpjson.String `json:"content"`
}

// World greets name: it answers the service's content, "Hello " + name.
// With an empty name the service uses its default, PhalApi. It needs no
// logged-in member and is safe to repeat.
func (s *Service) World(ctx context.Context, name string) (string, error) {
	var out worldData
	_, err := s.client.Do(ctx, &okayapi.Request{
		Service:    ServiceWorld,
		Params:     worldParams{Name: name},
		Idempotent: true,
	}, &out)
	if err != nil {
		return "", err
	}
	return string(out.Content), nil
}
