// TempDir: a fresh directory for one test, removed with everything in it on destruction.
// Created under $TEST_TMPDIR when set, else /tmp. Not thread-safe.
#ifndef FLYOVER_KUBE_CLIENT_TESTING_TEMP_DIR_H_
#define FLYOVER_KUBE_CLIENT_TESTING_TEMP_DIR_H_

#include <string>

#include "absl/strings/string_view.h"

namespace flyover::kube::testing {

class TempDir {
 public:
  TempDir();  // aborts the test binary if no directory can be made
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `contents` to <path>/<name> (replacing it) and returns the file's path.
  std::string Write(absl::string_view name, absl::string_view contents) const;

 private:
  std::string path_;
};

}  // namespace flyover::kube::testing

#endif  // FLYOVER_KUBE_CLIENT_TESTING_TEMP_DIR_H_
