// ForgeKindName and MakeForge (see forge.h): the checks every forge configuration must pass;
// ParseForgeTime, for the times the forges' APIs report.
#include "vcs/forge.h"

#include <chrono>
#include <cstdlib>

#include "vcs/forge_http.h"

namespace skein::vcs {
namespace {

// The `count` digits of `text` at `pos` as a number; -1 when there are fewer or one is no digit.
int Digits(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return -1;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::string_view ForgeKindName(ForgeKind kind) {
  switch (kind) {
    case ForgeKind::kGit:
      return "git";
    case ForgeKind::kGitHub:
      return "github";
    case ForgeKind::kGitLab:
      return "gitlab";
  }
  return "unknown";
}

Result<int64_t> ParseForgeTime(std::string_view text) {
  auto malformed = [&] {
    return Status::InvalidInput("'" + std::string(text) +
                                "' is not an ISO 8601 time like 2026-12-03T10:00:00Z");
  };
  // "YYYY-MM-DDTHH:MM:SS", then optional fractions, then "Z" or "+HH:MM" / "-HH:MM".
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
      text[13] != ':' || text[16] != ':')
    return malformed();
  int year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2);
  int hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 ||
      second > 60)
    return malformed();
  std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                   std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return malformed();
  size_t pos = 19;
  int64_t millis = 0;
  if (text[pos] == '.') {
    size_t first = ++pos;
    for (int64_t scale = 100; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, scale /= 10)
      millis += (text[pos] - '0') * scale;  // digits past the millisecond add 0
    if (pos == first) return malformed();
  }
  int64_t offset_seconds = 0;
  if (pos + 1 == text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    // UTC
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') && text[pos + 3] == ':') {
    int hours = Digits(text, pos + 1, 2), minutes = Digits(text, pos + 4, 2);
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return malformed();
    offset_seconds = (hours * 3600 + minutes * 60) * (text[pos] == '-' ? -1 : 1);
  } else {
    return malformed();
  }
  int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return seconds * 1000 + millis;
}

Result<std::unique_ptr<Forge>> MakeForge(const ForgeConfig& config, Clock& clock) {
  std::string name(ForgeKindName(config.kind));
  // The git forge pushes from a repository to a remote, which the configuration does not name.
  if (config.kind == ForgeKind::kGit)
    return Status::InvalidInput("git forge: made per repository with MakeGitForge(repo, remote)");
  RETURN_IF_ERROR(ValidateRateLimitPolicy(config.limits).WithContext(name));
  if (config.api_url.empty()) return Status::InvalidInput(name + " forge: no API URL configured");
  RETURN_IF_ERROR(internal::SplitApiUrl(config.api_url).status().WithContext(name));
  if (config.token_env.empty())
    return Status::InvalidInput(name + " forge: no token variable configured (e.g. token_env: " +
                                (config.kind == ForgeKind::kGitHub ? "GITHUB_TOKEN" : "GITLAB_TOKEN") + ")");
  const char* token = std::getenv(config.token_env.c_str());
  if (token == nullptr || *token == '\0')
    return Status::InvalidInput(name + " forge: environment variable " + config.token_env + " is not set");
  if (config.kind == ForgeKind::kGitHub) return internal::MakeGitHubForge(config, token, clock);
  return internal::MakeGitLabForge(config, token, clock);
}

}  // namespace skein::vcs
