// EventCorrelator: decides, for each new Event, whether to write it, and how, after
// client-go's tools/record EventCorrelator.
//
//   - Spam filter: a token bucket per (source, involved object, reason) lets `spam_burst`
//     events through at once and then one per 1/spam_qps (client-go: 25, then one every
//     5 minutes). Refills follow the events' own timestamps. Filtered events are skipped
//     before they reach the count below.
//   - Aggregation of identical events: an event equal to an earlier one in source, involved
//     object (including fieldPath), type, reason and message is not created again: the
//     earlier Event is patched with count + 1, the new lastTimestamp and the message, and
//     keeps its name and firstTimestamp.
// Both caches keep the `cache_size` most recently used keys (client-go: 4096).
//
// client-go also merges *similar* events (same reason, different messages) into a
// "(combined from similar events)" event after ten within ten minutes; this does not.
//
// Thread-compatible: the recorder's one writer thread owns it.
#ifndef FLYOVER_KUBE_CONTROLLER_EVENT_CORRELATOR_H_
#define FLYOVER_KUBE_CONTROLLER_EVENT_CORRELATOR_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "kube/controller/event.h"
#include "kube/controller/lru_cache.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

struct EventCorrelatorOptions {
  int spam_burst = 25;
  double spam_qps = 1.0 / 300;
  size_t cache_size = 4096;
};

class EventCorrelator {
 public:
  struct Result {
    bool skip = false;  // spam-filtered: write nothing
    KubeEvent event;    // the event to write (count and name adjusted)
    // Set when the event repeats an earlier one: the merge patch for the existing Event.
    std::optional<nlohmann::json> patch;
  };

  explicit EventCorrelator(EventCorrelatorOptions options = {});

  [[nodiscard]] Result Correlate(KubeEvent event);
  // Remembers what the server stored for a written event (its name and count).
  void UpdateState(const KubeEvent& written);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time last;
  };
  struct Seen {
    int64_t count = 0;
    absl::Time first_timestamp;
    std::string name;
    std::string resource_version;
  };

  bool AllowedBySpamFilter(const KubeEvent& event);

  const EventCorrelatorOptions options_;
  LruCache<Bucket> buckets_;
  LruCache<Seen> seen_;
};

// The aggregation key: source, involved object, type, reason, message.
[[nodiscard]] std::string EventAggregationKey(const KubeEvent& event);
// The spam-filter key: source, involved object (without fieldPath), reason.
[[nodiscard]] std::string EventSpamKey(const KubeEvent& event);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_EVENT_CORRELATOR_H_
