// Kubernetes resource quantities ("16", "100m", "64Gi", "1.5", "2e3") as numbers, for
// cpu, memory and huawei.com/Ascend910 accounting.
//
// Grammar (resource.Quantity): an optional sign, a decimal number ("1", "1.5", ".5"), and
// one suffix: a binary SI suffix (Ki Mi Gi Ti Pi Ei), a decimal SI suffix (n u m k M G T P
// E) or a decimal exponent ("e3", "E-2"). Values are computed exactly from the digits and
// rounded up (towards +infinity) to the requested unit, as Quantity.Value() and
// MilliValue() do. Errors are InvalidArgument naming the quantity and what is wrong;
// values that do not fit in int64 are OutOfRange. Pure functions; thread-safe.
#ifndef FLYOVER_KUBE_API_CORE_QUANTITY_H_
#define FLYOVER_KUBE_API_CORE_QUANTITY_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyover::kube::core {

// The value in whole units: "64Gi" -> 68719476736, "100m" -> 1, "16" -> 16.
[[nodiscard]] absl::StatusOr<int64_t> QuantityValue(absl::string_view quantity);

// The value in thousandths: "100m" -> 100, "1.5" -> 1500, "2" -> 2000.
[[nodiscard]] absl::StatusOr<int64_t> QuantityMilliValue(absl::string_view quantity);

// The value as a double (approximate for values beyond 2^53).
[[nodiscard]] absl::StatusOr<double> QuantityAsDouble(absl::string_view quantity);

// The whole-unit value of `resource` in a resource list (requests, capacity, ...);
// 0 when the list does not name it.
[[nodiscard]] absl::StatusOr<int64_t> ResourceValue(
    const std::map<std::string, std::string>& resources, absl::string_view resource);

// The milli value of `resource` (cpu is usually counted in millicores); 0 when absent.
[[nodiscard]] absl::StatusOr<int64_t> ResourceMilliValue(
    const std::map<std::string, std::string>& resources, absl::string_view resource);

}  // namespace flyover::kube::core

#endif  // FLYOVER_KUBE_API_CORE_QUANTITY_H_
