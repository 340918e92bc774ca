#include "apiserver/main/data_dir.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace flyover::apiserver {
namespace {

absl::Status DataDirError(const std::string& path, const std::string& reason) {
  return absl::InvalidArgumentError(absl::StrCat("--data-dir \"", path, "\": ", reason));
}

}  // namespace

absl::Status EnsureDataDir(const std::string& path) {
  if (path.empty()) return DataDirError(path, "must not be empty");
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (std::filesystem::exists(status)) {
    if (std::filesystem::is_directory(status)) return absl::OkStatus();
    return DataDirError(path, "exists and is not a directory");
  }
  std::filesystem::create_directories(path, error);
  // create_directories reports no error when another process created the directory first.
  if (error) return DataDirError(path, absl::StrCat("cannot create it: ", error.message()));
  if (!std::filesystem::is_directory(path, error)) {
    return DataDirError(path, "cannot create it: it is not a directory after creation");
  }
  return absl::OkStatus();
}

}  // namespace flyover::apiserver
