#include "worker/checkpoint/manifest.h"

#include <algorithm>
#include <exception>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace flyover::worker {
namespace {

using nlohmann::json;

constexpr char kFormatName[] = "flyover-checkpoint";

json ShardInfoToJson(const ShardInfo& shard) {
  return json{{"rank", shard.rank},          {"file", shard.file},
              {"bytes", shard.bytes},        {"crc32", shard.crc32},
              {"begin", shard.range.begin},  {"end", shard.range.end}};
}

// Throws nlohmann::json::exception on a missing or mistyped field.
ShardInfo ShardInfoFromJson(const json& j) {
  ShardInfo shard;
  shard.rank = j.at("rank").get<int>();
  shard.file = j.at("file").get<std::string>();
  shard.bytes = j.at("bytes").get<uint64_t>();
  shard.crc32 = j.at("crc32").get<uint32_t>();
  shard.range = {j.at("begin").get<uint64_t>(), j.at("end").get<uint64_t>()};
  return shard;
}

json ManifestToJson(const Manifest& manifest) {
  json shards = json::array();
  for (const ShardInfo& shard : manifest.shards) shards.push_back(ShardInfoToJson(shard));
  return json{{"format", kFormatName},
              {"version", manifest.version},
              {"step", manifest.step},
              {"world_size", manifest.world_size},
              {"num_elements", manifest.num_elements},
              {"dtype", "float32"},
              {"lr_schedule_step", manifest.lr_schedule_step},
              {"shards", std::move(shards)}};
}

uint32_t ChecksumOf(const json& j) { return Crc32(0, j.dump()); }

absl::Status CorruptManifest(absl::string_view path, absl::string_view what) {
  return absl::DataLossError(absl::StrCat(path, ": ", what));
}

// Checks the envelope (checksum, format, version); the checksum's definition is the one
// thing every version keeps, so a flipped bit is DataLoss, never "unknown version".
absl::Status CheckEnvelope(json& j, absl::string_view path) {
  if (!j.is_object() || !j.contains("checksum") || !j["checksum"].is_number_unsigned()) {
    return CorruptManifest(path, "manifest has no checksum");
  }
  const uint64_t recorded = j["checksum"].get<uint64_t>();
  j.erase("checksum");
  if (const uint32_t computed = ChecksumOf(j); computed != recorded) {
    return CorruptManifest(path, absl::StrCat("manifest checksum mismatch: computed ", computed,
                                      ", recorded ", recorded));
  }
  if (!j.contains("format") || j["format"] != kFormatName) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a ", kFormatName, " manifest"));
  }
  if (!j.contains("version") || j["version"] != kCheckpointFormatVersion) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": manifest version ", j.value("version", json()).dump(), ", this build reads ",
        kCheckpointFormatVersion, " (written by a newer Flyover?)"));
  }
  if (j.value("dtype", "") != "float32") {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": element type ", j.value("dtype", json()).dump(), " unknown"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string EncodeManifest(const Manifest& manifest) {
  json j = ManifestToJson(manifest);
  j["checksum"] = ChecksumOf(j);
  return j.dump(1) + "\n";
}

absl::StatusOr<Manifest> ParseManifest(absl::string_view text, absl::string_view path) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return CorruptManifest(path, "manifest is not valid JSON");
  if (absl::Status status = CheckEnvelope(j, path); !status.ok()) return status;
  Manifest manifest;
  try {
    manifest.version = j.at("version").get<uint32_t>();
    manifest.step = j.at("step").get<uint64_t>();
    manifest.world_size = j.at("world_size").get<int>();
    manifest.num_elements = j.at("num_elements").get<uint64_t>();
    manifest.lr_schedule_step = j.at("lr_schedule_step").get<uint64_t>();
    for (const json& shard : j.at("shards")) manifest.shards.push_back(ShardInfoFromJson(shard));
  } catch (const json::exception& e) {
    return CorruptManifest(path, absl::StrCat("manifest field: ", e.what()));
  }
  if (absl::Status status = ValidateManifest(manifest, path); !status.ok()) return status;
  return manifest;
}

absl::Status ValidateManifest(const Manifest& manifest, absl::string_view path) {
  if (manifest.world_size < 1 ||
      manifest.shards.size() != static_cast<size_t>(manifest.world_size)) {
    return CorruptManifest(path, absl::StrCat("world size ", manifest.world_size, " with ",
                                      manifest.shards.size(), " shards"));
  }
  std::vector<ElementRange> ranges;
  for (size_t r = 0; r < manifest.shards.size(); ++r) {
    const ShardInfo& shard = manifest.shards[r];
    if (shard.rank != static_cast<int>(r)) {
      return CorruptManifest(path, absl::StrCat("shard ", r, " names rank ", shard.rank));
    }
    if (shard.file.empty() || absl::StrContains(shard.file, '/') || shard.file == "." ||
        shard.file == "..") {
      return CorruptManifest(path, absl::StrCat("shard ", r, " has a bad file name \"", shard.file, "\""));
    }
    if (shard.range.begin > shard.range.end) {
      return CorruptManifest(path, absl::StrCat("shard ", r, " has an inverted range"));
    }
    ranges.push_back(shard.range);
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const ElementRange& a, const ElementRange& b) {
              return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;  // empty ones first
            });
  uint64_t next = 0;
  for (const ElementRange& range : ranges) {
    if (range.begin != next) {
      return CorruptManifest(path, absl::StrCat("shard ranges do not tile [0, ", manifest.num_elements,
                                        "): gap or overlap at element ", next));
    }
    next = range.end;
  }
  if (next != manifest.num_elements) {
    return CorruptManifest(path, absl::StrCat("shard ranges end at ", next, ", expected ",
                                      manifest.num_elements));
  }
  return absl::OkStatus();
}

std::string EncodeShardInfo(const ShardInfo& shard) { return ShardInfoToJson(shard).dump(); }

absl::StatusOr<ShardInfo> ParseShardInfo(absl::string_view text) {
  const json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError("shard info is not valid JSON");
  try {
    return ShardInfoFromJson(j);
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("shard info: ", e.what()));
  }
}

}  // namespace flyover::worker
