// PackedJson: an immutable, compact encoding of one JSON value, and JsonView, a read-only
// cursor into it. The informer cache keeps every object in this form.
//
// Why: an nlohmann::json DOM spends a map node, a key string and often a heap string per
// field, so a typical 3.5 KiB pod costs about 24 KiB as a DOM. PackedJson keeps the value in
// one contiguous byte buffer: a one-byte tag per value, short strings and small integers
// inline in the tag, varint lengths, container byte sizes (so a lookup skips a whole
// sub-tree in O(1)), object keys replaced by ids from a process-wide table of interned keys
// (Kubernetes objects repeat the same few hundred keys), and strings that occur several
// times in one object (timestamps, names, the image) stored once. About half the size of
// the compact JSON text; bench/kube/informer_bench.cc measures it.
//
//   absl::StatusOr<PackedJson> packed = PackedJson::Pack(json);
//   JsonView pod = packed->view();
//   absl::string_view node = pod["spec"]["nodeName"].string_value();   // "" when absent
//   for (const auto& [key, value] : pod["metadata"]["labels"].members()) { ... }
//   nlohmann::json copy = packed->ToJson();                             // exact round trip
//
// Lookups are linear scans over an object's members (Kubernetes objects have few keys per
// level) and never lock: reading needs no access to the key table's index. A missing member
// or element is a view of type kMissing, which reads as null/empty/zero, so chains like
// pod["a"]["b"]["c"] are safe.
//
// Key interning: keys of at most kMaxInternedKeyLength bytes are interned, up to
// kMaxInternedKeys distinct keys per process; after that (or for longer keys) a key is
// stored inline. The table therefore stays bounded (a few MiB at most) however many distinct
// keys a long-running process meets, and interning only ever affects size, never meaning.
//
// Ownership: a PackedJson owns its bytes; a JsonView points into them and is valid only while
// that PackedJson lives and is not moved from. Thread-safety: PackedJson is immutable; any
// number of threads may read it and its views concurrently. Pack() may be called from any
// thread (interning takes a process-wide lock once per call).
#ifndef FLYOVER_KUBE_CACHE_PACKED_JSON_H_
#define FLYOVER_KUBE_CACHE_PACKED_JSON_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

inline constexpr size_t kMaxInternedKeyLength = 64;
inline constexpr size_t kMaxInternedKeys = size_t{1} << 16;

class JsonView {
 public:
  enum class Type {
    kMissing,  // a member or element that does not exist
    kNull,
    kBool,
    kInteger,   // signed (nlohmann number_integer)
    kUnsigned,  // non-negative (nlohmann number_unsigned)
    kFloat,
    kString,
    kArray,
    kObject,
  };

  // A missing value.
  JsonView() = default;

  [[nodiscard]] Type type() const;
  [[nodiscard]] bool is_missing() const { return data_ == nullptr; }
  [[nodiscard]] bool is_null() const { return type() == Type::kNull; }
  [[nodiscard]] bool is_bool() const { return type() == Type::kBool; }
  [[nodiscard]] bool is_number() const;
  [[nodiscard]] bool is_string() const { return type() == Type::kString; }
  [[nodiscard]] bool is_array() const { return type() == Type::kArray; }
  [[nodiscard]] bool is_object() const { return type() == Type::kObject; }

  // The member named `key` of an object; missing for other types or absent keys.
  [[nodiscard]] JsonView operator[](absl::string_view key) const;
  // Element `index` of an array; missing for other types or out of range.
  [[nodiscard]] JsonView operator[](size_t index) const;
  // Disambiguate literals: view[0] and view["name"] must each pick the obvious overload.
  [[nodiscard]] JsonView operator[](int index) const {
    return index < 0 ? JsonView() : (*this)[static_cast<size_t>(index)];
  }
  [[nodiscard]] JsonView operator[](const char* key) const {
    return (*this)[absl::string_view(key)];
  }
  // Whether an object has a member named `key`.
  [[nodiscard]] bool contains(absl::string_view key) const { return !(*this)[key].is_missing(); }

  // Elements of an array or members of an object; 0 for everything else.
  [[nodiscard]] size_t size() const;

  // The string; empty for non-strings. Points into the PackedJson.
  [[nodiscard]] absl::string_view string_value() const;
  // The boolean; false for non-booleans.
  [[nodiscard]] bool bool_value() const;
  // A number converted to int64 (floats truncate); nullopt for non-numbers and out-of-range
  // unsigned values.
  [[nodiscard]] std::optional<int64_t> int_value() const;
  // A number as a double; nullopt for non-numbers.
  [[nodiscard]] std::optional<double> double_value() const;

  // A deep copy as an nlohmann::json (kMissing becomes null).
  [[nodiscard]] nlohmann::json ToJson() const;

  // Bytes this value occupies in its PackedJson.
  [[nodiscard]] size_t encoded_size() const;

  // Iteration. Both ranges are forward ranges whose iterators are invalidated with the
  // PackedJson. A member iterator yields std::pair<absl::string_view, JsonView>.
  class ElementIterator;
  class MemberIterator;
  template <typename It>
  struct Range {
    It b, e;
    It begin() const { return b; }
    It end() const { return e; }
  };
  [[nodiscard]] Range<ElementIterator> elements() const;  // empty unless an array
  [[nodiscard]] Range<MemberIterator> members() const;    // empty unless an object

 private:
  friend class PackedJson;
  JsonView(const uint8_t* data, const uint8_t* strings) : data_(data), strings_(strings) {}

  const uint8_t* data_ = nullptr;     // the value's tag byte; null when missing
  const uint8_t* strings_ = nullptr;  // the PackedJson's table of repeated strings, if any
};

class JsonView::ElementIterator {
 public:
  using value_type = JsonView;
  using difference_type = std::ptrdiff_t;
  ElementIterator() = default;
  JsonView operator*() const { return JsonView(p_, strings_); }
  ElementIterator& operator++();
  ElementIterator operator++(int) {
    ElementIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const ElementIterator& other) const { return p_ == other.p_; }

 private:
  friend class JsonView;
  ElementIterator(const uint8_t* p, const uint8_t* strings) : p_(p), strings_(strings) {}
  const uint8_t* p_ = nullptr;
  const uint8_t* strings_ = nullptr;
};

class JsonView::MemberIterator {
 public:
  using value_type = std::pair<absl::string_view, JsonView>;
  using difference_type = std::ptrdiff_t;
  MemberIterator() = default;
  value_type operator*() const;
  MemberIterator& operator++();
  MemberIterator operator++(int) {
    MemberIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const MemberIterator& other) const { return p_ == other.p_; }

 private:
  friend class JsonView;
  MemberIterator(const uint8_t* p, const uint8_t* strings) : p_(p), strings_(strings) {}
  const uint8_t* p_ = nullptr;  // the member's key
  const uint8_t* strings_ = nullptr;
};

class PackedJson {
 public:
  // Encodes `value`. InvalidArgument for values JSON text cannot carry: nlohmann's binary
  // and discarded types, NaN and infinite floats.
  [[nodiscard]] static absl::StatusOr<PackedJson> Pack(const nlohmann::json& value);

  PackedJson(PackedJson&&) = default;
  PackedJson& operator=(PackedJson&&) = default;
  PackedJson(const PackedJson&) = delete;
  PackedJson& operator=(const PackedJson&) = delete;

  [[nodiscard]] JsonView view() const;
  // Shorthands for view()[key] and view().ToJson().
  [[nodiscard]] JsonView operator[](absl::string_view key) const { return view()[key]; }
  [[nodiscard]] JsonView operator[](const char* key) const { return view()[key]; }
  [[nodiscard]] nlohmann::json ToJson() const { return view().ToJson(); }

  // Bytes of the encoding (the heap block this object owns).
  [[nodiscard]] size_t size_bytes() const { return bytes_.size(); }

  // Whether two encodings are byte-identical, which implies equal JSON values (the converse
  // does not hold when a key was interned in one and inline in the other).
  [[nodiscard]] bool SameBytes(const PackedJson& other) const { return bytes_ == other.bytes_; }

  // The number of keys interned in this process so far.
  [[nodiscard]] static size_t InternedKeyCount();

 private:
  explicit PackedJson(std::string bytes) : bytes_(std::move(bytes)) {}

  std::string bytes_;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_PACKED_JSON_H_
