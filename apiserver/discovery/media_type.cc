#include "apiserver/discovery/media_type.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace flyover::apiserver::discovery {
namespace {

std::string Unquote(absl::string_view value) {
  value = absl::StripAsciiWhitespace(value);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return std::string(value);
}

MediaRange ParseRange(absl::string_view text) {
  MediaRange range;
  bool first = true;
  for (absl::string_view part : absl::StrSplit(text, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (first) {
      range.type = absl::AsciiStrToLower(part);
      first = false;
      continue;
    }
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(kv.first));
    if (!name.empty()) range.params[name] = Unquote(kv.second);
  }
  return range;
}

bool HasParams(const MediaRange& range, absl::string_view g, absl::string_view v,
               absl::string_view as) {
  auto param = [&](const char* name) {
    auto it = range.params.find(name);
    return it == range.params.end() ? std::string() : it->second;
  };
  return range.type == "application/json" && param("g") == g && param("v") == v &&
         param("as") == as;
}

}  // namespace

std::vector<MediaRange> ParseAccept(absl::string_view accept) {
  std::vector<MediaRange> out;
  for (absl::string_view item : absl::StrSplit(accept, ',')) {
    if (absl::StripAsciiWhitespace(item).empty()) continue;
    out.push_back(ParseRange(item));
  }
  return out;
}

bool AcceptsAggregatedDiscovery(absl::string_view accept) {
  for (const MediaRange& range : ParseAccept(accept)) {
    if (HasParams(range, "apidiscovery.k8s.io", "v2", "APIGroupDiscoveryList")) return true;
  }
  return false;
}

bool AcceptsOpenApiV2Protobuf(absl::string_view accept) {
  for (const MediaRange& range : ParseAccept(accept)) {
    // The second spelling is the older one, still accepted by kube-apiserver.
    if (range.type == "application/com.github.proto-openapi.spec.v2@v1.0+protobuf" ||
        range.type == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf") {
      return true;
    }
  }
  return false;
}

bool AcceptsTable(absl::string_view accept) {
  for (const MediaRange& range : ParseAccept(accept)) {
    if (HasParams(range, "meta.k8s.io", "v1", "Table")) return true;
  }
  return false;
}

}  // namespace flyover::apiserver::discovery
