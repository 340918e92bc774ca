#include "apiserver/semantics/api_status_builder.h"

#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/api_status.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

// kube/client reads what the server side writes (header constant only; nothing linked).
static_assert(std::string_view(kStatusPayloadUrl) == std::string_view(kube::kApiStatusPayloadUrl));

const GroupResource kPods{"", "pods"};
const GroupResource kJobs{"training.flyover.dev", "posttrainingjobs"};

TEST(ApiStatusBuilderTest, NamesQualifyByGroup) {
  EXPECT_EQ(kPods.String(), "pods");
  EXPECT_EQ(kJobs.String(), "posttrainingjobs.training.flyover.dev");
  EXPECT_EQ((GroupKind{"", "Pod"}.String()), "Pod");
  EXPECT_EQ((GroupKind{"training.flyover.dev", "PostTrainingJob"}.String()),
            "PostTrainingJob.training.flyover.dev");
}

TEST(ApiStatusBuilderTest, NotFoundSerializesLikeKubeApiserver) {
  EXPECT_EQ(SerializeStatus(NotFoundStatus(kPods, "web-0")),
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
            R"("message":"pods \"web-0\" not found","reason":"NotFound",)"
            R"("details":{"name":"web-0","kind":"pods"},"code":404})");
  EXPECT_EQ(SerializeStatus(NotFoundStatus(kJobs, "llama")),
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
            R"("message":"posttrainingjobs.training.flyover.dev \"llama\" not found",)"
            R"("reason":"NotFound","details":{"name":"llama",)"
            R"("group":"training.flyover.dev","kind":"posttrainingjobs"},"code":404})");
}

struct StatusCase {
  std::string name;
  json status;
  int code;
  std::string reason;
  std::string message;
  json details;  // null: no details member
};

std::vector<StatusCase> Cases() {
  const json pod_details = {{"name", "web-0"}, {"kind", "pods"}};
  return {
      {"AlreadyExists", AlreadyExistsStatus(kPods, "web-0"), 409, "AlreadyExists",
       R"(pods "web-0" already exists)", pod_details},
      {"Conflict", ConflictStatus(kPods, "web-0", kOptimisticLockErrorMessage), 409, "Conflict",
       R"(Operation cannot be fulfilled on pods "web-0": the object has been modified; )"
       "please apply your changes to the latest version and try again",
       pod_details},
      {"BadRequest", BadRequestStatus("bad"), 400, "BadRequest", "bad", nullptr},
      {"MethodNotAllowed", MethodNotAllowedStatus(kJobs, "deletecollection"), 405,
       "MethodNotAllowed",
       R"(deletecollection is not supported on resources of kind )"
       R"("posttrainingjobs.training.flyover.dev")",
       {{"group", "training.flyover.dev"}, {"kind", "posttrainingjobs"}}},
      {"Gone", GoneStatus("gone"), 410, "Gone", "gone", nullptr},
      {"Expired", ExpiredStatus(TooOldResourceVersionMessage(5, 90)), 410, "Expired",
       "too old resource version: 5 (90)", nullptr},
      {"TooManyRequests", TooManyRequestsStatus("slow down", 3), 429, "TooManyRequests",
       "slow down", {{"retryAfterSeconds", 3}}},
      {"TooManyRequestsNoRetry", TooManyRequestsStatus("slow down", 0), 429, "TooManyRequests",
       "slow down", json::object()},
      {"TooLarge", RequestEntityTooLargeStatus("limit is 3145728"), 413,
       "RequestEntityTooLarge", "Request entity too large: limit is 3145728", nullptr},
      {"UnsupportedMediaType",
       UnsupportedMediaTypeStatus({"application/json-patch+json", "application/merge-patch+json"}),
       415, "UnsupportedMediaType",
       "the body of the request was in an unknown format - accepted media types include: "
       "application/json-patch+json, application/merge-patch+json",
       nullptr},
      {"NotAcceptable", NotAcceptableStatus({"application/json"}), 406, "NotAcceptable",
       "only the following media types are accepted: application/json", nullptr},
      {"Unprocessable", UnprocessableEntityStatus("test failed", "/spec/replicas"), 422,
       "Invalid", kUnprocessableEntityMessage,
       {{"causes", json::array({{{"reason", "FieldValueInvalid"},
                                 {"message", "test failed"},
                                 {"field", "/spec/replicas"}}})}}},
      {"UnprocessableBare", UnprocessableEntityStatus(""), 422, "Invalid",
       kUnprocessableEntityMessage, json::object()},
      {"Internal", InternalErrorStatus("disk on fire"), 500, "InternalError",
       "Internal error occurred: disk on fire",
       {{"causes", json::array({{{"message", "disk on fire"}}})}}},
      {"ForbiddenNamed", ForbiddenStatus(kPods, "web-0", "no"), 403, "Forbidden",
       R"(pods "web-0" is forbidden: no)", pod_details},
      {"ForbiddenCollection", ForbiddenStatus(kPods, "", "no"), 403, "Forbidden",
       "pods is forbidden: no", {{"kind", "pods"}}},
      {"ForbiddenBare", ForbiddenStatus({}, "", "no"), 403, "Forbidden", "forbidden: no",
       json::object()},
      {"Unauthorized", UnauthorizedStatus(), 401, "Unauthorized", "Unauthorized", nullptr},
      {"UnauthorizedReason", UnauthorizedStatus("token expired"), 401, "Unauthorized",
       "token expired", nullptr},
      {"Unavailable", ServiceUnavailableStatus("starting"), 503, "ServiceUnavailable",
       "starting", nullptr},
      {"Timeout", TimeoutStatus("request did not complete within 60s", 2), 504, "Timeout",
       "Timeout: request did not complete within 60s", {{"retryAfterSeconds", 2}}},
  };
}

TEST(ApiStatusBuilderTest, FailuresCarryCodeReasonMessageAndDetails) {
  for (const StatusCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.status["kind"], "Status");
    EXPECT_EQ(c.status["apiVersion"], "v1");
    EXPECT_EQ(c.status["metadata"], json::object());
    EXPECT_EQ(c.status["status"], "Failure");
    EXPECT_EQ(c.status["code"], c.code);
    EXPECT_EQ(HttpCode(c.status), c.code);
    EXPECT_EQ(c.status["reason"], c.reason);
    EXPECT_EQ(c.status["message"], c.message);
    if (c.details.is_null()) {
      EXPECT_FALSE(c.status.contains("details"));
    } else {
      EXPECT_EQ(c.status["details"], c.details);
    }
  }
}

TEST(ApiStatusBuilderTest, InvalidUsesKubeWordingAndCauses) {
  kube::ErrorList errors;
  errors.Invalid(kube::FieldPath("spec.npusPerReplica"), 3,
                 "must be 1 or an even number from 2 to 16");
  errors.Required(kube::FieldPath("spec.training.steps"));
  const GroupKind kind{"training.flyover.dev", "PostTrainingJob"};
  json status = InvalidStatus(kind, "llama", errors);
  EXPECT_EQ(status["code"], 422);
  EXPECT_EQ(status["reason"], "Invalid");
  EXPECT_EQ(status["message"],
            "PostTrainingJob.training.flyover.dev \"llama\" is invalid: [spec.npusPerReplica: "
            "Invalid value: 3: must be 1 or an even number from 2 to 16, spec.training.steps: "
            "Required value]");
  EXPECT_EQ(status["details"],
            json::parse(R"({"name":"llama","group":"training.flyover.dev",
              "kind":"PostTrainingJob","causes":[
              {"reason":"FieldValueInvalid","field":"spec.npusPerReplica",
               "message":"Invalid value: 3: must be 1 or an even number from 2 to 16"},
              {"reason":"FieldValueRequired","field":"spec.training.steps",
               "message":"Required value"}]})"));
  // The message agrees with ErrorList::ToStatus, which validators already use.
  EXPECT_EQ(status["message"], std::string(errors.ToStatus(kind.String(), "llama").message()));
}

TEST(ApiStatusBuilderTest, InvalidWithOneErrorAndDuplicates) {
  kube::ErrorList errors;
  errors.Invalid(kube::FieldPath("spec.a"), "x", "bad");
  errors.Invalid(kube::FieldPath("spec.a"), "x", "bad");
  json status = InvalidStatus({"", "Pod"}, "p", errors);
  EXPECT_EQ(status["message"], R"(Pod "p" is invalid: spec.a: Invalid value: "x": bad)");
  EXPECT_EQ(status["details"]["causes"].size(), 2u);
  EXPECT_EQ(status["details"]["kind"], "Pod");
  EXPECT_FALSE(status["details"].contains("group"));
}

TEST(ApiStatusBuilderTest, CauseReasonsFollowFieldErrorTypes) {
  kube::ErrorList errors;
  errors.NotSupported(kube::FieldPath("a"), "x", {"y"});
  errors.Duplicate(kube::FieldPath("b"), "x");
  errors.Forbidden(kube::FieldPath("c"), "no");
  errors.TooLong(kube::FieldPath("d"), 5);
  errors.UnknownField(kube::FieldPath("e"));
  json causes = InvalidStatus({"", "Pod"}, "p", errors)["details"]["causes"];
  std::vector<std::string> reasons;
  for (const json& cause : causes) reasons.push_back(cause["reason"]);
  EXPECT_THAT(reasons, testing::ElementsAre("FieldValueNotSupported", "FieldValueDuplicate",
                                            "FieldValueForbidden", "FieldValueTooLong",
                                            "FieldValueInvalid"));
}

TEST(ApiStatusBuilderTest, SuccessStatus) {
  json status = SuccessStatus(kPods, "web-0", "u-1");
  EXPECT_EQ(status["status"], "Success");
  EXPECT_FALSE(status.contains("code"));
  EXPECT_EQ(HttpCode(status), 200);
  EXPECT_EQ(status["details"], json::parse(R"({"name":"web-0","kind":"pods","uid":"u-1"})"));
  EXPECT_TRUE(ToAbslStatus(status).ok());
}

TEST(ApiStatusBuilderTest, HttpCodeOfOddValues) {
  EXPECT_EQ(HttpCode(json::object()), 500);
  EXPECT_EQ(HttpCode(json("x")), 500);
  EXPECT_EQ(SerializeStatus(json(3)), "3");
}

TEST(ApiStatusBuilderTest, SerializeOrdersDetailsAndCauses) {
  kube::ErrorList errors;
  errors.Invalid(kube::FieldPath("spec.a"), 1, "bad");
  EXPECT_EQ(SerializeStatus(InvalidStatus({"g.io", "K"}, "n", errors)),
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
            R"("message":"K.g.io \"n\" is invalid: spec.a: Invalid value: 1: bad",)"
            R"("reason":"Invalid","details":{"name":"n","group":"g.io","kind":"K",)"
            R"("causes":[{"reason":"FieldValueInvalid","message":"Invalid value: 1: bad",)"
            R"("field":"spec.a"}]},"code":422})");
}

TEST(ApiStatusBuilderTest, AbslRoundTripKeepsTheStatus) {
  const std::vector<std::pair<json, absl::StatusCode>> table = {
      {NotFoundStatus(kPods, "a"), absl::StatusCode::kNotFound},
      {AlreadyExistsStatus(kPods, "a"), absl::StatusCode::kAlreadyExists},
      {ConflictStatus(kPods, "a", "stale"), absl::StatusCode::kAborted},
      {BadRequestStatus("x"), absl::StatusCode::kInvalidArgument},
      {UnprocessableEntityStatus("x"), absl::StatusCode::kInvalidArgument},
      {RequestEntityTooLargeStatus("x"), absl::StatusCode::kInvalidArgument},
      {UnsupportedMediaTypeStatus({"a"}), absl::StatusCode::kInvalidArgument},
      {ExpiredStatus("x"), absl::StatusCode::kOutOfRange},
      {TooManyRequestsStatus("x", 1), absl::StatusCode::kResourceExhausted},
      {MethodNotAllowedStatus(kPods, "x"), absl::StatusCode::kUnimplemented},
      {ForbiddenStatus(kPods, "a", "x"), absl::StatusCode::kPermissionDenied},
      {UnauthorizedStatus(), absl::StatusCode::kUnauthenticated},
      {TimeoutStatus("x", 0), absl::StatusCode::kDeadlineExceeded},
      {ServiceUnavailableStatus("x"), absl::StatusCode::kUnavailable},
      {InternalErrorStatus("x"), absl::StatusCode::kInternal},
  };
  for (const auto& [status, code] : table) {
    SCOPED_TRACE(status.dump());
    absl::Status error = ToAbslStatus(status);
    EXPECT_EQ(error.code(), code);
    EXPECT_EQ(error.message(), status["message"].get<std::string>());
    EXPECT_EQ(StatusFromAbsl(error), status);
    // The payload sits where kube/client's GetApiStatus looks for it.
    auto payload = error.GetPayload(kube::kApiStatusPayloadUrl);
    ASSERT_TRUE(payload.has_value());
    EXPECT_EQ(json::parse(std::string(*payload)), status);
  }
}

TEST(ApiStatusBuilderTest, UnprocessableErrorKeepsTheDetailAsMessage) {
  absl::Status error = UnprocessableEntityError("test failed", "/a");
  EXPECT_TRUE(absl::IsInvalidArgument(error));
  EXPECT_EQ(error.message(), "test failed");
  EXPECT_EQ(StatusFromAbsl(error), UnprocessableEntityStatus("test failed", "/a"));
}

TEST(ApiStatusBuilderTest, PlainAbslStatusesMapToKubeStatuses) {
  const StatusContext pod{kPods, "web-0"};
  struct Mapping {
    absl::Status status;
    StatusContext context;
    json expected;
  };
  const std::vector<Mapping> table = {
      {absl::NotFoundError("no row"), pod, NotFoundStatus(kPods, "web-0")},
      {absl::AlreadyExistsError("dup"), pod, AlreadyExistsStatus(kPods, "web-0")},
      {absl::AbortedError("stale"), pod, ConflictStatus(kPods, "web-0", "stale")},
      {absl::FailedPreconditionError("uid differs"), pod,
       ConflictStatus(kPods, "web-0", "uid differs")},
      {absl::InvalidArgumentError("bad"), pod, BadRequestStatus("bad")},
      {absl::OutOfRangeError("old"), pod, ExpiredStatus("old")},
      {absl::ResourceExhaustedError("busy"), pod, TooManyRequestsStatus("busy", 1)},
      {absl::PermissionDeniedError("no"), pod, ForbiddenStatus(kPods, "web-0", "no")},
      {absl::UnauthenticatedError("who"), pod, UnauthorizedStatus("who")},
      {absl::DeadlineExceededError("slow"), pod, TimeoutStatus("slow", 0)},
      {absl::UnavailableError("later"), pod, ServiceUnavailableStatus("later")},
      {absl::InternalError("oops"), pod, InternalErrorStatus("oops")},
      {absl::DataLossError("lost"), pod, InternalErrorStatus("lost")},
      {absl::OkStatus(), pod, SuccessStatus(kPods, "web-0", "")},
  };
  for (const Mapping& m : table) {
    SCOPED_TRACE(m.status.ToString());
    EXPECT_EQ(StatusFromAbsl(m.status, m.context), m.expected);
  }
}

TEST(ApiStatusBuilderTest, WithoutContextTheAbslMessageIsKept) {
  json not_found = StatusFromAbsl(absl::NotFoundError("no such thing"));
  EXPECT_EQ(not_found["code"], 404);
  EXPECT_EQ(not_found["reason"], "NotFound");
  EXPECT_EQ(not_found["message"], "no such thing");
  json conflict = StatusFromAbsl(absl::AbortedError("stale"));
  EXPECT_EQ(conflict["code"], 409);
  EXPECT_EQ(conflict["reason"], "Conflict");
  json unimplemented = StatusFromAbsl(absl::UnimplementedError("watch"));
  EXPECT_EQ(unimplemented["code"], 405);
  EXPECT_EQ(unimplemented["reason"], "MethodNotAllowed");
}

TEST(ApiStatusBuilderTest, AGarbledPayloadIsIgnored) {
  absl::Status status = absl::NotFoundError("gone");
  status.SetPayload(kStatusPayloadUrl, absl::Cord("{not json"));
  EXPECT_EQ(StatusFromAbsl(status)["code"], 404);
  status.SetPayload(kStatusPayloadUrl, absl::Cord(R"({"kind":"Pod"})"));
  EXPECT_EQ(StatusFromAbsl(status)["reason"], "NotFound");
}

}  // namespace
}  // namespace flyover::apiserver
