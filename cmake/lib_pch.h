// Headers most library translation units parse: precompiled once per build into
// flyover_lib_pch and reused by every library, binary and benchmark (cmake/Pch.cmake).
// Only standard and third-party headers belong here: a project header would make the
// whole build recompile when it changes.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
