#include "apiserver/server/protobuf_body.h"

#include <cstdint>
#include <functional>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "apiserver/semantics/api_status_builder.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

constexpr absl::string_view kMagic("k8s\0", 4);

// Walks the fields of one protobuf message. Only what the decoders below need.
class Fields {
 public:
  explicit Fields(absl::string_view bytes) : rest_(bytes) {}

  // Calls `visit(number, varint, bytes)` per field (bytes for length-delimited fields);
  // false if the message is malformed.
  bool ForEach(const std::function<void(int, uint64_t, absl::string_view)>& visit) {
    while (!rest_.empty()) {
      uint64_t tag = 0;
      if (!Varint(&tag)) return false;
      const int number = static_cast<int>(tag >> 3);
      uint64_t value = 0;
      absl::string_view bytes;
      switch (tag & 7) {
        case 0:
          if (!Varint(&value)) return false;
          break;
        case 1:
        case 5: {
          const size_t width = (tag & 7) == 1 ? 8 : 4;
          if (rest_.size() < width) return false;
          rest_.remove_prefix(width);
          break;
        }
        case 2:
          if (!Varint(&value) || value > rest_.size()) return false;
          bytes = rest_.substr(0, value);
          rest_.remove_prefix(value);
          break;
        default:
          return false;
      }
      visit(number, value, bytes);
    }
    return true;
  }

 private:
  bool Varint(uint64_t* out) {
    *out = 0;
    for (int shift = 0; shift < 64 && !rest_.empty(); shift += 7) {
      const auto byte = static_cast<uint8_t>(rest_.front());
      rest_.remove_prefix(1);
      *out |= uint64_t{byte & 0x7Fu} << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  absl::string_view rest_;
};

std::string Text(absl::string_view bytes) { return std::string(bytes); }

// A map<string, string|bytes> entry; `base64` for bytes values, as JSON carries them.
void MapEntry(absl::string_view entry, bool base64, json& map) {
  std::string key;
  std::string value;
  Fields(entry).ForEach([&](int number, uint64_t, absl::string_view bytes) {
    if (number == 1) key = Text(bytes);
    if (number == 2) value = base64 ? absl::Base64Escape(bytes) : Text(bytes);
  });
  map[key] = value;
}

json OwnerReference(absl::string_view bytes) {
  json ref = json::object();
  Fields(bytes).ForEach([&](int number, uint64_t value, absl::string_view text) {
    switch (number) {
      case 1:
        ref["kind"] = Text(text);
        break;
      case 3:
        ref["name"] = Text(text);
        break;
      case 4:
        ref["uid"] = Text(text);
        break;
      case 5:
        ref["apiVersion"] = Text(text);
        break;
      case 6:
        ref["controller"] = value != 0;
        break;
      case 7:
        ref["blockOwnerDeletion"] = value != 0;
        break;
      default:
        break;
    }
  });
  return ref;
}

json ObjectMeta(absl::string_view bytes) {
  json meta = json::object();
  Fields(bytes).ForEach([&](int number, uint64_t, absl::string_view text) {
    switch (number) {
      case 1:
        meta["name"] = Text(text);
        break;
      case 2:
        meta["generateName"] = Text(text);
        break;
      case 3:
        meta["namespace"] = Text(text);
        break;
      case 5:
        meta["uid"] = Text(text);
        break;
      case 6:
        if (!text.empty()) meta["resourceVersion"] = Text(text);
        break;
      case 11:
        MapEntry(text, false, meta["labels"]);
        break;
      case 12:
        MapEntry(text, false, meta["annotations"]);
        break;
      case 13:
        meta["ownerReferences"].push_back(OwnerReference(text));
        break;
      case 14:
        meta["finalizers"].push_back(Text(text));
        break;
      default:
        break;
    }
  });
  return meta;
}

// The object's own fields, by kind.
void KindFields(const std::string& kind, int number, uint64_t value, absl::string_view bytes,
                json& object) {
  if (kind == "Namespace" && number == 2) {
    Fields(bytes).ForEach([&](int n, uint64_t, absl::string_view finalizer) {
      if (n == 1) object["spec"]["finalizers"].push_back(Text(finalizer));
    });
  } else if (kind == "ConfigMap") {
    if (number == 2) MapEntry(bytes, false, object["data"]);
    if (number == 3) MapEntry(bytes, true, object["binaryData"]);
    if (number == 4) object["immutable"] = value != 0;
  } else if (kind == "Secret") {
    if (number == 2) MapEntry(bytes, true, object["data"]);
    if (number == 3) object["type"] = Text(bytes);
    if (number == 4) MapEntry(bytes, false, object["stringData"]);
    if (number == 5) object["immutable"] = value != 0;
  }
}

absl::Status BadBody(absl::string_view why) {
  return ToAbslStatus(BadRequestStatus(absl::StrCat("error decoding protobuf body: ", why)));
}

}  // namespace

absl::StatusOr<json> DecodeProtobufBody(const discovery::ResourceInfo& resource,
                                        absl::string_view body) {
  const bool supported =
      resource.group.empty() &&
      (resource.kind == "Namespace" || resource.kind == "ConfigMap" || resource.kind == "Secret");
  if (!supported) {
    return ToAbslStatus(UnsupportedMediaTypeStatus({"application/json", "application/yaml"}));
  }
  if (!absl::ConsumePrefix(&body, kMagic)) return BadBody("missing the k8s envelope");
  std::string api_version;
  std::string kind;
  absl::string_view raw;
  const bool envelope_ok = Fields(body).ForEach([&](int number, uint64_t, absl::string_view bytes) {
    if (number == 2) raw = bytes;
    if (number != 1) return;
    Fields(bytes).ForEach([&](int n, uint64_t, absl::string_view text) {
      if (n == 1) api_version = Text(text);
      if (n == 2) kind = Text(text);
    });
  });
  if (!envelope_ok) return BadBody("malformed envelope");
  json object = {{"apiVersion", api_version.empty() ? "v1" : api_version},
                 {"kind", kind.empty() ? resource.kind : kind}};
  const std::string object_kind = object["kind"].get<std::string>();
  const bool object_ok =
      Fields(raw).ForEach([&](int number, uint64_t value, absl::string_view bytes) {
        if (number == 1) {
          object["metadata"] = ObjectMeta(bytes);
        } else {
          KindFields(object_kind, number, value, bytes, object);
        }
      });
  if (!object_ok) return BadBody(absl::StrCat("malformed ", object_kind));
  return object;
}

}  // namespace flyover::apiserver
