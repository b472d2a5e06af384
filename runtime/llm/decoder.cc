#include "runtime/llm/decoder.h"

#include <algorithm>

namespace sprig::llm {

Result<Decoder> Decoder::bind(Session& session) {
  Decoder d;
  d.session_ = &session;
  d.tokens_ = session.find_input("tokens");
  d.positions_ = session.find_input("positions");
  d.logit_rows_ = session.find_input("logit_rows");
  d.logits_ = session.find_output("logits");
  if (d.tokens_ < 0 || d.positions_ < 0 || d.logits_ < 0)
    return Status(Code::kInvalidArgument,
                  "the model is not a text decoder (inputs 'tokens' and 'positions', output 'logits')");
  if (d.logit_rows_ < 0)
    return Status(Code::kInvalidArgument,
                  "the decoder has no 'logit_rows' input: it was converted by an older sprig-convert; "
                  "convert it again");
  const TensorView& t = session.input(d.tokens_);
  const TensorView& p = session.input(d.positions_);
  const TensorView& r = session.input(d.logit_rows_);
  const TensorView& l = session.output(d.logits_);
  if (t.dtype != DType::I32 || p.dtype != DType::I32 || r.dtype != DType::I32 || t.shape.rank != 1 ||
      p.shape.rank != 1 || r.shape.rank != 1)
    return Status(Code::kInvalidArgument, "the decoder's 'tokens', 'positions' and 'logit_rows' must be I32 [T]");
  if (t.dim0_symbol == 0 || p.dim0_symbol != t.dim0_symbol || r.dim0_symbol == 0 ||
      session.max_rows(d.logit_rows_) < session.max_rows(d.tokens_))
    return Status(Code::kInvalidArgument,
                  "the decoder's 'tokens' and 'positions' must share a run-time leading dimension, "
                  "and 'logit_rows' have one as long");
  if (l.dtype != DType::F32 || l.shape.rank != 2 || l.dim0_symbol != r.dim0_symbol)
    return Status(Code::kInvalidArgument, "the decoder's 'logits' must be F32 [logit_rows, vocab]");
  const Model& model = session.model();
  int64_t context = 0;
  for (int i = 0; i < model.num_tensors(); ++i) {
    if (!model.tensor(i).is_state) continue;
    context = context == 0 ? model.tensor(i).shape[0] : std::min(context, model.tensor(i).shape[0]);
  }
  if (context <= 0) return Status(Code::kInvalidArgument, "the decoder has no KV cache");
  d.max_tokens_ = static_cast<int>(session.max_rows(d.tokens_));
  d.context_ = static_cast<int>(context);
  d.vocab_ = static_cast<int>(l.shape[1]);
  return d;
}

Status Decoder::run(const int32_t* ids, int count, int first_position, int logit_rows) {
  if (count < 1 || count > max_tokens_ || logit_rows < 1 || logit_rows > count)
    return Status::error(Code::kInvalidArgument,
                         "decoder: %d tokens with %d logit rows (it runs 1 to %d tokens per run)", count,
                         logit_rows, max_tokens_);
  SPRIG_RETURN_IF_ERROR(session_->set_rows(tokens_, count));
  SPRIG_RETURN_IF_ERROR(session_->set_rows(logit_rows_, logit_rows));
  int32_t* tokens = session_->input(tokens_).as<int32_t>();
  int32_t* positions = session_->input(positions_).as<int32_t>();
  int32_t* rows = session_->input(logit_rows_).as<int32_t>();
  std::copy(ids, ids + count, tokens);
  for (int i = 0; i < count; ++i) positions[i] = first_position + i;
  for (int i = 0; i < logit_rows; ++i) rows[i] = count - logit_rows + i;
  return session_->run();
}

const float* Decoder::logits(int i) const {
  return session_->output(logits_).f32() + static_cast<size_t>(i) * static_cast<size_t>(vocab_);
}

}  // namespace sprig::llm
