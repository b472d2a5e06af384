#!/usr/bin/env bash
# Test fixtures from the bundled digits model: ONNX re-exports at opsets 11, 13 and 17, and the
# bundled model converted to .sprig (for the C API test).
# usage: make_digits_fixtures.sh PYTHON SPRIG_CONVERT SOURCE_DIR OUT_DIR
set -euo pipefail
python=$1 convert=$2 source=$3 out=$4
mkdir -p "$out"
for opset in 11 13 17; do
  "$python" "$source/models/digits/train_digits.py" --export-from "$source/models/digits/digits.pt" \
    --opset "$opset" --out "$out/digits_opset$opset.onnx" > /dev/null
done
"$convert" "$source/models/digits/digits.onnx" -o "$out/digits.sprig"
