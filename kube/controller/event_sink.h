// EventSink: where the event recorder writes Events, after client-go's record.EventSink.
// RestEventSink writes core/v1 Events through the REST client; FakeEventSink
// (testing/fake_event_sink.h) keeps them in memory.
//
// Create() posts a new Event and returns the stored object; Patch() applies a JSON merge
// patch to an existing Event (NotFound when it has gone, e.g. after the server's event TTL).
// Errors are the client's (api_status.h): a server's refusal carries its Status payload,
// transport failures do not.
//
// Thread-safety: implementations are thread-safe.
#ifndef FLYOVER_KUBE_CONTROLLER_EVENT_SINK_H_
#define FLYOVER_KUBE_CONTROLLER_EVENT_SINK_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kube/client/rest_client.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

class EventSink {
 public:
  virtual ~EventSink() = default;

  [[nodiscard]] virtual absl::StatusOr<nlohmann::json> Create(const nlohmann::json& event) = 0;
  [[nodiscard]] virtual absl::StatusOr<nlohmann::json> Patch(absl::string_view ns,
                                                             absl::string_view name,
                                                             const nlohmann::json& patch) = 0;
};

// Borrows `client`, which must outlive the sink.
class RestEventSink final : public EventSink {
 public:
  explicit RestEventSink(RestClient* client) : client_(client) {}

  absl::StatusOr<nlohmann::json> Create(const nlohmann::json& event) override;
  absl::StatusOr<nlohmann::json> Patch(absl::string_view ns, absl::string_view name,
                                       const nlohmann::json& patch) override;

 private:
  RestClient* const client_;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_EVENT_SINK_H_
