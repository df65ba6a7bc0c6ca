#!/usr/bin/env bash
# Builds the Debian package (cpack -G DEB in BUILD_DIR, default build/), installs it with apt,
# runs the installed `infsim --version`, `infsim run` and the Python module from /tmp (outside
# the checkout, with no INFSIM_CONFIG_DIR), and removes the package again.
# Usage: tools/scripts/package_test.sh [BUILD_DIR]      (needs root or sudo)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
sudo_cmd=()
[[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)

if dpkg-query -W -f='${Status}' infsim 2>/dev/null | grep -q "install ok installed"; then
  echo "package_test: an infsim package is already installed; remove it first" >&2
  exit 1
fi
cmake --build "$build" -j"$(nproc)" >/dev/null
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls -t "$build"/infsim_*.deb | head -1)
echo "package_test: $(basename "$deb"), $(du -k "$deb" | cut -f1) KiB"
dpkg-deb --field "$deb" Depends

cleanup() { DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get remove -y -qq infsim >/dev/null; }
trap cleanup EXIT
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$deb" >/dev/null

cd /tmp
unset INFSIM_CONFIG_DIR
export PYTHONPATH=
set -x
/usr/bin/infsim --version
/usr/bin/infsim run
/usr/bin/python3 -c "import infsim; r = infsim.run(model='resnet50', cores=4); print(infsim.__file__, r['scenarios'][0]['throughput_avg'], r['scenarios'][0]['throughput_unit'])"
/usr/bin/python3 -c "import infsim; print(infsim.config_dir())"
test -f /usr/share/man/man1/infsim.1
test -f /usr/share/bash-completion/completions/infsim
set +x
echo "package_test: ok"
