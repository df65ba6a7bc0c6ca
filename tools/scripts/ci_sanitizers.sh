#!/usr/bin/env bash
# The sanitizer and fuzzing part of CI (.ci/run runs it after the normal build and tests):
#   1. the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer, built with clang in a
#      second folder (build-asan, -DINFSIM_FUZZ=ON, which also builds the fuzz targets);
#   2. each libFuzzer target for 60 s from its seed corpus (tools/scripts/fuzz.sh).
# Any failure, sanitizer report or fuzz finding fails the run. Prints the time of each step.
#
# Time (CI must stay under 45 minutes on 2 cores): building everything a second time dominates, so
# this build is -O1 with line tables only (stack traces keep file:line) instead of -O2 -g, and
# links with lld when it is installed. The suite itself takes about 3 minutes under the sanitizers
# on 2 cores and the fuzzing 7; docs/robustness.md has the measured times.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
jobs="$(nproc)"
step() { echo "ci: $1 done after $((SECONDS - start)) s" >&2; }
start=$SECONDS

linker=()
if command -v ld.lld >/dev/null; then
  linker=(-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld)
fi
CC=clang CXX=clang++ cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" -DINFSIM_FUZZ=ON \
  "${linker[@]}" >/dev/null
cmake --build build-asan -j"$jobs" >&2
# SystemC keeps its kernel objects until exit, which LeakSanitizer would report for every test.
(cd build-asan && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1 ctest -j"$jobs" --output-on-failure)
step "sanitizer build + tests"

mkdir -p build-asan/fuzz
for target in npy onnx ifx asm instance_yaml experiment_yaml study_yaml; do
  log="build-asan/fuzz/$target.log"
  if ! tools/scripts/fuzz.sh "$target" 60 build-asan >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "ci: fuzz target $target found a problem (build-asan/fuzz/findings/$target/)" >&2
    exit 1
  fi
  grep -E '^(stat::number_of_executed_units|#[0-9]+ +DONE)' "$log" | sed "s/^/ci: $target: /" >&2
done
step "fuzzing"
