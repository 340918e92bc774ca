// TokenSource: where the REST client gets the bearer token it sends.
//
// StaticTokenSource holds a fixed token (kubeconfig `token`, tests). FileTokenSource reads
// a file (kubeconfig `tokenFile`, the in-cluster service-account token) and re-reads it
// once `refresh_interval` has passed since the last read (client-go caches for a minute;
// the kubelet rotates projected tokens long before they expire), and at once after
// Invalidate(), which the client calls when the server answers 401. So a rotated token is
// picked up within a minute, or on the first request it is needed for.
//
// Ownership: a FileTokenSource borrows its FileSystem and Clock; both must outlive it.
// Thread-safety: every TokenSource here is safe to call from many threads.
#ifndef FLYOVER_KUBE_CLIENT_TOKEN_SOURCE_H_
#define FLYOVER_KUBE_CLIENT_TOKEN_SOURCE_H_

#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/file_system.h"

namespace flyover::kube {

class TokenSource {
 public:
  virtual ~TokenSource() = default;

  // The token to send now. Errors are the file's errors (NotFound, PermissionDenied...);
  // an empty file is FailedPrecondition.
  [[nodiscard]] virtual absl::StatusOr<std::string> Token() = 0;

  // The server rejected the last token: the next Token() must not use a cached one.
  virtual void Invalidate() {}
};

class StaticTokenSource final : public TokenSource {
 public:
  explicit StaticTokenSource(std::string token) : token_(std::move(token)) {}
  absl::StatusOr<std::string> Token() override { return token_; }

 private:
  const std::string token_;
};

class FileTokenSource final : public TokenSource {
 public:
  FileTokenSource(FileSystem* fs, Clock* clock, std::string path,
                  absl::Duration refresh_interval = absl::Minutes(1))
      : fs_(fs), clock_(clock), path_(std::move(path)), refresh_interval_(refresh_interval) {}

  // Returns the cached token while it is fresh; otherwise re-reads the file. If a re-read
  // fails but an earlier read succeeded, the earlier token is returned (the file may be
  // mid-rotation) and the next call tries again.
  absl::StatusOr<std::string> Token() override ABSL_LOCKS_EXCLUDED(mu_);
  void Invalidate() override ABSL_LOCKS_EXCLUDED(mu_);

 private:
  FileSystem* const fs_;
  Clock* const clock_;
  const std::string path_;
  const absl::Duration refresh_interval_;

  absl::Mutex mu_;
  std::optional<std::string> token_ ABSL_GUARDED_BY(mu_);
  absl::Time read_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CLIENT_TOKEN_SOURCE_H_
