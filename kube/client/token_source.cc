#include "kube/client/token_source.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace flyover::kube {

absl::StatusOr<std::string> FileTokenSource::Token() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  if (token_.has_value() && now - read_at_ < refresh_interval_) return *token_;
  absl::StatusOr<std::string> contents = fs_->ReadFile(path_);
  absl::Status error;
  if (!contents.ok()) {
    error = contents.status();
  } else {
    std::string token(absl::StripAsciiWhitespace(*contents));
    if (!token.empty()) {
      token_ = std::move(token);
      read_at_ = now;
      return *token_;
    }
    error = absl::FailedPreconditionError(absl::StrCat("token file ", path_, " is empty"));
  }
  if (token_.has_value()) {
    log::Warn("token file unreadable, using the previous token",
              {{"path", path_}, {"error", error}});
    return *token_;
  }
  return error;
}

void FileTokenSource::Invalidate() {
  absl::MutexLock lock(&mu_);
  read_at_ = absl::InfinitePast();
}

}  // namespace flyover::kube
