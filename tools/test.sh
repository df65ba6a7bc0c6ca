#!/usr/bin/env bash
# Set up (install, build), then run every test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/setup.sh" "$root/build"
cd "$root/build"
exec ctest --output-on-failure -j"$(nproc)" "$@"
