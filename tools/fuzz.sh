#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan; the "fuzz" preset, in build-fuzz/)
# and runs each from its committed seed corpus for a bounded time:
#   tools/fuzz.sh              every target for 60 s (the CTest label "fuzz")
#   tools/fuzz.sh SECONDS      every target for SECONDS
# A finding stops its target with a crash file (crash-*, timeout-*) in build-fuzz/fuzz/; rerun
# it with build-fuzz/fuzz/fuzz_<target> <file>. Installs clang when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
if ! command -v clang++ >/dev/null; then
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends clang >/dev/null
fi
cmake --preset fuzz -DNPVP_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build --preset fuzz
exec ctest --preset fuzz
