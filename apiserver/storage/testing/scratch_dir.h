// ScratchDir: a fresh directory for one test's database files, removed with its contents on
// destruction. Created under $TEST_TMPDIR when set, else the system temp directory.
// Not thread-safe.
#ifndef FLYOVER_APISERVER_STORAGE_TESTING_SCRATCH_DIR_H_
#define FLYOVER_APISERVER_STORAGE_TESTING_SCRATCH_DIR_H_

#include <string>

#include "absl/strings/string_view.h"

namespace flyover::apiserver::storage::testing {

class ScratchDir {
 public:
  ScratchDir();  // aborts the process if no directory can be made
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // <path>/<name>
  std::string File(absl::string_view name) const;

 private:
  std::string path_;
};

}  // namespace flyover::apiserver::storage::testing

#endif  // FLYOVER_APISERVER_STORAGE_TESTING_SCRATCH_DIR_H_
