#include "kube/controller/event_recorder.h"

#include <algorithm>
#include <array>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "kube/client/api_status.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"

namespace flyover::kube {
namespace {

constexpr std::array<const char*, 5> kOutcomeNames = {"created", "patched", "queue_full",
                                                      "spam_filtered", "failed"};

// `event` with the name and resourceVersion the server stored it under.
KubeEvent WithServerState(KubeEvent event, const nlohmann::json& stored) {
  auto metadata = stored.find("metadata");
  if (metadata == stored.end() || !metadata->is_object()) return event;
  auto name = metadata->find("name");
  if (name != metadata->end() && name->is_string()) event.name = name->get<std::string>();
  auto version = metadata->find("resourceVersion");
  if (version != metadata->end() && version->is_string()) {
    event.resource_version = version->get<std::string>();
  }
  return event;
}

}  // namespace

struct SinkEventRecorder::Metrics {
  std::array<prometheus::Counter*, kOutcomeNames.size()> outcomes{};
};

absl::StatusOr<std::unique_ptr<SinkEventRecorder>> SinkEventRecorder::Create(
    EventSink* sink, EventRecorderOptions options) {
  auto invalid = [](absl::string_view field, absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("event recorder ", field, ": ", why));
  };
  if (sink == nullptr) return invalid("sink", "must be given");
  if (options.clock == nullptr) return invalid("clock", "must be given");
  if (options.component.empty()) return invalid("component", "must not be empty");
  if (options.queue_capacity == 0) return invalid("queue_capacity", "must be positive");
  if (options.max_tries < 1) return invalid("max_tries", "must be at least 1");
  return std::unique_ptr<SinkEventRecorder>(new SinkEventRecorder(sink, std::move(options)));
}

SinkEventRecorder::SinkEventRecorder(EventSink* sink, EventRecorderOptions options)
    : sink_(sink),
      options_(std::move(options)),
      logger_(log::Logger("event-recorder").WithValues({{"component", options_.component}})),
      correlator_(options_.correlator) {
  if (options_.registry != nullptr) {
    metrics_ = std::make_unique<Metrics>();
    auto& family = prometheus::BuildCounter()
                       .Name("flyover_event_recorder_events_total")
                       .Help("Events recorded, by what became of them.")
                       .Register(*options_.registry);
    for (size_t i = 0; i < kOutcomeNames.size(); ++i) {
      metrics_->outcomes[i] = &family.Add({{"outcome", kOutcomeNames[i]}});
    }
  }
  writer_ = std::thread([this] { WriterLoop(); });
}

SinkEventRecorder::~SinkEventRecorder() { Stop(); }

void SinkEventRecorder::Event(const ObjectReference& object, EventType type,
                              absl::string_view reason, absl::string_view message) {
  const absl::Time now = options_.clock->Now();
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    if (queue_.size() < options_.queue_capacity) {
      last_nanos_ = std::max(last_nanos_ + 1, absl::ToUnixNanos(now));
      queue_.push_back(MakeEvent(object, type, reason, message,
                                 {options_.component, options_.host}, now, last_nanos_));
      return;
    }
  }
  Count(Outcome::kQueueFull);
}

bool SinkEventRecorder::Flush(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(this, &SinkEventRecorder::Idle), timeout);
}

void SinkEventRecorder::Stop() {
  absl::MutexLock join(&join_mu_);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  stop_.Stop();
  if (writer_.joinable()) writer_.join();
}

EventRecorderStats SinkEventRecorder::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void SinkEventRecorder::WriterLoop() {
  for (;;) {
    KubeEvent event;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &SinkEventRecorder::HasWorkOrStopping));
      if (queue_.empty()) return;
      event = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    Process(std::move(event));
    absl::MutexLock lock(&mu_);
    busy_ = false;
  }
}

void SinkEventRecorder::Process(KubeEvent event) {
  EventCorrelator::Result correlated = correlator_.Correlate(std::move(event));
  if (correlated.skip) {
    logger_.Debug("event filtered as spam", {{"reason", correlated.event.reason},
                                             {"object", correlated.event.involved_object.name}});
    Count(Outcome::kSpamFiltered);
    return;
  }
  Count(WriteWithRetries(correlated));
}

SinkEventRecorder::Outcome SinkEventRecorder::WriteWithRetries(
    const EventCorrelator::Result& correlated) {
  absl::BitGen random;
  for (int attempt = 1;; ++attempt) {
    Outcome outcome = Outcome::kFailed;
    absl::StatusOr<KubeEvent> written = WriteOnce(correlated, &outcome);
    if (written.ok()) {
      correlator_.UpdateState(*written);
      return outcome;
    }
    const bool server_refused = GetApiStatus(written.status()).has_value();
    if (server_refused || attempt >= options_.max_tries || stop_.stopped()) {
      logger_.Warn("unable to write event, dropping it",
                   {{"event", correlated.event.name}, {"reason", correlated.event.reason},
                    {"attempts", attempt}, {"error", written.status()}});
      return Outcome::kFailed;
    }
    absl::Duration wait = options_.retry_interval;
    if (attempt == 1) wait = wait * absl::Uniform(random, 0.0, 1.0);
    logger_.Debug("unable to write event, will retry",
                  {{"event", correlated.event.name}, {"error", written.status()}});
    if (stop_.WaitFor(options_.clock, wait)) return Outcome::kFailed;
  }
}

absl::StatusOr<KubeEvent> SinkEventRecorder::WriteOnce(const EventCorrelator::Result& correlated,
                                                       Outcome* outcome) {
  KubeEvent event = correlated.event;
  if (correlated.patch.has_value()) {
    absl::StatusOr<nlohmann::json> patched =
        sink_->Patch(event.namespace_, event.name, *correlated.patch);
    if (patched.ok()) {
      *outcome = Outcome::kPatched;
      return WithServerState(std::move(event), *patched);
    }
    if (!absl::IsNotFound(patched.status())) return patched.status();
    event.resource_version.clear();  // it has gone: create it again
  }
  ASSIGN_OR_RETURN(nlohmann::json created, sink_->Create(event.ToJson()));
  *outcome = Outcome::kCreated;
  return WithServerState(std::move(event), created);
}

void SinkEventRecorder::Count(Outcome outcome) {
  const size_t index = static_cast<size_t>(outcome);
  if (metrics_ != nullptr) metrics_->outcomes[index]->Increment();
  absl::MutexLock lock(&mu_);
  switch (outcome) {
    case Outcome::kCreated: ++stats_.created; break;
    case Outcome::kPatched: ++stats_.patched; break;
    case Outcome::kQueueFull: ++stats_.queue_full; break;
    case Outcome::kSpamFiltered: ++stats_.spam_filtered; break;
    case Outcome::kFailed: ++stats_.failed; break;
  }
}

}  // namespace flyover::kube
