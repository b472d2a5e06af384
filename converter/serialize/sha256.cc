#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "converter/ir/error.h"
#include "converter/serialize/serialize.h"

namespace sprig::convert {
namespace {

struct DigestContext {
  DigestContext() : context(EVP_MD_CTX_new()) {
    if (!context || EVP_DigestInit_ex(context, EVP_sha256(), nullptr) != 1)
      fail(Code::kBackend, "SHA-256 initialization failed");
  }
  ~DigestContext() { EVP_MD_CTX_free(context); }
  void update(const void* data, size_t size) { EVP_DigestUpdate(context, data, size); }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context, digest, &length);
    std::string out;
    char byte[3];
    for (unsigned int i = 0; i < length; ++i) {
      std::snprintf(byte, sizeof(byte), "%02x", digest[i]);
      out += byte;
    }
    return out;
  }
  EVP_MD_CTX* context;
};

}  // namespace

std::string sha256_hex(const void* data, size_t size) {
  DigestContext digest;
  digest.update(data, size);
  return digest.hex();
}

std::string sha256_file_hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(Code::kIo, "cannot open '" + path + "'");
  DigestContext digest;
  std::vector<char> chunk(1 << 20);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    digest.update(chunk.data(), static_cast<size_t>(in.gcount()));
  }
  return digest.hex();
}

}  // namespace sprig::convert
