#!/usr/bin/env bash
# Runs one libFuzzer target (tests/fuzz/fuzz_TARGET.cpp) for SECONDS, from its seed corpus (the
# tests' data for that format) with its dictionary (tests/fuzz/dict/), under ASan+UBSan, niced.
# An input that needs more than 2 GiB (-rss_limit_mb) or 60 s is a finding, as is any crash,
# sanitizer report or uncaught exception; findings go to BUILD/fuzz/findings/TARGET/.
#
# Usage: tools/scripts/fuzz.sh TARGET SECONDS [BUILD_DIR]      (default BUILD_DIR: build-fuzz)
#   TARGET: npy onnx ifx asm instance_yaml experiment_yaml study_yaml
# The build folder is configured with clang and -DINFSIM_FUZZ=ON when it does not exist yet; the
# corpus grows in BUILD/fuzz/corpus/TARGET across runs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if (($# < 2)); then
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
target="$1" seconds="$2" build="${3:-$root/build-fuzz}"

shopt -s nullglob
cd "$root"
case "$target" in
  npy) seeds=(tests/data/onnx/*.npy tests/data/reliability/*.npy tests/data/bad/npy/*) dict=npy ;;
  onnx) seeds=(tests/data/onnx/*.onnx tests/data/reliability/*.onnx tests/data/bad/onnx/*) dict=onnx ;;
  ifx) seeds=(tests/data/ifx/*.ifx tests/data/reliability/*.ifx tests/data/bad/ifx/*) dict=ifx ;;
  asm) seeds=(tests/golden/data/*.s tests/data/bad/asm/*) dict=asm ;;
  instance_yaml) seeds=(configs/instances/*.yaml configs/hardware/*.yaml tests/data/bad/instance/*) dict=yaml ;;
  experiment_yaml) seeds=(configs/experiments/*.yaml tests/data/reliability/*.yaml tests/data/bad/experiment/*) dict=yaml ;;
  study_yaml) seeds=(configs/studies/*.yaml tests/data/bad/study/*) dict=yaml ;;
  *) echo "fuzz.sh: unknown target '$target'" >&2; exit 2 ;;
esac
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a number, not '$seconds'" >&2; exit 2; }

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINFSIM_FUZZ=ON >/dev/null
fi
nice -n 19 cmake --build "$build" -j"$(nproc)" --target "fuzz_$target" >&2

corpus="$build/fuzz/corpus/$target" findings="$build/fuzz/findings/$target"
mkdir -p "$corpus" "$findings"
cp -n "${seeds[@]}" "$corpus/"
# Leaks are reported at exit of the fuzzing process only; the suite under ASan covers them.
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" \
  exec nice -n 19 "$build/tests/fuzz/fuzz_$target" "$corpus" -dict="tests/fuzz/dict/$dict.dict" \
  -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=60 -print_final_stats=1 \
  -artifact_prefix="$findings/"
