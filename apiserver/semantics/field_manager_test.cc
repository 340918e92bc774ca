// Field ownership: applies and updates recorded in managedFields, conflicts, force, and
// the removal of fields an applier stops applying.
#include "apiserver/semantics/field_manager.h"

#include "apiserver/semantics/api_status_builder.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

const BuiltinFieldSchema& Schema() {
  static const BuiltinFieldSchema schema(PatchSchemaFor({"apps", "Deployment"}));
  return schema;
}

FieldManagerRequest Request(const std::string& manager, const std::string& time = "t1") {
  return {manager, "apps/v1", "", time, &Schema(), TrackedFields::kAllButStatus};
}

json Apply(const json& live, const std::string& manager, const std::string& config,
           bool force = false) {
  absl::StatusOr<json> out = ServerSideApply(live, json::parse(config), Request(manager), force);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : json();
}

// The fieldsV1 of `manager`'s entry with `operation`, or null.
json FieldsOf(const json& object, const std::string& manager, const std::string& operation) {
  for (const json& entry : object["metadata"].value("managedFields", json::array())) {
    if (entry["manager"] == manager && entry["operation"] == operation) return entry["fieldsV1"];
  }
  return nullptr;
}

TEST(FieldManagerTest, ApplyRecordsTheAppliedFields) {
  const json object = Apply(json::object(), "alice", R"({"apiVersion": "apps/v1",
    "kind": "Deployment", "metadata": {"name": "d", "labels": {"a": "1"}},
    "spec": {"replicas": 2}, "status": {"replicas": 9}})");
  EXPECT_EQ(object["spec"]["replicas"], 2);
  EXPECT_FALSE(object.contains("status"));  // the main resource does not apply status
  ASSERT_EQ(object["metadata"]["managedFields"].size(), 1u);
  const json& entry = object["metadata"]["managedFields"][0];
  EXPECT_EQ(entry["operation"], "Apply");
  EXPECT_EQ(entry["apiVersion"], "apps/v1");
  EXPECT_EQ(entry["time"], "t1");
  EXPECT_EQ(entry["fieldsType"], "FieldsV1");
  EXPECT_EQ(entry["fieldsV1"], json::parse(R"({"f:metadata": {"f:labels": {"f:a": {}}},
                                               "f:spec": {"f:replicas": {}}})"));
}

TEST(FieldManagerTest, DisjointAppliersKeepTheirFields) {
  json object = Apply(json::object(), "alice", R"({"spec": {"replicas": 2}})");
  object = Apply(object, "bob", R"({"spec": {"paused": true}})");
  object = Apply(object, "alice", R"({"spec": {"replicas": 3}})");
  EXPECT_EQ(object["spec"], json::parse(R"({"replicas": 3, "paused": true})"));
  EXPECT_EQ(FieldsOf(object, "bob", "Apply"), json::parse(R"({"f:spec": {"f:paused": {}}})"));
}

TEST(FieldManagerTest, ChangingAnotherManagersFieldConflictsUnlessForced) {
  const json object = Apply(json::object(), "alice", R"({"spec": {"replicas": 2, "paused": true}})");
  absl::StatusOr<json> refused = ServerSideApply(
      object, json::parse(R"({"spec": {"replicas": 5, "paused": false}})"), Request("bob"), false);
  ASSERT_FALSE(refused.ok());
  const json status = StatusFromAbsl(refused.status());
  EXPECT_EQ(status["code"], 409);
  EXPECT_EQ(status["reason"], "Conflict");
  EXPECT_EQ(status["message"],
            "Apply failed with 2 conflicts: conflicts with \"alice\":\n- .spec.paused\n"
            "- .spec.replicas");
  ASSERT_EQ(status["details"]["causes"].size(), 2u);
  EXPECT_EQ(status["details"]["causes"][1],
            json({{"reason", "FieldManagerConflict"},
                  {"message", "conflict with \"alice\""},
                  {"field", ".spec.replicas"}}));

  const json forced = Apply(object, "bob", R"({"spec": {"replicas": 5}})", /*force=*/true);
  EXPECT_EQ(forced["spec"]["replicas"], 5);
  EXPECT_EQ(FieldsOf(forced, "bob", "Apply"), json::parse(R"({"f:spec": {"f:replicas": {}}})"));
  EXPECT_EQ(FieldsOf(forced, "alice", "Apply"), json::parse(R"({"f:spec": {"f:paused": {}}})"));
}

TEST(FieldManagerTest, ApplyingTheLiveValueSharesTheField) {
  json object = Apply(json::object(), "alice", R"({"spec": {"replicas": 2}})");
  object = Apply(object, "bob", R"({"spec": {"replicas": 2}})");
  EXPECT_EQ(FieldsOf(object, "alice", "Apply"), FieldsOf(object, "bob", "Apply"));
  // alice lets go; bob still owns the field, so it stays.
  object = Apply(object, "alice", R"({"metadata": {"labels": {"x": "y"}}})");
  EXPECT_EQ(object["spec"]["replicas"], 2);
}

TEST(FieldManagerTest, DroppedFieldsGoUnlessSomeoneElseOwnsThem) {
  json object = Apply(json::object(), "alice", R"({"data": {"a": "1", "b": "2"},
    "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i"},
                                                 {"name": "d", "image": "j"}]}}}})");
  object = Apply(object, "bob", R"({"data": {"b": "2"}})");
  object = Apply(object, "alice", R"({"spec": {"template": {"spec": {"containers": [
    {"name": "d", "image": "j"}]}}}})");
  EXPECT_EQ(object["data"], json({{"b", "2"}}));
  EXPECT_EQ(object["spec"]["template"]["spec"]["containers"],
            json::parse(R"([{"name": "d", "image": "j"}])"));
  object = Apply(object, "alice", R"({"metadata": {"name": "x"}})");
  EXPECT_FALSE(object.contains("spec")) << object.dump();  // emptied objects go too
}

TEST(FieldManagerTest, UpdatesTakeTheFieldsTheyChange) {
  json live = Apply(json::object(), "alice", R"({"spec": {"replicas": 2, "paused": true}})");
  json updated = live;
  updated["spec"]["replicas"] = 7;
  updated["metadata"].erase("managedFields");  // a PUT that does not send them
  kube::ErrorList errors;
  ASSERT_TRUE(RecordUpdate(live, updated, Request("kubectl", "t2"), &errors).ok());
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(FieldsOf(updated, "kubectl", "Update"), json::parse(R"({"f:spec": {"f:replicas": {}}})"));
  EXPECT_EQ(FieldsOf(updated, "alice", "Apply"), json::parse(R"({"f:spec": {"f:paused": {}}})"));
  // Now alice's apply of the old value conflicts with the Update manager.
  absl::StatusOr<json> refused = ServerSideApply(
      updated, json::parse(R"({"spec": {"replicas": 2, "paused": true}})"), Request("alice"), false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(StatusFromAbsl(refused.status())["message"],
            "Apply failed with 1 conflict: conflict with \"kubectl\" using apps/v1: .spec.replicas");
}

TEST(FieldManagerTest, UnattributedWritesCarryManagedFieldsOver) {
  const json live = Apply(json::object(), "alice", R"({"spec": {"replicas": 2}})");
  json updated = json::parse(R"({"spec": {"replicas": 2}, "metadata": {}})");
  kube::ErrorList errors;
  ASSERT_TRUE(RecordUpdate(live, updated, Request(""), &errors).ok());
  EXPECT_EQ(updated["metadata"]["managedFields"], live["metadata"]["managedFields"]);
}

TEST(FieldManagerTest, UpdatesOfUnkeyableListsAreNotAttributed) {
  const json live = Apply(json::object(), "alice", R"({"spec": {"replicas": 2}})");
  json updated = live;
  updated["spec"]["template"] = json::parse(R"({"spec": {"containers": [{"image": "i"}]}})");
  kube::ErrorList errors;
  ASSERT_TRUE(RecordUpdate(live, updated, Request("kubectl"), &errors).ok());
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(updated["metadata"]["managedFields"], live["metadata"]["managedFields"]);
}

TEST(FieldManagerTest, InvalidManagedFieldsAreFieldErrors) {
  json updated = json::parse(R"({"metadata": {"managedFields": [
    {"manager": "m", "operation": "Merge", "fieldsType": "FieldsV2", "fieldsV1": {}}]}})");
  kube::ErrorList errors;
  ASSERT_TRUE(RecordUpdate(json::object(), updated, Request("x"), &errors).ok());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors.Strings()[0],
            "metadata.managedFields[0].operation: Invalid value: \"Merge\": must be `Apply` or "
            "`Update`");
  EXPECT_NE(errors.Strings()[1].find("metadata.managedFields[0].fieldsType"), std::string::npos);
}

TEST(FieldManagerTest, ApplyRefusesManagedFieldsInTheConfiguration) {
  absl::StatusOr<json> refused = ServerSideApply(
      json::object(), json::parse(R"({"metadata": {"managedFields": [{"manager": "x"}]}})"),
      Request("alice"), false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(StatusFromAbsl(refused.status())["code"], 400);
}

TEST(FieldManagerTest, StatusAppliesOwnStatusOnly) {
  FieldManagerRequest request = Request("ctl");
  request.subresource = "status";
  request.tracked = TrackedFields::kStatusOnly;
  const json live = Apply(json::object(), "alice", R"({"spec": {"replicas": 2}})");
  absl::StatusOr<json> out = ServerSideApply(
      live, json::parse(R"({"spec": {"replicas": 9}, "status": {"replicas": 2}})"), request, false);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)["spec"]["replicas"], 2);
  EXPECT_EQ((*out)["status"]["replicas"], 2);
  const json& entries = (*out)["metadata"]["managedFields"];
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1]["subresource"], "status");
  EXPECT_EQ(entries[1]["fieldsV1"], json::parse(R"({"f:status": {"f:replicas": {}}})"));
}

}  // namespace
}  // namespace flyover::apiserver
