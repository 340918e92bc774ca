#include "kube/cache/packed_json.h"

#include <cstring>

#include "kube/cache/packed_json_format.h"

namespace flyover::kube {
namespace {

using packed_json_internal::GetVarint;
using packed_json_internal::kArrayTag;
using packed_json_internal::KeyTable;
using packed_json_internal::kFalse;
using packed_json_internal::kFloat;
using packed_json_internal::kLongString;
using packed_json_internal::kNull;
using packed_json_internal::kObjectTag;
using packed_json_internal::kShortString;
using packed_json_internal::kShortStringMax;
using packed_json_internal::kSigned;
using packed_json_internal::kSmallUnsigned;
using packed_json_internal::kSmallUnsignedMax;
using packed_json_internal::kStringRef;
using packed_json_internal::kTrue;
using packed_json_internal::kUnsignedTag;

struct Container {
  uint64_t count;
  const uint8_t* begin;
  const uint8_t* end;
};

Container ReadContainer(const uint8_t* p) {
  ++p;
  Container c;
  c.count = GetVarint(p);
  const uint64_t size = GetVarint(p);
  c.begin = p;
  c.end = p + size;
  return c;
}

// Reads the key at p, advancing p past it.
absl::string_view ReadKey(const uint8_t*& p) {
  const uint64_t k = GetVarint(p);
  if ((k & 1) == 0) return KeyTable::Get().Lookup(k >> 1);
  const char* text = reinterpret_cast<const char*>(p);
  p += k >> 1;
  return absl::string_view(text, k >> 1);
}

const uint8_t* SkipKey(const uint8_t* p) {
  const uint64_t k = GetVarint(p);
  return (k & 1) == 0 ? p : p + (k >> 1);
}

// The byte after the value whose tag is at p.
const uint8_t* SkipValue(const uint8_t* p) {
  const uint8_t tag = *p;
  if (tag & kSmallUnsigned) return p + 1;
  if (tag & kShortString) return p + 1 + (tag & kShortStringMax);
  switch (tag) {
    case kFloat:
      return p + 9;
    case kSigned:
    case kUnsignedTag:
    case kStringRef:
      ++p;
      GetVarint(p);
      return p;
    case kLongString: {
      ++p;
      const uint64_t n = GetVarint(p);
      return p + n;
    }
    case kArrayTag:
    case kObjectTag:
      return ReadContainer(p).end;
    default:
      return p + 1;
  }
}

}  // namespace

JsonView PackedJson::view() const {
  const uint8_t* root = reinterpret_cast<const uint8_t*>(bytes_.data());
  const uint8_t* after = SkipValue(root);
  if (after == root + bytes_.size()) return JsonView(root, nullptr);
  ++after;  // the string table's tag
  GetVarint(after);
  return JsonView(root, after);
}

JsonView::Type JsonView::type() const {
  if (data_ == nullptr) return Type::kMissing;
  const uint8_t tag = *data_;
  if (tag & kSmallUnsigned) return Type::kUnsigned;
  if (tag & kShortString) return Type::kString;
  switch (tag) {
    case kNull:
      return Type::kNull;
    case kFalse:
    case kTrue:
      return Type::kBool;
    case kFloat:
      return Type::kFloat;
    case kSigned:
      return Type::kInteger;
    case kUnsignedTag:
      return Type::kUnsigned;
    case kLongString:
    case kStringRef:
      return Type::kString;
    case kArrayTag:
      return Type::kArray;
    default:
      return Type::kObject;
  }
}

bool JsonView::is_number() const {
  const Type t = type();
  return t == Type::kInteger || t == Type::kUnsigned || t == Type::kFloat;
}

JsonView JsonView::operator[](absl::string_view key) const {
  if (!is_object()) return JsonView();
  const Container c = ReadContainer(data_);
  for (const uint8_t* p = c.begin; p < c.end;) {
    const absl::string_view k = ReadKey(p);
    if (k == key) return JsonView(p, strings_);
    p = SkipValue(p);
  }
  return JsonView();
}

JsonView JsonView::operator[](size_t index) const {
  if (!is_array()) return JsonView();
  const Container c = ReadContainer(data_);
  if (index >= c.count) return JsonView();
  const uint8_t* p = c.begin;
  for (size_t i = 0; i < index; ++i) p = SkipValue(p);
  return JsonView(p, strings_);
}

size_t JsonView::size() const {
  if (!is_array() && !is_object()) return 0;
  return ReadContainer(data_).count;
}

absl::string_view JsonView::string_value() const {
  if (!is_string()) return {};
  const uint8_t* p = data_;
  const uint8_t tag = *p++;
  if (tag == kStringRef) {
    const uint64_t index = GetVarint(p);
    p = strings_ + (strings_[2 * index] | (size_t{strings_[2 * index + 1]} << 8));
  } else if (tag & kShortString) {
    return absl::string_view(reinterpret_cast<const char*>(p), tag & kShortStringMax);
  }
  const uint64_t n = GetVarint(p);
  return absl::string_view(reinterpret_cast<const char*>(p), n);
}

bool JsonView::bool_value() const { return data_ != nullptr && *data_ == kTrue; }

std::optional<int64_t> JsonView::int_value() const {
  const Type t = type();
  if (t == Type::kFloat) return static_cast<int64_t>(*double_value());
  if (t != Type::kInteger && t != Type::kUnsigned) return std::nullopt;
  const uint8_t* p = data_;
  const uint8_t tag = *p++;
  if (tag & kSmallUnsigned) return tag & kSmallUnsignedMax;
  const uint64_t raw = GetVarint(p);
  if (tag == kSigned) return static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
  if (raw > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(raw);
}

std::optional<double> JsonView::double_value() const {
  const Type t = type();
  if (t == Type::kFloat) {
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits |= uint64_t{data_[1 + i]} << (8 * i);
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  if (t == Type::kUnsigned && !(*data_ & kSmallUnsigned)) {
    const uint8_t* p = data_ + 1;
    return static_cast<double>(GetVarint(p));
  }
  if (std::optional<int64_t> i = int_value()) return static_cast<double>(*i);
  return std::nullopt;
}

nlohmann::json JsonView::ToJson() const {
  switch (type()) {
    case Type::kMissing:
    case Type::kNull:
      return nullptr;
    case Type::kBool:
      return bool_value();
    case Type::kInteger:
      return *int_value();
    case Type::kUnsigned: {
      const uint8_t* p = data_ + 1;
      return (*data_ & kSmallUnsigned) ? uint64_t{*data_ & kSmallUnsignedMax} : GetVarint(p);
    }
    case Type::kFloat:
      return *double_value();
    case Type::kString:
      return std::string(string_value());
    case Type::kArray: {
      nlohmann::json out = nlohmann::json::array();
      for (JsonView element : elements()) out.push_back(element.ToJson());
      return out;
    }
    case Type::kObject:
      break;
  }
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : members()) out[std::string(key)] = value.ToJson();
  return out;
}

size_t JsonView::encoded_size() const {
  return data_ == nullptr ? 0 : static_cast<size_t>(SkipValue(data_) - data_);
}

JsonView::Range<JsonView::ElementIterator> JsonView::elements() const {
  if (!is_array()) return {};
  const Container c = ReadContainer(data_);
  return {ElementIterator(c.begin, strings_), ElementIterator(c.end, strings_)};
}

JsonView::Range<JsonView::MemberIterator> JsonView::members() const {
  if (!is_object()) return {};
  const Container c = ReadContainer(data_);
  return {MemberIterator(c.begin, strings_), MemberIterator(c.end, strings_)};
}

JsonView::ElementIterator& JsonView::ElementIterator::operator++() {
  p_ = SkipValue(p_);
  return *this;
}

JsonView::MemberIterator::value_type JsonView::MemberIterator::operator*() const {
  const uint8_t* p = p_;
  const absl::string_view key = ReadKey(p);
  return {key, JsonView(p, strings_)};
}

JsonView::MemberIterator& JsonView::MemberIterator::operator++() {
  p_ = SkipValue(SkipKey(p_));
  return *this;
}

}  // namespace flyover::kube
