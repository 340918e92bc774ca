#include "tests/apiserver/kubectl_fixture.h"

#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"

namespace flyover::apiserver::testing {

void KubectlFixture::SetUp() {
  absl::StatusOr<ServerProcess> server = ServerProcess::Start(dir_.path());
  ASSERT_TRUE(server.ok()) << server.status();
  server_.emplace(*std::move(server));
}

std::string KubectlFixture::Ok(const std::string& args) {
  CommandResult result = Kubectl(*server_, args);
  EXPECT_EQ(result.exit_code, 0) << "kubectl " << args << "\n" << result.output;
  return result.output;
}

std::string KubectlFixture::WriteFile(const std::string& name, const std::string& text) {
  const std::string path = absl::StrCat(dir_.path(), "/", name);
  std::ofstream(path) << text;
  return path;
}

}  // namespace flyover::apiserver::testing
