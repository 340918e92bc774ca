#include "worker/npu/device_memory.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

// The host-exhaustion test asks for more memory than exists; under AddressSanitizer that
// must come back as nullptr (as from glibc) instead of aborting the test binary.
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }

namespace flyover::worker {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(DeviceMemoryTest, AccountsAllocationsAndPeak) {
  DeviceMemory memory(4096);
  absl::StatusOr<DeviceBuffer> a = memory.Allocate(1024);
  absl::StatusOr<DeviceBuffer> b = memory.Allocate(2048);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size, 256);
  EXPECT_EQ(a->bytes(), 1024);
  MemoryStats stats = memory.Stats();
  EXPECT_EQ(stats.capacity, 4096);
  EXPECT_EQ(stats.in_use, 3072);
  EXPECT_EQ(stats.free, 1024);
  EXPECT_EQ(stats.peak, 3072);
  EXPECT_EQ(stats.live_buffers, 2);
  ASSERT_TRUE(memory.Free(*b).ok());
  stats = memory.Stats();
  EXPECT_EQ(stats.in_use, 1024);
  EXPECT_EQ(stats.peak, 3072);
  memory.ResetPeak();
  EXPECT_EQ(memory.Stats().peak, 1024);
}

TEST(DeviceMemoryTest, OutOfMemoryIsResourceExhaustedNamingRequestedAndFree) {
  DeviceMemory memory(4096);
  ASSERT_TRUE(memory.Allocate(3072).ok());
  absl::StatusOr<DeviceBuffer> big = memory.Allocate(2048);
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(big.status().message(),
              AllOf(HasSubstr("requested 2048 bytes"), HasSubstr("1024 bytes free")));
  EXPECT_EQ(memory.Stats().in_use, 3072);  // the failed request left no trace
  EXPECT_TRUE(memory.Allocate(1024).ok());  // exactly the rest still fits
  EXPECT_EQ(memory.Stats().free, 0);
}

TEST(DeviceMemoryTest, HostExhaustionIsResourceExhaustedNotACrash) {
  DeviceMemory memory(int64_t{1} << 62);
  absl::StatusOr<DeviceBuffer> huge = memory.Allocate(int64_t{1} << 61);
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(memory.Stats().in_use, 0);
}

TEST(DeviceMemoryTest, RejectsSizesThatAreNotWholeFloats) {
  DeviceMemory memory(4096);
  EXPECT_EQ(memory.Allocate(0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(memory.Allocate(-4).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(memory.Allocate(6).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DeviceMemoryTest, BuffersAreZeroFilledAndIdsNeverReused) {
  DeviceMemory memory(1 << 20);
  absl::StatusOr<DeviceBuffer> a = memory.Allocate(4096);
  ASSERT_TRUE(a.ok());
  absl::StatusOr<ResolvedSlice> slice = memory.Resolve(*a, "test");
  ASSERT_TRUE(slice.ok());
  for (int64_t i = 0; i < a->size; ++i) ASSERT_EQ(slice->data()[i], 0.0f);
  ASSERT_TRUE(memory.Free(*a).ok());
  absl::StatusOr<DeviceBuffer> b = memory.Allocate(4096);
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a->id, b->id);
  EXPECT_EQ(memory.Free(*a).code(), absl::StatusCode::kNotFound);  // double free
  EXPECT_EQ(memory.Resolve(*a, "stale").status().code(), absl::StatusCode::kNotFound);
}

TEST(DeviceMemoryTest, ResolveChecksSliceBounds) {
  DeviceMemory memory(1 << 20);
  absl::StatusOr<DeviceBuffer> a = memory.Allocate(400);  // 100 floats
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(memory.Resolve(a->Slice(90, 10), "ok").ok());
  EXPECT_EQ(memory.Resolve(a->Slice(90, 11), "gemm a").status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_THAT(memory.Resolve(a->Slice(-1, 1), "gemm a").status().message(), HasSubstr("gemm a"));
}

TEST(DeviceMemoryTest, FreedMemoryStaysValidWhileResolved) {
  DeviceMemory memory(1 << 20);
  absl::StatusOr<DeviceBuffer> a = memory.Allocate(400);
  ASSERT_TRUE(a.ok());
  absl::StatusOr<ResolvedSlice> held = memory.Resolve(*a, "held");
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE(memory.Free(*a).ok());
  EXPECT_EQ(memory.Stats().in_use, 0);  // accounting released at once
  held->data()[99] = 1.0f;              // memory still owned by the slice (ASan checks)
  EXPECT_EQ(held->data()[99], 1.0f);
}

TEST(DeviceMemoryTest, EccMarkOnlyOnLiveBuffers) {
  DeviceMemory memory(1 << 20);
  absl::StatusOr<DeviceBuffer> a = memory.Allocate(400);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(memory.MarkEccError(*a).ok());
  EXPECT_TRUE(memory.Resolve(*a, "x")->allocation->ecc_error());
  EXPECT_EQ(memory.MarkEccError(DeviceBuffer{999, 1}).code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace flyover::worker
