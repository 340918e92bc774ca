// Types shared by the ScriptedApiServer source files.
#ifndef FLYOVER_KUBE_CLIENT_TESTING_SCRIPTED_API_SERVER_INTERNAL_H_
#define FLYOVER_KUBE_CLIENT_TESTING_SCRIPTED_API_SERVER_INTERNAL_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kube/client/testing/scripted_api_server.h"

namespace flyover::kube::testing {

struct ScriptedApiServer::Injection {
  std::string method;
  std::string path_prefix;
  int code = 0;
  std::string body;
  HttpHeaders headers;
  int times = 0;
};

struct ScriptedApiServer::RawWatch {
  std::string path_prefix;
  std::vector<std::string> chunks;
  bool abrupt = false;
};

struct ScriptedApiServer::Route {
  const ResourceDescriptor* resource = nullptr;
  std::string ns;
  std::string name;
  std::string subresource;
};

// One open watch, shared by the request handler and the chunk provider.
struct ScriptedApiServer::WatchStream {
  ResourceDescriptor resource;
  std::string ns;
  std::string label_selector;
  bool bookmarks = false;
  absl::Time deadline;
  int64_t cursor = 0;                 // events up to here have been sent
  std::string pending;                // output not yet written (initial ADDED events)
  std::vector<std::string> raw;       // an injected raw stream, chunk by chunk
  size_t raw_next = 0;
  bool raw_abrupt = false;
  bool finished = false;              // end the stream after writing what is pending
  bool abort = false;                 // cut the stream after writing what is pending
  int64_t seen_changes = -1;
  int64_t bookmark_generation = 0;
  int64_t close_generation = 0;
};

}  // namespace flyover::kube::testing

#endif  // FLYOVER_KUBE_CLIENT_TESTING_SCRIPTED_API_SERVER_INTERNAL_H_
