#include "bench/sprig_file.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "runtime/core/file_header.h"

namespace sprig_bench {

namespace fb = sprig::fb;

std::unique_ptr<SprigFile> SprigFile::read(const std::string& path, std::string* error) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    *error = "cannot open " + path;
    return nullptr;
  }
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  std::fseek(f, 0, SEEK_SET);
  std::unique_ptr<SprigFile> file(new SprigFile());
  const size_t padded = (static_cast<size_t>(size < 0 ? 0 : size) + 63) / 64 * 64;
  file->bytes_ = {static_cast<uint8_t*>(std::aligned_alloc(64, padded > 0 ? padded : 64)),
                  std::free};
  file->size_ = static_cast<size_t>(size);
  const bool ok = size >= static_cast<long>(sizeof(sprig::FileHeader)) && file->bytes_ &&
                  std::fread(file->bytes_.get(), 1, file->size_, f) == file->size_;
  std::fclose(f);
  if (!ok) {
    *error = "cannot read " + path;
    return nullptr;
  }
  sprig::FileHeader header;
  std::memcpy(&header, file->bytes_.get(), sizeof(header));
  if (std::memcmp(header.magic, sprig::kFileMagic, sizeof(header.magic)) != 0 ||
      header.file_size != file->size_ || header.flatbuffer_offset != sprig::kFileHeaderSize ||
      header.flatbuffer_size > file->size_ - header.flatbuffer_offset) {
    *error = path + ": not a .sprig file, or truncated";
    return nullptr;
  }
  const uint8_t* fb_bytes = file->bytes_.get() + header.flatbuffer_offset;
  flatbuffers::Verifier verifier(fb_bytes, header.flatbuffer_size);
  if (!fb::VerifyModelBuffer(verifier)) {
    *error = path + ": the flatbuffer does not verify";
    return nullptr;
  }
  file->model_ = fb::GetModel(fb_bytes);
  const fb::Graph* graph = file->model_->graph();
  if (graph == nullptr || graph->tensors() == nullptr || graph->ops() == nullptr ||
      graph->inputs() == nullptr || graph->outputs() == nullptr) {
    *error = path + ": the model has no graph";
    return nullptr;
  }
  // Every constant must lie inside the file (the runtime's loader checks much more).
  for (int t = 0; t < static_cast<int>(graph->tensors()->size()); ++t) {
    const int b = file->tensor(t).buffer();
    if (b < 0) continue;
    const auto* buffers = file->model_->buffers();
    const auto* segments = file->model_->segments();
    const fb::Buffer* buf = buffers && b < static_cast<int>(buffers->size()) ? buffers->Get(b) : nullptr;
    const fb::Segment* seg = buf && segments && buf->segment() < segments->size()
                                 ? segments->Get(buf->segment())
                                 : nullptr;
    if (seg == nullptr || seg->offset() > file->size_ || seg->size() > file->size_ - seg->offset() ||
        buf->offset() > seg->size() || buf->size() > seg->size() - buf->offset()) {
      *error = path + ": tensor " + std::to_string(t) + " has its data outside the file";
      return nullptr;
    }
  }
  return file;
}

std::vector<int64_t> SprigFile::shape(int index) const {
  const auto* dims = tensor(index).shape();
  return dims ? std::vector<int64_t>(dims->begin(), dims->end()) : std::vector<int64_t>{};
}

int64_t SprigFile::numel(int index) const {
  int64_t n = 1;
  for (int64_t d : shape(index)) n *= d;
  return n;
}

const void* SprigFile::data(int index) const {
  const int b = tensor(index).buffer();
  if (b < 0) return nullptr;
  const fb::Buffer* buf = model_->buffers()->Get(b);
  const fb::Segment* seg = model_->segments()->Get(buf->segment());
  return bytes_.get() + seg->offset() + buf->offset();
}

int64_t graph_macs(const SprigFile& file) {
  int64_t macs = 0;
  for (const fb::Op* op : *file.graph().ops()) {
    if (op->inputs() == nullptr || op->outputs() == nullptr || op->inputs()->size() < 2) continue;
    const std::vector<int64_t> w = file.shape(op->inputs()->Get(1));
    const int64_t out = file.numel(op->outputs()->Get(0));
    switch (op->type()) {
      case fb::OpType::Conv2D:  // out [N,OH,OW,O], w [O,KH,KW,I/groups]
        if (w.size() == 4) macs += out * w[1] * w[2] * w[3];
        break;
      case fb::OpType::FullyConnected:  // out [..., N], w [N, K]
        if (w.size() == 2) macs += out * w[1];
        break;
      case fb::OpType::MatMul: {  // out [..., M, N], b [..., K, N]
        const std::vector<int64_t> a = file.shape(op->inputs()->Get(0));
        if (!a.empty()) macs += out * a.back();
        break;
      }
      default:
        break;
    }
  }
  return macs;
}

}  // namespace sprig_bench
