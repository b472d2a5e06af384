// Reading and writing NumPy .npy files (format versions 1.0-3.0, little-endian, C order).
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace sprig::cli {

struct NpyArray {
  std::string descr;  // NumPy dtype string: "<f4", "<f8", "<f2", "<i8", "<i4", "|u1", "|i1"
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  int64_t numel() const;
};

// Returns false and sets *error naming the file and the problem.
bool read_npy(const std::string& path, NpyArray* out, std::string* error);
// The same from a stream positioned at the magic string; `path` names it in errors.
bool read_npy(std::istream& in, const std::string& path, NpyArray* out, std::string* error);
bool write_npy(const std::string& path, const NpyArray& array, std::string* error);

// Converts the array's elements to float32 (from f2/f4/f8/i1/u1/i4/i8); false for other dtypes.
bool npy_to_f32(const NpyArray& array, std::vector<float>* out, std::string* error);

}  // namespace sprig::cli
