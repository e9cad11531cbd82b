#include "base/clock.h"

#include <ctime>
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

std::string UtcText(int64_t epoch_ms) {
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace skein
