#!/usr/bin/env bash
# Three echobot instances sharing alice and carol on the fake app, through a
# redis-server of their own (127.0.0.1:${REDIS_PORT:-6391}); the instance
# answering alice is killed with kill -9 right before bob's second messages.
# Prints who answered what, and bob's two conversations. Needs redis-server
# on PATH. Run from the repository's root: bash redisstore/examples/echobot/demo.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
dir=$(mktemp -d)
cd "$root" && go build -o "$dir/okchat" ./examples/okchat && go build -o "$dir/fakeserver" ./examples/fakeserver
cd "$root/redisstore" && go build -o "$dir/echobot" ./examples/echobot
cd "$dir"
port=${REDIS_PORT:-6391}
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --loglevel warning >/dev/null &
pids+=($!)
./fakeserver -export > fake.env &
pids+=($!)
until grep -q '^# Serving' fake.env 2>/dev/null; do sleep 0.2; done
. ./fake.env
export OKAYAPI_MEMBERS="$ALICE_UUID:$ALICE_TOKEN,$CAROL_UUID:$CAROL_TOKEN"
declare -A bot
for i in a b c; do
  ./echobot --redis "redis://127.0.0.1:$port/0" --instance $i --lease 3s --interval 200ms --max-interval 1s 2> echobot-$i.log &
  bot[$i]=$!
  pids+=($!)
done
sleep 4
echo "## who answers whom"; grep -h "now answering" echobot-*.log
bob() { OKAYAPI_UUID=$BOB_UUID OKAYAPI_TOKEN=$BOB_TOKEN ./okchat "$@"; }
bob send --to "$ALICE_UUID" --text "hello alice 1" >/dev/null
bob send --to "$CAROL_UUID" --text "hello carol 1" >/dev/null
sleep 3
owner=
for i in a b c; do
  if grep -E "(now answering|handed) ${ALICE_UUID:0:8}" echobot-$i.log | tail -1 | grep -q "now answering"; then owner=$i; fi
done
echo "## kill -9 instance $owner (it answers alice)"
kill -9 "${bot[$owner]}"
wait "${bot[$owner]}" 2>/dev/null || true
bob send --to "$ALICE_UUID" --text "hello alice 2 (sent right after the kill)" >/dev/null
bob send --to "$CAROL_UUID" --text "hello carol 2" >/dev/null
sleep 8
echo "## the logs"
for i in a b c; do echo "--- instance $i"; sed "s/^echobot\[[a-c]\]: //" echobot-$i.log; done
echo "## bob's conversation with alice"
bob history --with "$ALICE_UUID"
echo "## bob's conversation with carol"
bob history --with "$CAROL_UUID"
