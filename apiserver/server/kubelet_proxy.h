// ProxyKubeletGet: one GET to a kubelet's HTTP endpoint, relayed to an API client the way
// kube-apiserver's LocationStreamer does for pods/log.
//
//   - The kubelet answers 200: the response streams (chunked, text/plain unless the kubelet
//     says otherwise) each piece of the kubelet's body as it arrives, so a follow request
//     follows. At most `max_buffered_bytes` wait between the two connections: a slow client
//     slows the kubelet down rather than filling memory.
//   - The kubelet answers another status: a Status with that code, the reason for it, and the
//     kubelet's body (up to 50,000 bytes) as the message.
//   - The kubelet cannot be reached, or sends no response header within `header_timeout`:
//     503 ServiceUnavailable naming the node and the address.
// The stream ends when the kubelet ends its body, when the client goes away (noticed at
// the next write: the kubelet connection is closed then), or when the server stops (noticed
// within a second). Either way the kubelet connection is closed and its thread joined.
//
// Thread-safety: a free function; each call uses one extra thread for the kubelet side,
// joined before the response (or its stream) is finished.
#ifndef FLYOVER_APISERVER_SERVER_KUBELET_PROXY_H_
#define FLYOVER_APISERVER_SERVER_KUBELET_PROXY_H_

#include <cstddef>
#include <string>

#include "absl/time/time.h"
#include "apiserver/server/http_types.h"

namespace flyover::apiserver {

struct KubeletTarget {
  std::string node;  // for messages
  std::string host;  // an IP address or a host name
  int port = 0;
  std::string path;  // with its query string: /containerLogs/ns/pod/container?follow=true
};

struct KubeletProxyOptions {
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration header_timeout = absl::Seconds(30);
  // Between two reads of the kubelet's body; a followed container may be silent for long.
  absl::Duration read_timeout = absl::Hours(24);
  size_t max_buffered_bytes = 1 << 20;
};

HttpResponse ProxyKubeletGet(const KubeletTarget& target, const KubeletProxyOptions& options = {});

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_KUBELET_PROXY_H_
