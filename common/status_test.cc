#include "common/status.h"

#include <cerrno>
#include <string>

#include "gtest/gtest.h"

namespace flyover {
namespace {

TEST(ErrnoToStatusTest, MapsErrnoByWhatTheCallerShouldDo) {
  EXPECT_EQ(ErrnoToStatus(ENOENT, "open x").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrnoToStatus(ENOSPC, "write x").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrnoToStatus(EINTR, "read x").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrnoToStatus(EEXIST, "mkdir x").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrnoToStatus(EACCES, "open x").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoToStatus(EIO, "fsync x").code(), absl::StatusCode::kInternal);
}

TEST(ErrnoToStatusTest, MessageNamesContextAndReason) {
  absl::Status status = ErrnoToStatus(ENOENT, "open /tmp/missing");
  EXPECT_EQ(status.message(), "open /tmp/missing: No such file or directory");
}

TEST(AnnotateTest, PrefixesMessageAndKeepsCode) {
  absl::Status status = Annotate(absl::UnavailableError("connection refused"), "GET /api");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "GET /api: connection refused");
  EXPECT_TRUE(Annotate(absl::OkStatus(), "ignored").ok());
}

absl::Status FailIf(bool fail) {
  return fail ? absl::AbortedError("conflict") : absl::OkStatus();
}

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int half, Half(x));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status Chain(bool fail) {
  RETURN_IF_ERROR(FailIf(fail));
  return absl::OkStatus();
}

TEST(StatusMacrosTest, ReturnIfErrorPropagates) {
  EXPECT_EQ(Chain(true).code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(Chain(false).ok());
}

TEST(StatusMacrosTest, AssignOrReturnPropagatesAndAssigns) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flyover
