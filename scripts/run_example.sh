#!/usr/bin/env bash
# The main job: install what is needed, build, convert the bundled digits CNN and classify the
# bundled image with it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake --preset release > /dev/null
cmake --build --preset release --target sprig_cli sprig_convert
mkdir -p build/example
build/converter/sprig-convert models/digits/digits.onnx -o build/example/digits.sprig
build/runtime/sprig inspect build/example/digits.sprig
build/runtime/sprig run build/example/digits.sprig -i examples/digit.png --mean 0 --std 1 --size 8 --top-k 3
