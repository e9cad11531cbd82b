// forge_standin.h: a LOCAL STAND-IN for the GitHub and GitLab SaaS REST APIs, for tests only.
//
// The real services cannot run on this machine, so ForgeStandin plays one of them: an
// httplib::Server on 127.0.0.1 (random port, own thread) answering the endpoints skein's forges
// call, in the services' JSON shapes, and keeping their state — pull/merge requests by head
// branch, labels, reviewers, draft, state, check status, auto-merge, who closed or merged a
// request and when, merge conflicts, deleted branches. It checks
// the auth header (Bearer for GitHub, PRIVATE-TOKEN for GitLab) like the services do, records
// every request for assertions, and can be told to refuse the next requests the way the services
// rate-limit (GitHub's secondary and primary limits, GitLab's 429).
//
// It is not a complete or faithful API: only the fields skein reads or sends are modelled.
//
// Thread-safety: every method may be called while the server thread answers requests.
#pragma once

#include <httplib.h>

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace skein::testing {

struct RecordedRequest {
  std::string method;
  std::string target;  // as sent: still percent-encoded, query included
  httplib::Headers headers;
  std::string body;
  std::string Header(const std::string& name) const;
};

// A pull request (GitHub) or merge request (GitLab), as the stand-in keeps it.
struct StandinRequest {
  int number = 0;       // GitHub number / GitLab iid
  std::string project;  // "owner/repo", "group/project"
  std::string head;     // head (source) branch
  std::string base;     // base (target) branch
  std::string title;
  std::string body;
  std::string state;  // "open", "closed", "merged"
  bool draft = false;
  std::vector<std::string> labels;
  std::vector<std::string> reviewers;       // GitHub user logins
  std::vector<std::string> team_reviewers;  // GitHub team slugs
  bool auto_merge = false;
  std::string head_sha;
  std::string checks;  // GitHub combined state / GitLab pipeline status; "" = none reported
  // GitHub check runs (what GitHub Actions reports): {status, conclusion}.
  std::vector<std::pair<std::string, std::string>> check_runs;
  // Who closed it unmerged, and when ("2026-12-03T10:00:00Z"); closed through the API, by
  // ForgeStandin::kApiUser at kApiTime. "" while open or when merged.
  std::string closed_by;
  std::string closed_at;
  std::string merged_by;  // "" = unknown (GitHub's merged_by: null)
  std::string merged_at;  // "" = not merged, or merged by SetState (served as kApiTime)
  // GitHub's mergeable: nullopt while GitHub works it out (as right after opening), false when
  // the head conflicts with the base. GitLab: has_conflicts.
  std::optional<bool> mergeable;
  bool has_conflicts = false;
};

class ForgeStandin {
 public:
  enum class Api { kGitHub, kGitLab };
  // The user the token belongs to: who closes a request through the API.
  static constexpr const char* kApiUser = "skein-bot";
  // When a request was closed through the API, or merged by SetState.
  static constexpr const char* kApiTime = "2024-01-01T00:00:00Z";

  // Starts serving at once; requests must carry `token`.
  ForgeStandin(Api api, std::string token);
  ~ForgeStandin();
  ForgeStandin(const ForgeStandin&) = delete;
  ForgeStandin& operator=(const ForgeStandin&) = delete;

  // The API base URL to configure: "http://127.0.0.1:PORT" (GitHub) or ".../api/v4" (GitLab).
  std::string api_url() const;

  std::vector<StandinRequest> requests() const;
  // The newest request of `project` whose head is `branch`.
  std::optional<StandinRequest> Find(const std::string& project, const std::string& branch) const;
  // Sets what CI reports for the request's head: GitHub "pending"/"success"/"failure"/"error",
  // GitLab pipeline statuses "running"/"success"/"failed"/...
  void SetChecks(const std::string& project, const std::string& branch, const std::string& checks);
  // Adds a GitHub check run on the request's head: status "queued"/"in_progress"/"completed",
  // conclusion "success"/"failure"/... ("" until completed).
  void AddCheckRun(const std::string& project, const std::string& branch, const std::string& status,
                   const std::string& conclusion);
  // Changes the newest request's state ("merged", "closed") as a person on the website would.
  void SetState(const std::string& project, const std::string& branch, const std::string& state);
  // Request `number` of `project` closed without merging by `login` at `at_iso`
  // ("2026-12-03T10:00:00Z"), as a person on the website would.
  void CloseByPerson(const std::string& project, int number, const std::string& login,
                     const std::string& at_iso);
  // Request `number` of `project` merged by `login` at `at_iso`.
  void Merge(const std::string& project, int number, const std::string& login, const std::string& at_iso);
  // Whether request `number`'s head conflicts with its base (GitHub: mergeable false / true,
  // mergeable_state "dirty" / "clean"; GitLab: has_conflicts, merge statuses).
  void SetConflicting(const std::string& project, int number, bool conflicting);
  // Branches deleted through the API, "project:branch".
  std::vector<std::string> deleted_branches() const;

  // The next `times` requests get GitHub's secondary rate limit: 403, Retry-After, its message.
  void AnswerSecondaryRateLimit(int times, int retry_after_seconds);
  // The next `times` requests get GitHub's primary rate limit: `status` (403 or 429),
  // x-ratelimit-remaining: 0 and x-ratelimit-reset (epoch seconds).
  void AnswerPrimaryRateLimit(int times, int status, long long reset_epoch_seconds);
  // The next `times` requests get GitLab's 429 with Retry-After and RateLimit-Reset.
  void AnswerGitLabRateLimit(int times, int retry_after_seconds, long long reset_epoch_seconds);
  // The next `times` requests get `status` with `body` (e.g. a 401).
  void AnswerStatus(int times, int status, const std::string& body);

  std::vector<RecordedRequest> recorded() const;
  // How many recorded requests had `method` and a target starting with `target_prefix`.
  int CountRecorded(const std::string& method, const std::string& target_prefix) const;

 private:
  struct Canned {
    int status = 0;
    httplib::Headers headers;
    std::string body;
  };

  void Handle(const httplib::Request& request, httplib::Response& response);
  void HandleGitHub(const std::string& method, const std::vector<std::string>& path,
                    const httplib::Request& request, httplib::Response& response);
  void HandleGitLab(const std::string& method, const std::vector<std::string>& path,
                    const httplib::Request& request, httplib::Response& response);
  StandinRequest* FindLocked(const std::string& project, const std::string& branch, bool open_only);
  StandinRequest* ByNumberLocked(const std::string& project, int number);
  void Queue(int times, const Canned& canned);

  Api api_;
  std::string token_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;

  mutable std::mutex mutex_;
  std::vector<StandinRequest> requests_;
  std::vector<RecordedRequest> recorded_;
  std::deque<Canned> canned_;
  std::vector<std::string> deleted_branches_;
};

}  // namespace skein::testing
