#!/usr/bin/env bash
# Quick start: set up (install, build), then run the main job: `infsim run` with no arguments.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/setup.sh" "$root/build"
exec "$root/build/tools/infsim" run "$@"
