// vcs/forge.h: where a verified change becomes a change request.
//
//   git      the branch pushed to the repository's remote is the request (no API)
//   github   the branch pushed to the remote, plus a pull request through GitHub's REST API
//   gitlab   the branch pushed to the remote, plus a merge request through GitLab's REST API
//
// Contracts:
// - OpenOrUpdate never opens a second request for one head branch: it finds an open request by
//   head branch first and updates it (title, body, labels, draft), else creates one.
// - OpenOrUpdate looks only at open requests, and a request a person closed without merging is
//   never reopened: callers ask FindDeclined first and, when it answers, push and open nothing.
// - Sync is how a request's fate is learned after it was opened: merged (by whom, when), closed
//   without merging (by whom, when), conflicting with its base, and its checks.
// - Requests are rate-limited for the whole organisation per forge (RateLimiter), and the
//   forge's own answers are honoured: Retry-After, x-ratelimit-remaining/-reset (GitHub),
//   RateLimit-Remaining/-Reset (GitLab), GitHub's secondary rate limit (403 with Retry-After or
//   a "secondary rate limit" message) — waited out with backoff through the Clock, up to a limit.
// - Tokens come from the environment variable the configuration names; they are sent only to
//   the configured API base URL and never appear in messages or logs.
//
// Thread-safety: a Forge may be shared by threads; its calls are serialized inside.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace skein::vcs {

enum class ForgeKind { kGit, kGitHub, kGitLab };
std::string_view ForgeKindName(ForgeKind kind);  // "git", "github", "gitlab"

// Organisation-wide request limits for one forge.
struct RateLimitPolicy {
  int per_minute = 0;  // 0 = no limit
  int per_hour = 0;
  // Local-time windows in which requests may be opened, "HH:MM-HH:MM" (may wrap midnight);
  // empty = any time.
  std::vector<std::string> windows;
  int max_retries = 5;                 // forge rate-limit answers waited out per call
  std::chrono::seconds max_wait{900};  // longest single wait skein accepts
};

// InvalidInput naming the first malformed window or negative limit.
Status ValidateRateLimitPolicy(const RateLimitPolicy& policy);

// Where a forge's request times are kept, so that limits hold for the whole organisation: in
// the process by default, or in the store shared by every worker on every machine
// (fleet/campaign.h's StoreRateLedger).
class RateLedger {
 public:
  virtual ~RateLedger() = default;
  // In one atomic step for `key`: reads the times of the last hour's requests (oldest first),
  // asks `wait_for` how long one more request must wait, and records `now` when that is zero.
  // Returns the wait (zero: recorded).
  virtual Result<std::chrono::milliseconds> TryAcquire(
      const std::string& key, Clock::time_point now,
      const std::function<std::chrono::milliseconds(const std::vector<Clock::time_point>&)>& wait_for) = 0;
};

struct ForgeConfig {
  ForgeKind kind = ForgeKind::kGit;
  std::string api_url;    // github: https://api.github.com; gitlab: https://gitlab.com/api/v4
  std::string token_env;  // the environment variable holding the token (GITHUB_TOKEN, GITLAB_TOKEN)
  RateLimitPolicy limits;
  RateLedger* ledger = nullptr;  // shared request times; null = this process's own
};

struct ChangeRequestSpec {
  std::string project;      // github: "owner/repo"; gitlab: "group/project"; git: ""
  std::string branch;       // head branch, already pushed
  std::string base_branch;  // e.g. "main"
  std::string title;
  std::string body;  // markdown
  bool draft = false;
  std::vector<std::string> labels;
  std::vector<std::string> reviewers;  // user or team names
  bool auto_merge = false;
};

// A change request as the forge reports it. The fields after `created` are filled by Sync and
// FindDeclined (and wherever the forge's answer carries them); the git forge leaves them empty:
// a plain git remote has no requests for a person to close, merge or find conflicting.
struct ChangeRequest {
  std::string forge;     // ForgeKindName
  std::string id;        // "42" (PR / MR number), or the branch for git
  std::string url;       // web URL, or "REMOTE#BRANCH" for git
  std::string state;     // "open", "closed" (closed without merging), "merged"
  std::string checks;    // "pending", "success", "failure", "" when unknown
  bool created = false;  // OpenOrUpdate made a new one (false: updated an existing one)
  // Who closed it without merging (GitHub login, GitLab username); "" when open, merged or unknown.
  std::string closed_by;
  int64_t closed_at_ms = 0;  // when it was closed or merged, epoch ms; 0 when open or unknown
  std::string merged_by;     // who merged it; "" when not merged or unknown
  int64_t merged_at_ms = 0;  // when it was merged, epoch ms; 0 when not merged or unknown
  // The head cannot be merged cleanly into the base. False also while the forge has not worked
  // it out yet (GitHub's mergeable: null).
  bool conflicting = false;
};

class Forge {
 public:
  virtual ~Forge() = default;
  virtual ForgeKind kind() const = 0;
  // Creates the request for spec.branch or updates the open one with that head branch.
  virtual Result<ChangeRequest> OpenOrUpdate(const ChangeRequestSpec& spec) = 0;
  // The open request whose head is `branch`, if any.
  virtual Result<std::optional<ChangeRequest>> FindByBranch(const std::string& project,
                                                            const std::string& branch) = 0;
  // Reads the current state of the request whose head is `branch` — the open one, else the
  // newest — with its checks (CI status of its head), who closed or merged it and when, and
  // whether it conflicts with its base. NotFound when no request has that head.
  virtual Result<ChangeRequest> Sync(const std::string& project, const std::string& branch) = 0;
  // The newest request whose head is `branch` that was closed without merging (state "closed",
  // closed_by and closed_at_ms filled when the forge says), when no request of that head is
  // open; nullopt otherwise: one is open, or none was closed without merging (merged is not
  // declined). A later merged request does not undo a person's "no". A request closed by the
  // token's own user (skein's Close, in a campaign's rollback) is not a person's "no" and is
  // passed over. The git forge always answers nullopt.
  virtual Result<std::optional<ChangeRequest>> FindDeclined(const std::string& project,
                                                            const std::string& branch) = 0;
  // Closes the open request of `branch` (if any) without merging.
  virtual Status Close(const std::string& project, const std::string& branch) = 0;
};

// Limits the rate of request-creating calls across every repository of one forge.
class RateLimiter {
 public:
  // With a ledger, the request times are the ledger's under `key` (shared); else this object's.
  RateLimiter(RateLimitPolicy policy, Clock& clock, RateLedger* ledger = nullptr, std::string key = "");
  // Waits (through the clock) until one more request is allowed, then records it.
  void Acquire();
  // How long Acquire would wait now, without recording anything.
  std::chrono::milliseconds WaitTime();

 private:
  std::chrono::milliseconds WaitTimeLocked(Clock::time_point now);

  std::chrono::milliseconds WaitFor(const std::vector<Clock::time_point>& recent,
                                    Clock::time_point now) const;

  RateLimitPolicy policy_;
  Clock& clock_;
  RateLedger* ledger_;
  std::string key_;
  std::mutex mutex_;                       // guards recent_; never held while sleeping
  std::vector<Clock::time_point> recent_;  // the last hour's requests, oldest first
};

// The forge of `config`; `clock` paces retries and rate limits. InvalidInput when the
// configuration is incomplete (no api_url for github/gitlab, token variable unset).
Result<std::unique_ptr<Forge>> MakeForge(const ForgeConfig& config, Clock& clock);

// Epoch milliseconds of a time as GitHub and GitLab write it, ISO 8601 with a "Z" or a numeric
// offset and optional fractions of a second: "2026-12-03T10:00:00Z", "2026-12-03T10:00:00.123Z",
// "2026-12-03T11:00:00+01:00". InvalidInput for anything else.
Result<int64_t> ParseForgeTime(std::string_view text);

// For the git forge: the remote a consumer's branch goes to.
std::unique_ptr<Forge> MakeGitForge(std::filesystem::path repo, std::string remote);

}  // namespace skein::vcs
