// Row-major index arithmetic shared by the reference kernels: element counts, strides, numpy
// broadcasting and a multi-index walker that keeps linear offsets in step. Nothing here allocates.
#pragma once

#include <cstdint>

#include "runtime/core/tensor.h"

namespace sprig::reference {

// Product of dims[begin..end).
inline int64_t dims_product(const int64_t* dims, int begin, int end) {
  int64_t product = 1;
  for (int d = begin; d < end; ++d) product *= dims[d];
  return product;
}

// Row-major strides, in elements, of dims[0..rank).
inline void row_major_strides(const int64_t* dims, int rank, int64_t* strides) {
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= dims[d];
  }
}

// Strides of a row-major array of dims[0..rank) (each element a block of `inner` elements) as seen
// through numpy broadcasting to to_dims[0..to_rank): right-aligned, 0 along missing and size-1
// dims. False when the dims do not broadcast to to_dims.
inline bool broadcast_strides(const int64_t* dims, int rank, int64_t inner, const int64_t* to_dims,
                              int to_rank, int64_t* strides) {
  if (rank > to_rank) return false;
  int64_t stride = inner;
  for (int d = to_rank - 1; d >= 0; --d) {
    const int source = d - (to_rank - rank);
    if (source < 0) {
      strides[d] = 0;
      continue;
    }
    if (dims[source] == to_dims[d]) {
      strides[d] = dims[source] == 1 ? 0 : stride;
    } else if (dims[source] == 1) {
      strides[d] = 0;
    } else {
      return false;
    }
    stride *= dims[source];
  }
  return true;
}

// Walks a row-major multi-index over dims[0..rank) (every dim > 0), keeping one linear offset per
// operand, each with its own strides (0 by default). Starts at index 0 with all offsets 0.
template <int kOperands>
class OffsetWalker {
 public:
  OffsetWalker(const int64_t* dims, int rank) : rank_(rank) {
    for (int d = 0; d < rank; ++d) {
      dims_[d] = dims[d];
      index_[d] = 0;
      for (int k = 0; k < kOperands; ++k) strides_[k][d] = 0;
    }
    for (int k = 0; k < kOperands; ++k) offsets_[k] = 0;
  }

  void set_strides(int operand, const int64_t* strides) {
    for (int d = 0; d < rank_; ++d) strides_[operand][d] = strides[d];
  }
  int64_t offset(int operand) const { return offsets_[operand]; }
  int64_t index(int d) const { return index_[d]; }

  // Moves to the next index; returns false, back at index 0, after the last one.
  bool next() {
    for (int d = rank_ - 1; d >= 0; --d) {
      for (int k = 0; k < kOperands; ++k) offsets_[k] += strides_[k][d];
      if (++index_[d] < dims_[d]) return true;
      for (int k = 0; k < kOperands; ++k) offsets_[k] -= strides_[k][d] * dims_[d];
      index_[d] = 0;
    }
    return false;
  }

 private:
  int rank_;
  int64_t dims_[kMaxRank];
  int64_t index_[kMaxRank];
  int64_t strides_[kOperands][kMaxRank];
  int64_t offsets_[kOperands];
};

}  // namespace sprig::reference
