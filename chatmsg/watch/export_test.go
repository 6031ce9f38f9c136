package watch

import "time"

// SetSettle sets how long after a row is first seen a read settles it (2 s
// otherwise), below 1 s too, so that tests need not wait seconds.
func SetSettle(o *Options, d time.Duration) { o.settle = d }
