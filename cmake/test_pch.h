// Headers nearly every test translation unit parses: precompiled once per build into
// flyover_test_pch and reused by every test target (cmake/Pch.cmake). Only
// third-party and standard headers belong here: a project header would make every test
// recompile when it changes.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
