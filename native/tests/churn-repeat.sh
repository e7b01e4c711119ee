#!/bin/sh
# The thread-churn stress (alloc_stress churn) run N times per profile, in the release build and in
# the schedule-perturbing debug build (DEBUG=1 PERTURB=1, LEANMALLOC_PERTURB_US=200): the repeated
# check that the hand-offs survive 100 runs in each profile without a failure. Too long for `npm test`,
# which runs 12 perturbed runs per profile (perturb.test.ts); run it by hand after touching the
# hand-off code. Prints one line per build and profile with the pass count; exit 1 if any run failed
# (its output is kept in $OUT, default /tmp/churn-repeat).
#
# usage: native/tests/churn-repeat.sh [runs=100] [scale=2]
set -u
RUNS=${1:-100}
SCALE=${2:-2}
HERE=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-/tmp/churn-repeat}
mkdir -p "$OUT"
make -s -j2 -C "$HERE" tests >/dev/null && make -s -j2 -C "$HERE" DEBUG=1 PERTURB=1 tests >/dev/null || exit 2
failed=0
for build in build build-debug-perturb; do
  for profile in speed balanced lean; do
    pass=0
    i=1
    while [ "$i" -le "$RUNS" ]; do
      log="$OUT/$build-$profile-$i.log"
      if env LEANMALLOC_PROFILE="$profile" LEANMALLOC_PERTURB_US=200 \
        "$HERE/$build/tests/alloc_stress" churn "$SCALE" >"$log" 2>&1 && grep -q '^ok churn ' "$log"; then
        pass=$((pass + 1))
        rm -f "$log"
      else
        failed=1
      fi
      i=$((i + 1))
    done
    echo "$build $profile: $pass/$RUNS passed"
  done
done
exit $failed
