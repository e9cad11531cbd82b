#include <gtest/gtest.h>

#include <ctime>

#include "vcs/forge.h"

namespace skein::vcs {
namespace {

// A policy with only the fields `set` changes from their defaults.
template <typename Set>
RateLimitPolicy Policy(Set set) {
  RateLimitPolicy policy;
  set(policy);
  return policy;
}

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// A clock showing `hour`:`minute` local time on an ordinary January day (no DST change near).
ManualClock AtLocalTime(int hour, int minute) {
  std::tm local{};
  local.tm_year = 2024 - 1900;
  local.tm_mon = 0;
  local.tm_mday = 15;
  local.tm_hour = hour;
  local.tm_min = minute;
  local.tm_isdst = -1;
  return ManualClock(std::chrono::system_clock::from_time_t(std::mktime(&local)));
}

TEST(RateLimiter, SpacesThreeRequestsWithPerMinuteTwoByAMinute) {
  ManualClock clock;
  RateLimiter limiter(Policy([](RateLimitPolicy& p) { p.per_minute = 2; }), clock);
  limiter.Acquire();
  limiter.Acquire();
  EXPECT_EQ(clock.slept(), milliseconds(0));
  limiter.Acquire();
  EXPECT_GE(clock.slept(), minutes(1));
  EXPECT_LT(clock.slept(), minutes(1) + seconds(1));
}

TEST(RateLimiter, PerHourLimitWaitsUntilTheOldestRequestIsAnHourOld) {
  ManualClock clock;
  RateLimiter limiter(Policy([](RateLimitPolicy& p) { p.per_hour = 2; }), clock);
  limiter.Acquire();
  clock.Advance(minutes(10));
  limiter.Acquire();
  EXPECT_EQ(limiter.WaitTime(), minutes(50));
  limiter.Acquire();
  EXPECT_EQ(clock.slept(), minutes(50));
  // The second request (10 minutes in) is the next to age out.
  EXPECT_EQ(limiter.WaitTime(), minutes(10));
}

TEST(RateLimiter, WaitTimeRecordsNothing) {
  ManualClock clock;
  RateLimiter limiter(Policy([](RateLimitPolicy& p) { p.per_minute = 1; }), clock);
  EXPECT_EQ(limiter.WaitTime(), milliseconds(0));
  EXPECT_EQ(limiter.WaitTime(), milliseconds(0));
  limiter.Acquire();
  EXPECT_EQ(clock.slept(), milliseconds(0));
  EXPECT_EQ(limiter.WaitTime(), minutes(1));
}

TEST(RateLimiter, NoLimitsNeverWait) {
  ManualClock clock;
  RateLimiter limiter({}, clock);
  for (int i = 0; i < 100; ++i) limiter.Acquire();
  EXPECT_EQ(clock.slept(), milliseconds(0));
}

TEST(RateLimiter, OutsideTheWindowWaitsUntilItOpens) {
  ManualClock clock = AtLocalTime(7, 0);
  RateLimiter limiter(Policy([](RateLimitPolicy& p) { p.windows = {"09:30-17:00"}; }), clock);
  limiter.Acquire();
  EXPECT_EQ(clock.slept(), hours(2) + minutes(30));
}

TEST(RateLimiter, InsideTheWindowDoesNotWait) {
  ManualClock clock = AtLocalTime(12, 0);
  RateLimiter limiter(Policy([](RateLimitPolicy& p) { p.windows = {"09:30-17:00"}; }), clock);
  limiter.Acquire();
  EXPECT_EQ(clock.slept(), milliseconds(0));
}

TEST(RateLimiter, WindowMayWrapMidnight) {
  ManualClock late = AtLocalTime(23, 30);
  RateLimiter at_night(Policy([](RateLimitPolicy& p) { p.windows = {"22:00-06:00"}; }), late);
  EXPECT_EQ(at_night.WaitTime(), milliseconds(0));

  ManualClock early = AtLocalTime(5, 59);
  RateLimiter before_dawn(Policy([](RateLimitPolicy& p) { p.windows = {"22:00-06:00"}; }), early);
  EXPECT_EQ(before_dawn.WaitTime(), milliseconds(0));

  ManualClock morning = AtLocalTime(6, 0);  // the end is exclusive
  RateLimiter by_day(Policy([](RateLimitPolicy& p) { p.windows = {"22:00-06:00"}; }), morning);
  EXPECT_EQ(by_day.WaitTime(), hours(16));
}

TEST(RateLimiter, TheNearestOfSeveralWindowsOpensFirst) {
  ManualClock clock = AtLocalTime(13, 0);
  RateLimiter limiter(Policy([](RateLimitPolicy& p) { p.windows = {"20:00-21:00", "14:00-15:00"}; }), clock);
  EXPECT_EQ(limiter.WaitTime(), hours(1));
}

TEST(RateLimiter, WindowAndRateLimitTogetherWaitForBoth) {
  ManualClock clock = AtLocalTime(9, 0);
  RateLimiter limiter(Policy([](RateLimitPolicy& p) {
                        p.per_minute = 1;
                        p.windows = {"09:00-09:01"};
                      }),
                      clock);
  limiter.Acquire();
  limiter.Acquire();  // the minute is spent; by then the window has closed until tomorrow 09:00
  EXPECT_EQ(clock.slept(), hours(24));
}

TEST(RateLimitPolicy, RejectsMalformedWindows) {
  EXPECT_TRUE(ValidateRateLimitPolicy(Policy([](RateLimitPolicy& p) {
                p.windows = {"09:00-17:00", "22:00-06:00"};
              })).ok());
  for (const char* bad : {"9-17", "09:00", "25:00-26:00", "09:60-10:00", "09:00-17:00x"}) {
    Status status = ValidateRateLimitPolicy(Policy([&](RateLimitPolicy& p) { p.windows = {bad}; }));
    EXPECT_EQ(status.code(), StatusCode::kInvalidInput) << bad;
    EXPECT_NE(status.message().find(bad), std::string::npos) << status.message();
  }
  EXPECT_FALSE(ValidateRateLimitPolicy(Policy([](RateLimitPolicy& p) { p.per_minute = -1; })).ok());
}

}  // namespace
}  // namespace skein::vcs
