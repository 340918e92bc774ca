// The only file of Flyover's worker that includes Gloo's headers. Every entry into Gloo
// runs inside Guarded(), which turns Gloo's exceptions into Status values.
#include "worker/comm/gloo_communicator.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <gloo/common/error.h>
#include <gloo/common/logging.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/store.h>
#include <gloo/transport/tcp/device.h>
#include <gloo/transport/unbound_buffer.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "worker/comm/rank_order_sum.h"

namespace flyover::worker {
namespace {

constexpr char kGlooKeyPrefix[] = "gloo/";

const log::Logger& CommLog() {
  static const log::Logger* const logger = new log::Logger("gloo-communicator");
  return *logger;
}

// Presents a RendezvousStore to Gloo. Gloo expects failures as exceptions, so each error is
// kept (the first one is what Connect() reports) and thrown as gloo::IoException. Gloo's own
// timeouts are replaced by the connect deadline.
class GlooStoreAdapter final : public gloo::rendezvous::Store {
 public:
  GlooStoreAdapter(RendezvousStore& store, absl::Time deadline)
      : store_(store), deadline_(deadline) {}

  void set(const std::string& key, const std::vector<char>& data) override {
    Check(store_.Set(Key(key), absl::string_view(data.data(), data.size())));
  }

  std::vector<char> get(const std::string& key) override {
    absl::StatusOr<std::string> value = WaitAndGet(store_, Key(key), Left());
    Check(value.status());
    return std::vector<char>(value->begin(), value->end());
  }

  void wait(const std::vector<std::string>& keys) override { wait(keys, kDefaultTimeout); }

  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds&) override {
    std::vector<std::string> ours;
    for (const std::string& key : keys) ours.push_back(Key(key));
    Check(store_.Wait(ours, Left()));
  }

  const absl::Status& first_error() const { return first_error_; }

 private:
  static std::string Key(const std::string& key) { return absl::StrCat(kGlooKeyPrefix, key); }
  absl::Duration Left() const { return std::max(deadline_ - absl::Now(), absl::ZeroDuration()); }

  void Check(const absl::Status& status) {
    if (status.ok()) return;
    if (first_error_.ok()) first_error_ = status;
    throw gloo::IoException(status.ToString());
  }

  RendezvousStore& store_;
  const absl::Time deadline_;
  absl::Status first_error_;
};

// Whether a gloo::IoException reports an expired timeout (rather than a lost peer).
bool IsTimeout(absl::string_view what) {
  return absl::StrContains(what, "Timed out") || absl::StrContains(what, "Connect timeout");
}

// Runs `body`, converting every exception into a Status annotated with `what`.
template <typename Body>
absl::Status Guarded(absl::string_view what, Body&& body) noexcept {
  try {
    body();
    return absl::OkStatus();
  } catch (const gloo::IoException& e) {
    if (IsTimeout(e.what())) return absl::DeadlineExceededError(absl::StrCat(what, ": ", e.what()));
    return absl::AbortedError(absl::StrCat(what, ": peer gone: ", e.what()));
  } catch (const gloo::EnforceNotMet& e) {
    return absl::InternalError(absl::StrCat(what, ": gloo check failed: ", e.what()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(what, ": ", e.what()));
  } catch (...) {
    return absl::InternalError(absl::StrCat(what, ": unknown exception"));
  }
}

// Writes to a peer that closed its socket raise SIGPIPE (Gloo uses writev), which would
// kill the process. Ignoring it turns such writes into EPIPE, which Gloo reports.
void IgnoreSigpipeIfDefault() {
  struct sigaction current {};
  if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    ::signal(SIGPIPE, SIG_IGN);
  }
}

absl::Status ValidateOptions(const GlooCommunicatorOptions& options) {
  if (options.size < 1 || options.rank < 0 || options.rank >= options.size) {
    return absl::InvalidArgumentError(absl::StrCat("gloo communicator: rank ", options.rank,
                                                   " is outside [0, ", options.size, ")"));
  }
  if (options.connect_timeout <= absl::ZeroDuration() ||
      options.default_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("gloo communicator: timeouts must be positive");
  }
  if (options.segment_bytes < sizeof(float)) {
    return absl::InvalidArgumentError("gloo communicator: segment_bytes must be >= 4");
  }
  if (options.hostname.empty()) {
    return absl::InvalidArgumentError("gloo communicator: hostname is empty");
  }
  return absl::OkStatus();
}

std::chrono::milliseconds ToChrono(absl::Duration duration) {
  return std::chrono::milliseconds(std::max<int64_t>(1, absl::ToInt64Milliseconds(duration)));
}

// Message tags. A collective's base slot mixes its sequence number, kind, element count and
// root (splitmix64), so calls that disagree across ranks never match; the low 32 bits are
// cleared and then number the messages within the collective: bit 31 the phase, the rest
// the segment.
constexpr uint64_t kSecondPhase = uint64_t{1} << 31;

uint64_t CollectiveSlot(uint64_t sequence, CollectiveKind kind, size_t count, int root) {
  uint64_t x = sequence * 0x9E3779B97F4A7C15ull ^ (static_cast<uint64_t>(kind) << 56) ^
               (static_cast<uint64_t>(count) * 0xBF58476D1CE4E5B9ull) ^
               static_cast<uint64_t>(root) << 40;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x & ~uint64_t{0xFFFFFFFF};
}

// The direct algorithms of gloo_communicator.h on Gloo's unbound buffers. Every method
// throws Gloo's exceptions; callers run it under Guarded().
class GlooCollectives {
 public:
  // Segments of this rank's shard in flight at once in ReduceScatter.
  static constexpr size_t kDepth = 4;

  GlooCollectives(std::shared_ptr<gloo::Context> context, size_t segment_bytes)
      : context_(std::move(context)),
        me_(context_->rank),
        world_(context_->size),
        segment_(std::max<size_t>(1, segment_bytes / sizeof(float))) {}

  // Rank r's shard of `data` becomes the rank-order sum of every rank's shard r.
  void ReduceScatter(float* data, size_t n, uint64_t slot, absl::Time deadline) {
    if (world_ == 1) return;
    const ShardRange own = ShardOf(n, world_, me_);
    stride_ = std::min(segment_, std::max<size_t>(own.size, 1));
    scratch_.resize(kDepth * (world_ - 1) * stride_);
    auto whole = context_->createUnboundBuffer(data, n * sizeof(float));
    // Every send is posted at once: it reads the caller's buffer, which does not change
    // outside this rank's own shard, and it moves as soon as the peer posts its receive.
    const size_t sends = PostSends(*whole, n, slot);
    const size_t steps = Ceil(own.size);
    std::unique_ptr<gloo::transport::UnboundBuffer> window[kDepth];
    for (size_t w = 0; w < kDepth; ++w) {
      window[w] = context_->createUnboundBuffer(Window(w), (world_ - 1) * stride_ * sizeof(float));
      if (w < steps) PostReceives(*window[w], own, w, slot);
    }
    std::vector<const float*> inputs(world_);
    for (size_t k = 0; k < steps; ++k) {
      const size_t w = k % kDepth;
      for (int i = 0; i < world_ - 1; ++i) window[w]->waitRecv(Left(deadline));
      float* mine = data + own.offset + k * segment_;
      for (int q = 0; q < world_; ++q) {
        inputs[q] = q == me_ ? mine : Window(w) + PeerIndex(q) * stride_;
      }
      SumInRankOrder(inputs, std::min(segment_, own.size - k * segment_), mine);
      if (k + kDepth < steps) PostReceives(*window[w], own, k + kDepth, slot);
    }
    for (size_t i = 0; i < sends; ++i) whole->waitSend(Left(deadline));
  }

  // Every rank receives shard p of `data` from rank p.
  void AllGather(float* data, size_t n, uint64_t slot, absl::Time deadline) {
    if (world_ == 1) return;
    auto whole = context_->createUnboundBuffer(data, n * sizeof(float));
    const ShardRange own = ShardOf(n, world_, me_);
    size_t recvs = 0, sends = 0;
    for (int p = 0; p < world_; ++p) {
      const ShardRange shard = ShardOf(n, world_, p);
      if (p == me_ || shard.size == 0) continue;
      whole->recv(p, slot, shard.offset * sizeof(float), shard.size * sizeof(float));
      ++recvs;
    }
    for (int p = 0; p < world_ && own.size > 0; ++p) {
      if (p == me_) continue;
      whole->send(p, slot, own.offset * sizeof(float), own.size * sizeof(float));
      ++sends;
    }
    Wait(*whole, recvs, sends, deadline);
  }

  void Broadcast(uint8_t* data, size_t bytes, int root, uint64_t slot, absl::Time deadline) {
    if (world_ == 1) return;
    auto whole = context_->createUnboundBuffer(data, bytes);
    if (me_ != root) {
      whole->recv(root, slot, 0, bytes);
      return Wait(*whole, 1, 0, deadline);
    }
    for (int p = 0; p < world_; ++p) {
      if (p != me_) whole->send(p, slot, 0, bytes);
    }
    Wait(*whole, 0, world_ - 1, deadline);
  }

  void Barrier(uint64_t slot, absl::Time deadline) {
    if (world_ == 1) return;
    tokens_.assign(world_ + 1, 0);
    auto received = context_->createUnboundBuffer(tokens_.data(), world_);
    auto token = context_->createUnboundBuffer(tokens_.data() + world_, 1);
    for (int p = 0; p < world_; ++p) {
      if (p == me_) continue;
      received->recv(p, slot, p, 1);
      token->send(p, slot, 0, 1);
    }
    Wait(*received, world_ - 1, 0, deadline);
    Wait(*token, 0, world_ - 1, deadline);
  }

 private:
  size_t Ceil(size_t elements) const { return (elements + segment_ - 1) / segment_; }
  float* Window(size_t w) { return scratch_.data() + w * (world_ - 1) * stride_; }
  // Peers' slots in a scratch half, in rank order without this rank.
  size_t PeerIndex(int peer) const { return static_cast<size_t>(peer < me_ ? peer : peer - 1); }

  static std::chrono::milliseconds Left(absl::Time deadline) {
    // Rounded up, so that a wait never ends before the deadline.
    const absl::Duration left = deadline - absl::Now() + absl::Milliseconds(1);
    return std::chrono::milliseconds(std::max<int64_t>(0, absl::ToInt64Milliseconds(left)));
  }

  static void Wait(gloo::transport::UnboundBuffer& buffer, size_t recvs, size_t sends,
                   absl::Time deadline) {
    for (size_t i = 0; i < recvs; ++i) buffer.waitRecv(Left(deadline));
    for (size_t i = 0; i < sends; ++i) buffer.waitSend(Left(deadline));
  }

  // Posts the sends of ReduceScatter: segment k of shard p goes to rank p on slot + k.
  // Returns how many were posted.
  size_t PostSends(gloo::transport::UnboundBuffer& whole, size_t n, uint64_t slot) {
    size_t sends = 0;
    for (int p = 0; p < world_; ++p) {
      const ShardRange shard = ShardOf(n, world_, p);
      if (p == me_) continue;
      for (size_t begin = 0, k = 0; begin < shard.size; begin += segment_, ++k) {
        const size_t len = std::min(segment_, shard.size - begin);
        whole.send(p, slot + k, (shard.offset + begin) * sizeof(float), len * sizeof(float));
        ++sends;
      }
    }
    return sends;
  }

  // Posts the receives of segment k of this rank's shard from every peer into `window`.
  void PostReceives(gloo::transport::UnboundBuffer& window, const ShardRange& own, size_t k,
                    uint64_t slot) {
    const size_t len = std::min(segment_, own.size - k * segment_);
    for (int q = 0; q < world_; ++q) {
      if (q == me_) continue;
      window.recv(q, slot + k, PeerIndex(q) * stride_ * sizeof(float), len * sizeof(float));
    }
  }

  const std::shared_ptr<gloo::Context> context_;
  const int me_;
  const int world_;
  const size_t segment_;           // elements per message
  size_t stride_ = 0;              // elements per peer in a scratch half
  std::vector<float> scratch_;     // kDepth windows of (world_-1) * stride_ floats
  std::vector<uint8_t> tokens_;    // barrier tokens: one per peer, then our own
};

}  // namespace

struct GlooCommunicator::Impl {
  GlooCommunicatorOptions options;
  std::shared_ptr<gloo::Context> context;
  std::unique_ptr<GlooCollectives> collectives;
  uint64_t sequence = 0;  // the index of this rank's next collective
  absl::Status broken;    // the error that broke the communicator

  // Runs one collective: refuses on a broken communicator, guards against exceptions and,
  // on failure, closes every connection so that peers fail fast too.
  template <typename Body>
  absl::Status Run(CollectiveKind kind, size_t count, int root, Body&& body) {
    const std::string what = absl::StrCat(CollectiveName(kind), " #", sequence, " on rank ",
                                          options.rank, " of ", options.size);
    if (!broken.ok()) {
      return absl::AbortedError(
          absl::StrCat(what, ": communicator broken by an earlier error: ", broken.message()));
    }
    const uint64_t slot = CollectiveSlot(sequence++, kind, count, root);
    absl::Status status = Guarded(what, [&] { body(slot); });
    if (!status.ok()) {
      CommLog().Error(status, "collective failed; closing connections",
                      {{"rank", options.rank}, {"size", options.size}});
      broken = status;
      Guarded("closing connections", [&] { context->closeConnections(); }).IgnoreError();
    }
    return status;
  }
};

absl::StatusOr<std::unique_ptr<GlooCommunicator>> GlooCommunicator::Connect(
    RendezvousStore& store, const GlooCommunicatorOptions& options) {
  RETURN_IF_ERROR(ValidateOptions(options));
  IgnoreSigpipeIfDefault();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  GlooStoreAdapter adapter(store, absl::Now() + options.connect_timeout);
  const std::string what = absl::StrCat("gloo rendezvous of rank ", options.rank, " of ",
                                        options.size, " in ", store.scope().KeyPrefix());
  absl::Status status = Guarded(what, [&] {
    gloo::transport::tcp::attr attr(options.hostname.c_str());
    std::shared_ptr<gloo::transport::Device> device = gloo::transport::tcp::CreateDevice(attr);
    auto context = std::make_shared<gloo::rendezvous::Context>(options.rank, options.size);
    // Gloo waits up to 5x the context timeout for a pair to connect.
    context->setTimeout(ToChrono(options.connect_timeout / 5));
    context->connectFullMesh(adapter, device);
    context->setTimeout(ToChrono(options.default_timeout));
    impl->context = std::move(context);
  });
  if (!adapter.first_error().ok()) return Annotate(adapter.first_error(), what);
  RETURN_IF_ERROR(status);
  impl->collectives = std::make_unique<GlooCollectives>(impl->context, options.segment_bytes);
  CommLog().Info("gloo communicator connected", {{"rank", options.rank},
                                                 {"size", options.size},
                                                 {"scope", store.scope().KeyPrefix()}});
  return std::unique_ptr<GlooCommunicator>(
      new GlooCommunicator(std::move(impl), options.default_timeout));
}

GlooCommunicator::GlooCommunicator(std::unique_ptr<Impl> impl, absl::Duration default_timeout)
    : Communicator(RealClock(), default_timeout), impl_(std::move(impl)) {}

GlooCommunicator::~GlooCommunicator() {
  // Destroying the context closes its connections; Gloo may throw from teardown paths.
  Guarded("closing gloo communicator", [&] {
    impl_->collectives.reset();
    impl_->context.reset();
  }).IgnoreError();
}

int GlooCommunicator::rank() const { return impl_->options.rank; }
int GlooCommunicator::size() const { return impl_->options.size; }

absl::Status GlooCommunicator::DoAllReduce(absl::Span<float> data, absl::Time deadline) {
  return impl_->Run(CollectiveKind::kAllReduce, data.size(), 0, [&](uint64_t slot) {
    impl_->collectives->ReduceScatter(data.data(), data.size(), slot, deadline);
    impl_->collectives->AllGather(data.data(), data.size(), slot + kSecondPhase, deadline);
  });
}

absl::Status GlooCommunicator::DoReduceScatter(absl::Span<float> data, absl::Time deadline) {
  return impl_->Run(CollectiveKind::kReduceScatter, data.size(), 0, [&](uint64_t slot) {
    impl_->collectives->ReduceScatter(data.data(), data.size(), slot, deadline);
  });
}

absl::Status GlooCommunicator::DoAllGather(absl::Span<float> data, absl::Time deadline) {
  return impl_->Run(CollectiveKind::kAllGather, data.size(), 0, [&](uint64_t slot) {
    impl_->collectives->AllGather(data.data(), data.size(), slot, deadline);
  });
}

absl::Status GlooCommunicator::DoBroadcast(absl::Span<uint8_t> data, int root,
                                           absl::Time deadline) {
  return impl_->Run(CollectiveKind::kBroadcast, data.size(), root, [&](uint64_t slot) {
    impl_->collectives->Broadcast(data.data(), data.size(), root, slot, deadline);
  });
}

absl::Status GlooCommunicator::DoBarrier(absl::Time deadline) {
  return impl_->Run(CollectiveKind::kBarrier, 0, 0, [&](uint64_t slot) {
    impl_->collectives->Barrier(slot, deadline);
  });
}

}  // namespace flyover::worker
