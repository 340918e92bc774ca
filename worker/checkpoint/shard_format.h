// The shard file: one rank's state at one step, little-endian, with a fixed 96-byte
// header, the sections (parameters, AdamW m, AdamW v for the rank's range, RNG state, data
// cursor) and an 8-byte trailer holding the CRC-32 of everything before it. The layout is
// in docs/design/checkpoint.md; this file is its only encoder and decoder.
//
// Encoding is split so the writer can keep the expensive parts off the training thread:
// EncodeShardBody (header + memcpy of the sections, done during the snapshot) and the
// trailer (the CRC, computed while the body is written out).
//
// Thread-safety: free functions on caller-owned data.
#ifndef FLYOVER_WORKER_CHECKPOINT_SHARD_FORMAT_H_
#define FLYOVER_WORKER_CHECKPOINT_SHARD_FORMAT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "worker/checkpoint/checkpoint_types.h"

namespace flyover::worker {

// The version of the shard layout and of the manifest.
inline constexpr uint32_t kCheckpointFormatVersion = 1;
inline constexpr size_t kShardHeaderBytes = 96;
inline constexpr size_t kShardTrailerBytes = 8;

// The header fields of a shard.
struct ShardHeader {
  uint32_t version = kCheckpointFormatVersion;
  uint64_t step = 0;
  int world_size = 0;
  int rank = 0;
  uint64_t num_elements = 0;
  ElementRange range;
  uint64_t lr_schedule_step = 0;
  uint64_t rng_state_bytes = 0;
  uint64_t data_cursor_bytes = 0;
};

// CRC-32 (zlib's, the IEEE polynomial) of `data`, continuing from `crc` (0 to start).
uint32_t Crc32(uint32_t crc, absl::string_view data);

// The size of `state`'s shard without the trailer. `state` must pass ValidateRankState.
uint64_t ShardBodyBytes(const RankStateView& state);

// Writes the header and the sections of `state` to out[0, ShardBodyBytes(state)).
// `state` must pass ValidateRankState.
void EncodeShardBody(const RankStateView& state, char* out);

// The trailer that follows a body whose CRC-32 is `body_crc`.
std::array<char, kShardTrailerBytes> EncodeShardTrailer(uint32_t body_crc);

// A whole shard in memory, as written to a file; `crc32` covers every byte (trailer
// included) and is what a manifest records.
struct EncodedShard {
  std::string bytes;
  uint32_t crc32 = 0;
};

// Encodes `state` whole. InvalidArgument if it fails ValidateRankState.
[[nodiscard]] absl::StatusOr<EncodedShard> EncodeShard(const RankStateView& state);

// A verified shard: views into the bytes it was parsed from (the float sections are raw
// little-endian bytes, not necessarily aligned), and the CRC-32 of the whole file.
struct ShardView {
  ShardHeader header;
  absl::string_view params;
  absl::string_view adam_m;
  absl::string_view adam_v;
  absl::string_view rng_state;
  absl::string_view data_cursor;
  uint32_t file_crc32 = 0;
};

// Verifies `bytes` as a shard and returns its view. `name` (a path, or a replica's name)
// starts every error message. Checks, in order: the trailer's CRC (DataLoss "checksum
// mismatch"), the magic (DataLoss), the version (InvalidArgument), the header size, the
// element type and that the section lengths add up to the size (DataLoss).
[[nodiscard]] absl::StatusOr<ShardView> ParseShard(absl::string_view bytes,
                                                   absl::string_view name);

// Reads the header fields without verifying the CRC; for planning before verification.
// DataLoss if `bytes` is too short or the magic is wrong.
[[nodiscard]] absl::StatusOr<ShardHeader> PeekShardHeader(absl::string_view bytes,
                                                          absl::string_view name);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_CHECKPOINT_SHARD_FORMAT_H_
