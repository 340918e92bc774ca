// Fault sources (env spec, device-state file, fake) and every fault hook of the backend.
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "common/fake_clock.h"
#include "common/posix_file_system.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/npu/emulated_npu_backend.h"
#include "worker/npu/env_npu_fault_source.h"
#include "worker/npu/fake_npu_fault_source.h"
#include "worker/npu/file_npu_fault_source.h"
#include "worker/npu/npu_test_util.h"

namespace flyover::worker {
namespace {

using ::flyover::worker::testing::Download;
using ::flyover::worker::testing::RandomVector;
using ::flyover::worker::testing::Upload;
using ::flyover::worker::testing::Zeros;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

DieState Poll(NpuFaultSource& source, int die, int64_t step) {
  absl::StatusOr<DieState> state = source.Poll(die, step);
  EXPECT_TRUE(state.ok()) << state.status();
  return state.ok() ? *state : DieState{};
}

// ---- EnvNpuFaultSource -----------------------------------------------------------------------

TEST(EnvNpuFaultSourceTest, SchedulesFaultsByStepAndDie) {
  auto source = EnvNpuFaultSource::Parse(
      "hang@step=120; slow:2.5@step=10-20@die=1; ECC:7@step=50; linkdown@step=30-40; overheat");
  ASSERT_TRUE(source.ok()) << source.status();
  DieState at5 = Poll(**source, 0, 5);
  ASSERT_THAT(at5.faults, SizeIs(1));  // overheat, from step 0
  EXPECT_EQ(at5.faults[0].kind, NpuFaultKind::kOverheat);
  EXPECT_EQ(at5.faults[0].slowdown, 2.0);
  EXPECT_EQ(at5.health, DieHealth::kUnhealthy);

  DieState die1 = Poll(**source, 1, 15);
  ASSERT_THAT(die1.faults, SizeIs(2));
  EXPECT_EQ(die1.faults[0].kind, NpuFaultKind::kSlow);
  EXPECT_EQ(die1.faults[0].slowdown, 2.5);
  EXPECT_THAT(Poll(**source, 0, 15).faults, SizeIs(1));  // die filter
  EXPECT_THAT(Poll(**source, 1, 21).faults, SizeIs(1));  // range ended (inclusive to 20)

  DieState at50 = Poll(**source, 0, 50);
  ASSERT_THAT(at50.faults, SizeIs(2));
  EXPECT_EQ(at50.faults[0].kind, NpuFaultKind::kHbmEccDoubleBit);
  EXPECT_EQ(at50.faults[0].buffer_id, 7u);
  EXPECT_EQ(at50.faults[0].code, "env-2-ecc");
  EXPECT_THAT(Poll(**source, 0, 35).faults, SizeIs(2));  // overheat and linkdown
  EXPECT_EQ(Poll(**source, 0, 120).faults.front().kind, NpuFaultKind::kHang);  // entry order
}

TEST(EnvNpuFaultSourceTest, SlowAloneKeepsTheDieHealthyAndEmptyMeansNoFaults) {
  auto slow = EnvNpuFaultSource::Parse("slow:3");
  ASSERT_TRUE(slow.ok());
  EXPECT_EQ(Poll(**slow, 0, 0).health, DieHealth::kHealthy);
  auto none = EnvNpuFaultSource::Parse(" ");
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(Poll(**none, 0, 0).faults, IsEmpty());
}

TEST(EnvNpuFaultSourceTest, RejectsMalformedSpecsNamingTheEntry) {
  for (const char* bad : {"fire@step=1", "hang@step=x", "hang@step=5-3", "slow:0.5", "ecc:0",
                          "hang:2", "hang@when=3", "hang@die=-1", "hang@step=4-"}) {
    absl::StatusOr<std::unique_ptr<EnvNpuFaultSource>> source = EnvNpuFaultSource::Parse(bad);
    EXPECT_EQ(source.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(source.status().message(), HasSubstr("FLYOVER_NPU_FAULT entry 0")) << bad;
  }
}

TEST(EnvNpuFaultSourceTest, ReadsTheEnvironmentVariable) {
  ASSERT_EQ(setenv("FLYOVER_NPU_FAULT_TEST_VAR", "hang@step=3", 1), 0);
  auto source = EnvNpuFaultSource::FromEnvironment("FLYOVER_NPU_FAULT_TEST_VAR");
  unsetenv("FLYOVER_NPU_FAULT_TEST_VAR");
  ASSERT_TRUE(source.ok());
  EXPECT_THAT(Poll(**source, 0, 3).faults, SizeIs(1));
  auto unset = EnvNpuFaultSource::FromEnvironment("FLYOVER_NPU_FAULT_TEST_VAR");
  ASSERT_TRUE(unset.ok());
  EXPECT_THAT(Poll(**unset, 0, 3).faults, IsEmpty());
}

// ---- FileNpuFaultSource ----------------------------------------------------------------------

class FileNpuFaultSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/npu_fault_test.XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    path_ = dir_ + "/device-state.json";
  }
  void TearDown() override { (void)fs_.DeleteDirRecursively(dir_); }
  void Write(const std::string& text) {
    auto file = fs_.NewWritableFile(path_);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append(text).ok());
    ASSERT_TRUE((*file)->Close().ok());
  }

  PosixFileSystem fs_;
  std::string dir_;
  std::string path_;
};

TEST_F(FileNpuFaultSourceTest, MissingFileMeansHealthy) {
  FileNpuFaultSource source(&fs_, path_);
  DieState state = Poll(source, 3, 0);
  EXPECT_EQ(state.die_id, 3);
  EXPECT_EQ(state.health, DieHealth::kHealthy);
  EXPECT_THAT(state.faults, IsEmpty());
}

TEST_F(FileNpuFaultSourceTest, ReadsTheDocumentedShapeAndFollowsChanges) {
  Write(R"({"dies":[{"id":0,"health":"Healthy"},
                    {"id":1,"health":"Unhealthy","future_field":true,"faults":[
                      {"code":"0x80E18402-1","kind":"HbmEccDoubleBit","level":"RestartNPU","buffer":9},
                      {"code":"t-1","kind":"Overheat"},
                      {"code":"x","kind":"PowerLoss","level":"SeparateNPU"}]}]})");
  FileNpuFaultSource source(&fs_, path_);
  EXPECT_EQ(Poll(source, 0, 0).health, DieHealth::kHealthy);
  DieState die1 = Poll(source, 1, 0);
  EXPECT_EQ(die1.health, DieHealth::kUnhealthy);
  ASSERT_THAT(die1.faults, SizeIs(3));
  EXPECT_EQ(die1.faults[0].kind, NpuFaultKind::kHbmEccDoubleBit);
  EXPECT_EQ(die1.faults[0].level, "RestartNPU");
  EXPECT_EQ(die1.faults[0].buffer_id, 9u);
  EXPECT_EQ(die1.faults[1].slowdown, 2.0);  // Overheat default
  EXPECT_EQ(die1.faults[2].kind, NpuFaultKind::kOther);
  EXPECT_EQ(Poll(source, 5, 0).health, DieHealth::kHealthy);  // not listed

  Write(R"({"dies":[{"id":1,"faults":[{"code":"h","kind":"Hang"}]}]})");
  DieState changed = Poll(source, 1, 0);
  EXPECT_EQ(changed.health, DieHealth::kUnhealthy);  // default from faults
  ASSERT_THAT(changed.faults, SizeIs(1));
  EXPECT_EQ(changed.faults[0].kind, NpuFaultKind::kHang);
}

TEST_F(FileNpuFaultSourceTest, MalformedFileIsInvalidArgumentNamingPathAndField) {
  FileNpuFaultSource source(&fs_, path_);
  const std::pair<const char*, const char*> cases[] = {
      {"{", "not valid JSON"},
      {R"({"dies":{}})", "dies: not an array"},
      {R"({"dies":[{"health":"Healthy"}]})", "dies[0].id"},
      {R"({"dies":[{"id":0,"health":"Sick"}]})", "dies[0].health"},
      {R"({"dies":[{"id":0,"faults":[{"kind":"Hang"}]}]})", "dies[0].faults[0].code"},
      {R"({"dies":[{"id":0,"faults":[{"code":"s","kind":"Slow","slowdown":0.5}]}]})",
       "slowdown"},
  };
  for (const auto& [text, field] : cases) {
    Write(text);
    absl::StatusOr<DieState> state = source.Poll(0, 0);
    EXPECT_EQ(state.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(state.status().message(), HasSubstr(path_)) << text;
    EXPECT_THAT(state.status().message(), HasSubstr(field)) << text;
  }
}

TEST(DeviceStateJsonTest, RoundTrips) {
  DieState die;
  die.die_id = 4;
  die.health = DieHealth::kUnhealthy;
  die.faults.push_back(NpuFault{NpuFaultKind::kSlow, "s-1", "SubHealthFault", 3.0, {}});
  die.faults.push_back(NpuFault{NpuFaultKind::kHbmEccDoubleBit, "e-1", "RestartNPU", 1.0, 12});
  absl::StatusOr<std::vector<DieState>> parsed = ParseDeviceStateJson(DeviceStateToJson({die}));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_THAT(*parsed, SizeIs(1));
  EXPECT_EQ((*parsed)[0], die);
}

// ---- The backend's fault hooks ---------------------------------------------------------------

class NpuFaultHooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmulatedNpuBackendOptions options;
    options.hbm_bytes = 1 << 20;
    options.die_id = 2;
    options.clock = &clock_;
    options.fault_source = &source_;
    npu_ = *EmulatedNpuBackend::Create(options);
    stream_ = *npu_->CreateStream();
  }
  // Runs x -> Scale -> out and returns the status of synchronising.
  absl::Status ReadThrough(DeviceBuffer x, DeviceBuffer out) {
    absl::Status enqueued = npu_->Scale(stream_, 2.0f, x, out);
    if (!enqueued.ok()) return enqueued;
    return npu_->SynchronizeStream(stream_);
  }
  DieState WithFault(NpuFault fault) {
    DieState state;
    state.die_id = 2;
    state.health = DieHealth::kUnhealthy;
    state.faults.push_back(std::move(fault));
    return state;
  }

  FakeClock clock_;
  FakeNpuFaultSource source_;
  std::unique_ptr<EmulatedNpuBackend> npu_;
  StreamHandle stream_;
};

TEST_F(NpuFaultHooksTest, EccOnABufferFailsTheNextReaderWithDataLossNamingIt) {
  DeviceBuffer x = Upload(*npu_, stream_, RandomVector(8, 1));
  DeviceBuffer clean = Upload(*npu_, stream_, RandomVector(8, 2));
  DeviceBuffer out = Zeros(*npu_, 8);
  ASSERT_TRUE(npu_->SynchronizeStream(stream_).ok());  // the uploads rewrite x: let them land
  ASSERT_TRUE(npu_->InjectEccError(x).ok());
  EXPECT_TRUE(ReadThrough(clean, out).ok());  // other buffers unaffected
  absl::Status failed = ReadThrough(x, out);
  EXPECT_EQ(failed.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(failed.message(), HasSubstr(absl::StrCat("device buffer ", x.id)));
  EXPECT_THAT(failed.message(), HasSubstr("kernel scale"));
  // Poisoned until reset; the buffer stays bad until rewritten from the host.
  EXPECT_EQ(npu_->Fill(stream_, out, 0).code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(npu_->ResetStream(stream_).ok());
  EXPECT_EQ(ReadThrough(x, out).code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(npu_->ResetStream(stream_).ok());
  ASSERT_TRUE(npu_->CopyHostToDevice(stream_, RandomVector(8, 3), x).ok());
  EXPECT_TRUE(ReadThrough(x, out).ok());
}

TEST_F(NpuFaultHooksTest, EccOnNextReadHitsTheFirstBufferReadOnce) {
  DeviceBuffer x = Upload(*npu_, stream_, RandomVector(8, 1));
  DeviceBuffer out = Zeros(*npu_, 8);
  ASSERT_TRUE(npu_->SynchronizeStream(stream_).ok());
  npu_->InjectEccErrorOnNextRead();
  ASSERT_TRUE(npu_->Fill(stream_, out, 1.0f).ok());  // reads nothing: unaffected
  absl::Status failed = ReadThrough(x, out);
  EXPECT_EQ(failed.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(failed.message(), HasSubstr(absl::StrCat("device buffer ", x.id)));
  ASSERT_TRUE(npu_->ResetStream(stream_).ok());
  EXPECT_TRUE(ReadThrough(out, Zeros(*npu_, 8)).ok());  // one-shot
}

TEST_F(NpuFaultHooksTest, EccFromTheSourceIsAppliedOncePerCode) {
  DeviceBuffer x = Upload(*npu_, stream_, RandomVector(8, 1));
  DeviceBuffer out = Zeros(*npu_, 8);
  ASSERT_TRUE(npu_->SynchronizeStream(stream_).ok());
  source_.SetDieState(WithFault(NpuFault{NpuFaultKind::kHbmEccDoubleBit, "e1", "", 1.0, {}}));
  ASSERT_TRUE(npu_->BeginStep(7).ok());
  EXPECT_EQ(source_.last_step(), 7);
  EXPECT_EQ(npu_->Health().health, DieHealth::kUnhealthy);
  EXPECT_EQ(npu_->Health().die_id, 2);
  EXPECT_EQ(ReadThrough(x, out).code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(npu_->ResetStream(stream_).ok());
  ASSERT_TRUE(npu_->CopyHostToDevice(stream_, RandomVector(8, 2), x).ok());
  ASSERT_TRUE(npu_->BeginStep(8).ok());  // still listed: not applied again
  EXPECT_TRUE(ReadThrough(x, out).ok());
  source_.SetDieState(WithFault(NpuFault{NpuFaultKind::kHbmEccDoubleBit, "e2", "", 1.0, x.id}));
  ASSERT_TRUE(npu_->BeginStep(9).ok());  // a new occurrence naming the buffer
  EXPECT_EQ(ReadThrough(x, out).code(), absl::StatusCode::kDataLoss);
}

TEST_F(NpuFaultHooksTest, HangFromTheSourceTimesOutSynchronizeUntilCleared) {
  DeviceBuffer x = Upload(*npu_, stream_, RandomVector(8, 1));
  DeviceBuffer out = Zeros(*npu_, 8);
  ASSERT_TRUE(npu_->SynchronizeStream(stream_).ok());
  source_.SetDieState(WithFault(NpuFault{NpuFaultKind::kHang, "h", "", 1.0, {}}));
  ASSERT_TRUE(npu_->BeginStep(1).ok());
  ASSERT_TRUE(npu_->Scale(stream_, 2.0f, x, out).ok());
  absl::Status result;
  std::thread waiter(
      [&] { result = npu_->SynchronizeStream(stream_, SyncOptions{absl::Seconds(30)}); });
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  clock_.Advance(absl::Seconds(30));
  waiter.join();
  EXPECT_EQ(result.code(), absl::StatusCode::kDeadlineExceeded);
  source_.ClearDie(2);
  ASSERT_TRUE(npu_->BeginStep(2).ok());
  EXPECT_TRUE(npu_->SynchronizeStream(stream_).ok());
  EXPECT_EQ(npu_->Health().health, DieHealth::kHealthy);
}

TEST_F(NpuFaultHooksTest, HangHookStopsProgress) {
  npu_->SetHang(true);
  ASSERT_TRUE(npu_->Fill(stream_, Zeros(*npu_, 4), 1.0f).ok());
  absl::Status result;
  std::thread waiter(
      [&] { result = npu_->SynchronizeStream(stream_, SyncOptions{absl::Seconds(1)}); });
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  clock_.Advance(absl::Seconds(1));
  waiter.join();
  EXPECT_EQ(result.code(), absl::StatusCode::kDeadlineExceeded);
  npu_->SetHang(false);
  EXPECT_TRUE(npu_->SynchronizeStream(stream_).ok());
}

// A 2 x 2 x 250 GEMM is 2,000 FLOP: 2 us at 1 MFLOP/s = 0.001 GFLOP/s.
TEST_F(NpuFaultHooksTest, ThrottleAndSlowdownsStretchKernelTime) {
  GemmArgs args;
  args.m = 2;
  args.n = 2;
  args.k = 250;
  args.a = Zeros(*npu_, 500);
  args.b = Zeros(*npu_, 500);
  args.c = Zeros(*npu_, 4);
  EventHandle done = *npu_->CreateEvent();
  auto busy_for = [&](absl::Duration expected) {
    ASSERT_TRUE(npu_->Gemm(stream_, args).ok());
    ASSERT_TRUE(npu_->RecordEvent(done, stream_).ok());
    ASSERT_TRUE(clock_.BlockUntilWaiters(1));
    clock_.Advance(expected - absl::Nanoseconds(1));
    EXPECT_FALSE(*npu_->QueryEvent(done));
    clock_.Advance(absl::Nanoseconds(1));
    EXPECT_TRUE(npu_->SynchronizeEvent(done).ok());
  };
  npu_->SetComputeRateLimit(0.001);
  busy_for(absl::Microseconds(2000));
  npu_->SetSlowdown(2.0);
  busy_for(absl::Microseconds(4000));
  // Overheat and Slow from the source multiply with the hook.
  DieState state = WithFault(NpuFault{NpuFaultKind::kOverheat, "o", "", 1.5, {}});
  state.faults.push_back(NpuFault{NpuFaultKind::kSlow, "s", "", 2.0, {}});
  source_.SetDieState(state);
  ASSERT_TRUE(npu_->BeginStep(3).ok());
  busy_for(absl::Microseconds(12000));
}

TEST_F(NpuFaultHooksTest, LinkDownIsReportedWithoutSlowingCompute) {
  source_.SetDieState(WithFault(NpuFault{NpuFaultKind::kLinkDown, "l", "RestartBusiness", 1.0, {}}));
  ASSERT_TRUE(npu_->BeginStep(1).ok());
  DieState health = npu_->Health();
  ASSERT_THAT(health.faults, SizeIs(1));
  EXPECT_EQ(health.faults[0].kind, NpuFaultKind::kLinkDown);
  ASSERT_TRUE(npu_->Fill(stream_, Zeros(*npu_, 4), 1.0f).ok());
  EXPECT_TRUE(npu_->SynchronizeStream(stream_).ok());  // no pacing wait on the fake clock
}

TEST_F(NpuFaultHooksTest, SourceErrorKeepsThePreviousState) {
  source_.SetDieState(WithFault(NpuFault{NpuFaultKind::kLinkDown, "l", "", 1.0, {}}));
  ASSERT_TRUE(npu_->BeginStep(1).ok());
  source_.SetError(absl::UnavailableError("file busy"));
  absl::Status polled = npu_->BeginStep(2);
  EXPECT_EQ(polled.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(polled.message(), HasSubstr("die 2 at step 2"));
  EXPECT_THAT(npu_->Health().faults, SizeIs(1));
}

}  // namespace
}  // namespace flyover::worker
