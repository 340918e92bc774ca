#include "kube/client/api_status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::kube {
namespace {

using ::testing::HasSubstr;

constexpr char kConflictBody[] = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "Operation cannot be fulfilled on pods \"a\": the object has been modified",
  "reason": "Conflict", "code": 409,
  "details": {"name": "a", "kind": "pods",
              "causes": [{"reason": "FieldValueInvalid", "message": "bad", "field": "spec.x"}]}
})";

TEST(ApiStatusTest, MapsHttpCodesByWhatTheCallerShouldDo) {
  struct Case {
    int code;
    const char* reason;
    absl::StatusCode want;
  };
  const Case cases[] = {
      {404, "NotFound", absl::StatusCode::kNotFound},
      {409, "AlreadyExists", absl::StatusCode::kAlreadyExists},
      {409, "Conflict", absl::StatusCode::kAborted},
      {410, "Expired", absl::StatusCode::kOutOfRange},
      {410, "Gone", absl::StatusCode::kOutOfRange},
      {422, "Invalid", absl::StatusCode::kInvalidArgument},
      {400, "BadRequest", absl::StatusCode::kInvalidArgument},
      {401, "Unauthorized", absl::StatusCode::kUnauthenticated},
      {403, "Forbidden", absl::StatusCode::kPermissionDenied},
      {429, "TooManyRequests", absl::StatusCode::kUnavailable},
      {500, "InternalError", absl::StatusCode::kUnavailable},
      {503, "ServiceUnavailable", absl::StatusCode::kUnavailable},
      {504, "Timeout", absl::StatusCode::kDeadlineExceeded},
      {200, "", absl::StatusCode::kOk},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CodeForApiStatus(c.code, c.reason), c.want) << c.code << " " << c.reason;
  }
}

TEST(ApiStatusTest, KeepsTheServersStatusInThePayload) {
  absl::Status status = StatusFromHttpResponse(409, kConflictBody);
  EXPECT_TRUE(absl::IsAborted(status));
  EXPECT_THAT(status.message(), HasSubstr("the object has been modified"));
  std::optional<ApiStatus> api = GetApiStatus(status);
  ASSERT_TRUE(api.has_value());
  EXPECT_EQ(api->reason, "Conflict");
  EXPECT_EQ(api->code, 409);
  ASSERT_TRUE(api->details.has_value());
  EXPECT_EQ(api->details->name, "a");
  ASSERT_EQ(api->details->causes.size(), 1u);
  EXPECT_EQ(api->details->causes[0].field, "spec.x");
  EXPECT_TRUE(IsConflict(status));
  EXPECT_FALSE(absl::IsAlreadyExists(status));
  EXPECT_FALSE(absl::IsNotFound(status));
}

TEST(ApiStatusTest, SynthesisesAStatusForANonStatusBody) {
  absl::Status status = StatusFromHttpResponse(503, "<html>upstream unavailable</html>");
  EXPECT_TRUE(absl::IsUnavailable(status));
  EXPECT_THAT(status.message(), HasSubstr("upstream unavailable"));
  std::optional<ApiStatus> api = GetApiStatus(status);
  ASSERT_TRUE(api.has_value());
  EXPECT_EQ(api->reason, "ServiceUnavailable");
  EXPECT_EQ(api->code, 503);
}

TEST(ApiStatusTest, PredicatesReadReasonAndCode) {
  EXPECT_TRUE(IsGoneOrExpired(StatusFromHttpResponse(
      410, R"({"kind":"Status","reason":"Expired","code":410,"message":"too old"})")));
  EXPECT_TRUE(absl::IsAlreadyExists(StatusFromHttpResponse(
      409, R"({"kind":"Status","reason":"AlreadyExists","code":409,"message":"exists"})")));
  EXPECT_TRUE(absl::IsNotFound(StatusFromHttpResponse(404, "")));
  EXPECT_TRUE(IsInvalid(StatusFromHttpResponse(422, "")));
  EXPECT_TRUE(IsTooManyRequests(StatusFromHttpResponse(429, "")));
  EXPECT_FALSE(IsGoneOrExpired(absl::UnavailableError("x")));
  EXPECT_TRUE(absl::IsNotFound(absl::NotFoundError("plain")));
}

TEST(ApiStatusTest, WatchErrorStatusWithOnlyAReasonStillMaps) {
  ApiStatus status;
  status.reason = "Expired";
  status.message = "too old resource version: 1 (5)";
  absl::Status s = ToAbslStatus(status);
  EXPECT_TRUE(absl::IsOutOfRange(s));
  EXPECT_TRUE(IsGoneOrExpired(s));
}

TEST(ApiStatusTest, JsonRoundTrip) {
  ApiStatus status = ApiStatus::FromJson(nlohmann::json::parse(kConflictBody));
  EXPECT_EQ(ApiStatus::FromJson(status.ToJson()), status);
}

TEST(ApiStatusTest, WrongTypedFieldsAreIgnored) {
  ApiStatus status = ApiStatus::FromJson(
      nlohmann::json::parse(R"({"kind":"Status","code":"409","reason":7,"details":[]})"));
  EXPECT_EQ(status.code, 0);
  EXPECT_EQ(status.reason, "");
  EXPECT_FALSE(status.details.has_value());
}

}  // namespace
}  // namespace flyover::kube
