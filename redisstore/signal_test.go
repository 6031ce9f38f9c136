package redisstore

import "os/signal"

var signalNotify = signal.NotifyContext
