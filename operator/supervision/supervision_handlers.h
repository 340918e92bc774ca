// The request handlers of SupervisionServer (supervision_server.h), separate from its
// socket lifecycle so each stays short. Internal to operator/supervision/.
#ifndef FLYOVER_OPERATOR_SUPERVISION_SUPERVISION_HANDLERS_H_
#define FLYOVER_OPERATOR_SUPERVISION_SUPERVISION_HANDLERS_H_

#include <httplib.h>

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "operator/supervision/supervision_registry.h"

namespace flyover::op::internal {

struct HandlerContext {
  SupervisionRegistry* registry;
  std::function<bool()> is_leader;
  absl::Duration max_long_poll;
  int rendezvous_port;         // the embedded InMemoryRendezvousServer
  std::string internal_token;  // its bearer token
};

// Writes {"error": "<message>"} with the code for `status` (400, 401, 404, 409, 503, 500).
void ReplyError(const absl::Status& status, httplib::Response& response);

// 503 unless leader, 404 for an unknown job, 401 for a missing or wrong token. Returns
// whether the request may proceed.
bool Admit(const HandlerContext& context, const std::string& job, const httplib::Request& request,
           httplib::Response& response);

void HandleRankTable(const HandlerContext& context, const httplib::Request& request,
                     httplib::Response& response);
void HandleHeartbeat(const HandlerContext& context, const httplib::Request& request,
                     httplib::Response& response);
// Forwards a rendezvous request to the embedded server, its answer back.
void ForwardRendezvous(const HandlerContext& context, const httplib::Request& request,
                       httplib::Response& response);

}  // namespace flyover::op::internal

#endif  // FLYOVER_OPERATOR_SUPERVISION_SUPERVISION_HANDLERS_H_
