#include "kube/controller/lease_lock.h"

#include <memory>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/fake_http_transport.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

LeaderElectionRecord Record() {
  const absl::Time t = absl::FromUnixMicros(1767225600123456);
  return {.holder_identity = "op-a",
          .lease_duration_seconds = 15,
          .acquire_time = t,
          .renew_time = t + absl::Seconds(2),
          .leader_transitions = 3};
}

TEST(LeaseRecordTest, SpecUsesMicroTimeAndRoundTrips) {
  json spec = LeaseSpecFromRecord(Record());
  EXPECT_EQ(spec["holderIdentity"], "op-a");
  EXPECT_EQ(spec["leaseDurationSeconds"], 15);
  EXPECT_EQ(spec["leaseTransitions"], 3);
  EXPECT_EQ(spec["acquireTime"], "2026-01-01T00:00:00.123456Z");
  EXPECT_EQ(spec["renewTime"], "2026-01-01T00:00:02.123456Z");
  absl::StatusOr<LeaderElectionRecord> back = RecordFromLease({{"spec", spec}});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, Record());
}

TEST(LeaseRecordTest, MissingSpecIsAnEmptyRecord) {
  absl::StatusOr<LeaderElectionRecord> record = RecordFromLease({{"metadata", {{"name", "l"}}}});
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(*record, LeaderElectionRecord{});
}

TEST(LeaseRecordTest, WrongTypesNameTheField) {
  absl::StatusOr<LeaderElectionRecord> record =
      RecordFromLease({{"spec", {{"leaseDurationSeconds", "15"}}}});
  EXPECT_TRUE(absl::IsInvalidArgument(record.status()));
  EXPECT_THAT(record.status().message(), HasSubstr("spec.leaseDurationSeconds"));
  record = RecordFromLease({{"spec", {{"renewTime", "yesterday"}}}});
  EXPECT_THAT(record.status().message(), HasSubstr("spec.renewTime"));
}

TEST(LeaseRecordTest, TruncatesToMicroseconds) {
  const absl::Time t = absl::FromUnixNanos(1767225600123456789);
  EXPECT_EQ(TruncateToMicros(t), absl::FromUnixMicros(1767225600123456));
}

class RestLeaseLockTest : public ::testing::Test {
 protected:
  RestLeaseLockTest() {
    auto transport = std::make_unique<FakeHttpTransport>();
    transport_ = transport.get();
    client_ = std::make_unique<RestClient>(
        std::move(transport), nullptr,
        RestClientOptions{.rate_limit = {.qps = 0}, .clock = &clock_});
    lock_ = std::make_unique<RestLeaseLock>(client_.get(), "flyover-system", "operator");
  }

  static std::string Lease(const std::string& version, const LeaderElectionRecord& record) {
    return json{{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata",
                 {{"name", "operator"}, {"namespace", "flyover-system"},
                  {"resourceVersion", version}}},
                {"spec", LeaseSpecFromRecord(record)}}
        .dump();
  }

  FakeClock clock_;
  FakeHttpTransport* transport_ = nullptr;
  std::unique_ptr<RestClient> client_;
  std::unique_ptr<RestLeaseLock> lock_;
};

TEST_F(RestLeaseLockTest, UpdateBeforeReadIsFailedPrecondition) {
  EXPECT_TRUE(absl::IsFailedPrecondition(lock_->Update(Record())));
  EXPECT_TRUE(transport_->requests().empty());
}

TEST_F(RestLeaseLockTest, GetThenUpdateIsConditionalOnTheVersionRead) {
  transport_->AddResponse(200, Lease("41", Record()));
  absl::StatusOr<LeaderElectionRecord> got = lock_->Get();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, Record());

  LeaderElectionRecord renewed = Record();
  renewed.renew_time = *renewed.renew_time + absl::Seconds(2);
  transport_->AddResponse(200, Lease("42", renewed));
  ASSERT_TRUE(lock_->Update(renewed).ok());
  HttpRequest put = transport_->requests().at(1);
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.path, "/apis/coordination.k8s.io/v1/namespaces/flyover-system/leases/operator");
  json body = json::parse(put.body);
  EXPECT_EQ(body["metadata"]["resourceVersion"], "41");
  EXPECT_EQ(body["spec"]["renewTime"], "2026-01-01T00:00:04.123456Z");

  // The next update carries the version the server returned.
  transport_->AddResponse(409, R"({"kind":"Status","status":"Failure","reason":"Conflict",)"
                               R"("code":409,"message":"the object has been modified"})");
  absl::Status conflict = lock_->Update(renewed);
  EXPECT_TRUE(absl::IsAborted(conflict)) << conflict;
  EXPECT_EQ(json::parse(transport_->requests().at(2).body)["metadata"]["resourceVersion"], "42");
}

TEST_F(RestLeaseLockTest, MissingLeaseIsNotFoundAndCreatePostsIt) {
  transport_->AddResponse(404, R"({"kind":"Status","status":"Failure","reason":"NotFound",)"
                               R"("code":404})");
  EXPECT_TRUE(absl::IsNotFound(lock_->Get().status()));
  transport_->AddResponse(201, Lease("7", Record()));
  ASSERT_TRUE(lock_->Create(Record()).ok());
  HttpRequest post = transport_->requests().at(1);
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.path, "/apis/coordination.k8s.io/v1/namespaces/flyover-system/leases");
  EXPECT_EQ(json::parse(post.body)["spec"]["holderIdentity"], "op-a");
  EXPECT_EQ(lock_->Describe(), "flyover-system/operator");
}

}  // namespace
}  // namespace flyover::kube
