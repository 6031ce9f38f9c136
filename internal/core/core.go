// Package core is what the SDK's own packages (chatmsg, and the packages
// split from it) need of an okayapi.Client or Response, without an export
// that every user of okayapi would meet in go doc.
//
// okayapi fills these in when it is initialised; a package that imports
// okayapi may call them. The arguments are typed any only because this
// package cannot import okayapi (okayapi imports it): c is an
// *okayapi.Client, resp an *okayapi.Response.
package core

import "time"

var (
	// AttemptTimeout returns how long one HTTP attempt of the client c may
	// take: WithTimeout's value, or the Timeout of WithHTTPClient's client
	// when it has one.
	AttemptTimeout func(c any) time.Duration

	// ParseTime reads a time as the service writes it ("2019-08-11
	// 17:12:02", no zone) in the client c's time zone (WithLocation). An
	// empty string or an all-zero MySQL date gives the zero time.
	ParseTime func(c any, s string) (time.Time, error)

	// DecodeError returns an *okayapi.DecodeError for the answer resp, for
	// data found unreadable after Do succeeded. Like the errors Do builds,
	// it holds no secret: its reason, cause, excerpt and Data are redacted
	// with the call's secrets.
	DecodeError func(resp any, reason string, err error) error
)
