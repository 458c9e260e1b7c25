#!/usr/bin/env bash
# Sets up a Debian 12 machine for neupims-vp, builds it, then runs something:
#   tools/quickstart.sh run [neupims-vp run options]   the default simulation
#   tools/quickstart.sh test [ctest options]           the whole test suite
#   tools/quickstart.sh build                          only the set-up and the build
# Idempotent and incremental: installs only missing packages, reconfigures and rebuilds only what
# changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libsystemc-dev catch2 libboost-program-options-dev nlohmann-json3-dev libfmt-dev libelf-dev
  libimath-dev libeigen3-dev libunicorn-dev libsqlite3-dev
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
  python3 parallel python3-matplotlib clang-format gdb-multiarch slurm-wlm munge
)

usage() {
  echo "usage: $0 run [neupims-vp run options] | test [ctest options] | build" >&2
  exit 2
}
[[ $# -ge 1 ]] || usage
action=$1
shift
[[ $action == run || $action == test || $action == build ]] || usage

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo=(sudo)
    else
      echo "quickstart: these Debian packages are missing: ${missing[*]}" >&2
      echo "quickstart: run this script as root, or install them first:" >&2
      echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "quickstart: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

cmake --preset default >/dev/null
cmake --build --preset default

case $action in
  run)
    # Default: NeuPIMs, GPT3-7B, ShareGPT, batch 256; 4 of the 32 layers simulated and scaled
    # (the scaling error is in docs/performance.md). Any arguments replace these.
    if [[ $# -eq 0 ]]; then set -- --system neupims --layers 4 --out out/neupims; fi
    exec ./build/platform/neupims-vp run "$@" ;;
  test) exec ctest --preset default "$@" ;;
  build) ;;
esac
