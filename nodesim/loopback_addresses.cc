#include "nodesim/loopback_addresses.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace flyover::nodesim {
namespace {

constexpr uint32_t kLoopbackHostsPerBlock = 254;  // c = 1..254

}  // namespace

LoopbackAddressPool::LoopbackAddressPool(int first_octet)
    : first_octet_(static_cast<uint32_t>(first_octet < 1 ? 1 : first_octet)),
      capacity_((256 - first_octet_) * 256 * kLoopbackHostsPerBlock) {}

absl::StatusOr<std::string> LoopbackAddressPool::Acquire(const std::string& owner) {
  absl::MutexLock lock(&mu_);
  if (auto it = by_owner_.find(owner); it != by_owner_.end()) return Format(it->second);
  if (taken_.size() >= capacity_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("pod IP: all ", capacity_, " loopback addresses are in use"));
  }
  while (taken_.contains(next_)) next_ = (next_ + 1) % capacity_;
  const uint32_t index = next_;
  next_ = (next_ + 1) % capacity_;
  taken_.insert(index);
  by_owner_[owner] = index;
  return Format(index);
}

void LoopbackAddressPool::Release(const std::string& owner) {
  absl::MutexLock lock(&mu_);
  auto it = by_owner_.find(owner);
  if (it == by_owner_.end()) return;
  taken_.erase(it->second);
  by_owner_.erase(it);
}

size_t LoopbackAddressPool::InUse() const {
  absl::MutexLock lock(&mu_);
  return taken_.size();
}

std::string LoopbackAddressPool::Format(uint32_t index) const {
  const uint32_t c = 1 + index % kLoopbackHostsPerBlock;
  const uint32_t b = (index / kLoopbackHostsPerBlock) % 256;
  const uint32_t a = first_octet_ + index / (kLoopbackHostsPerBlock * 256);
  return absl::StrCat("127.", a, ".", b, ".", c);
}

LoopbackAddressLease::LoopbackAddressLease(std::shared_ptr<LoopbackAddressPool> pool,
                                           std::string owner, std::string address)
    : pool_(std::move(pool)), owner_(std::move(owner)), address_(std::move(address)) {}

LoopbackAddressLease::~LoopbackAddressLease() {
  if (pool_ != nullptr) pool_->Release(owner_);
}

}  // namespace flyover::nodesim
