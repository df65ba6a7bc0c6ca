#!/usr/bin/env bash
# Installs the Debian packages infsim needs (if missing), then configures and builds.
# Usage: tools/setup.sh [BUILD_DIR]      (default: build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"

packages=(build-essential cmake pkg-config libsystemc-dev libeigen3-dev libyaml-cpp-dev
  libboost-program-options-dev googletest libgtest-dev libgmock-dev
  libonnx-dev libprotobuf-dev protobuf-compiler nlohmann-json3-dev gnuplot-nox parallel
  python3-dev python3-pybind11 help2man dpkg-dev file  # the Python module, man page, cpack -G DEB
  clang libclang-rt-14-dev)  # the last two: the sanitizer and fuzz build of .ci/run
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >&2
