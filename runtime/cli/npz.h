// Reading NumPy .npz archives (numpy.savez and numpy.savez_compressed: a zip of .npy files, stored
// or deflated) through minizip.
#pragma once

#include <string>
#include <vector>

#include "runtime/cli/npy.h"

namespace sprig::cli {

struct NamedNpyArray {
  std::string name;  // the member's name without ".npy", as numpy.load(...).files lists it
  NpyArray array;
};

// Whether `path` ends in ".npz".
bool is_npz_path(const std::string& path);

// Reads every member of the archive, in archive order. Returns false and sets *error naming the
// file (and the member) and the problem: not a zip, a member that is not a .npy, a corrupt or
// truncated member.
bool read_npz(const std::string& path, std::vector<NamedNpyArray>* arrays, std::string* error);

// The member named one of `names` (the first that is present), or, when the archive holds a single
// array, that one; null otherwise.
const NpyArray* find_npz_array(const std::vector<NamedNpyArray>& arrays,
                               const std::vector<std::string>& names);

// "'a', 'b'": the members' names, for error messages.
std::string npz_member_names(const std::vector<NamedNpyArray>& arrays);

}  // namespace sprig::cli
