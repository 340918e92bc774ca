#include "common/fault_injecting_file_system.h"

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace flyover {

absl::string_view FileOpName(FileOp op) {
  switch (op) {
    case FileOp::kCreate:
      return "create";
    case FileOp::kAppend:
      return "append";
    case FileOp::kSync:
      return "sync";
    case FileOp::kClose:
      return "close";
    case FileOp::kRename:
      return "rename";
    case FileOp::kSyncDir:
      return "sync directory";
    case FileOp::kDelete:
      return "delete";
  }
  return "unknown";
}

// Wraps a base WritableFile; each call is first admitted by the owning filesystem.
class FaultInjectingWritableFile final : public WritableFile {
 public:
  FaultInjectingWritableFile(FaultInjectingFileSystem* fs, std::string path,
                             std::unique_ptr<WritableFile> base)
      : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}

  absl::Status Append(absl::string_view data) override {
    FaultInjectingFileSystem::Verdict verdict = fs_->Admit(FileOp::kAppend, path_);
    if (verdict.status.ok()) return base_->Append(data);
    if (verdict.short_write_bytes.has_value()) {
      const size_t bytes = std::min(*verdict.short_write_bytes, data.size());
      // The torn prefix lands for real; its own error, if any, is beside the point.
      base_->Append(data.substr(0, bytes)).IgnoreError();
    }
    return verdict.status;
  }

  absl::Status Sync() override {
    RETURN_IF_ERROR(fs_->Check(FileOp::kSync, path_));
    return base_->Sync();
  }

  absl::Status Close() override {
    RETURN_IF_ERROR(fs_->Check(FileOp::kClose, path_));
    return base_->Close();
  }

 private:
  FaultInjectingFileSystem* const fs_;
  const std::string path_;
  const std::unique_ptr<WritableFile> base_;
};

FaultInjectingFileSystem::FaultInjectingFileSystem(FileSystem* base) : base_(base) {}

void FaultInjectingFileSystem::SetRule(FileOp op, Rule rule) {
  absl::MutexLock lock(&mu_);
  rules_[static_cast<int>(op)] = rule;
}

void FaultInjectingFileSystem::FailNth(FileOp op, int64_t n, int error_number) {
  SetRule(op, Rule{.n = n, .error_number = error_number});
}

void FaultInjectingFileSystem::FailEveryAfter(FileOp op, int64_t n) {
  SetRule(op, Rule{.n = n, .every_after = true});
}

void FaultInjectingFileSystem::ShortWriteNth(int64_t n, size_t bytes) {
  SetRule(FileOp::kAppend, Rule{.n = n, .short_write_bytes = bytes});
}

void FaultInjectingFileSystem::set_crash_on_fault(bool crash) {
  absl::MutexLock lock(&mu_);
  crash_on_fault_ = crash;
}

bool FaultInjectingFileSystem::crashed() const {
  absl::MutexLock lock(&mu_);
  return crashed_;
}

void FaultInjectingFileSystem::ClearFaults() {
  absl::MutexLock lock(&mu_);
  rules_ = {};
  crashed_ = false;
}

int64_t FaultInjectingFileSystem::count(FileOp op) const {
  absl::MutexLock lock(&mu_);
  return counts_[static_cast<int>(op)];
}

void FaultInjectingFileSystem::ResetCounts() {
  absl::MutexLock lock(&mu_);
  counts_ = {};
}

FaultInjectingFileSystem::Verdict FaultInjectingFileSystem::Admit(FileOp op,
                                                                  absl::string_view path) {
  const std::string context = absl::StrCat("injected fault: ", FileOpName(op), " ", path);
  absl::MutexLock lock(&mu_);
  ++counts_[static_cast<int>(op)];
  if (crashed_) return {ErrnoToStatus(EIO, absl::StrCat(context, " after crash"))};
  std::optional<Rule>& rule = rules_[static_cast<int>(op)];
  if (!rule.has_value()) return {};
  ++rule->seen;
  const bool fires = rule->every_after ? rule->seen > rule->n : rule->seen == rule->n;
  if (!fires) return {};
  if (crash_on_fault_) crashed_ = true;
  return {ErrnoToStatus(rule->error_number, context), rule->short_write_bytes};
}

absl::Status FaultInjectingFileSystem::Check(FileOp op, absl::string_view path) {
  return Admit(op, path).status;
}

absl::Status FaultInjectingFileSystem::CheckNotCrashed(absl::string_view op,
                                                       absl::string_view path) const {
  absl::MutexLock lock(&mu_);
  if (!crashed_) return absl::OkStatus();
  return ErrnoToStatus(EIO, absl::StrCat("injected fault: ", op, " ", path, " after crash"));
}

absl::StatusOr<std::unique_ptr<WritableFile>> FaultInjectingFileSystem::NewWritableFile(
    absl::string_view path) {
  RETURN_IF_ERROR(Check(FileOp::kCreate, path));
  ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, base_->NewWritableFile(path));
  return std::make_unique<FaultInjectingWritableFile>(this, std::string(path), std::move(file));
}

absl::StatusOr<std::string> FaultInjectingFileSystem::ReadFile(absl::string_view path) {
  RETURN_IF_ERROR(CheckNotCrashed("read", path));
  return base_->ReadFile(path);
}

absl::Status FaultInjectingFileSystem::Rename(absl::string_view from, absl::string_view to) {
  RETURN_IF_ERROR(Check(FileOp::kRename, absl::StrCat(from, " to ", to)));
  return base_->Rename(from, to);
}

absl::Status FaultInjectingFileSystem::SyncDir(absl::string_view dir) {
  RETURN_IF_ERROR(Check(FileOp::kSyncDir, dir));
  return base_->SyncDir(dir);
}

absl::Status FaultInjectingFileSystem::DeleteFile(absl::string_view path) {
  RETURN_IF_ERROR(Check(FileOp::kDelete, path));
  return base_->DeleteFile(path);
}

absl::Status FaultInjectingFileSystem::CreateDirs(absl::string_view path) {
  RETURN_IF_ERROR(Check(FileOp::kCreate, path));
  return base_->CreateDirs(path);
}

absl::Status FaultInjectingFileSystem::DeleteDirRecursively(absl::string_view path) {
  RETURN_IF_ERROR(Check(FileOp::kDelete, path));
  return base_->DeleteDirRecursively(path);
}

absl::StatusOr<std::vector<std::string>> FaultInjectingFileSystem::ListDir(absl::string_view dir) {
  RETURN_IF_ERROR(CheckNotCrashed("list directory", dir));
  return base_->ListDir(dir);
}

absl::StatusOr<bool> FaultInjectingFileSystem::FileExists(absl::string_view path) {
  RETURN_IF_ERROR(CheckNotCrashed("check existence of", path));
  return base_->FileExists(path);
}

absl::StatusOr<uint64_t> FaultInjectingFileSystem::FileSize(absl::string_view path) {
  RETURN_IF_ERROR(CheckNotCrashed("stat", path));
  return base_->FileSize(path);
}

}  // namespace flyover
