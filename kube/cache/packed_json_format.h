// The byte format of PackedJson (packed_json.h), shared by its encoder and its reader.
// Internal to kube/cache: nothing outside packed_json*.cc includes this.
#ifndef FLYOVER_KUBE_CACHE_PACKED_JSON_FORMAT_H_
#define FLYOVER_KUBE_CACHE_PACKED_JSON_FORMAT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "kube/cache/packed_json.h"

namespace flyover::kube::packed_json_internal {

// Encoding. Every value starts with a tag byte:
//   0x00 null   0x01 false   0x02 true
//   0x03 float: 8 bytes, little-endian IEEE 754
//   0x04 signed integer: zigzag varint       0x05 unsigned integer: varint
//   0x06 string: varint length, bytes
//   0x07 array:  varint count, varint payload bytes, elements
//   0x08 object: varint count, varint payload bytes, (key, value) pairs
//   0x09 string table (only after the root value, at the end of the buffer): varint count,
//        then `count` 16-bit little-endian offsets, each from the first offset to an entry,
//        then the entries, each a varint length and bytes
//   0x0A reference to string-table entry: varint index
//   0x40 | n     string of n < 64 bytes follows
//   0x80 | n     unsigned integer n < 128
// A key is a varint k: even k is the interned key k / 2; odd k is an inline key of
// k / 2 bytes that follow.
constexpr uint8_t kNull = 0x00;
constexpr uint8_t kFalse = 0x01;
constexpr uint8_t kTrue = 0x02;
constexpr uint8_t kFloat = 0x03;
constexpr uint8_t kSigned = 0x04;
constexpr uint8_t kUnsignedTag = 0x05;
constexpr uint8_t kLongString = 0x06;
constexpr uint8_t kArrayTag = 0x07;
constexpr uint8_t kObjectTag = 0x08;
constexpr uint8_t kStringTable = 0x09;
constexpr uint8_t kStringRef = 0x0A;
constexpr uint8_t kShortString = 0x40;
constexpr uint8_t kSmallUnsigned = 0x80;
constexpr size_t kShortStringMax = 63;
constexpr uint64_t kSmallUnsignedMax = 127;
// Strings shorter than this are never worth a table entry.
constexpr size_t kMinTableString = 4;
// Bounds the table so that its 16-bit offsets cannot overflow: entries take at least 5
// bytes plus a 2-byte offset each.
constexpr size_t kMaxTableBytes = 32 * 1024;

// Guards the key table's index; held for the whole encoding of one value.
extern absl::Mutex key_table_mu;

// The process-wide table of interned keys. Ids are dense and never reused. Reading a key by
// id takes no lock: a chunk and its strings are written before any id inside it is handed
// out, and a reader only ever holds ids that reached it through a PackedJson, which itself
// was published to the reader through some synchronisation.
class KeyTable {
 public:
  static constexpr size_t kChunkSize = 1024;

  static KeyTable& Get();

  // The id of `key`, interning it if there is room; nullopt when the key is too long or
  // the table is full.
  std::optional<uint32_t> Intern(absl::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(key_table_mu);

  absl::string_view Lookup(uint64_t id) const { return chunks_[id / kChunkSize][id % kChunkSize]; }

  size_t size() ABSL_LOCKS_EXCLUDED(key_table_mu);

 private:
  KeyTable() = default;

  absl::flat_hash_map<std::string, uint32_t> ids_ ABSL_GUARDED_BY(key_table_mu);
  std::array<std::unique_ptr<std::string[]>, kMaxInternedKeys / kChunkSize> chunks_;
};

inline void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

inline uint64_t GetVarint(const uint8_t*& p) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const uint8_t byte = *p++;
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return v;
  }
}

}  // namespace flyover::kube::packed_json_internal

#endif  // FLYOVER_KUBE_CACHE_PACKED_JSON_FORMAT_H_
