package chatmsg

import "time"

// SetWatchSettle sets how long after a row is first seen a read settles it
// (DefaultWatchSettle otherwise), so that tests need not wait two seconds.
func SetWatchSettle(o *WatchOptions, d time.Duration) { o.Settle = d }
