// libFuzzer target: arbitrary bytes -> WatchDecoder, fed whole and in chunks.
//
// The first byte picks the chunk size (1-64); the rest is the stream. Crashes, leaks and
// undefined behaviour are findings; so is any difference between the whole and the
// chunked decoding (framing must not depend on where the network cuts the stream), and
// so is an ERROR event whose Status does not map to an error.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "absl/strings/string_view.h"
#include "kube/client/api_status.h"
#include "kube/client/watch_decoder.h"

namespace {

using flyover::kube::WatchDecoder;
using flyover::kube::WatchDecoderOptions;
using flyover::kube::WatchStreamEvent;
using flyover::kube::WatchStreamEventType;

absl::Status DecodeAll(absl::string_view input, size_t chunk, std::vector<WatchStreamEvent>* events) {
  WatchDecoder decoder(WatchDecoderOptions{.max_event_bytes = 4096, .max_depth = 64});
  for (size_t at = 0; at < input.size(); at += chunk) {
    absl::Status status = decoder.Feed(input.substr(at, chunk), events);
    if (!status.ok()) return status;
  }
  return decoder.Finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 64;
  const absl::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<WatchStreamEvent> whole, pieces;
  const absl::Status whole_status = DecodeAll(input, input.size() + 1, &whole);
  const absl::Status pieces_status = DecodeAll(input, chunk, &pieces);
  if (whole_status.code() != pieces_status.code() || whole.size() != pieces.size()) std::abort();
  for (size_t i = 0; i < whole.size(); ++i) {
    if (whole[i].type != pieces[i].type || whole[i].object != pieces[i].object) std::abort();
    (void)whole[i].ResourceVersion();
    if (whole[i].type == WatchStreamEventType::kError) {
      flyover::kube::ApiStatus status = flyover::kube::ApiStatus::FromJson(whole[i].object);
      if (status.code >= 200 && status.code < 300) continue;  // mapped to Unknown upstream
      if (flyover::kube::ToAbslStatus(status).ok()) std::abort();
    }
  }
  return 0;
}
