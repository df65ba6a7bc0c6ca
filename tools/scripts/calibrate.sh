#!/bin/sh
# Re-runs every calibration measurement of docs/calibration.md and prints the table: reference
# value (reference/inferentia.md §3), simulated value, relative error.
#   tools/scripts/calibrate.sh [INFSIM_BINARY] [--set KEY=VALUE ...]
# Extra arguments are passed to every `infsim run` (to try knob values before editing the YAML).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
infsim=${INFSIM:-$root/build/tools/infsim}
if [ $# -gt 0 ] && [ -x "$1" ]; then
  infsim=$1
  shift
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
"$infsim" run "$@" --json "$tmp/tutorial.json" >/dev/null 2>&1
"$infsim" run --model resnet50 --cores 1 --iterations 10 "$@" --json "$tmp/profile.json" \
  >/dev/null 2>&1
"$infsim" run configs/experiments/neuronperf-floor.yaml "$@" --json "$tmp/neuronperf.json" \
  >/dev/null 2>&1
python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
tut = json.load(open(d + "/tutorial.json"))["scenarios"]
prof = json.load(open(d + "/profile.json"))["scenarios"][0]["models"][0]
npf = json.load(open(d + "/neuronperf.json"))["scenarios"]
rows = [
    ("torch-neuron ResNet-50, 1 NeuronCore, batch 1 (§3.1)", 267, tut[0]["throughput_per_s"], "images/s", "fitted"),
    ("torch-neuron ResNet-50, 4 NeuronCores data parallel, batch 1 (§3.1)", 466, tut[1]["throughput_per_s"], "images/s", "fitted"),
    ("torch-neuron ResNet-50, 4 NeuronCores data parallel, batch 5 (§3.1)", 626, tut[2]["throughput_per_s"], "images/s", "fitted"),
    ("ResNet-50 b1 NeuronCore time per inference (§3.3)", 2709.63, prof["device_seconds"] * 1e6, "us", "fitted (minimax with the next row)"),
    ("ResNet-50 b1 matrix (PE) utilization (§3.3)", 15.75, prof["matrix_utilization"] * 100, "%", "fitted (minimax with the previous row)"),
    ("NeuronPerf latency p50, 1 model (§3.4)", 0.030, npf[0]["latency_ms"]["p50"], "ms", "hold-out"),
    ("NeuronPerf throughput, 1 model / 1 worker (§3.4)", 31346, npf[0]["throughput_per_s"], "/s", "hold-out"),
    ("NeuronPerf throughput, 16 models / 1 worker each (§3.4)", 380605, npf[1]["throughput_per_s"], "/s", "hold-out"),
    ("NeuronPerf load time, 1 model (§3.4)", 62.2, npf[0]["load_ms"], "ms", "derived from it"),
    ("NeuronPerf load time, 16 models (§3.4)", 293.8, npf[1]["load_ms"], "ms", "derived from it"),
]
print("| reference (§) | published | simulated | error | role |")
print("|---|---|---|---|---|")
for name, ref, sim, unit, role in rows:
    print(f"| {name} | {ref:,.6g} {unit} | {sim:,.6g} {unit} | {100 * (sim / ref - 1):+.1f} % | {role} |")
for i, s in enumerate(tut):
    dev = ", ".join(f"{m['device_seconds'] * 1e3:.2f}" for m in s["models"])
    print(f"# tutorial scenario {i + 1}: {1e3 / s['throughput_per_s'] * (1 if i == 0 else 4 if i == 1 else 20):.2f} ms per call, device ms per copy: {dev}")
PY
