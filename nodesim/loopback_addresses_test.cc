#include "nodesim/loopback_addresses.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <memory>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::nodesim {
namespace {

using ::testing::HasSubstr;

TEST(LoopbackAddressPoolTest, HandsOutDistinctLoopbackAddressesNeverTheNodes) {
  LoopbackAddressPool pool;
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < 600; ++i) {
    absl::StatusOr<std::string> ip = pool.Acquire(absl::StrCat("ml/p", i));
    ASSERT_TRUE(ip.ok()) << ip.status();
    EXPECT_NE(*ip, "127.0.0.1");
    EXPECT_TRUE(seen.insert(*ip).second) << *ip;
    in_addr parsed{};
    EXPECT_EQ(inet_pton(AF_INET, ip->c_str(), &parsed), 1) << *ip;
  }
  EXPECT_TRUE(seen.contains("127.1.0.1"));    // the first
  EXPECT_TRUE(seen.contains("127.1.0.254"));  // no .0 or .255 host part
  EXPECT_TRUE(seen.contains("127.1.1.1"));
  EXPECT_FALSE(seen.contains("127.1.0.255"));
  EXPECT_EQ(pool.Acquire("ml/p7").value(), pool.Acquire("ml/p7").value());  // same owner
  EXPECT_EQ(pool.InUse(), 600u);
}

TEST(LoopbackAddressPoolTest, ReleasedAddressesComeBackLastAndExhaustionIsAnError) {
  LoopbackAddressPool pool(/*first_octet=*/255);  // 256 x 254 addresses
  const std::string first = pool.Acquire("x").value();
  EXPECT_EQ(first, "127.255.0.1");
  pool.Release("x");
  EXPECT_EQ(pool.InUse(), 0u);
  EXPECT_EQ(pool.Acquire("y").value(), "127.255.0.2");  // not the just released one
  for (int i = 0; i < 256 * 254 - 1; ++i) ASSERT_TRUE(pool.Acquire(absl::StrCat(i)).ok()) << i;
  absl::StatusOr<std::string> full = pool.Acquire("one-too-many");
  EXPECT_EQ(full.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(full.status().message(), HasSubstr("pod IP: all 65024 loopback addresses"));
  { LoopbackAddressLease lease(nullptr, "unused", "127.9.9.9"); }  // a lease without a pool
  auto shared = std::make_shared<LoopbackAddressPool>();
  {
    LoopbackAddressLease lease(shared, "z", shared->Acquire("z").value());
    EXPECT_EQ(lease.address(), "127.1.0.1");
    EXPECT_EQ(shared->InUse(), 1u);
  }
  EXPECT_EQ(shared->InUse(), 0u);
}

}  // namespace
}  // namespace flyover::nodesim
