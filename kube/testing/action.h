// Action: one request the fake API server (fake_api_server.h) received, in the words of
// kube-apiserver's audit log and client-go's testing.Action: a verb, a resource, a
// namespace and a name. Tests read the actions to check what the code under test asked the
// API for, in order, and match them to inject failures.
//
//   EXPECT_THAT(api.ActionStrings({.verb = "write"}),
//               ElementsAre("create pods ml/w-0", "update posttrainingjobs/status ml/j"));
//
// Plain values; thread-compatible.
#ifndef FLYOVER_KUBE_TESTING_ACTION_H_
#define FLYOVER_KUBE_TESTING_ACTION_H_

#include <map>
#include <optional>
#include <string>

#include "nlohmann/json.hpp"

namespace flyover::kube::testing {

struct Action {
  std::string verb;         // get, list, watch, create, update, patch, delete
  std::string resource;     // the plural: "pods", "posttrainingjobs", "leases"
  std::string subresource;  // "", "status", "binding"
  std::string namespace_;   // "" for cluster-scoped resources and all-namespace reads
  // The object's name; for create, metadata.name of the body ("" when only generateName).
  std::string name;
  // For patch: "merge", "strategic-merge", "json" or "apply".
  std::string patch_type;
  // The decoded request body (object, patch, binding, DeleteOptions); null when empty.
  nlohmann::json body;
  // The decoded query: labelSelector, resourceVersion, dryRun, fieldManager, ...
  std::map<std::string, std::string> params;

  // "create pods ml/w-0", "update pods/status ml/w-0", "create pods/binding ml/w-0",
  // "delete nodes n-1", "list pods ml", "watch pods".
  [[nodiscard]] std::string ToString() const;
  [[nodiscard]] bool IsWrite() const;
};

// Selects actions; an empty field matches anything.
struct ActionMatcher {
  // "" matches any verb; "write" matches create, update, patch and delete; else exact.
  std::string verb;
  std::string resource;
  // nullopt matches any; "" only the main resource; "status" only status writes.
  std::optional<std::string> subresource;
  std::string namespace_;
  std::string name;

  [[nodiscard]] bool Matches(const Action& action) const;
};

}  // namespace flyover::kube::testing

#endif  // FLYOVER_KUBE_TESTING_ACTION_H_
