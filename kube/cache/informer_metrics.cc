#include "kube/cache/informer_metrics.h"

#include <exception>
#include <utility>

#include "absl/strings/ascii.h"
#include "common/log.h"

namespace flyover::kube {
namespace {

constexpr const char* kEndReasons[] = {"closed", "error", "expired", "too_short"};
constexpr WatchEventType kEventTypes[] = {WatchEventType::kAdded, WatchEventType::kModified,
                                          WatchEventType::kDeleted, WatchEventType::kBookmark,
                                          WatchEventType::kError};

prometheus::Family<prometheus::Counter>& CounterFamily(prometheus::Registry& registry,
                                                       const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

}  // namespace

InformerMetrics::InformerMetrics(std::shared_ptr<prometheus::Registry> registry,
                                 const std::string& resource) {
  if (registry == nullptr) return;
  const prometheus::Labels labels = {{"resource", resource}};
  auto with = [&](const char* key, std::string value) {
    prometheus::Labels l = labels;
    l.emplace(key, std::move(value));
    return l;
  };
  try {
    auto& lists = CounterFamily(*registry, "flyover_reflector_lists_total",
                                "List calls made by informers, by result.");
    lists_ok_ = &lists.Add(with("result", "success"));
    lists_failed_ = &lists.Add(with("result", "error"));
    relists_ = &CounterFamily(*registry, "flyover_reflector_relists_total",
                              "Lists after the first sync, made because a watch expired.")
                    .Add(labels);
    watches_ = &CounterFamily(*registry, "flyover_reflector_watches_total",
                              "Watch calls made by informers.")
                    .Add(labels);
    auto& restarts = CounterFamily(*registry, "flyover_reflector_watch_restarts_total",
                                   "Watches that ended and were restarted, by reason.");
    for (int i = 0; i < 4; ++i) restarts_[i] = &restarts.Add(with("reason", kEndReasons[i]));
    auto& events = CounterFamily(*registry, "flyover_reflector_watch_events_total",
                                 "Watch events received by informers, by type.");
    for (int i = 0; i < 5; ++i) {
      events_[i] =
          &events.Add(with("type", absl::AsciiStrToLower(WatchEventTypeName(kEventTypes[i]))));
    }
    stale_ = &CounterFamily(*registry, "flyover_reflector_stale_events_total",
                            "Watch events dropped because the cache had already seen their "
                            "resourceVersion.")
                  .Add(labels);
    objects_ = &prometheus::BuildGauge()
                    .Name("flyover_informer_objects")
                    .Help("Objects in the informer's store.")
                    .Register(*registry)
                    .Add(labels);
    registry_ = std::move(registry);
  } catch (const std::exception& e) {
    *this = InformerMetrics(nullptr, resource);
    log::Error("informer metrics disabled", {{"resource", resource}, {"error", e.what()}});
  }
}

void InformerMetrics::Listed(bool ok) { Increment(ok ? lists_ok_ : lists_failed_); }
void InformerMetrics::Relisted() { Increment(relists_); }
void InformerMetrics::Watched() { Increment(watches_); }
void InformerMetrics::WatchEnded(WatchEndReason reason) {
  Increment(restarts_[static_cast<int>(reason)]);
}
void InformerMetrics::Event(WatchEventType type) { Increment(events_[static_cast<int>(type)]); }
void InformerMetrics::StaleEvent() { Increment(stale_); }
void InformerMetrics::SetObjects(size_t count) {
  if (objects_ != nullptr) objects_->Set(static_cast<double>(count));
}

}  // namespace flyover::kube
