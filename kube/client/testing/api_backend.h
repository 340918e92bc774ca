// ApiBackend: an API server the client's protocol suites run against. The suites
// (protocol_suite.h) hold only BEHAVIOUR cases — what any Kubernetes-compatible server does
// for a request — so they run unchanged against the scripted server (ScriptedApiBackend,
// here) and against flyover-apiserver (tests/apiserver/flyover_api_backend.h). Cases that
// need scripted faults (injected 429s, raw watch bytes, TLS client certificates) stay in
// the scripted-only tests beside the client code.
//
// A backend serves at least: pods (+status, +binding), namespaces, configmaps and
// posttrainingjobs.training.flyover.dev (+status). Every test gets a fresh backend with no
// objects in the namespaces the suites use ("default" and what they create themselves).
//
// Thread-safety: url() is safe from any thread; the other methods are called from the test
// thread while clients talk to the server from theirs.
#ifndef FLYOVER_KUBE_CLIENT_TESTING_API_BACKEND_H_
#define FLYOVER_KUBE_CLIENT_TESTING_API_BACKEND_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/status.h"

namespace flyover::kube::testing {

// What a backend can do. A flag is false only where the server truly lacks the behaviour;
// the cases that need it are skipped (GTEST_SKIP names the flag) rather than weakened.
struct ApiBackendCapabilities {
  // Server-side apply tracks field ownership: a conflicting apply by another field
  // manager is 409 Conflict naming the owner and the field, unless forced.
  bool apply_field_ownership = true;
  // Every page of a paginated list is read from the first page's snapshot, as
  // kube-apiserver does. The scripted store reads continued pages from the current state
  // (scripted_store.h), so it cannot.
  bool paged_list_snapshot = true;
  // A limited list without selectors says how many items remain in
  // metadata.remainingItemCount, as kube-apiserver does.
  bool list_remaining_item_count = true;
};

class ApiBackend {
 public:
  virtual ~ApiBackend() = default;

  // "http://127.0.0.1:<port>"; the same before and after Restart().
  [[nodiscard]] virtual std::string url() const = 0;
  // Stops serving, dropping open watches as a crashing or restarting server would, and
  // serves again on the same URL with every object and resourceVersion kept.
  [[nodiscard]] virtual absl::Status Restart() = 0;
  // Forgets the history up to the current resourceVersion: a watch from any older version
  // gets 410 Expired.
  [[nodiscard]] virtual absl::Status Compact() = 0;
  // Every continue token issued so far is 410 Expired when used.
  [[nodiscard]] virtual absl::Status ExpireContinueTokens() = 0;
  // Watches that asked for bookmarks get a BOOKMARK soon (within a second), carrying a
  // resourceVersion at least as new as every event they were sent.
  virtual void RequestBookmark() = 0;
  [[nodiscard]] virtual ApiBackendCapabilities capabilities() const = 0;
};

// How a suite instantiation makes a fresh backend per test. `name` becomes the
// parameter's name in test names ("Scripted", "FlyoverApiserver").
struct ApiBackendFactory {
  std::string name;
  std::function<std::unique_ptr<ApiBackend>()> make;

  friend std::ostream& operator<<(std::ostream& out, const ApiBackendFactory& factory) {
    return out << factory.name;
  }
};

}  // namespace flyover::kube::testing

#endif  // FLYOVER_KUBE_CLIENT_TESTING_API_BACKEND_H_
