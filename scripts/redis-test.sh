#!/usr/bin/env bash
# The redisstore module's tests against a real Redis: installs redis-server
# from Debian's packages when it is missing (as root; otherwise it says how),
# starts it on 127.0.0.1:$REDIS_PORT (6390 by default) without persistence,
# runs go vet and go test -race in redisstore/ with OKAYAPI_REDIS_ADDR set,
# and stops it, also on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing redis-server (Debian package)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "redis-server is missing: install it (sudo apt-get install -y redis-server) and run this again" >&2
    exit 1
  fi
fi

port=${REDIS_PORT:-6390}
if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
  echo "something already answers on 127.0.0.1:$port: stop it, or set REDIS_PORT to a free port" >&2
  exit 1
fi
redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize no --loglevel warning &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null
echo "== redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on 127.0.0.1:$port"

export OKAYAPI_REDIS_ADDR=127.0.0.1:$port
cd redisstore
echo "== redisstore: go vet"
go vet ./...
echo "== redisstore: go test -race"
go test -race -count=1 ./...
