#include "nodesim/pod_path.h"

#include <filesystem>

#include "gtest/gtest.h"

namespace flyover::nodesim {
namespace {

TEST(PodPathTest, OwnDirectoryComesFirst) {
  EXPECT_EQ(PrependToPath("/opt/flyover/bin", "/usr/bin:/bin"), "/opt/flyover/bin:/usr/bin:/bin");
}

TEST(PodPathTest, OwnDirectoryIsNotListedTwice) {
  EXPECT_EQ(PrependToPath("/opt/f", "/usr/bin:/opt/f:/bin"), "/opt/f:/usr/bin:/bin");
  EXPECT_EQ(PrependToPath("/opt/f", "/opt/f"), "/opt/f");
}

TEST(PodPathTest, EmptyPathGetsTheSystemDirectories) {
  EXPECT_EQ(PrependToPath("/opt/f", ""), "/opt/f:/usr/local/bin:/usr/bin:/bin");
}

TEST(PodPathTest, EmptyDirectoryLeavesThePathAlone) {
  EXPECT_EQ(PrependToPath("", "/usr/bin:/bin"), "/usr/bin:/bin");
}

TEST(PodPathTest, OwnBinaryDirectoryHoldsThisTest) {
  const std::string dir = OwnBinaryDirectory();
  ASSERT_FALSE(dir.empty());
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  EXPECT_EQ(std::filesystem::read_symlink("/proc/self/exe").parent_path().string(), dir);
}

}  // namespace
}  // namespace flyover::nodesim
