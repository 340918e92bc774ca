#include "kube/client/testing/temp_dir.h"

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/posix_file_system.h"

namespace flyover::kube::testing {

TempDir::TempDir() {
  const char* root = std::getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(root != nullptr && *root != '\0' ? root : "/tmp",
                                     "/flyover-kube-client-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  path_ = pattern;
}

TempDir::~TempDir() { (void)DefaultFileSystem()->DeleteDirRecursively(path_); }

std::string TempDir::Write(absl::string_view name, absl::string_view contents) const {
  const std::string file = absl::StrCat(path_, "/", name);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  return file;
}

}  // namespace flyover::kube::testing
