#include "runtime/cli/npz.h"

#include <minizip/unzip.h>

#include <algorithm>
#include <memory>
#include <sstream>

namespace sprig::cli {
namespace {

struct ArchiveCloser {
  void operator()(void* archive) const { unzClose(archive); }
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Reads the archive's current member (uncompressed_size bytes) into *bytes.
bool read_member(unzFile archive, uint64_t uncompressed_size, std::string* bytes) {
  if (unzOpenCurrentFile(archive) != UNZ_OK) return false;
  bytes->assign(static_cast<size_t>(uncompressed_size), '\0');
  size_t done = 0;
  while (done < bytes->size()) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(bytes->size() - done, 1u << 30));
    const int got = unzReadCurrentFile(archive, bytes->data() + done, chunk);
    if (got <= 0) break;
    done += static_cast<size_t>(got);
  }
  // unzCloseCurrentFile checks the member's CRC once it has been read whole.
  const bool closed = unzCloseCurrentFile(archive) == UNZ_OK;
  return done == bytes->size() && closed;
}

}  // namespace

bool is_npz_path(const std::string& path) { return ends_with(path, ".npz"); }

bool read_npz(const std::string& path, std::vector<NamedNpyArray>* arrays, std::string* error) {
  arrays->clear();
  std::unique_ptr<void, ArchiveCloser> archive(unzOpen64(path.c_str()));
  if (!archive) {
    *error = "cannot read '" + path + "' as an .npz archive (missing, or not a zip file)";
    return false;
  }
  for (int status = unzGoToFirstFile(archive.get()); status != UNZ_END_OF_LIST_OF_FILE;
       status = unzGoToNextFile(archive.get())) {
    unz_file_info64 info;
    char name[1024];
    if (status != UNZ_OK || unzGetCurrentFileInfo64(archive.get(), &info, name, sizeof(name),
                                                    nullptr, 0, nullptr, 0) != UNZ_OK) {
      *error = "'" + path + "' has a corrupt zip directory";
      return false;
    }
    const std::string member = name;
    const std::string where = path + ":" + member;
    if (!ends_with(member, ".npy")) {
      *error = "'" + path + "' holds '" + member + "', which is not a .npy array";
      return false;
    }
    if (info.uncompressed_size > (uint64_t{1} << 40)) {
      *error = "'" + where + "' is too large to load";
      return false;
    }
    std::string bytes;
    if (!read_member(archive.get(), info.uncompressed_size, &bytes)) {
      *error = "'" + where + "' is corrupt or truncated";
      return false;
    }
    std::istringstream in(bytes);
    NamedNpyArray named;
    named.name = member.substr(0, member.size() - 4);
    if (!read_npy(in, where, &named.array, error)) return false;
    arrays->push_back(std::move(named));
  }
  return true;
}

const NpyArray* find_npz_array(const std::vector<NamedNpyArray>& arrays,
                               const std::vector<std::string>& names) {
  for (const std::string& name : names)
    for (const NamedNpyArray& a : arrays)
      if (a.name == name) return &a.array;
  return arrays.size() == 1 ? &arrays[0].array : nullptr;
}

std::string npz_member_names(const std::vector<NamedNpyArray>& arrays) {
  std::string names;
  for (const NamedNpyArray& a : arrays) names += (names.empty() ? "'" : ", '") + a.name + "'";
  return names.empty() ? "none" : names;
}

}  // namespace sprig::cli
