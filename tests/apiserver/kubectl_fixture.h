// KubectlFixture: a GoogleTest fixture with flyover-apiserver started in a scratch directory
// for each test, and the real kubectl run against it (server_process.h).
//
//   class MyKubectlTest : public KubectlFixture {};
//   TEST_F(MyKubectlTest, Applies) { EXPECT_THAT(Ok("apply -f crds/"), HasSubstr("created")); }
//
// Not thread-safe: one test thread.
#ifndef FLYOVER_TESTS_APISERVER_KUBECTL_FIXTURE_H_
#define FLYOVER_TESTS_APISERVER_KUBECTL_FIXTURE_H_

#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "tests/apiserver/server_process.h"

namespace flyover::apiserver::testing {

class KubectlFixture : public ::testing::Test {
 protected:
  // Starts the server (a failure fails the test).
  void SetUp() override;

  // Runs kubectl with `args` and expects success; returns its output.
  std::string Ok(const std::string& args);

  // Writes `text` to `name` in the test's directory; returns its path.
  std::string WriteFile(const std::string& name, const std::string& text);

  TempDir dir_;
  std::optional<ServerProcess> server_;
};

}  // namespace flyover::apiserver::testing

#endif  // FLYOVER_TESTS_APISERVER_KUBECTL_FIXTURE_H_
