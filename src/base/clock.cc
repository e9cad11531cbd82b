#include "base/clock.h"

#include <thread>

namespace skein {

Clock::time_point SystemClock::Now() { return std::chrono::system_clock::now(); }
void SystemClock::SleepFor(std::chrono::milliseconds duration) { std::this_thread::sleep_for(duration); }

ManualClock::ManualClock(time_point start) : now_(start) {}
Clock::time_point ManualClock::Now() {
  std::lock_guard lock(mutex_);
  return now_;
}
void ManualClock::SleepFor(std::chrono::milliseconds duration) {
  std::lock_guard lock(mutex_);
  now_ += duration;
  slept_ += duration;
}
void ManualClock::Advance(std::chrono::milliseconds duration) {
  std::lock_guard lock(mutex_);
  now_ += duration;
}
std::chrono::milliseconds ManualClock::slept() const {
  std::lock_guard lock(mutex_);
  return slept_;
}

}  // namespace skein
