#include "apiserver/storage/testing/scratch_dir.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"

namespace flyover::apiserver::storage::testing {

ScratchDir::ScratchDir() {
  const char* root = std::getenv("TEST_TMPDIR");
  std::error_code error;
  const std::string base = root != nullptr && *root != '\0'
                               ? std::string(root)
                               : std::filesystem::temp_directory_path(error).string();
  std::string pattern = absl::StrCat(base, "/flyover_storage_XXXXXX");
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  path_ = buffer.data();
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ScratchDir::File(absl::string_view name) const {
  return absl::StrCat(path_, "/", name);
}

}  // namespace flyover::apiserver::storage::testing
