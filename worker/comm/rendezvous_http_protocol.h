// The rendezvous protocol of the operator's supervision endpoint, version v1. Spoken by
// HttpRendezvousStore (client) and InMemoryRendezvousServer (server; the operator embeds
// it or serves the same protocol itself).
//
// Resource
//   /v1/jobs/<job>/rendezvous/<generation>/<key>
//     <job>         the job's name, a DNS-1123 subdomain (ValidateScope)
//     <generation>  the restart generation, a decimal integer >= 0
//     <key>         a rendezvous key, '/' allowed (ValidateRendezvousKey); no percent-
//                   encoding is ever needed since keys use only [A-Za-z0-9_-/]
//
// Authentication
//   Every request carries "Authorization: Bearer <token>". A server configured with a token
//   answers 401 to a request whose token is missing or different.
//
// Requests
//   PUT    <resource>              body: the value, any bytes, at most 1 MiB
//                                  (Content-Type: application/octet-stream)
//          204  stored; replaces any previous value (last writer wins)
//   GET    <resource>[?wait_ms=N]
//          200  body: the value
//          404  not set. With wait_ms the server first holds the request (a long poll) up
//               to min(N, its own cap) milliseconds for the key to appear.
//   DELETE /v1/jobs/<job>/rendezvous
//          204  every key and generation of the job forgotten (the job is finished)
//
// Errors common to all requests
//   400  malformed job, generation, key or wait_ms (the body says which)
//   401  missing or wrong bearer token
//   409  the generation was superseded: the job has a newer one (the body names it)
//   413  value larger than 1 MiB
//   503  the server is shutting down
//
// Generations: a request naming generation g of a job whose newest generation is older
// makes g the newest: every older generation's keys are dropped and requests naming an
// older generation get 409 from then on (a long poll blocked on one returns 409 at once).
// So a new generation never sees an older one's keys, and a straggler learns it is stale.
//
// Client-side status codes: 400 and 413 -> InvalidArgument, 401 -> Unauthenticated,
// 403 -> PermissionDenied, 404 -> NotFound, 409 -> Aborted, 5xx and transport errors ->
// Unavailable, anything else -> Internal.
#ifndef FLYOVER_WORKER_COMM_RENDEZVOUS_HTTP_PROTOCOL_H_
#define FLYOVER_WORKER_COMM_RENDEZVOUS_HTTP_PROTOCOL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "worker/comm/rendezvous_store.h"

namespace flyover::worker::rendezvous_http {

inline constexpr char kWaitParam[] = "wait_ms";
inline constexpr char kValueContentType[] = "application/octet-stream";

// "/v1/jobs/<job>/rendezvous/<generation>/<key>".
std::string KeyPath(const RendezvousScope& scope, absl::string_view key);
// "/v1/jobs/<job>/rendezvous".
std::string JobPath(absl::string_view job);

// Server route patterns (std::regex, as cpp-httplib matches them). KeyPattern captures
// job, generation and key; JobPattern captures job.
inline constexpr char kKeyPattern[] = R"(/v1/jobs/([^/]+)/rendezvous/([^/]+)/(.+))";
inline constexpr char kJobPattern[] = R"(/v1/jobs/([^/]+)/rendezvous)";

// The Status for an HTTP response code that is not a success, per the table above.
absl::Status StatusForHttpCode(int code, absl::string_view body);

// The HTTP code a server answers for a failed Status: InvalidArgument -> 400,
// Unauthenticated -> 401, NotFound -> 404, Aborted -> 409, Unavailable -> 503, otherwise 500.
int HttpCodeForStatus(const absl::Status& status);

}  // namespace flyover::worker::rendezvous_http

#endif  // FLYOVER_WORKER_COMM_RENDEZVOUS_HTTP_PROTOCOL_H_
