#include "runtime/cli/npy.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "runtime/core/tensor.h"

namespace sprig::cli {
namespace {

std::string field(const std::string& header, const std::string& key) {
  const size_t at = header.find("'" + key + "'");
  if (at == std::string::npos) return "";
  size_t start = header.find(':', at);
  if (start == std::string::npos) return "";
  ++start;
  while (start < header.size() && header[start] == ' ') ++start;
  if (start >= header.size()) return "";
  if (header[start] == '\'') {
    const size_t end = header.find('\'', start + 1);
    return end == std::string::npos ? "" : header.substr(start + 1, end - start - 1);
  }
  if (header[start] == '(') {
    const size_t end = header.find(')', start);
    return end == std::string::npos ? "" : header.substr(start, end - start + 1);
  }
  const size_t end = header.find_first_of(",}", start);
  return header.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

int element_size(const std::string& descr) {
  if (descr == "<f4" || descr == "<i4") return 4;
  if (descr == "<f8" || descr == "<i8") return 8;
  if (descr == "<f2") return 2;
  if (descr == "|u1" || descr == "|i1" || descr == "|b1") return 1;
  return 0;
}

}  // namespace

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

bool read_npy(const std::string& path, NpyArray* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open '" + path + "'";
    return false;
  }
  return read_npy(in, path, out, error);
}

bool read_npy(std::istream& in, const std::string& path, NpyArray* out, std::string* error) {
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    *error = "'" + path + "' is not a .npy file";
    return false;
  }
  uint32_t header_length = 0;
  if (magic[6] == 1) {
    uint8_t bytes[2];
    in.read(reinterpret_cast<char*>(bytes), 2);
    header_length = bytes[0] | (bytes[1] << 8);
  } else {
    uint8_t bytes[4];
    in.read(reinterpret_cast<char*>(bytes), 4);
    header_length = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (static_cast<uint32_t>(bytes[3]) << 24);
  }
  if (!in || header_length > (1u << 20)) {
    *error = "'" + path + "' has a corrupt .npy header";
    return false;
  }
  std::string header(header_length, '\0');
  in.read(header.data(), header_length);
  out->descr = field(header, "descr");
  if (field(header, "fortran_order") != "False") {
    *error = "'" + path + "' is in Fortran order; save it in C order";
    return false;
  }
  const int size = element_size(out->descr);
  if (size == 0) {
    *error = "'" + path + "' has dtype '" + out->descr + "', which is not supported";
    return false;
  }
  out->shape.clear();
  std::string dims = field(header, "shape");
  if (dims.size() < 2) {
    *error = "'" + path + "' has no shape in its header";
    return false;
  }
  std::stringstream stream(dims.substr(1, dims.size() - 2));
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (item.find_first_not_of(' ') == std::string::npos) continue;
    try {
      out->shape.push_back(std::stoll(item));
    } catch (const std::exception&) {
      *error = "'" + path + "' has a corrupt shape";
      return false;
    }
    if (out->shape.back() < 0) {
      *error = "'" + path + "' has a negative dimension";
      return false;
    }
  }
  int64_t elements = 1;
  for (int64_t d : out->shape) {
    if (d != 0 && elements > (int64_t{1} << 40) / d) {
      *error = "'" + path + "' has a shape too large to load";
      return false;
    }
    elements *= d;
  }
  const int64_t bytes = elements * size;
  out->data.resize(static_cast<size_t>(bytes));
  if (!in.read(reinterpret_cast<char*>(out->data.data()), bytes)) {
    *error = "'" + path + "' is truncated";
    return false;
  }
  return true;
}

bool write_npy(const std::string& path, const NpyArray& array, std::string* error) {
  std::string header = "{'descr': '" + array.descr + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < array.shape.size(); ++i) header += std::to_string(array.shape[i]) + ", ";
  if (array.shape.size() > 1) header.resize(header.size() - 1), header.back() = ')';
  else header += ")";
  header += ", }";
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    *error = "cannot write '" + path + "'";
    return false;
  }
  const uint16_t length = static_cast<uint16_t>(header.size());
  out.write("\x93NUMPY\x01\x00", 8);
  const char length_bytes[2] = {static_cast<char>(length & 0xff), static_cast<char>(length >> 8)};
  out.write(length_bytes, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(array.data.data()), static_cast<std::streamsize>(array.data.size()));
  if (!out) {
    *error = "cannot write '" + path + "'";
    return false;
  }
  return true;
}

bool npy_to_f32(const NpyArray& array, std::vector<float>* out, std::string* error) {
  const size_t n = static_cast<size_t>(array.numel());
  out->resize(n);
  const uint8_t* p = array.data.data();
  for (size_t i = 0; i < n; ++i) {
    float value;
    if (array.descr == "<f4") {
      std::memcpy(&value, p + 4 * i, 4);
    } else if (array.descr == "<f8") {
      double d;
      std::memcpy(&d, p + 8 * i, 8);
      value = static_cast<float>(d);
    } else if (array.descr == "<f2") {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      value = f16_to_f32(h);
    } else if (array.descr == "<i8") {
      int64_t v;
      std::memcpy(&v, p + 8 * i, 8);
      value = static_cast<float>(v);
    } else if (array.descr == "<i4") {
      int32_t v;
      std::memcpy(&v, p + 4 * i, 4);
      value = static_cast<float>(v);
    } else if (array.descr == "|u1") {
      value = p[i];
    } else if (array.descr == "|i1") {
      value = static_cast<int8_t>(p[i]);
    } else {
      *error = "cannot convert dtype '" + array.descr + "' to float32";
      return false;
    }
    (*out)[i] = value;
  }
  return true;
}

}  // namespace sprig::cli
