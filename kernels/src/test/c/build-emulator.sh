#!/usr/bin/env bash
# Builds the tests' Ascend emulator (ascend_emulator.c) as CANN ships its libraries, into OUT:
#   OUT/lib/       libascendcl.so, libnnopbase.so, libopapi_nn.so, libopapi.so (one runtime state, in libascendcl.so)
#   OUT/cann-8.5/  the CANN 8.5+ layout: libascendcl.so, libnnopbase.so, libopapi_nn.so (no libopapi.so)
#   OUT/cann-8.0/  the older layout: libascendcl.so, libopapi.so (tensor API and operators in one library)
# each with a version.info as CANN's. Usage: build-emulator.sh OUT
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ascend_emulator.c"
out="$1"
rm -rf "$out"
mkdir -p "$out/lib" "$out/cann-8.5" "$out/cann-8.0"
flags=(-shared -fPIC -O2 -ffp-contract=off -Wall -pthread)
link=(-L"$out/lib" -lascendcl -lm -Wl,-rpath,'$ORIGIN')
gcc "${flags[@]}" -DEMU_ACL -Wl,-soname,libascendcl.so -o "$out/lib/libascendcl.so" "$src" -lm
gcc "${flags[@]}" -DEMU_NNOPBASE -Wl,-soname,libnnopbase.so -o "$out/lib/libnnopbase.so" "$src" "${link[@]}"
gcc "${flags[@]}" -DEMU_OPS -Wl,-soname,libopapi_nn.so -o "$out/lib/libopapi_nn.so" "$src" "${link[@]}"
gcc "${flags[@]}" -DEMU_OPS -DEMU_NNOPBASE -Wl,-soname,libopapi.so -o "$out/lib/libopapi.so" "$src" "${link[@]}"
ln -s ../lib/libascendcl.so ../lib/libnnopbase.so ../lib/libopapi_nn.so "$out/cann-8.5/"
ln -s ../lib/libascendcl.so ../lib/libopapi.so "$out/cann-8.0/"
echo "Version=8.5.0" > "$out/cann-8.5/version.info"
echo "Version=8.0.RC3" > "$out/cann-8.0/version.info"
