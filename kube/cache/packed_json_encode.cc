// PackedJson's encoder and the process-wide key table (packed_json_format.h has the format).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "kube/cache/packed_json.h"
#include "kube/cache/packed_json_format.h"

namespace flyover::kube {
namespace packed_json_internal {

ABSL_CONST_INIT absl::Mutex key_table_mu(absl::kConstInit);

KeyTable& KeyTable::Get() {
  static KeyTable* const table = new KeyTable();
  return *table;
}

std::optional<uint32_t> KeyTable::Intern(absl::string_view key) {
  if (key.size() > kMaxInternedKeyLength) return std::nullopt;
  if (auto it = ids_.find(key); it != ids_.end()) return it->second;
  const size_t id = ids_.size();
  if (id >= kMaxInternedKeys) return std::nullopt;
  std::unique_ptr<std::string[]>& chunk = chunks_[id / kChunkSize];
  if (chunk == nullptr) chunk = std::make_unique<std::string[]>(kChunkSize);
  chunk[id % kChunkSize] = std::string(key);
  ids_.emplace(std::string(key), static_cast<uint32_t>(id));
  return static_cast<uint32_t>(id);
}

size_t KeyTable::size() {
  absl::MutexLock lock(&key_table_mu);
  return ids_.size();
}

}  // namespace packed_json_internal

namespace {

using packed_json_internal::GetVarint;
using packed_json_internal::kArrayTag;
using packed_json_internal::key_table_mu;
using packed_json_internal::KeyTable;
using packed_json_internal::kFalse;
using packed_json_internal::kFloat;
using packed_json_internal::kLongString;
using packed_json_internal::kMaxTableBytes;
using packed_json_internal::kMinTableString;
using packed_json_internal::kNull;
using packed_json_internal::kObjectTag;
using packed_json_internal::kShortString;
using packed_json_internal::kShortStringMax;
using packed_json_internal::kSigned;
using packed_json_internal::kSmallUnsigned;
using packed_json_internal::kSmallUnsignedMax;
using packed_json_internal::kStringRef;
using packed_json_internal::kStringTable;
using packed_json_internal::kTrue;
using packed_json_internal::kUnsignedTag;
using packed_json_internal::PutVarint;

// Strings of at least kMinTableString bytes in `v`, with how often and in what order they
// first occur.
struct StringCount {
  int count = 0;
  int first = 0;
};
void CountStrings(const nlohmann::json& v,
                  absl::flat_hash_map<absl::string_view, StringCount>* counts) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.size() < kMinTableString) return;
    StringCount& c = (*counts)[s];
    if (c.count++ == 0) c.first = static_cast<int>(counts->size());
    return;
  }
  if (v.is_structured()) {
    for (const nlohmann::json& child : v) CountStrings(child, counts);
  }
}

class Encoder {
 public:
  explicit Encoder(KeyTable* keys) : keys_(keys) {}

  // Chooses the strings worth storing once: n copies of an L-byte string cost n(L+1)
  // inline and L+3+2n through the table (entry, offset, n two-byte references).
  void PlanStringTable(const nlohmann::json& v) {
    absl::flat_hash_map<absl::string_view, StringCount> counts;
    CountStrings(v, &counts);
    std::vector<std::pair<int, absl::string_view>> chosen;
    for (const auto& [s, c] : counts) {
      const size_t n = static_cast<size_t>(c.count);
      if (n >= 2 && n * (s.size() + 1) > s.size() + 3 + 2 * n) chosen.emplace_back(c.first, s);
    }
    std::sort(chosen.begin(), chosen.end());  // first-occurrence order: deterministic bytes
    size_t bytes = 0;
    for (const auto& [first, s] : chosen) {
      bytes += s.size() + 3;
      if (bytes > kMaxTableBytes) break;
      table_index_.emplace(s, static_cast<uint32_t>(table_.size()));
      table_.push_back(s);
    }
  }

  absl::Status Encode(const nlohmann::json& v) ABSL_EXCLUSIVE_LOCKS_REQUIRED(key_table_mu) {
    using Kind = nlohmann::json::value_t;
    switch (v.type()) {
      case Kind::null:
        out_.push_back(static_cast<char>(kNull));
        return absl::OkStatus();
      case Kind::boolean:
        out_.push_back(static_cast<char>(v.get<bool>() ? kTrue : kFalse));
        return absl::OkStatus();
      case Kind::number_integer: {
        const int64_t n = v.get<int64_t>();
        out_.push_back(static_cast<char>(kSigned));
        PutVarint(&out_, (static_cast<uint64_t>(n) << 1) ^ static_cast<uint64_t>(n >> 63));
        return absl::OkStatus();
      }
      case Kind::number_unsigned:
        EncodeUnsigned(v.get<uint64_t>());
        return absl::OkStatus();
      case Kind::number_float:
        return EncodeFloat(v.get<double>());
      case Kind::string:
        EncodeString(v.get_ref<const std::string&>());
        return absl::OkStatus();
      case Kind::array:
      case Kind::object:
        return EncodeContainer(v);
      case Kind::binary:
      case Kind::discarded:
        break;
    }
    return absl::InvalidArgumentError("PackedJson: value is not representable as JSON text");
  }

  // Appends the string table after the root value.
  void FinishStringTable() {
    if (table_.empty()) return;
    out_.push_back(static_cast<char>(kStringTable));
    PutVarint(&out_, table_.size());
    size_t offset = 2 * table_.size();
    for (absl::string_view s : table_) {
      out_.push_back(static_cast<char>(offset & 0xFF));
      out_.push_back(static_cast<char>(offset >> 8));
      offset += VarintSize(s.size()) + s.size();
    }
    for (absl::string_view s : table_) {
      PutVarint(&out_, s.size());
      out_.append(s.data(), s.size());
    }
  }

  std::string Take() && { return std::move(out_); }

 private:
  static size_t VarintSize(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
      v >>= 7;
      ++n;
    }
    return n;
  }

  void EncodeUnsigned(uint64_t n) {
    if (n <= kSmallUnsignedMax) {
      out_.push_back(static_cast<char>(kSmallUnsigned | n));
      return;
    }
    out_.push_back(static_cast<char>(kUnsignedTag));
    PutVarint(&out_, n);
  }

  absl::Status EncodeFloat(double d) {
    if (!std::isfinite(d)) {
      return absl::InvalidArgumentError("PackedJson: NaN and infinity are not JSON numbers");
    }
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    out_.push_back(static_cast<char>(kFloat));
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(bits >> (8 * i)));
    return absl::OkStatus();
  }

  void EncodeString(absl::string_view s) {
    if (auto it = table_index_.find(s); it != table_index_.end()) {
      out_.push_back(static_cast<char>(kStringRef));
      PutVarint(&out_, it->second);
      return;
    }
    if (s.size() <= kShortStringMax) {
      out_.push_back(static_cast<char>(kShortString | s.size()));
    } else {
      out_.push_back(static_cast<char>(kLongString));
      PutVarint(&out_, s.size());
    }
    out_.append(s.data(), s.size());
  }

  void EncodeKey(absl::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(key_table_mu) {
    if (std::optional<uint32_t> id = keys_->Intern(key)) {
      PutVarint(&out_, uint64_t{*id} << 1);
      return;
    }
    PutVarint(&out_, (uint64_t{key.size()} << 1) | 1);
    out_.append(key.data(), key.size());
  }

  // Encodes the payload first, then inserts the header (count, payload size) before it.
  absl::Status EncodeContainer(const nlohmann::json& v)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(key_table_mu) {
    const bool is_object = v.is_object();
    const size_t start = out_.size();
    if (is_object) {
      for (const auto& [key, member] : v.items()) {
        EncodeKey(key);
        if (absl::Status s = Encode(member); !s.ok()) return s;
      }
    } else {
      for (const nlohmann::json& element : v) {
        if (absl::Status s = Encode(element); !s.ok()) return s;
      }
    }
    std::string header(1, static_cast<char>(is_object ? kObjectTag : kArrayTag));
    PutVarint(&header, v.size());
    PutVarint(&header, out_.size() - start);
    out_.insert(start, header);
    return absl::OkStatus();
  }

  KeyTable* const keys_;
  std::string out_;
  std::vector<absl::string_view> table_;  // views into the value being packed
  absl::flat_hash_map<absl::string_view, uint32_t> table_index_;
};

// Header of a container at p (its tag byte): element count and payload range.

}  // namespace

absl::StatusOr<PackedJson> PackedJson::Pack(const nlohmann::json& value) {
  KeyTable& keys = KeyTable::Get();
  Encoder encoder(&keys);
  encoder.PlanStringTable(value);
  {
    absl::MutexLock lock(&key_table_mu);
    if (absl::Status s = encoder.Encode(value); !s.ok()) return s;
  }
  encoder.FinishStringTable();
  std::string bytes = std::move(encoder).Take();
  bytes.shrink_to_fit();
  return PackedJson(std::move(bytes));
}

size_t PackedJson::InternedKeyCount() { return KeyTable::Get().size(); }

}  // namespace flyover::kube
