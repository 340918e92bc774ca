#include "kube/controller/event_sink.h"

#include <string>

#include "kube/client/resource.h"

namespace flyover::kube {

absl::StatusOr<nlohmann::json> RestEventSink::Create(const nlohmann::json& event) {
  std::string ns;
  auto metadata = event.find("metadata");
  if (metadata != event.end() && metadata->is_object()) {
    auto value = metadata->find("namespace");
    if (value != metadata->end() && value->is_string()) ns = value->get<std::string>();
  }
  return client_->Create(EventsResource(), ns, event);
}

absl::StatusOr<nlohmann::json> RestEventSink::Patch(absl::string_view ns, absl::string_view name,
                                                    const nlohmann::json& patch) {
  return client_->Patch(EventsResource(), ns, name, patch, {.type = PatchType::kMerge});
}

}  // namespace flyover::kube
