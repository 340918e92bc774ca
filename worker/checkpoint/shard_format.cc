#include "worker/checkpoint/shard_format.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace flyover::worker {
namespace {

// Sections are copied with memcpy; a big-endian host would need a byte swap here.
static_assert(std::endian::native == std::endian::little, "shard files are little-endian");
static_assert(sizeof(float) == 4);

constexpr absl::string_view kMagic = "FLYCKPT1";
constexpr absl::string_view kTrailerMagic = "FEND";
constexpr uint32_t kDtypeFloat32 = 1;

// Header field offsets (docs/design/checkpoint.md).
constexpr size_t kVersionAt = 8, kHeaderSizeAt = 12, kStepAt = 16, kWorldAt = 24, kRankAt = 28,
                 kElementsAt = 32, kBeginAt = 40, kEndAt = 48, kLrAt = 56, kDtypeAt = 64,
                 kRngAt = 72, kCursorAt = 80;

void PutU32(char* out, uint32_t v) { std::memcpy(out, &v, 4); }
void PutU64(char* out, uint64_t v) { std::memcpy(out, &v, 8); }
uint32_t GetU32(const char* in) {
  uint32_t v;
  std::memcpy(&v, in, 4);
  return v;
}
uint64_t GetU64(const char* in) {
  uint64_t v;
  std::memcpy(&v, in, 8);
  return v;
}

char* CopyFloats(char* out, absl::Span<const float> values) {
  if (!values.empty()) std::memcpy(out, values.data(), values.size() * sizeof(float));
  return out + values.size() * sizeof(float);
}

char* CopyBytes(char* out, absl::string_view bytes) {
  if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
  return out + bytes.size();
}

absl::Status Corrupt(absl::string_view name, absl::string_view what) {
  return absl::DataLossError(absl::StrCat(name, ": ", what));
}

ShardHeader DecodeHeaderFields(const char* p) {
  ShardHeader h;
  h.version = GetU32(p + kVersionAt);
  h.step = GetU64(p + kStepAt);
  h.world_size = static_cast<int>(GetU32(p + kWorldAt));
  h.rank = static_cast<int>(GetU32(p + kRankAt));
  h.num_elements = GetU64(p + kElementsAt);
  h.range = {GetU64(p + kBeginAt), GetU64(p + kEndAt)};
  h.lr_schedule_step = GetU64(p + kLrAt);
  h.rng_state_bytes = GetU64(p + kRngAt);
  h.data_cursor_bytes = GetU64(p + kCursorAt);
  return h;
}

// Checks the header's structure against the total size; DataLoss on any mismatch.
absl::Status CheckLayout(const ShardHeader& h, absl::string_view bytes, absl::string_view name) {
  const char* p = bytes.data();
  if (GetU32(p + kHeaderSizeAt) != kShardHeaderBytes) {
    return Corrupt(name, absl::StrCat("header size ", GetU32(p + kHeaderSizeAt), ", expected ",
                                      kShardHeaderBytes));
  }
  if (GetU32(p + kDtypeAt) != kDtypeFloat32) {
    return Corrupt(name, absl::StrCat("unknown element type ", GetU32(p + kDtypeAt)));
  }
  if (h.range.begin > h.range.end || h.range.end > h.num_elements || h.world_size < 1 ||
      h.rank < 0 || h.rank >= h.world_size) {
    return Corrupt(name, "header fields out of range");
  }
  // Each term is bounded by the file size before adding, so the sum cannot overflow.
  const uint64_t available = bytes.size() - kShardHeaderBytes - kShardTrailerBytes;
  const uint64_t floats = h.range.size();
  if (floats > available / 12 || h.rng_state_bytes > available ||
      h.data_cursor_bytes > available ||
      floats * 12 + h.rng_state_bytes + h.data_cursor_bytes != available) {
    return Corrupt(name, absl::StrCat("section lengths do not add up to the file size ",
                                      bytes.size()));
  }
  return absl::OkStatus();
}

}  // namespace

uint32_t Crc32(uint32_t crc, absl::string_view data) {
  return static_cast<uint32_t>(
      crc32_z(crc, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

uint64_t ShardBodyBytes(const RankStateView& state) {
  return kShardHeaderBytes + 3 * state.range.size() * sizeof(float) + state.rng_state.size() +
         state.data_cursor.size();
}

void EncodeShardBody(const RankStateView& state, char* out) {
  std::memset(out, 0, kShardHeaderBytes);
  std::memcpy(out, kMagic.data(), kMagic.size());
  PutU32(out + kVersionAt, kCheckpointFormatVersion);
  PutU32(out + kHeaderSizeAt, kShardHeaderBytes);
  PutU64(out + kStepAt, state.step);
  PutU32(out + kWorldAt, static_cast<uint32_t>(state.world_size));
  PutU32(out + kRankAt, static_cast<uint32_t>(state.rank));
  PutU64(out + kElementsAt, state.params.size());
  PutU64(out + kBeginAt, state.range.begin);
  PutU64(out + kEndAt, state.range.end);
  PutU64(out + kLrAt, state.lr_schedule_step);
  PutU32(out + kDtypeAt, kDtypeFloat32);
  PutU64(out + kRngAt, state.rng_state.size());
  PutU64(out + kCursorAt, state.data_cursor.size());
  char* p = out + kShardHeaderBytes;
  p = CopyFloats(p, state.params.subspan(state.range.begin, state.range.size()));
  p = CopyFloats(p, state.adam_m);
  p = CopyFloats(p, state.adam_v);
  p = CopyBytes(p, state.rng_state);
  CopyBytes(p, state.data_cursor);
}

std::array<char, kShardTrailerBytes> EncodeShardTrailer(uint32_t body_crc) {
  std::array<char, kShardTrailerBytes> trailer{};
  PutU32(trailer.data(), body_crc);
  std::memcpy(trailer.data() + 4, kTrailerMagic.data(), kTrailerMagic.size());
  return trailer;
}

absl::StatusOr<EncodedShard> EncodeShard(const RankStateView& state) {
  if (absl::Status status = ValidateRankState(state); !status.ok()) return status;
  EncodedShard shard;
  const uint64_t body = ShardBodyBytes(state);
  shard.bytes.resize(body + kShardTrailerBytes);
  EncodeShardBody(state, shard.bytes.data());
  const uint32_t body_crc = Crc32(0, absl::string_view(shard.bytes.data(), body));
  const std::array<char, kShardTrailerBytes> trailer = EncodeShardTrailer(body_crc);
  std::copy(trailer.begin(), trailer.end(), shard.bytes.begin() + body);
  shard.crc32 = Crc32(body_crc, absl::string_view(trailer.data(), trailer.size()));
  return shard;
}

absl::StatusOr<ShardHeader> PeekShardHeader(absl::string_view bytes, absl::string_view name) {
  if (bytes.size() < kShardHeaderBytes + kShardTrailerBytes) {
    return Corrupt(name, absl::StrCat("truncated: ", bytes.size(), " bytes"));
  }
  if (bytes.substr(0, kMagic.size()) != kMagic) return Corrupt(name, "bad magic");
  return DecodeHeaderFields(bytes.data());
}

absl::StatusOr<ShardView> ParseShard(absl::string_view bytes, absl::string_view name) {
  if (bytes.size() < kShardHeaderBytes + kShardTrailerBytes) {
    return Corrupt(name, absl::StrCat("truncated: ", bytes.size(), " bytes"));
  }
  const size_t body_size = bytes.size() - kShardTrailerBytes;
  const absl::string_view trailer = bytes.substr(body_size);
  const uint32_t body_crc = Crc32(0, bytes.substr(0, body_size));
  if (trailer.substr(4) != kTrailerMagic || GetU32(trailer.data()) != body_crc) {
    return Corrupt(name, absl::StrCat("checksum mismatch: computed ", body_crc,
                                      ", trailer says ", GetU32(trailer.data())));
  }
  if (bytes.substr(0, kMagic.size()) != kMagic) return Corrupt(name, "bad magic");
  ShardView view;
  view.header = DecodeHeaderFields(bytes.data());
  if (view.header.version != kCheckpointFormatVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": shard format version ", view.header.version, ", this build reads ",
                     kCheckpointFormatVersion, " (written by a newer Flyover?)"));
  }
  if (absl::Status status = CheckLayout(view.header, bytes, name); !status.ok()) return status;
  const size_t floats = view.header.range.size() * sizeof(float);
  size_t at = kShardHeaderBytes;
  auto take = [&](size_t n) {
    absl::string_view part = bytes.substr(at, n);
    at += n;
    return part;
  };
  view.params = take(floats);
  view.adam_m = take(floats);
  view.adam_v = take(floats);
  view.rng_state = take(view.header.rng_state_bytes);
  view.data_cursor = take(view.header.data_cursor_bytes);
  view.file_crc32 = Crc32(body_crc, trailer);
  return view;
}

}  // namespace flyover::worker
