#include "kube/api/core/quantity.h"

#include <array>
#include <limits>
#include <optional>
#include <utility>

#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace flyover::kube::core {
namespace {

// A quantity as exact parts: (-1)^negative * mantissa * 10^exp10 * 2^exp2.
struct ParsedQuantity {
  bool negative = false;
  uint64_t mantissa = 0;
  int exp10 = 0;
  int exp2 = 0;
};

// Beyond this a decimal exponent cannot produce a value that fits in int64 or rounds
// to anything but 0 or 1.
constexpr int kMaxExponent = 60;
// Significant digits a uint64 mantissa always holds.
constexpr int kMaxDigits = 19;
constexpr int kMaxDivisorExponent = 38;

absl::Status Invalid(absl::string_view quantity, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("quantity \"", quantity, "\" is invalid: ", why));
}

struct Suffix {
  const char* text;
  int exp10;
  int exp2;
};
constexpr std::array<Suffix, 16> kSuffixes = {{
    {"", 0, 0},   {"Ki", 0, 10}, {"Mi", 0, 20}, {"Gi", 0, 30}, {"Ti", 0, 40}, {"Pi", 0, 50},
    {"Ei", 0, 60}, {"n", -9, 0}, {"u", -6, 0},  {"m", -3, 0},  {"k", 3, 0},   {"M", 6, 0},
    {"G", 9, 0},  {"T", 12, 0},  {"P", 15, 0},  {"E", 18, 0},
}};

// Applies the suffix to *parsed; false when it is not a suffix Kubernetes knows.
bool ApplySuffix(absl::string_view suffix, ParsedQuantity* parsed) {
  for (const Suffix& s : kSuffixes) {
    if (suffix == s.text) {
      parsed->exp10 += s.exp10;
      parsed->exp2 = s.exp2;
      return true;
    }
  }
  if (suffix.size() < 2 || (suffix[0] != 'e' && suffix[0] != 'E')) return false;
  absl::string_view exponent = suffix.substr(1);
  const size_t first_digit = (exponent[0] == '+' || exponent[0] == '-') ? 1 : 0;
  if (exponent.size() == first_digit) return false;
  for (char c : exponent.substr(first_digit)) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  int value = 0;
  if (!absl::SimpleAtoi(exponent, &value) || value > kMaxExponent || value < -kMaxExponent) {
    return false;
  }
  parsed->exp10 += value;
  return true;
}

// Reads the digits of "12.50" into mantissa 1250 and exp10 -2; returns the rest.
absl::StatusOr<absl::string_view> ReadNumber(absl::string_view quantity,
                                             absl::string_view text, ParsedQuantity* parsed) {
  int digits = 0;
  bool seen_digit = false;
  bool seen_point = false;
  size_t i = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !seen_point) {
      seen_point = true;
      continue;
    }
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) break;
    seen_digit = true;
    if (parsed->mantissa == 0 && c == '0') {
      if (seen_point) --parsed->exp10;
      continue;
    }
    if (++digits > kMaxDigits - 1) return Invalid(quantity, "too many significant digits");
    parsed->mantissa = parsed->mantissa * 10 + static_cast<uint64_t>(c - '0');
    if (seen_point) --parsed->exp10;
  }
  if (!seen_digit) return Invalid(quantity, "must start with a number");
  return text.substr(i);
}

absl::StatusOr<ParsedQuantity> Parse(absl::string_view quantity) {
  ParsedQuantity parsed;
  absl::string_view text = quantity;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    parsed.negative = text[0] == '-';
    text.remove_prefix(1);
  }
  absl::StatusOr<absl::string_view> suffix = ReadNumber(quantity, text, &parsed);
  if (!suffix.ok()) return suffix.status();
  if (!ApplySuffix(*suffix, &parsed)) {
    return Invalid(quantity, absl::StrCat("unknown suffix \"", *suffix,
                                          "\" (want Ki..Ei, n, u, m, k, M..E or e<N>)"));
  }
  return parsed;
}

// value * 10^unit_exp10, rounded towards +infinity.
absl::StatusOr<int64_t> Scaled(absl::string_view quantity, int unit_exp10) {
  absl::StatusOr<ParsedQuantity> parsed = Parse(quantity);
  if (!parsed.ok()) return parsed.status();
  const absl::uint128 limit = absl::uint128(std::numeric_limits<int64_t>::max());
  absl::uint128 numerator = absl::uint128(parsed->mantissa) << parsed->exp2;
  absl::uint128 denominator = 1;
  const int exp10 = parsed->exp10 + unit_exp10;
  for (int i = 0; i < exp10 && numerator != 0; ++i) {
    numerator *= 10;
    if (numerator > limit) {
      return absl::OutOfRangeError(absl::StrCat("quantity \"", quantity, "\" is too large"));
    }
  }
  // 10^38 still fits in uint128 and exceeds any numerator (< 2^124), so a larger divisor
  // leaves only "some fraction" or "zero".
  const bool tiny = -exp10 > kMaxDivisorExponent;
  for (int i = 0; i < -exp10 && !tiny; ++i) denominator *= 10;
  const absl::uint128 whole = tiny ? 0 : numerator / denominator;
  const bool has_fraction = tiny ? numerator != 0 : numerator % denominator != 0;
  if (whole > limit) {
    return absl::OutOfRangeError(absl::StrCat("quantity \"", quantity, "\" is too large"));
  }
  const int64_t value = static_cast<int64_t>(absl::Uint128Low64(whole));
  if (parsed->negative) return -value;
  return has_fraction ? value + 1 : value;
}

}  // namespace

absl::StatusOr<int64_t> QuantityValue(absl::string_view quantity) { return Scaled(quantity, 0); }

absl::StatusOr<int64_t> QuantityMilliValue(absl::string_view quantity) {
  return Scaled(quantity, 3);
}

absl::StatusOr<double> QuantityAsDouble(absl::string_view quantity) {
  absl::StatusOr<ParsedQuantity> parsed = Parse(quantity);
  if (!parsed.ok()) return parsed.status();
  double value = static_cast<double>(parsed->mantissa);
  for (int i = 0; i < parsed->exp10; ++i) value *= 10;
  for (int i = 0; i < -parsed->exp10; ++i) value /= 10;
  for (int i = 0; i < parsed->exp2; ++i) value *= 2;
  return parsed->negative ? -value : value;
}

absl::StatusOr<int64_t> ResourceValue(const std::map<std::string, std::string>& resources,
                                      absl::string_view resource) {
  auto it = resources.find(std::string(resource));
  if (it == resources.end()) return 0;
  return QuantityValue(it->second);
}

absl::StatusOr<int64_t> ResourceMilliValue(const std::map<std::string, std::string>& resources,
                                           absl::string_view resource) {
  auto it = resources.find(std::string(resource));
  if (it == resources.end()) return 0;
  return QuantityMilliValue(it->second);
}

}  // namespace flyover::kube::core
