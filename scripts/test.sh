#!/usr/bin/env bash
# The whole test suite: install what is needed, build, run every test (unit, bad input,
# conformance of the reference backend against PyTorch and ONNX's node tests, end to end, C API,
# CLI), again under ASan + UBSan, then cross-built for the Raspberry Pi under qemu (aarch64, armv7),
# then run the model-loader fuzz target briefly when clang is there.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake --preset release > /dev/null
cmake --build --preset release
ctest --preset release
# The same suites again under AddressSanitizer + UndefinedBehaviorSanitizer.
cmake --preset asan > /dev/null
cmake --build --preset asan
ctest --preset asan
# Cross builds for the Raspberry Pi (aarch64, armv7) with their tests under qemu-user.
scripts/cross_test.sh aarch64 armv7
if command -v clang++ > /dev/null; then
  scripts/fuzz.sh "${SPRIG_FUZZ_SECONDS:-60}"
else
  echo "fuzz: clang++ not found, the fuzz target was not run"
fi
