#include "worker/npu/env_npu_fault_source.h"

#include <cstdlib>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status.h"

namespace flyover::worker {
namespace {

absl::StatusOr<NpuFaultKind> KindFromSpec(absl::string_view word) {
  const std::string lower = absl::AsciiStrToLower(word);
  if (lower == "hang") return NpuFaultKind::kHang;
  if (lower == "slow") return NpuFaultKind::kSlow;
  if (lower == "ecc") return NpuFaultKind::kHbmEccDoubleBit;
  if (lower == "linkdown") return NpuFaultKind::kLinkDown;
  if (lower == "overheat") return NpuFaultKind::kOverheat;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown fault kind \"", word, "\" (want hang, slow, ecc, linkdown or overheat)"));
}

absl::Status ParseValue(absl::string_view value, NpuFault& fault) {
  switch (fault.kind) {
    case NpuFaultKind::kSlow:
    case NpuFaultKind::kOverheat:
      if (!absl::SimpleAtod(value, &fault.slowdown) || !(fault.slowdown >= 1.0)) {
        return absl::InvalidArgumentError(
            absl::StrCat("slowdown \"", value, "\" is not a number >= 1"));
      }
      return absl::OkStatus();
    case NpuFaultKind::kHbmEccDoubleBit: {
      uint64_t id = 0;
      if (!absl::SimpleAtoi(value, &id) || id == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("buffer id \"", value, "\" is not a positive integer"));
      }
      fault.buffer_id = id;
      return absl::OkStatus();
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(NpuFaultKindName(fault.kind), " takes no value"));
  }
}

}  // namespace

absl::StatusOr<EnvNpuFaultSource::Entry> EnvNpuFaultSource::ParseEntry(absl::string_view text,
                                                                        int index) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '@');
  std::pair<absl::string_view, absl::string_view> head = absl::StrSplit(parts[0], ':');
  Entry entry;
  ASSIGN_OR_RETURN(entry.fault.kind, KindFromSpec(head.first));
  entry.fault.code = absl::StrCat("env-", index, "-", absl::AsciiStrToLower(head.first));
  if (entry.fault.kind == NpuFaultKind::kSlow || entry.fault.kind == NpuFaultKind::kOverheat) {
    entry.fault.slowdown = 2.0;
  }
  if (!head.second.empty() || absl::StrContains(parts[0], ':')) {
    RETURN_IF_ERROR(ParseValue(head.second, entry.fault));
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    absl::string_view q = parts[i];
    if (absl::ConsumePrefix(&q, "step=")) {
      std::pair<absl::string_view, absl::string_view> range = absl::StrSplit(q, '-');
      if (!absl::SimpleAtoi(range.first, &entry.from) || entry.from < 0 ||
          (!range.second.empty() && !absl::SimpleAtoi(range.second, &entry.to)) ||
          entry.to < entry.from || (range.second.empty() && absl::StrContains(q, '-'))) {
        return absl::InvalidArgumentError(absl::StrCat("bad step range \"", q, "\""));
      }
    } else if (absl::ConsumePrefix(&q, "die=")) {
      int die = 0;
      if (!absl::SimpleAtoi(q, &die) || die < 0) {
        return absl::InvalidArgumentError(absl::StrCat("bad die id \"", q, "\""));
      }
      entry.die = die;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown qualifier \"", q, "\" (want step=N[-M] or die=N)"));
    }
  }
  return entry;
}

absl::StatusOr<std::unique_ptr<EnvNpuFaultSource>> EnvNpuFaultSource::Parse(
    absl::string_view spec) {
  std::vector<Entry> entries;
  int index = 0;
  for (absl::string_view text : absl::StrSplit(spec, ';', absl::SkipWhitespace())) {
    text = absl::StripAsciiWhitespace(text);
    absl::StatusOr<Entry> entry = ParseEntry(text, index);
    if (!entry.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(kVariable, " entry ", index, " \"", text,
                                                     "\": ", entry.status().message()));
    }
    entries.push_back(*std::move(entry));
    ++index;
  }
  return std::unique_ptr<EnvNpuFaultSource>(new EnvNpuFaultSource(std::move(entries)));
}

absl::StatusOr<std::unique_ptr<EnvNpuFaultSource>> EnvNpuFaultSource::FromEnvironment(
    const char* variable) {
  const char* value = std::getenv(variable);
  return Parse(value == nullptr ? "" : value);
}

absl::StatusOr<DieState> EnvNpuFaultSource::Poll(int die_id, int64_t step) {
  DieState state;
  state.die_id = die_id;
  for (const Entry& entry : entries_) {
    if (step < entry.from || step > entry.to) continue;
    if (entry.die.has_value() && *entry.die != die_id) continue;
    state.faults.push_back(entry.fault);
    if (entry.fault.kind != NpuFaultKind::kSlow) state.health = DieHealth::kUnhealthy;
  }
  return state;
}

}  // namespace flyover::worker
