package okayapi

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

func (c *Client) logCall(ctx context.Context, req *Request, resp *Response, attempts int, took time.Duration, err error) {
	if c.log == nil {
		return
	}
	level := slog.LevelDebug
	attrs := make([]slog.Attr, 0, 7)
	attrs = append(attrs, slog.String("service", req.Service), slog.Int("attempts", attempts), slog.Duration("took", took))
	if !req.Member.isZero() {
		attrs = append(attrs, slog.String("uuid", req.Member.UUID))
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
		if resp.Ret != 0 {
			attrs = append(attrs, slog.Int("ret", resp.Ret))
		}
	}
	if err != nil {
		level = slog.LevelWarn
		var pe *PluginError
		if errors.As(err, &pe) {
			attrs = append(attrs, slog.Int("err_code", pe.Code))
		}
		attrs = append(attrs, slog.String("error", err.Error()), slog.Bool("may_have_arrived", MayHaveArrived(err)))
	}
	c.log.LogAttrs(ctx, level, "okayapi call", attrs...)
}
