#include "bench/e2e/drill_run.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/e2e/drill_inject.h"
#include "kube/client/resource.h"

namespace flyover::drill {
namespace {

using nlohmann::json;

constexpr absl::Duration kPoll = absl::Milliseconds(100);
constexpr absl::Duration kIncidentLimit = absl::Seconds(120);

json Status(const json& job) { return job.value("status", json::object()); }
std::string Phase(const json& job) { return Status(job).value("phase", ""); }
json Faults(const json& job) { return Status(job).value("faults", json::array()); }
bool Finished(const json& job) { return Phase(job) == "Succeeded" || Phase(job) == "Failed"; }

// The state of the fault injected last: where its records start in status.faults.
struct Pending {
  size_t index = 0;          // into RunResult::faults
  size_t first_record = 0;   // status.faults size when it was injected
};

// Updates `fault` from the records added since `first_record`; whether its incident is over.
bool Observe(const json& job, const Pending& pending, InjectedFault& fault) {
  const json faults = Faults(job);
  const absl::Duration since = absl::Now() - fault.at;
  if (faults.size() <= pending.first_record) {
    if (since <= kIncidentLimit) return false;
    fault.error = "no fault record in status within 120 s";
    return true;
  }
  if (!fault.seen) fault.seen = since;
  // Recovered once running again with every new record closed; a job that finished meanwhile
  // ran its last steps after the recovery (the operator closes open recoveries then).
  bool recovered = Phase(job) == "Running" || Phase(job) == "Succeeded";
  for (size_t i = pending.first_record; i < faults.size(); ++i) {
    if (NeedsRecovery(faults[i]) && !faults[i].contains("recoveredAt")) recovered = false;
  }
  if (recovered) {
    fault.recovered = since;
    return true;
  }
  if (since > kIncidentLimit) {
    fault.error = "not recovered within 120 s";
    return true;
  }
  return false;
}

// Assigns the final status.faults records to the faults, by where each one's records start.
void AttachRecords(const json& job, const std::vector<size_t>& first_records,
                   std::vector<InjectedFault>& faults) {
  const json records = Faults(job);
  for (size_t i = 0; i < faults.size(); ++i) {
    const size_t end = i + 1 < first_records.size() ? first_records[i + 1] : records.size();
    for (size_t r = first_records[i]; r < end && r < records.size(); ++r) {
      faults[i].records.push_back(records[r]);
    }
  }
}

}  // namespace

bool NeedsRecovery(const json& record) { return record.value("class", "") != "Straggler"; }

RunResult RunJob(LocalCluster& cluster, kube::RestClient& client, const RunConfig& config) {
  RunResult result;
  const std::string ns = config.manifest["metadata"].value("namespace", "default");
  const std::string name = config.manifest["metadata"]["name"];
  if (auto created = client.Create(kube::PostTrainingJobsResource(), ns, config.manifest);
      !created.ok()) {
    result.job = {{"error", created.status().ToString()}};
    return result;
  }
  FaultInjector injector(cluster, client, config.seed);
  std::optional<Pending> pending;
  std::vector<size_t> first_records;
  size_t next = 0;
  const absl::Time deadline = absl::Now() + config.timeout;
  for (; absl::Now() < deadline; absl::SleepFor(kPoll)) {
    absl::StatusOr<json> got = client.Get(kube::PostTrainingJobsResource(), ns, name);
    if (!got.ok()) continue;
    result.job = *std::move(got);
    if (pending && Observe(result.job, *pending, result.faults[pending->index])) pending.reset();
    if (Finished(result.job)) break;
    const int64_t step = Status(result.job).value("step", int64_t{0});
    if (pending || next >= config.plan.size() || Phase(result.job) != "Running" ||
        step < config.plan[next].step) {
      continue;
    }
    InjectedFault fault{.planned = config.plan[next], .step = step, .at = absl::Now()};
    absl::StatusOr<std::string> target = injector.Inject(fault.planned.kind, ns, name);
    if (!target.ok() && absl::IsUnavailable(target.status())) continue;  // try again soon
    ++next;
    fault.target = target.ok() ? *target : "";
    if (!target.ok()) fault.error = std::string(target.status().message());
    first_records.push_back(Faults(result.job).size());
    result.faults.push_back(std::move(fault));
    if (target.ok()) pending = Pending{result.faults.size() - 1, first_records.back()};
  }
  result.timed_out = !Finished(result.job);
  for (const std::string& error : injector.Undo()) {
    std::cerr << "fault drill: undoing a fault: " << error << "\n";
  }
  AttachRecords(result.job, first_records, result.faults);
  return result;
}

}  // namespace flyover::drill
