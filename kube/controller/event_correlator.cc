#include "kube/controller/event_correlator.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_join.h"
#include "kube/api/meta.h"

namespace flyover::kube {
namespace {

// Fields are joined with a separator that cannot occur in names, kinds or reasons, so that
// different tuples never produce the same key.
constexpr absl::string_view kSeparator = "\x1f";

}  // namespace

std::string EventSpamKey(const KubeEvent& e) {
  const ObjectReference& o = e.involved_object;
  return absl::StrJoin({e.source.component, e.source.host, o.kind, o.namespace_, o.name, o.uid,
                        o.api_version, e.reason},
                       kSeparator);
}

std::string EventAggregationKey(const KubeEvent& e) {
  const ObjectReference& o = e.involved_object;
  return absl::StrJoin({e.source.component, e.source.host, o.kind, o.namespace_, o.name,
                        o.field_path, o.uid, o.api_version, std::string(EventTypeName(e.type)),
                        e.reason, e.message},
                       kSeparator);
}

EventCorrelator::EventCorrelator(EventCorrelatorOptions options)
    : options_(options), buckets_(options.cache_size), seen_(options.cache_size) {}

bool EventCorrelator::AllowedBySpamFilter(const KubeEvent& event) {
  const std::string key = EventSpamKey(event);
  const absl::Time now = event.last_timestamp;
  Bucket* bucket = buckets_.Find(key);
  if (bucket == nullptr) {
    bucket = buckets_.Put(key, Bucket{.tokens = static_cast<double>(options_.spam_burst),
                                      .last = now});
  }
  if (now > bucket->last) {
    const double refill = absl::ToDoubleSeconds(now - bucket->last) * options_.spam_qps;
    bucket->tokens = std::min<double>(options_.spam_burst, bucket->tokens + refill);
    bucket->last = now;
  }
  if (bucket->tokens < 1) return false;
  bucket->tokens -= 1;
  return true;
}

EventCorrelator::Result EventCorrelator::Correlate(KubeEvent event) {
  Result result;
  if (!AllowedBySpamFilter(event)) {
    result.skip = true;
    result.event = std::move(event);
    return result;
  }
  const std::string key = EventAggregationKey(event);
  if (Seen* seen = seen_.Find(key)) {
    seen->count += 1;
    event.count = seen->count;
    event.first_timestamp = seen->first_timestamp;
    event.name = seen->name;
    event.resource_version = seen->resource_version;
    result.patch = nlohmann::json{{"count", event.count},
                                  {"lastTimestamp", FormatKubeTime(event.last_timestamp)},
                                  {"message", event.message}};
  } else {
    seen_.Put(key, Seen{.count = event.count,
                        .first_timestamp = event.first_timestamp,
                        .name = event.name});
  }
  result.event = std::move(event);
  return result;
}

void EventCorrelator::UpdateState(const KubeEvent& written) {
  const std::string key = EventAggregationKey(written);
  Seen* seen = seen_.Find(key);
  if (seen == nullptr) seen = seen_.Put(key, Seen{});
  seen->count = std::max(seen->count, written.count);
  seen->first_timestamp = written.first_timestamp;
  seen->name = written.name;
  seen->resource_version = written.resource_version;
}

}  // namespace flyover::kube
