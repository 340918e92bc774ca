#include "kube/controller/signal_handler.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdint>
#include <utility>

#include "common/log.h"
#include "common/status.h"

namespace flyover::kube {

absl::StatusOr<std::unique_ptr<ShutdownSignalHandler>> ShutdownSignalHandler::Install(
    StopSignal* stop, SignalHandlerOptions options) {
  if (options.signals.empty()) {
    return absl::InvalidArgumentError("signal handler signals: must not be empty");
  }
  sigset_t set;
  sigemptyset(&set);
  for (int signal_number : options.signals) sigaddset(&set, signal_number);
  sigset_t previous;
  if (int error = pthread_sigmask(SIG_BLOCK, &set, &previous); error != 0) {
    return ErrnoToStatus(error, "blocking shutdown signals");
  }
  const int signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0) {
    absl::Status status = ErrnoToStatus(errno, "signalfd");
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return status;
  }
  const int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) {
    absl::Status status = ErrnoToStatus(errno, "eventfd");
    close(signal_fd);
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return status;
  }
  return std::unique_ptr<ShutdownSignalHandler>(
      new ShutdownSignalHandler(stop, std::move(options), previous, signal_fd, wake_fd));
}

ShutdownSignalHandler::ShutdownSignalHandler(StopSignal* stop, SignalHandlerOptions options,
                                             sigset_t previous_mask, int signal_fd, int wake_fd)
    : stop_(stop),
      options_(std::move(options)),
      previous_mask_(previous_mask),
      signal_fd_(signal_fd),
      wake_fd_(wake_fd),
      thread_([this] { Loop(); }) {}

ShutdownSignalHandler::~ShutdownSignalHandler() {
  const uint64_t one = 1;
  // Cannot fail short of a bad descriptor: the counter is far from overflowing.
  (void)!write(wake_fd_, &one, sizeof(one));
  thread_.join();
  close(signal_fd_);
  close(wake_fd_);
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void ShutdownSignalHandler::Loop() {
  pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      log::Error(ErrnoToStatus(errno, "poll"), "signal handler stopped");
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) return;
    signalfd_siginfo info;
    while (read(signal_fd_, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
      const int count = received_.fetch_add(1) + 1;
      log::Info("shutdown signal received", {{"signal", static_cast<int>(info.ssi_signo)},
                                             {"count", count}});
      if (count == 1) {
        stop_->Stop();
      } else if (options_.on_second_signal) {
        options_.on_second_signal();
      } else {
        _exit(1);
      }
    }
  }
}

}  // namespace flyover::kube
