// WatchDecoder: bytes of a watch response in, watch events out.
//
// kube-apiserver streams a watch as JSON objects, one per line:
//   {"type":"ADDED","object":{"kind":"Pod",...}}
//   {"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"12345"}}}
//   {"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired",...}}
// The decoder frames by JSON structure rather than by newline (client-go's framer does the
// same), so it accepts the objects however the HTTP chunks cut them and whatever
// whitespace separates them. It is pure: no I/O, no clock, no threads.
//
// Bad input never crashes it and never yields a partial event: a frame that is not valid
// JSON or not a watch event is DataLoss; one larger than `max_event_bytes`, or nested
// deeper than `max_depth`, is ResourceExhausted; a stream that ends inside a frame is
// Unavailable (the connection dropped). After an error the decoder is poisoned: every
// later call returns the same error, so the caller drops the stream and reconnects.
//
// Thread-compatible: one stream, one decoder.
#ifndef FLYOVER_KUBE_CLIENT_WATCH_DECODER_H_
#define FLYOVER_KUBE_CLIENT_WATCH_DECODER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

enum class WatchStreamEventType { kAdded, kModified, kDeleted, kBookmark, kError };

// "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR".
[[nodiscard]] absl::string_view WatchStreamEventTypeName(WatchStreamEventType type);
[[nodiscard]] std::optional<WatchStreamEventType> ParseWatchStreamEventType(absl::string_view name);

struct WatchStreamEvent {
  WatchStreamEventType type = WatchStreamEventType::kAdded;
  // The object; for kError, the server's Status; for kBookmark, an object of the watched
  // kind holding only metadata.resourceVersion (and possibly annotations).
  nlohmann::json object;

  // object.metadata.resourceVersion, or "" when absent (always for kError).
  [[nodiscard]] std::string ResourceVersion() const;
};

struct WatchDecoderOptions {
  // Largest single event accepted. kube-apiserver's own request limit is 3 MiB and etcd
  // stores at most 1.5 MiB per object; this leaves room for JSON's overhead.
  size_t max_event_bytes = 16u << 20;
  // Deepest nesting of arrays and objects accepted in one event.
  int max_depth = 512;
};

class WatchDecoder {
 public:
  explicit WatchDecoder(WatchDecoderOptions options = {}) : options_(options) {}

  // Decodes every event `data` completes and appends them to *events, in stream order.
  // On error, the events completed before the bad frame are still appended.
  [[nodiscard]] absl::Status Feed(absl::string_view data, std::vector<WatchStreamEvent>* events);

  // The stream ended: OK if it ended between events, Unavailable inside one.
  [[nodiscard]] absl::Status Finish();

  // Bytes held for an event not yet complete.
  [[nodiscard]] size_t buffered_bytes() const { return buffer_.size(); }

 private:
  absl::Status Scan(std::vector<WatchStreamEvent>* events);
  absl::Status Fail(absl::Status error);
  absl::Status DecodeFrame(absl::string_view frame, std::vector<WatchStreamEvent>* events);

  const WatchDecoderOptions options_;
  absl::Status error_;
  std::string buffer_;   // unconsumed bytes; a frame in progress starts at offset 0
  size_t scan_ = 0;      // next byte of buffer_ to scan
  int depth_ = 0;        // 0: between frames
  bool in_string_ = false;
  bool escape_ = false;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CLIENT_WATCH_DECODER_H_
