// Clock: the one way skein reads the time and waits, so schedulers, rate limits and retries can
// be tested without sleeping. SystemClock is the real one; ManualClock advances only when told
// (a test clock, not a stand-in for anything outside).
//
// Thread-safety: both clocks may be shared by threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace skein {

class Clock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point Now() = 0;
  virtual void SleepFor(std::chrono::milliseconds duration) = 0;
};

class SystemClock : public Clock {
 public:
  time_point Now() override;
  void SleepFor(std::chrono::milliseconds duration) override;
};

// Starts at `start`; SleepFor advances it at once and records the total slept.
class ManualClock : public Clock {
 public:
  explicit ManualClock(time_point start = time_point(std::chrono::hours(24 * 365 * 56)));
  time_point Now() override;
  void SleepFor(std::chrono::milliseconds duration) override;
  void Advance(std::chrono::milliseconds duration);
  std::chrono::milliseconds slept() const;

 private:
  mutable std::mutex mutex_;
  time_point now_;
  std::chrono::milliseconds slept_{0};
};

// Epoch milliseconds as UTC text to the second: "2026-12-03T10:15:00Z".
std::string UtcText(int64_t epoch_ms);

}  // namespace skein
