// Organisation-wide rate limits: two workers (two limiters, each with its own connection to the
// store, as on two machines) share one count of change requests per forge, on SQLite and on
// PostgreSQL.
#include <gtest/gtest.h>

#include "base/clock.h"
#include "fleet/campaign.h"
#include "tests/store/store_test_databases.h"
#include "vcs/forge.h"

namespace skein {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class RateLedger : public ::testing::TestWithParam<std::string> {};

TEST_P(RateLedger, TwoWorkersShareOnePerMinuteLimit) {
  auto db = testing::NewStoreDatabase(GetParam());
  ManualClock clock;
  vcs::RateLimitPolicy policy;
  policy.per_minute = 2;
  StoreRateLedger ledger_a(db->url()), ledger_b(db->url());
  vcs::RateLimiter a(policy, clock, &ledger_a, "github https://api.github.com");
  vcs::RateLimiter b(policy, clock, &ledger_b, "github https://api.github.com");
  vcs::RateLimiter other_forge(policy, clock, &ledger_b, "gitlab https://gitlab.com/api/v4");
  a.Acquire();
  b.Acquire();
  EXPECT_EQ(clock.slept(), milliseconds(0));
  other_forge.Acquire();  // another forge's limit is its own
  EXPECT_EQ(clock.slept(), milliseconds(0));
  // The third request of the minute, from either worker, waits for the first to age out.
  a.Acquire();
  EXPECT_GE(clock.slept(), seconds(59));
  EXPECT_LE(clock.slept(), seconds(61));
  EXPECT_EQ(
      db->QueryText("SELECT COUNT(*) FROM forge_requests WHERE forge = 'github https://api.github.com'"),
      "3");
}

TEST_P(RateLedger, WithoutALimitNothingIsRecorded) {
  auto db = testing::NewStoreDatabase(GetParam());
  ManualClock clock;
  StoreRateLedger ledger(db->url());
  vcs::RateLimiter unlimited(vcs::RateLimitPolicy{}, clock, &ledger, "github x");
  for (int i = 0; i < 5; ++i) unlimited.Acquire();
  EXPECT_EQ(clock.slept(), milliseconds(0));
  ASSERT_TRUE(queue::Queue::Open(db->url()).ok());  // the schema, to look into
  EXPECT_EQ(db->QueryText("SELECT COUNT(*) FROM forge_requests"), "0");
}

INSTANTIATE_TEST_SUITE_P(Backends, RateLedger, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace skein
