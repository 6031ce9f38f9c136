package okayapi

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

var shanghai = chinaTime(time.LoadLocation)

// chinaTime is Asia/Shanghai as load finds it, or, on a machine with no time
// zone database, UTC+8 named CST: China has had no DST since 1991.
func chinaTime(load func(name string) (*time.Location, error)) *time.Location {
	loc, err := load("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*60*60)
	}
	return loc
}

// parseTime reads a time as the service writes it ("2019-08-11 17:12:02", no
// zone) in loc (internal/core's ParseTime). An empty string or an all-zero
// MySQL date gives the zero time. It also accepts a date alone, RFC 3339,
// and Unix seconds as digits.
func parseTime(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = shanghai
	}
	s = strings.TrimSpace(s)
	if s == "" || s == "0000-00-00 00:00:00" || s == "0000-00-00" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.DateTime, time.DateOnly, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006/01/02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if allDigits(s) {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			return time.Unix(n, 0).In(loc), nil
		}
	}
	return time.Time{}, errors.New("okayapi: cannot read time " + excerpt([]byte(s), 40))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
