// Package callctx carries, in a call's context, what package watch asks of
// chatmsg's calls without chatmsg exporting it: a request budget shared by
// every call of a watch, and how many rows of a chat list to read when the
// service sends more than were asked for.
package callctx

import (
	"context"
	"time"

	"golang.org/x/time/rate"
)

type key struct{}

// values is what a watch attaches to its calls' context.
type values struct {
	budget *rate.Limiter
	rows   int
}

// With returns ctx carrying budget (each call waits for it before it is
// sent) and rows (GetAllChatList reads up to rows rows of an answer, and
// fails when it holds more).
func With(ctx context.Context, budget *rate.Limiter, rows int) context.Context {
	return context.WithValue(ctx, key{}, values{budget, rows})
}

// Rows is how many rows of a chat list ctx asks to read; 0: the page size
// (also for a nil ctx, which the call then refuses).
func Rows(ctx context.Context) int {
	if ctx == nil {
		return 0
	}
	v, _ := ctx.Value(key{}).(values)
	return v.rows
}

// Wait waits for ctx's request budget, if it has one.
func Wait(ctx context.Context) error {
	v, ok := ctx.Value(key{}).(values)
	if !ok || v.budget == nil {
		return nil
	}
	r := v.budget.Reserve() // not Wait, which fails at once when ctx would end first
	d := r.Delay()
	if d == 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	}
}
