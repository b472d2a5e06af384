#include "runtime/cli/npz.h"

#include <zip.h>

#include <memory>
#include <sstream>

namespace sprig::cli {
namespace {

struct ArchiveCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};

struct MemberCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool is_npz_path(const std::string& path) { return ends_with(path, ".npz"); }

bool read_npz(const std::string& path, std::vector<NamedNpyArray>* arrays, std::string* error) {
  arrays->clear();
  int code = 0;
  std::unique_ptr<zip_t, ArchiveCloser> archive(zip_open(path.c_str(), ZIP_RDONLY, &code));
  if (!archive) {
    zip_error_t zip_error;
    zip_error_init_with_code(&zip_error, code);
    *error = "cannot read '" + path + "' as an .npz archive: " + zip_error_strerror(&zip_error);
    zip_error_fini(&zip_error);
    return false;
  }
  const zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive.get(), static_cast<zip_uint64_t>(i), 0, &stat) != 0 ||
        !(stat.valid & ZIP_STAT_NAME) || !(stat.valid & ZIP_STAT_SIZE)) {
      *error = "'" + path + "' has a corrupt zip directory";
      return false;
    }
    const std::string member = stat.name;
    const std::string where = path + ":" + member;
    if (!ends_with(member, ".npy")) {
      *error = "'" + path + "' holds '" + member + "', which is not a .npy array";
      return false;
    }
    if (stat.size > (zip_uint64_t{1} << 40)) {
      *error = "'" + where + "' is too large to load";
      return false;
    }
    std::unique_ptr<zip_file_t, MemberCloser> file(
        zip_fopen_index(archive.get(), static_cast<zip_uint64_t>(i), 0));
    std::string bytes(static_cast<size_t>(stat.size), '\0');
    if (!file || zip_fread(file.get(), bytes.data(), stat.size) !=
                     static_cast<zip_int64_t>(stat.size)) {
      *error = "'" + where + "' cannot be read: " + zip_strerror(archive.get());
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
