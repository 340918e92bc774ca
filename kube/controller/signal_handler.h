// ShutdownSignalHandler: turns SIGTERM and SIGINT into a StopSignal, the hook a binary
// uses to shut its Manager down gracefully (controller-runtime's SetupSignalHandler).
//
//   int main() {
//     StopSignal stop;
//     auto signals = ShutdownSignalHandler::Install(&stop);   // before starting any thread
//     if (!signals.ok()) ...
//     absl::Status status = manager.Run(&stop);
//   }
//
// The first signal calls stop->Stop(); a second one means "stop now": it runs
// `on_second_signal`, by default _exit(1), as controller-runtime does.
//
// How: Install() blocks the signals in the calling thread (threads created later inherit
// that) and a helper thread reads them from a signalfd. Call it from main() before any other
// thread starts, or those threads may take the signal with its default action (exit).
// Destruction stops the helper thread and restores the calling thread's signal mask;
// signals that arrive afterwards get their default action again.
//
// Linux only. Thread-safety: Install() and the destructor on the same thread; received()
// from any thread.
#ifndef FLYOVER_KUBE_CONTROLLER_SIGNAL_HANDLER_H_
#define FLYOVER_KUBE_CONTROLLER_SIGNAL_HANDLER_H_

#include <signal.h>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "kube/cache/stop_signal.h"

namespace flyover::kube {

struct SignalHandlerOptions {
  std::vector<int> signals = {SIGTERM, SIGINT};
  // Runs on the helper thread at the second signal. Null: _exit(1).
  std::function<void()> on_second_signal;
};

class ShutdownSignalHandler {
 public:
  // `stop` is borrowed and must outlive the handler. Internal (with errno's message) when
  // the signal mask, the signalfd or the wake-up eventfd cannot be set up; InvalidArgument
  // for an empty signal list.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ShutdownSignalHandler>> Install(
      StopSignal* stop, SignalHandlerOptions options = {});
  ~ShutdownSignalHandler();
  ShutdownSignalHandler(const ShutdownSignalHandler&) = delete;
  ShutdownSignalHandler& operator=(const ShutdownSignalHandler&) = delete;

  // Signals received so far.
  [[nodiscard]] int received() const { return received_.load(); }

 private:
  ShutdownSignalHandler(StopSignal* stop, SignalHandlerOptions options, sigset_t previous_mask,
                        int signal_fd, int wake_fd);
  void Loop();

  StopSignal* const stop_;
  const SignalHandlerOptions options_;
  const sigset_t previous_mask_;
  const int signal_fd_;
  const int wake_fd_;
  std::atomic<int> received_{0};
  std::thread thread_;  // started last
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_SIGNAL_HANDLER_H_
