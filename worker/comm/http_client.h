// One HTTP client setup for the worker's calls to the operator's endpoint (the rendezvous
// store and the agent's supervision client): timeouts, no keep-alive, bearer token.
//
// A fresh client per request: httplib::Client is not safe for concurrent requests, and both
// callers make few of them.
#ifndef FLYOVER_WORKER_COMM_HTTP_CLIENT_H_
#define FLYOVER_WORKER_COMM_HTTP_CLIENT_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "httplib.h"

namespace flyover::worker {

struct HttpClientOptions {
  std::string endpoint;      // "http://host:port"
  std::string bearer_token;  // empty: no Authorization header
  absl::Duration connect_timeout;
  absl::Duration request_timeout;
};

// A client for `options.endpoint`; reads may take `extra_read_time` beyond the request
// timeout (a long poll). Timeouts below 1 ms are raised to 1 ms.
std::unique_ptr<httplib::Client> NewHttpClient(const HttpClientOptions& options,
                                               absl::Duration extra_read_time);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_COMM_HTTP_CLIENT_H_
