#!/usr/bin/env bash
# Runs every fuzz target of a MESHSIM_FUZZ build (docs/robustness.md): first over its committed
# corpus (tests/fuzz/corpus/<target>/, which must all pass), then SECONDS of fuzzing from there.
#   bash tests/fuzz/run.sh BUILD_DIR [SECONDS] [TARGET...]
# New inputs go to BUILD_DIR/fuzz-work/<target>/ (the committed corpus is left alone); a crash,
# leak, timeout or sanitizer report stops the run with a non-zero status and leaves the input
# in BUILD_DIR/fuzz-artifacts/.  .ci/test runs this with a short SECONDS.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=$(cd "$1" && pwd)
SECONDS_EACH=${2:-30}
shift $(($# < 2 ? $# : 2))
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(scenario_text scenario_kind set_override)

mkdir -p "$BUILD/fuzz-artifacts"
for t in "${TARGETS[@]}"; do
  work="$BUILD/fuzz-work/$t"
  mkdir -p "$work"
  printf '\033[1m== fuzz %s: corpus (%s inputs) + %ss\033[0m\n' "$t" \
    "$(ls "$HERE/corpus/$t" | wc -l)" "$SECONDS_EACH" >&2
  # -timeout: one input in more than 10 s is a hang; -rss_limit_mb: above 2 GiB is a blow-up.
  # Run from the work directory: a target skips inputs that could read files, and relative
  # paths then resolve there.
  # -seed: the same binary and corpus explore the same inputs first, so CI is repeatable.
  (cd "$work" && "$BUILD/fuzz/${t}_fuzz" -dict="$HERE/meshsim.dict" -max_len=8192 -seed="${MESHSIM_FUZZ_SEED:-1}" \
     -timeout=10 -rss_limit_mb=2048 -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
     -artifact_prefix="$BUILD/fuzz-artifacts/$t-" "$work" "$HERE/corpus/$t" 2>"$BUILD/fuzz-$t.log") || {
    tail -n 60 "$BUILD/fuzz-$t.log" >&2
    echo "fuzz $t failed: input in $BUILD/fuzz-artifacts/, log $BUILD/fuzz-$t.log" >&2
    exit 1
  }
  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|#[0-9]+.*DONE)' \
    "$BUILD/fuzz-$t.log" >&2 || true
done
