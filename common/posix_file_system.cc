#include "common/posix_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace flyover {
namespace {

// Runs a POSIX call until it stops failing with EINTR.
template <typename Call>
auto RetryOnEintr(Call call) {
  auto result = call();
  while (result == -1 && errno == EINTR) result = call();
  return result;
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  absl::Status Append(absl::string_view data) override {
    RETURN_IF_ERROR(CheckOpen("append to"));
    while (!data.empty()) {
      const ssize_t n = RetryOnEintr([&] { return ::write(fd_, data.data(), data.size()); });
      if (n < 0) return ErrnoToStatus(errno, absl::StrCat("write ", path_));
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    RETURN_IF_ERROR(CheckOpen("fsync"));
    if (RetryOnEintr([&] { return ::fsync(fd_); }) != 0) {
      return ErrnoToStatus(errno, absl::StrCat("fsync ", path_));
    }
    return absl::OkStatus();
  }

  absl::Status Close() override {
    RETURN_IF_ERROR(CheckOpen("close"));
    // Not retried on EINTR: Linux releases the descriptor even then.
    const int result = ::close(fd_);
    fd_ = -1;
    if (result != 0) return ErrnoToStatus(errno, absl::StrCat("close ", path_));
    return absl::OkStatus();
  }

 private:
  absl::Status CheckOpen(absl::string_view op) const {
    if (fd_ >= 0) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(op, " ", path_, ": file is closed"));
  }

  const std::string path_;
  int fd_;
};

absl::StatusOr<std::string> ReadAll(int fd, const std::string& path) {
  std::string contents;
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = RetryOnEintr([&] { return ::read(fd, buffer, sizeof(buffer)); });
    if (n < 0) return ErrnoToStatus(errno, absl::StrCat("read ", path));
    if (n == 0) return contents;
    contents.append(buffer, static_cast<size_t>(n));
  }
}

absl::StatusOr<struct stat> Stat(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("stat ", path));
  }
  return info;
}

}  // namespace

absl::StatusOr<std::unique_ptr<WritableFile>> PosixFileSystem::NewWritableFile(
    absl::string_view path) {
  std::string p(path);
  const int fd = RetryOnEintr(
      [&] { return ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644); });
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open ", p, " for write"));
  return std::make_unique<PosixWritableFile>(std::move(p), fd);
}

absl::StatusOr<std::string> PosixFileSystem::ReadFile(absl::string_view path) {
  const std::string p(path);
  const int fd = RetryOnEintr([&] { return ::open(p.c_str(), O_RDONLY | O_CLOEXEC); });
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open ", p, " for read"));
  absl::StatusOr<std::string> contents = ReadAll(fd, p);
  ::close(fd);
  return contents;
}

absl::Status PosixFileSystem::Rename(absl::string_view from, absl::string_view to) {
  const std::string f(from);
  const std::string t(to);
  if (::rename(f.c_str(), t.c_str()) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("rename ", f, " to ", t));
  }
  return absl::OkStatus();
}

absl::Status PosixFileSystem::SyncDir(absl::string_view dir) {
  const std::string d(dir);
  const int fd =
      RetryOnEintr([&] { return ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); });
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open directory ", d, " for fsync"));
  absl::Status status;
  if (RetryOnEintr([&] { return ::fsync(fd); }) != 0) {
    status = ErrnoToStatus(errno, absl::StrCat("fsync directory ", d));
  }
  ::close(fd);
  return status;
}

absl::Status PosixFileSystem::DeleteFile(absl::string_view path) {
  const std::string p(path);
  if (::unlink(p.c_str()) != 0) return ErrnoToStatus(errno, absl::StrCat("unlink ", p));
  return absl::OkStatus();
}

absl::Status PosixFileSystem::CreateDirs(absl::string_view path) {
  const std::string p(path);
  std::error_code error;
  std::filesystem::create_directories(p, error);
  if (error) return ErrnoToStatus(error.value(), absl::StrCat("mkdir -p ", p));
  return absl::OkStatus();
}

absl::Status PosixFileSystem::DeleteDirRecursively(absl::string_view path) {
  const std::string p(path);
  struct stat info {};
  if (::lstat(p.c_str(), &info) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("delete directory ", p));
  }
  if (!S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat("delete directory ", p, ": not a directory"));
  }
  std::error_code error;
  std::filesystem::remove_all(p, error);
  if (error) return ErrnoToStatus(error.value(), absl::StrCat("delete directory ", p));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> PosixFileSystem::ListDir(absl::string_view dir) {
  const std::string d(dir);
  DIR* handle = ::opendir(d.c_str());
  if (handle == nullptr) return ErrnoToStatus(errno, absl::StrCat("list directory ", d));
  std::vector<std::string> names;
  int read_error = 0;
  while (true) {
    errno = 0;  // readdir signals an error only through errno.
    const struct dirent* entry = ::readdir(handle);
    if (entry == nullptr) {
      read_error = errno;
      break;
    }
    const absl::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(handle);
  if (read_error != 0) return ErrnoToStatus(read_error, absl::StrCat("list directory ", d));
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<bool> PosixFileSystem::FileExists(absl::string_view path) {
  const std::string p(path);
  struct stat info {};
  if (::lstat(p.c_str(), &info) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return ErrnoToStatus(errno, absl::StrCat("check existence of ", p));
}

absl::StatusOr<uint64_t> PosixFileSystem::FileSize(absl::string_view path) {
  ASSIGN_OR_RETURN(const struct stat info, Stat(std::string(path)));
  return static_cast<uint64_t>(info.st_size);
}

FileSystem* DefaultFileSystem() {
  static PosixFileSystem* const file_system = new PosixFileSystem();
  return file_system;
}

}  // namespace flyover
