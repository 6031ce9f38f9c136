#!/usr/bin/env bash
# Mutation testing with gremlins (github.com/go-gremlins/gremlins v0.6.0), one
# package at a time, at low priority, each run bounded in time. See TESTING.md.
#
#   scripts/mutation.sh [pkg-dir...]        # default: the packages TESTING.md tracks
#   scripts/mutation.sh all                 # every package of the module that has tests
#   DIFF=main scripts/mutation.sh chatmsg   # quick sweep: only lines changed since main
#
# Environment:
#   DIFF=<ref>         mutate only the lines changed since <ref> (gremlins --diff)
#   EXCLUDE=<regexp>   also skip these files (path relative to the package dir)
#   WORKERS=1          parallel mutants (each one builds and runs the package's tests)
#   TIMEOUT_COEFFICIENT=10 a mutant's test run may take this many times the clean
#                      run (which is timed with -count=1, so a cached result does
#                      not make every mutant time out); generous for a shared machine
#   MAX_SECONDS=3600   give up on a package after this long (reported as "not finished")
#   GREMLINS=...       the gremlins binary (default: on PATH, else $(go env GOPATH)/bin)
#
# Install: go install github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
# Only the package's own files are mutated (not its sub-packages), and only
# its own tests judge a mutant. Output: one summary line per package, and the
# full gremlins report in $OUT_DIR/<pkg>.txt (default .mutation/).
set -uo pipefail
cd "$(dirname "$0")/.."

GREMLINS=${GREMLINS:-$(command -v gremlins || echo "$(go env GOPATH)/bin/gremlins")}
if [ ! -x "$GREMLINS" ]; then
  echo "gremlins not found; go install github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0" >&2
  exit 2
fi
WORKERS=${WORKERS:-1}
TIMEOUT_COEFFICIENT=${TIMEOUT_COEFFICIENT:-10}
MAX_SECONDS=${MAX_SECONDS:-3600}
OUT_DIR=${OUT_DIR:-.mutation}
mkdir -p "$OUT_DIR"

if [ $# -eq 0 ]; then
  set -- sign okayapi okayapi/internal/jsonscan okayapi/phpjson okayapi/okayapitest/cassette internal/redact \
    chatmsg chatmsg/broadcast chatmsg/exactlyonce chatmsg/watch
elif [ "$*" = all ]; then
  mod=$(go list -m)
  # shellcheck disable=SC2046
  set -- $(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./... | sed "s|^$mod/\{0,1\}||; s|^$|.|")
fi

# gremlins copies the module for its workers under the temp dir; keep those
# copies in one place we remove, even when a run is cut short.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

summary=()
status=0
for pkg in "$@"; do
  pkg=${pkg#./}; pkg=${pkg%/}
  # A path with a "/" is in a sub-package: those have their own run.
  args=(unleash --workers "$WORKERS" --timeout-coefficient "$TIMEOUT_COEFFICIENT" --exclude-files '/')
  [ -n "${EXCLUDE:-}" ] && args+=(--exclude-files "$EXCLUDE")
  [ -n "${DIFF:-}" ] && args+=(--diff "$DIFF")
  out="$OUT_DIR/$(echo "$pkg" | tr / _).txt"
  echo "== $pkg (gremlins ${args[*]} ./$pkg)"
  start=$(date +%s)
  GOFLAGS="${GOFLAGS:+$GOFLAGS }-count=1" TMPDIR=$scratch timeout "$MAX_SECONDS" nice -n 19 "$GREMLINS" "${args[@]}" "./$pkg" >"$out" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  grep -E '^ +LIVED|TIMED OUT' "$out" || true
  eff=$(sed -n 's/^Test efficacy: //p' "$out")
  cov=$(sed -n 's/^Mutator coverage: //p' "$out")
  counts=$(grep -E '^Killed:' "$out" | tr -s ' ')
  tested=$(grep -cE '^ +(KILLED|LIVED)' "$out")
  if [ $rc -eq 124 ] || [ -z "$eff" ]; then
    summary+=("$(printf '%-32s not finished (rc %d after %ds, see %s)' "$pkg" "$rc" "$secs" "$out")")
    status=1
  elif [ "$tested" -eq 0 ]; then
    summary+=("$(printf '%-32s no mutant tested (%s) (%ds)' "$pkg" "$(grep -E '^Timed out:' "$out" | tr -s ' ')" "$secs")")
  else
    summary+=("$(printf '%-32s efficacy %-8s mutator coverage %-8s %s (%ds)' "$pkg" "$eff" "$cov" "$counts" "$secs")")
  fi
done

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
exit $status
