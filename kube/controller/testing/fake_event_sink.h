// FakeEventSink: an EventSink that stores Events in memory, for unit tests of the event
// recorder without an API server. Create() fails with AlreadyExists for a name in use and
// assigns increasing resourceVersions; Patch() applies a JSON merge patch (NotFound when
// absent). FailNext() scripts errors: give a Status without an API payload to act like a
// broken connection (the recorder retries those), or one from api_status.h to act like a
// refusal by the server.
//
// Thread-safety: all methods are thread-safe.
#ifndef FLYOVER_KUBE_CONTROLLER_TESTING_FAKE_EVENT_SINK_H_
#define FLYOVER_KUBE_CONTROLLER_TESTING_FAKE_EVENT_SINK_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "kube/controller/event_sink.h"

namespace flyover::kube {

class FakeEventSink final : public EventSink {
 public:
  absl::StatusOr<nlohmann::json> Create(const nlohmann::json& event) override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<nlohmann::json> Patch(absl::string_view ns, absl::string_view name,
                                       const nlohmann::json& patch) override
      ABSL_LOCKS_EXCLUDED(mu_);

  // The next `times` calls fail with `error`.
  void FailNext(absl::Status error, int times = 1) ABSL_LOCKS_EXCLUDED(mu_);
  // Forgets an event, as the server's event TTL would.
  void Remove(const std::string& ns, const std::string& name) ABSL_LOCKS_EXCLUDED(mu_);

  // Stored events by "namespace/name".
  [[nodiscard]] std::map<std::string, nlohmann::json> events() const ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] std::optional<nlohmann::json> Get(const std::string& ns,
                                                  const std::string& name) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Calls made, failed ones included.
  [[nodiscard]] int creates() const ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] int patches() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Status NextFailure() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, nlohmann::json> events_ ABSL_GUARDED_BY(mu_);
  std::deque<absl::Status> failures_ ABSL_GUARDED_BY(mu_);
  int64_t version_ ABSL_GUARDED_BY(mu_) = 100;
  int creates_ ABSL_GUARDED_BY(mu_) = 0;
  int patches_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_TESTING_FAKE_EVENT_SINK_H_
