#!/usr/bin/env bash
# Builds an optimised copy of neupims-vp in build-pgo/ with GCC's profile-guided optimisation:
# an instrumented build runs a few short training simulations, then the same folder is rebuilt
# from the profile they wrote. The optimiser only lays out, inlines and unrolls differently; the
# timing runs checked give the default build's results bit for bit (docs/performance.md).
#   tools/pgo-build.sh          then use build-pgo/platform/neupims-vp like build/platform/neupims-vp
# Not incremental: every call trains and builds again (about 7 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/quickstart.sh build  # packages, and the default build the tests use

dir=build-pgo
profile="$PWD/$dir/pgo-profile"
targets=(firmware neupims-vp bench_mem_commands_per_second bench_npu_layer_gemm_wall_s bench_decode_iteration_wall_s)
configure() {
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNPVP_PGO="$1" \
    -DNPVP_PGO_DIR="$profile" >/dev/null
}

echo "pgo-build: instrumented build"
rm -rf "$profile"
configure GENERATE
cmake --build "$dir" --target "${targets[@]}"

echo "pgo-build: training runs"
train_out=$(mktemp -d)
trap 'rm -rf "$train_out"' EXIT
for system in neupims npu-pim npu-only; do
  "$dir/platform/neupims-vp" run --system "$system" --layers 1 --out "$train_out/$system" >/dev/null
done
"$dir/bench/bench_mem_commands_per_second" >/dev/null
"$dir/bench/bench_npu_layer_gemm_wall_s" >/dev/null

echo "pgo-build: optimised build"
configure USE
cmake --build "$dir" --target "${targets[@]}"
echo "pgo-build: done: $dir/platform/neupims-vp"
