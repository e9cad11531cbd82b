// RateLimiter (see forge.h): sliding per-minute and per-hour windows plus local-time opening
// hours, all read and waited through the Clock.
#include <algorithm>
#include <ctime>
#include <optional>

#include "base/text.h"
#include "vcs/forge.h"

namespace skein::vcs {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kSecondsPerDay = 24 * 60 * 60;

struct Window {
  int start = 0;  // seconds after local midnight
  int end = 0;
};

std::optional<int> ParseClockTime(std::string_view text) {
  text = Trim(text);
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4})
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  int hours = (text[0] - '0') * 10 + (text[1] - '0');
  int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 24 || minutes > 59 || (hours == 24 && minutes != 0)) return std::nullopt;
  return (hours * 60 + minutes) * 60;
}

std::optional<Window> ParseWindow(std::string_view text) {
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::optional<int> start = ParseClockTime(text.substr(0, dash));
  std::optional<int> end = ParseClockTime(text.substr(dash + 1));
  if (!start || !end) return std::nullopt;
  return Window{*start % kSecondsPerDay, *end % kSecondsPerDay};
}

bool Inside(const Window& w, int t) {
  if (w.start == w.end) return true;  // "00:00-24:00": the whole day
  if (w.start < w.end) return t >= w.start && t < w.end;
  return t >= w.start || t < w.end;  // wraps midnight
}

// How long until the oldest requests within `span` have aged out enough to allow one more.
milliseconds SlidingWait(const std::vector<Clock::time_point>& recent, Clock::time_point now, seconds span,
                         int limit) {
  if (limit <= 0) return milliseconds(0);
  auto first = std::upper_bound(recent.begin(), recent.end(), now - span);
  long in_window = recent.end() - first;
  if (in_window < limit) return milliseconds(0);
  Clock::time_point frees = *(first + (in_window - limit)) + span;
  return std::max(milliseconds(0), std::chrono::ceil<milliseconds>(frees - now));
}

// How long until `now` falls inside one of `windows` (zero when it already does). Days are
// taken as 24 hours; on a daylight-saving change the caller's re-check absorbs the difference.
milliseconds OpeningWait(const std::vector<std::string>& texts, Clock::time_point now) {
  if (texts.empty()) return milliseconds(0);
  std::time_t tt = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&tt, &local);
  milliseconds subsecond =
      std::chrono::duration_cast<milliseconds>(now - std::chrono::system_clock::from_time_t(tt));
  if (subsecond < milliseconds(0)) subsecond = milliseconds(0);
  int t = local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec;
  std::optional<milliseconds> best;
  for (const std::string& text : texts) {
    std::optional<Window> w = ParseWindow(text);
    if (!w) continue;  // ValidateRateLimitPolicy reports these
    if (Inside(*w, t)) return milliseconds(0);
    int ahead = ((w->start - t) % kSecondsPerDay + kSecondsPerDay) % kSecondsPerDay;
    milliseconds wait = seconds(ahead) - subsecond;
    if (!best || wait < *best) best = wait;
  }
  return best.value_or(milliseconds(0));
}

}  // namespace

Status ValidateRateLimitPolicy(const RateLimitPolicy& policy) {
  if (policy.per_minute < 0 || policy.per_hour < 0 || policy.max_retries < 0 || policy.max_wait.count() < 0)
    return Status::InvalidInput("rate limits must not be negative");
  for (const std::string& window : policy.windows) {
    if (!ParseWindow(window))
      return Status::InvalidInput("rate-limit window '" + window + "' is not \"HH:MM-HH:MM\" (local time)");
  }
  return Status::Ok();
}

RateLimiter::RateLimiter(RateLimitPolicy policy, Clock& clock, RateLedger* ledger, std::string key)
    : policy_(std::move(policy)), clock_(clock), ledger_(ledger), key_(std::move(key)) {}

milliseconds RateLimiter::WaitFor(const std::vector<Clock::time_point>& recent, Clock::time_point now) const {
  return std::max({SlidingWait(recent, now, seconds(60), policy_.per_minute),
                   SlidingWait(recent, now, seconds(3600), policy_.per_hour),
                   OpeningWait(policy_.windows, now)});
}

milliseconds RateLimiter::WaitTimeLocked(Clock::time_point now) {
  auto stale = std::upper_bound(recent_.begin(), recent_.end(), now - std::chrono::hours(1));
  recent_.erase(recent_.begin(), stale);
  return WaitFor(recent_, now);
}

milliseconds RateLimiter::WaitTime() {
  std::lock_guard lock(mutex_);
  return WaitTimeLocked(clock_.Now());
}

void RateLimiter::Acquire() {
  // Re-checked after every sleep: another thread (or, with a ledger, another machine) may have
  // taken the slot meanwhile.
  for (;;) {
    milliseconds wait;
    if (ledger_ != nullptr && (policy_.per_minute > 0 || policy_.per_hour > 0 || !policy_.windows.empty())) {
      Clock::time_point now = clock_.Now();
      Result<milliseconds> shared = ledger_->TryAcquire(
          key_, now, [&](const std::vector<Clock::time_point>& recent) { return WaitFor(recent, now); });
      if (shared.ok()) {
        if (*shared <= milliseconds(0)) return;
        wait = *shared;
      } else {
        // The shared ledger cannot be reached: keep to this process's own count meanwhile.
        std::lock_guard lock(mutex_);
        wait = WaitTimeLocked(now);
        if (wait <= milliseconds(0)) {
          recent_.push_back(now);
          return;
        }
      }
    } else {
      std::lock_guard lock(mutex_);
      Clock::time_point now = clock_.Now();
      wait = WaitTimeLocked(now);
      if (wait <= milliseconds(0)) {
        recent_.push_back(now);
        return;
      }
    }
    clock_.SleepFor(wait);
  }
}

}  // namespace skein::vcs
