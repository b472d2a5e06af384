#!/usr/bin/env bash
# Cross-builds Sprig for the Raspberry Pi and runs its tests under qemu-user. For each ARCH it makes
# the private sysroot of Debian packages (scripts/make_arm_sysroot.sh, kept in build-cross/),
# configures and builds the CMake preset of that name (toolchains/*.cmake) and runs ctest once per
# emulated CPU:
#   aarch64  -cpu cortex-a72 (Pi 4) and cortex-a76 (Pi 5, dotprod); XNNPACK and our own kernels
#   armv7    -cpu cortex-a7 (Pi 2 and the 32-bit OS; NEON, VFPv4); our own kernels only
# The suites that need no ONNX importer run there: unit, bad input, op conformance of every
# backend against the reference, the digits CNN from its .sprig on every backend, the C API.
# Their fixtures come from host tools: /usr/bin/python3 and the host build's sprig-convert (the
# SPRIG_HOST_CONVERT environment variable, else build/converter/sprig-convert, built when needed).
# usage: cross_test.sh [ARCH...]      ARCH: aarch64, armv7 (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(aarch64 armv7)

if [ -n "${SPRIG_HOST_CONVERT:-}" ]; then
  host_convert=$(realpath "$SPRIG_HOST_CONVERT")
else
  cmake --preset release > /dev/null
  cmake --build --preset release --target sprig_convert > /dev/null
  host_convert=$root/build/converter/sprig-convert
fi

summary=()
failed=0
for arch in "${archs[@]}"; do
  case "$arch" in
    aarch64) deb_arch=arm64 cpus=(cortex-a72 cortex-a76) ;;
    armv7) deb_arch=armhf cpus=(cortex-a7) ;;
    *) echo "cross_test.sh: unknown ARCH '$arch' (aarch64, armv7)" >&2; exit 2 ;;
  esac
  start=$SECONDS
  scripts/make_arm_sysroot.sh "$deb_arch" "$root/build-cross/sysroot-$deb_arch"
  # The toolchain's flags reach a build directory only when it is first configured.
  cache=build-cross/$arch/CMakeCache.txt
  if [ -f "$cache" ] && [ -n "$(find toolchains -newer "$cache" -name '*.cmake')" ]; then
    rm -rf "build-cross/$arch"
  fi
  cmake --preset "$arch" -DSPRIG_HOST_CONVERT="$host_convert" > /dev/null
  cmake --build --preset "$arch"
  summary+=("$arch: built in $((SECONDS - start))s")
  for cpu in "${cpus[@]}"; do
    start=$SECONDS
    log=build-cross/$arch/ctest-$cpu.log
    if ctest --preset "$arch-$cpu" 2>&1 | tee "$log"; then
      result=$(grep -E "tests passed" "$log" | tail -n 1)
    else
      result="FAILED: $(grep -E "tests passed|tests failed" "$log" | tail -n 1)"
      failed=1
    fi
    summary+=("$arch qemu -cpu $cpu: $result ($((SECONDS - start))s)")
  done
done

echo
echo "cross tests under qemu-user:"
printf '  %s\n' "${summary[@]}"
exit $failed
