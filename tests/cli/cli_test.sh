#!/usr/bin/env bash
# The two tools as a user runs them: convert, inspect, run (npy and image), bench, and their errors.
# usage: cli_test.sh SPRIG_CONVERT SPRIG SOURCE_DIR WORK_DIR
set -u
convert=$1 sprig=$2 source=$3 work=$4
python=/usr/bin/python3
rm -rf "$work" && mkdir -p "$work"
passed=0 failed=0

check() {  # check NAME COMMAND...: passes when the command succeeds
  local name=$1; shift
  if "$@" > "$work/last.log" 2>&1; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAILED: $name"; cat "$work/last.log"; fi
}
said() {  # said NAME TEXT: passes when the last command's output contains TEXT
  if grep -qE -- "$2" "$work/last.log"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAILED: $1 (output lacks '$2')"; cat "$work/last.log"; fi
}
fails_with() {  # fails_with NAME TEXT COMMAND...: passes when the command fails and says TEXT
  local name=$1 text=$2; shift 2
  if "$@" > "$work/last.log" 2>&1; then failed=$((failed + 1)); echo "FAILED (succeeded): $name"
  elif grep -qF -- "$text" "$work/last.log"; then passed=$((passed + 1))
  else failed=$((failed + 1)); echo "FAILED (message lacks '$text'): $name"; cat "$work/last.log"; fi
}

digits=$source/models/digits/digits.onnx
check convert "$convert" "$digits" -o "$work/digits.sprig"
check convert-f16 "$convert" "$digits" -o "$work/digits16.sprig" --dtype f16
check inspect "$sprig" inspect "$work/digits.sprig"
said inspect-arena "arena: .* bytes \(naive sum of activations"
check inspect-json "$sprig" inspect "$work/digits.sprig" --json
cp "$work/last.log" "$work/inspect.json"
check inspect-json-parses $python -c "import json,sys; d=json.load(open('$work/inspect.json')); assert d['arena_bytes'] > 0 and d['ops']"
check run-npy "$sprig" run "$work/digits.sprig" -i "$source/examples/digit.npy" -o "$work/out.npy" --top-k 3
said run-npy-class "class 3: score"
check run-npy-matches-pytorch $python - "$work/out.npy" "$source" <<'PY'
import sys, numpy as np
out = np.load(sys.argv[1]); src = sys.argv[2]
images = np.load(src + "/models/digits/digits_test_images.npy")
logits = np.load(src + "/models/digits/digits_test_logits.npy")
x = np.load(src + "/examples/digit.npy")
i = int(np.argmin(np.abs(images - x).reshape(len(images), -1).sum(1)))
err = float(np.abs(out - logits[i]).max()); print("max err", err)
assert out.shape == (1, 10) and err <= 1e-4 * float(np.abs(logits[i]).max())
PY
check run-image "$sprig" run "$work/digits.sprig" -i "$source/examples/digit.png" --mean 0 --std 1 --size 8 --top-k 1
said run-image-class "class 3: score"
check run-named "$sprig" run "$work/digits.sprig" -i "input=$source/examples/digit.npy" --output-dir "$work"
check run-named-file test -f "$work/logits.npy"
check run-f16 "$sprig" run "$work/digits16.sprig" -i "$source/examples/digit.npy" --top-k 1
said run-f16-class "class 3: score"
check bench "$sprig" bench "$work/digits.sprig" --runs 5 --warmup 1 --json
cp "$work/last.log" "$work/bench.json"
check bench-json $python -c "import json; d=json.load(open('$work/bench.json')); assert d['median_ms'] > 0"
check bench-cpu-profile "$sprig" bench "$work/digits.sprig" --runs 3 --backend cpu --threads 2 --profile
said bench-cpu-backends "ops per backend ([a-z]+ [0-9]+, )*cpu [0-9]+(, reference [0-9]+)?; 2 threads"
said bench-profile-ops "[0-9.]+ +[0-9.]+%  cpu +Conv2D"
fails_with bench-unknown-backend "backend 'gpu0' is not compiled into this build" \
  "$sprig" bench "$work/digits.sprig" --backend gpu0

# Errors: each names what is wrong, exits non-zero, and leaves no output behind.
$python -c "import numpy as np; np.save('$work/wrong.npy', np.zeros((1,1,7,7), np.float32))"
fails_with wrong-input-shape "has shape [1, 1, 8, 8]" "$sprig" run "$work/digits.sprig" -i "$work/wrong.npy"
head -c 1000 "$work/digits.sprig" > "$work/truncated.sprig"
fails_with truncated-model "truncated" "$sprig" run "$work/truncated.sprig" -i "$source/examples/digit.npy"
fails_with missing-model "cannot open" "$sprig" inspect "$work/none.sprig"
fails_with unknown-backend "not compiled" "$sprig" run "$work/digits.sprig" --backend vulkan -i "$source/examples/digit.npy"
$python - "$work/unsupported.onnx" <<'PY'
import sys, onnx
from onnx import helper, TensorProto
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
node = helper.make_node("Hardmax", ["x"], ["y"], name="hardmax_node")
model = helper.make_model(helper.make_graph([node], "g", [x], [y]), opset_imports=[helper.make_opsetid("", 13)])
onnx.save(model, sys.argv[1])
PY
echo "previous contents" > "$work/kept.sprig"
fails_with unsupported-op "hardmax_node" "$convert" "$work/unsupported.onnx" -o "$work/kept.sprig"
said unsupported-op-names-type "Hardmax"
check unsupported-op-keeps-old-file grep -q "previous contents" "$work/kept.sprig"
check no-temp-files-left bash -c "! ls '$work' | grep -q '\.tmp\.'"
fails_with missing-onnx "cannot" "$convert" "$work/none.onnx" -o "$work/none.sprig"
check missing-onnx-no-output test ! -e "$work/none.sprig"

# Weight-only quantization: per-layer table and JSON report, the quantized model runs and agrees.
check convert-int4 "$convert" "$digits" -o "$work/digits_int4.sprig" --quantize int4 \
  --calibration "$source/models/digits/digits_test_images.npy" --report "$work/int4.json"
said convert-int4-table "FullyConnected .* int4/g32"
said convert-int4-output "^output "
check convert-int4-report $python -c "
import json; d = json.load(open('$work/int4.json'))
assert d['layers'] and all(l['weight_bytes_after'] < l['weight_bytes_before'] for l in d['layers'])
assert all(l['output_cosine'] > 0.99 for l in d['layers']), d
assert d['outputs'] and d['outputs'][0]['snr_db'] > 15, d['outputs']"
check run-int4 "$sprig" run "$work/digits_int4.sprig" -i "$source/examples/digit.npy" --top-k 1
said run-int4-class "class 3: score"
check convert-int8-weights "$convert" "$digits" -o "$work/digits_int8w.sprig" --quantize int8-weights
said convert-int8-weights-inputs "on 8 N\(0,1\) inputs"
fails_with keep-float-unknown "--keep-float nope names no Conv2D, FullyConnected or Gather layer" \
  "$convert" "$digits" -o "$work/kept_q.sprig" --quantize int4 --keep-float nope
check keep-float-unknown-no-output test ! -e "$work/kept_q.sprig"
fails_with report-without-quantize "go with --quantize" \
  "$convert" "$digits" -o "$work/kept_q.sprig" --report "$work/r.json"

# Full-integer int8: calibration from .npy or an image directory; refused without calibration.
check convert-int8 "$convert" "$digits" -o "$work/digits_int8.sprig" --quantize int8 \
  --calibration "$source/models/digits/digits_calibration.npy" --calibration-method percentile \
  --report "$work/int8.json"
said convert-int8-table "Conv2D .* int8$"
check convert-int8-report $python -c "
import json; d = json.load(open('$work/int8.json'))
assert any(l['scheme'] == 'int8' and l['op'] == 'FullyConnected' for l in d['layers']), d
assert d['outputs'][0]['snr_db'] > 20, d['outputs']"
check run-int8 "$sprig" run "$work/digits_int8.sprig" -i "$source/examples/digit.npy" --top-k 1
said run-int8-class "class 3: score"
mkdir -p "$work/calibration_images"
cp "$source/examples/digit.png" "$work/calibration_images/a.png"
check convert-int8-images "$convert" "$digits" -o "$work/digits_int8_img.sprig" --quantize int8 \
  --calibration "$work/calibration_images"
said convert-int8-images-count "on 1 calibration inputs"
# The same calibration inputs in an .npz (compressed and named as the model's input, or a lone
# array) give the same model; an .npz with two unnamed arrays, a truncated or a corrupted one is
# refused.
check make-npz $python -c "
import numpy as np
x = np.load('$source/models/digits/digits_calibration.npy')
np.savez_compressed('$work/calib.npz', input=x)
np.savez('$work/calib_one.npz', x)
np.savez('$work/calib_two.npz', a=x, b=x)
data = open('$work/calib.npz', 'rb').read()
open('$work/calib_cut.npz', 'wb').write(data[:200])
open('$work/calib_flip.npz', 'wb').write(data[:300] + bytes([data[300] ^ 0xff]) + data[301:])"
check convert-int8-npz "$convert" "$digits" -o "$work/digits_int8_npz.sprig" --quantize int8 \
  --calibration "$work/calib.npz" --calibration-method percentile
check convert-int8-npz-one "$convert" "$digits" -o "$work/digits_int8_npz1.sprig" --quantize int8 \
  --calibration "$work/calib_one.npz" --calibration-method percentile
for model in digits_int8 digits_int8_npz digits_int8_npz1; do
  check "run-$model" "$sprig" run "$work/$model.sprig" -i "$source/examples/digit.npy" \
    -o "$work/$model.out.npy"
done
check int8-npz-same-output $python -c "
import numpy as np
a, b, c = (np.load('$work/' + m + '.out.npy') for m in ('digits_int8', 'digits_int8_npz', 'digits_int8_npz1'))
assert a.shape == (1, 10) and (a == b).all() and (a == c).all()"
for model in digits_int8_npz digits_int8_npz1; do
  check "eval-$model-agrees" "$sprig" eval "$work/digits_int8.sprig" "$work/$model.sprig" \
    --data "$source/models/digits/digits_test_images.npy" --labels "$source/models/digits/digits_test_labels.npy"
  said "eval-$model-agrees-all" "top-1 agreement: 100.0+% \(360 of 360\)"
done
fails_with int8-npz-ambiguous "name one 'input' (the model's input)" \
  "$convert" "$digits" -o "$work/int8_two.sprig" --quantize int8 --calibration "$work/calib_two.npz"
check int8-npz-ambiguous-no-output test ! -e "$work/int8_two.sprig"
fails_with int8-npz-truncated "calib_cut.npz" \
  "$convert" "$digits" -o "$work/int8_cut.sprig" --quantize int8 --calibration "$work/calib_cut.npz"
check int8-npz-truncated-no-output test ! -e "$work/int8_cut.sprig"
fails_with int8-npz-corrupt "calib_flip.npz:input.npy' is corrupt or truncated" \
  "$convert" "$digits" -o "$work/int8_flip.sprig" --quantize int8 --calibration "$work/calib_flip.npz"
fails_with int8-needs-calibration "--quantize int8 needs calibration inputs" \
  "$convert" "$digits" -o "$work/int8_none.sprig" --quantize int8
check int8-needs-calibration-no-output test ! -e "$work/int8_none.sprig"

# Accuracy: one model, two models compared, an image folder; and its errors.
images=$source/models/digits/digits_test_images.npy labels=$source/models/digits/digits_test_labels.npy
check eval "$sprig" eval "$work/digits.sprig" --data "$images" --labels "$labels"
said eval-accuracy "top-1 9[0-9]\.[0-9]+% \([0-9]+\), top-5"
check eval-matches-pytorch $python - "$work/digits.sprig" "$sprig" "$images" "$labels" "$source" <<'PY'
import json, subprocess, sys, numpy as np
model, sprig, images, labels, src = sys.argv[1:]
out = json.loads(subprocess.check_output([sprig, "eval", model, "--data", images, "--labels", labels, "--json"]))
logits = np.load(src + "/models/digits/digits_test_logits.npy")
want = float((logits.argmax(1) == np.load(labels)).mean())
assert abs(out["models"][0]["top1"] - want) < 1e-9, (out, want)
PY
check eval-two "$sprig" eval "$work/digits.sprig" "$work/digits_int4.sprig" --data "$images" --labels "$labels"
said eval-two-agreement "top-1 agreement: [0-9.]+% \([0-9]+ of 360\)"
mkdir -p "$work/folder/3" "$work/folder/7"
cp "$source/examples/digit.png" "$work/folder/3/a.png"
cp "$source/examples/digit.png" "$work/folder/7/b.png"
check eval-folder "$sprig" eval "$work/digits.sprig" --data "$work/folder" --size 8 --json
said eval-folder-counts '"samples": 2'
fails_with eval-no-labels "needs --labels" "$sprig" eval "$work/digits.sprig" --data "$images"
check make-eval-npz $python -c "
import numpy as np
x, y = np.load('$images'), np.load('$labels')
np.savez('$work/test.npz', images=x, labels=y)
np.savez_compressed('$work/test_xy.npz', x=x, y=y)
np.savez('$work/test_other.npz', a=x, b=y)"
"$sprig" eval "$work/digits.sprig" --data "$images" --labels "$labels" --json > "$work/eval_npy.json" 2>&1
for data in test test_xy; do
  check "eval-$data-npz" "$sprig" eval "$work/digits.sprig" --data "$work/$data.npz" --json
  cp "$work/last.log" "$work/eval_$data.json"
  check "eval-$data-npz-same" $python -c "
import json
a, b = (json.load(open('$work/' + f)) for f in ('eval_npy.json', 'eval_$data.json'))
assert a == b and a['samples'] == 360, (a, b)"
done
fails_with eval-npz-names "it needs 'images' (or 'x') and 'labels' (or 'y')" \
  "$sprig" eval "$work/digits.sprig" --data "$work/test_other.npz"
fails_with eval-bad-dir "one subdirectory of images per class" "$sprig" eval "$work/digits.sprig" --data "$work/none"

# A text model: convert the trained tiny Llama with its tokenizer, generate, chat.
llama="$source/models/text/tiny_llama"
check convert-llama "$convert" "$llama" -o "$work/llama.sprig" --chunk 8 --context 128 --quantize int8-weights
check generate "$sprig" generate "$work/llama.sprig" -p "Return the number of" -n 24 --temp 0.8 --top-p 0.9 --seed 1
said generate-speed "decode: 24 tokens in [0-9.]+ ms"
said generate-prompt "Return the number of"
# Stop at a piece of what greedy decoding writes: the reply ends just before it.
prompt="Return the number of"
"$sprig" generate "$work/llama.sprig" -p "$prompt" -n 24 --no-eos 2> /dev/null > "$work/greedy.txt"
stop=$($python -c 'import sys; print(open(sys.argv[1], encoding="utf-8").read()[len(sys.argv[2]) + 6:][:3])' \
  "$work/greedy.txt" "$prompt")
check generate-stop "$sprig" generate "$work/llama.sprig" -p "$prompt" -n 24 --no-eos --stop "$stop"
said generate-stop-reason "stopped: stop string"
cp "$work/last.log" "$work/stopped.txt"
check generate-stop-text $python -c '
import sys
full = open(sys.argv[1], encoding="utf-8").read()
got = open(sys.argv[2], encoding="utf-8").read().split("\n")[0]
want = full[:full.index(sys.argv[3], len(sys.argv[4]))]
assert got == want, (got, want)' "$work/greedy.txt" "$work/stopped.txt" "$stop" "$prompt"
check chat sh -c "printf 'Hello\nWhat now?\n' | '$sprig' chat '$work/llama.sprig' -n 8 --system 'Be brief.'"
said chat-turns "prompt tokens at .*generated"
fails_with generate-no-tokenizer "has no tokenizer" "$sprig" generate "$work/digits.sprig" -p "hi"
fails_with generate-too-long "do not fit in the context" "$sprig" generate "$work/llama.sprig" \
  -p "$(printf 'word %.0s' $(seq 1 200))"

# Encoders: a BERT classifier (any sequence length up to the converted one) and a ViT, run on .npy.
check encoder-fixtures $python "$source/models/hf/make_hf_encoder_fixtures.py" --out "$work/hf" --cases bert_cls,vit_tiny
bert=$work/hf/bert_cls
check convert-bert "$convert" "$bert" -o "$work/bert.sprig" --context 32
$python -c "import numpy as np; np.save('$work/positions4.npy', np.arange(4))"
check run-bert "$sprig" run "$work/bert.sprig" -i "input_ids=$bert/short_input_ids.npy" \
  -i "token_type_ids=$bert/short_token_type_ids.npy" -i "position_ids=$work/positions4.npy" -o "$work/bert.npy"
said run-bert-shape "output logits: F32 \[1, 3\]"
check run-bert-matches-pytorch $python -c "
import numpy as np
got, want = np.load('$work/bert.npy'), np.load('$bert/short_logits.npy')
assert np.abs(got - want).max() <= 1e-4 * np.abs(want).max(), (got, want)"
check convert-bert-lora "$convert" "$bert/lora" --base "$work/bert.sprig" -o "$work/bert_lora.sprig"
check run-bert-lora "$sprig" run "$work/bert.sprig" --lora "style=$work/bert_lora.sprig" -i "input_ids=$bert/short_input_ids.npy" \
  -i "token_type_ids=$bert/short_token_type_ids.npy" -i "position_ids=$work/positions4.npy" -o "$work/bert_lora.npy"
check run-bert-lora-matches-pytorch $python -c "
import numpy as np
got, want = np.load('$work/bert_lora.npy'), np.load('$bert/lora/short_logits.npy')
assert np.abs(got - want).max() <= 1e-4 * np.abs(want).max(), (got, want)
assert np.abs(np.load('$bert/short_logits.npy') - want).max() > 0.1 * np.abs(want).max()"
fails_with run-bert-lengths "a later input sharing its leading dimension was given 4" "$sprig" run "$work/bert.sprig" \
  -i "input_ids=$bert/input_ids.npy" -i "token_type_ids=$bert/short_token_type_ids.npy" -i "position_ids=$work/positions4.npy"
check convert-vit "$convert" "$work/hf/vit_tiny" -o "$work/vit.sprig" --quantize int8-weights
check run-vit "$sprig" run "$work/vit.sprig" -i "$work/hf/vit_tiny/pixel_values.npy" --top-k 2
said run-vit-top "top-2 of 5 classes"

# LoRA: a PEFT adapter converted against its base, bound with --lora, the prompt's logits
# against PyTorch's with the adapter merged; refused on another base, naming both hashes.
check decoder-fixtures $python "$source/models/hf/make_hf_fixtures.py" --out "$work/hf" --cases llama_tiny,qwen2_tiny
llama=$work/hf/llama_tiny
check convert-llama "$convert" "$llama" -o "$work/llama.sprig" --context 32 --chunk 16
check convert-qwen2 "$convert" "$work/hf/qwen2_tiny" -o "$work/qwen2.sprig" --context 32 --chunk 16
check convert-lora "$convert" "$llama/lora" --base "$work/llama.sprig" -o "$work/llama_lora.sprig" --dtype f16
said convert-lora-summary "LoRA adapter, .* 8 weights adapted \(rank 4, scaling 2\)"
fails_with convert-lora-needs-base "name the model it adapts with --base" "$convert" "$llama/lora" -o "$work/x.sprig"
$python -c "
import numpy as np
n = len(np.load('$llama/tokens.npy'))
np.save('$work/positions.npy', np.arange(n)); np.save('$work/rows.npy', np.arange(n))"
check run-lora "$sprig" run "$work/llama.sprig" --lora "style=$work/llama_lora.sprig" -i "tokens=$llama/tokens.npy" \
  -i "positions=$work/positions.npy" -i "logit_rows=$work/rows.npy" -o "$work/lora_logits.npy"
check run-lora-matches-pytorch $python -c "
import numpy as np
got, want = np.load('$work/lora_logits.npy'), np.load('$llama/lora/logits.npy')
base = np.load('$llama/logits.npy')
assert np.abs(got - want).max() <= 2e-3 * np.abs(want).max(), np.abs(got - want).max()
assert np.abs(base - want).max() > 0.1 * np.abs(want).max()"
check run-lora-scale-0 "$sprig" run "$work/llama.sprig" --lora "style=$work/llama_lora.sprig:0" -i "tokens=$llama/tokens.npy" \
  -i "positions=$work/positions.npy" -i "logit_rows=$work/rows.npy" -o "$work/scale0_logits.npy"
check run-lora-scale-0-is-base $python -c "
import numpy as np
got, want = np.load('$work/scale0_logits.npy'), np.load('$llama/logits.npy')
assert np.abs(got - want).max() <= 1e-4 * np.abs(want).max(), np.abs(got - want).max()"
fails_with run-lora-other-base "the adapter was trained for base model" "$sprig" run "$work/qwen2.sprig" \
  --lora "style=$work/llama_lora.sprig" -i "tokens=$llama/tokens.npy" -i "positions=$work/positions.npy" -i "logit_rows=$work/rows.npy"
fails_with run-lora-spec "--lora wants NAME=FILE[:SCALE]" "$sprig" run "$work/llama.sprig" --lora "$work/llama_lora.sprig" \
  -i "tokens=$llama/tokens.npy"
check merge-lora "$convert" merge "$work/llama.sprig" "$work/llama_lora.sprig" -o "$work/llama_merged.sprig"
check run-merged "$sprig" run "$work/llama_merged.sprig" -i "tokens=$llama/tokens.npy" \
  -i "positions=$work/positions.npy" -i "logit_rows=$work/rows.npy" -o "$work/merged_logits.npy"
check run-merged-matches-pytorch $python -c "
import numpy as np
got, want = np.load('$work/merged_logits.npy'), np.load('$llama/lora/logits.npy')
assert np.abs(got - want).max() <= 2e-3 * np.abs(want).max(), np.abs(got - want).max()"
fails_with merged-takes-no-old-adapter "the adapter was trained for base model" "$sprig" run "$work/llama_merged.sprig" \
  --lora "style=$work/llama_lora.sprig" -i "tokens=$llama/tokens.npy" -i "positions=$work/positions.npy" -i "logit_rows=$work/rows.npy"
check convert-llama-int8 "$convert" "$llama" -o "$work/llama_int8.sprig" --context 32 --chunk 16 --quantize int8-weights
check convert-lora-int8 "$convert" "$llama/lora" --base "$work/llama_int8.sprig" -o "$work/llama_int8_lora.sprig"
fails_with merge-needs-float-base "merging needs a float base" "$convert" merge "$work/llama_int8.sprig" \
  "$work/llama_int8_lora.sprig" -o "$work/x.sprig"
check run-lora-int8 "$sprig" run "$work/llama_int8.sprig" --lora "style=$work/llama_int8_lora.sprig" -i "tokens=$llama/tokens.npy" \
  -i "positions=$work/positions.npy" -i "logit_rows=$work/rows.npy" -o "$work/int8_lora_logits.npy"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
