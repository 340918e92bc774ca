#include "worker/npu/file_npu_fault_source.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "nlohmann/json.hpp"

namespace flyover::worker {
namespace {

using Json = nlohmann::json;

absl::Status Bad(absl::string_view where, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", what));
}

absl::StatusOr<NpuFault> ParseFault(const Json& j, const std::string& where) {
  if (!j.is_object()) return Bad(where, "not an object");
  NpuFault fault;
  auto code = j.find("code");
  if (code == j.end() || !code->is_string() || code->get<std::string>().empty()) {
    return Bad(where + ".code", "missing or not a non-empty string");
  }
  fault.code = code->get<std::string>();
  auto kind = j.find("kind");
  if (kind == j.end() || !kind->is_string()) return Bad(where + ".kind", "missing or not a string");
  fault.kind = ParseNpuFaultKind(kind->get<std::string>());
  if (auto level = j.find("level"); level != j.end()) {
    if (!level->is_string()) return Bad(where + ".level", "not a string");
    fault.level = level->get<std::string>();
  }
  const bool slows = fault.kind == NpuFaultKind::kSlow || fault.kind == NpuFaultKind::kOverheat;
  fault.slowdown = slows ? 2.0 : 1.0;
  if (auto slowdown = j.find("slowdown"); slowdown != j.end()) {
    if (!slowdown->is_number() || !(slowdown->get<double>() >= 1.0)) {
      return Bad(where + ".slowdown", "not a number >= 1");
    }
    fault.slowdown = slowdown->get<double>();
  }
  if (auto buffer = j.find("buffer"); buffer != j.end()) {
    if (!buffer->is_number_unsigned() || buffer->get<uint64_t>() == 0) {
      return Bad(where + ".buffer", "not a positive integer");
    }
    fault.buffer_id = buffer->get<uint64_t>();
  }
  return fault;
}

absl::StatusOr<DieState> ParseDie(const Json& j, const std::string& where) {
  if (!j.is_object()) return Bad(where, "not an object");
  DieState die;
  auto id = j.find("id");
  if (id == j.end() || !id->is_number_integer() || id->get<int64_t>() < 0) {
    return Bad(where + ".id", "missing or not a non-negative integer");
  }
  die.die_id = id->get<int>();
  if (auto faults = j.find("faults"); faults != j.end()) {
    if (!faults->is_array()) return Bad(where + ".faults", "not an array");
    for (size_t i = 0; i < faults->size(); ++i) {
      ASSIGN_OR_RETURN(NpuFault fault,
                       ParseFault((*faults)[i], absl::StrCat(where, ".faults[", i, "]")));
      die.faults.push_back(std::move(fault));
    }
  }
  die.health = die.faults.empty() ? DieHealth::kHealthy : DieHealth::kUnhealthy;
  if (auto health = j.find("health"); health != j.end()) {
    if (*health == "Healthy") {
      die.health = DieHealth::kHealthy;
    } else if (*health == "Unhealthy") {
      die.health = DieHealth::kUnhealthy;
    } else {
      return Bad(where + ".health", "not \"Healthy\" or \"Unhealthy\"");
    }
  }
  return die;
}

}  // namespace

absl::StatusOr<std::vector<DieState>> ParseDeviceStateJson(absl::string_view text) {
  Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Bad("device state", "not valid JSON");
  if (!doc.is_object()) return Bad("device state", "not a JSON object");
  std::vector<DieState> dies;
  auto list = doc.find("dies");
  if (list == doc.end()) return dies;
  if (!list->is_array()) return Bad("dies", "not an array");
  for (size_t i = 0; i < list->size(); ++i) {
    ASSIGN_OR_RETURN(DieState die, ParseDie((*list)[i], absl::StrCat("dies[", i, "]")));
    dies.push_back(std::move(die));
  }
  return dies;
}

std::string DeviceStateToJson(const std::vector<DieState>& dies) {
  Json list = Json::array();
  for (const DieState& die : dies) {
    Json faults = Json::array();
    for (const NpuFault& fault : die.faults) {
      Json f = {{"code", fault.code},
                {"kind", std::string(NpuFaultKindName(fault.kind))},
                {"level", fault.level},
                {"slowdown", fault.slowdown}};
      if (fault.buffer_id.has_value()) f["buffer"] = *fault.buffer_id;
      faults.push_back(std::move(f));
    }
    list.push_back({{"id", die.die_id},
                    {"health", std::string(DieHealthName(die.health))},
                    {"faults", std::move(faults)}});
  }
  return Json{{"dies", std::move(list)}}.dump(2);
}

absl::StatusOr<DieState> FileNpuFaultSource::Poll(int die_id, int64_t /*step*/) {
  DieState healthy;
  healthy.die_id = die_id;
  absl::StatusOr<std::string> text = fs_->ReadFile(path_);
  if (absl::IsNotFound(text.status())) return healthy;
  if (!text.ok()) return Annotate(text.status(), absl::StrCat("device-state file ", path_));
  absl::StatusOr<std::vector<DieState>> dies = ParseDeviceStateJson(*text);
  if (!dies.ok()) return Annotate(dies.status(), absl::StrCat("device-state file ", path_));
  for (DieState& die : *dies) {
    if (die.die_id == die_id) return std::move(die);
  }
  return healthy;
}

}  // namespace flyover::worker
