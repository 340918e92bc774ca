#include "kube/controller/runnable.h"

#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace flyover::kube {
namespace {

absl::Status WaitForStop(StopSignal* stop) {
  stop->WaitFor(RealClock(), absl::InfiniteDuration());
  return absl::OkStatus();
}

class FuncRunnable final : public Runnable {
 public:
  FuncRunnable(std::string name, bool need_leader_election,
               std::function<absl::Status(StopSignal*)> start)
      : name_(std::move(name)),
        need_leader_election_(need_leader_election),
        start_(std::move(start)) {}

  absl::Status Start(StopSignal* stop) override { return start_(stop); }
  std::string Name() const override { return name_; }
  bool NeedLeaderElection() const override { return need_leader_election_; }

 private:
  const std::string name_;
  const bool need_leader_election_;
  const std::function<absl::Status(StopSignal*)> start_;
};

class SingleInformerRunnable final : public Runnable {
 public:
  SingleInformerRunnable(std::string name, SharedInformer* informer)
      : name_(std::move(name)), informer_(informer) {}

  absl::Status Start(StopSignal* stop) override {
    informer_->Start();
    absl::Status status = WaitForStop(stop);
    informer_->Stop();
    return status;
  }
  std::string Name() const override { return name_; }
  bool NeedLeaderElection() const override { return false; }
  absl::Status Ready() const override {
    if (informer_->HasSynced()) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat("informer ", name_, " has not synced"));
  }

 private:
  const std::string name_;
  SharedInformer* const informer_;
};

class FactoryRunnable final : public Runnable {
 public:
  explicit FactoryRunnable(SharedInformerFactory* factory) : factory_(factory) {}

  absl::Status Start(StopSignal* stop) override {
    factory_->Start();
    absl::Status status = WaitForStop(stop);
    factory_->Shutdown();
    return status;
  }
  std::string Name() const override { return "informer-factory"; }
  bool NeedLeaderElection() const override { return false; }
  absl::Status Ready() const override {
    std::vector<std::string> unsynced;
    for (const auto& [resource, synced] : factory_->WaitForCacheSync(absl::ZeroDuration())) {
      if (!synced) unsynced.push_back(resource);
    }
    if (unsynced.empty()) return absl::OkStatus();
    return absl::UnavailableError(
        absl::StrCat("informers not synced: ", absl::StrJoin(unsynced, ", ")));
  }

 private:
  SharedInformerFactory* const factory_;
};

}  // namespace

std::shared_ptr<Runnable> MakeRunnable(std::string name, bool need_leader_election,
                                       std::function<absl::Status(StopSignal* stop)> start) {
  return std::make_shared<FuncRunnable>(std::move(name), need_leader_election, std::move(start));
}

std::shared_ptr<Runnable> InformerRunnable(std::string name, SharedInformer* informer) {
  return std::make_shared<SingleInformerRunnable>(std::move(name), informer);
}

std::shared_ptr<Runnable> InformerFactoryRunnable(SharedInformerFactory* factory) {
  return std::make_shared<FactoryRunnable>(factory);
}

}  // namespace flyover::kube
