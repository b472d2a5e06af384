#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded time, seeded
# from the test fixtures. A crash leaves its input in build-fuzz/crashes/ and fails the script.
# usage: fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
cmake --preset fuzz > /dev/null
cmake --build --preset fuzz --target model_load_fuzzer
corpus=build-fuzz/corpus/model_load
mkdir -p "$corpus" build-fuzz/crashes
cp build/fixtures/digits/digits.sprig "$corpus/" 2>/dev/null || true
build/converter/sprig-convert models/digits/digits.onnx -o "$corpus/digits.sprig" > /dev/null
build/tests/sprig_write_seed_models "$corpus"
cp tests/fuzz/regressions/model_load/* "$corpus/"
build-fuzz/tests/fuzz/model_load_fuzzer -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 \
  -artifact_prefix=build-fuzz/crashes/ "$corpus" 2>&1 | tail -n 5
echo "fuzz: model_load ran ${seconds}s clean"
