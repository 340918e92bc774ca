#include "worker/main/loss_log.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace flyover::worker {

std::string LossLogLine(int rank, int64_t generation, int64_t step, double loss) {
  std::string value;
  if (std::isfinite(loss)) {
    char buffer[64];
    const std::to_chars_result end = std::to_chars(buffer, buffer + sizeof(buffer), loss);
    value.assign(buffer, end.ptr);
  } else {
    value = std::isnan(loss) ? "\"nan\"" : (loss > 0 ? "\"inf\"" : "\"-inf\"");
  }
  return absl::StrCat("{\"rank\":", rank, ",\"generation\":", generation, ",\"step\":", step,
                      ",\"loss\":", value, "}\n");
}

absl::StatusOr<std::unique_ptr<LossLog>> LossLog::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("FLYOVER_LOSS_LOG: cannot open \"", path, "\": ", std::strerror(errno)));
  }
  return std::unique_ptr<LossLog>(new LossLog(fd));
}

LossLog::~LossLog() { ::close(fd_); }

absl::Status LossLog::Append(int rank, int64_t generation, const ProgressLine& line) {
  if (!line.step.has_value() || !line.loss.has_value()) return absl::OkStatus();
  const std::string text = LossLogLine(rank, generation, *line.step, *line.loss);
  const ssize_t written = ::write(fd_, text.data(), text.size());
  if (written == static_cast<ssize_t>(text.size())) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      "FLYOVER_LOSS_LOG: wrote ", written < 0 ? 0 : written, " of ", text.size(), " bytes",
      written < 0 ? absl::StrCat(": ", std::strerror(errno)) : std::string()));
}

}  // namespace flyover::worker
