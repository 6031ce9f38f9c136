package chatmsg

import "time"

// SetWatchSettle sets how long after a row is first seen a read settles it
// (DefaultWatchSettle otherwise), below MinWatchSettle too, so that tests
// need not wait seconds.
func SetWatchSettle(o *WatchOptions, d time.Duration) { o.settle = d }
