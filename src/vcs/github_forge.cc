// The GitHub forge (see forge.h): pull requests through GitHub's REST API, plus GraphQL for what
// REST cannot do (auto-merge, draft <-> ready).
#include <mutex>
#include <optional>

#include "base/text.h"
#include "vcs/forge_http.h"

namespace skein::vcs::internal {
namespace {

using nlohmann::json;

constexpr const char* kForgeName = "github";

// Catalog owners become GitHub reviewers: "group:default/growth" -> team "growth",
// "user:default/alice" -> user "alice"; "org/team" -> team "team"; anything else is a user.
void SplitReviewers(const std::vector<std::string>& names, json& users, json& teams) {
  users = json::array();
  teams = json::array();
  for (std::string name : names) {
    bool team = false;
    if (name.rfind("group:", 0) == 0) {
      team = true;
      name = name.substr(6);
    } else if (name.rfind("user:", 0) == 0) {
      name = name.substr(5);
    } else if (name.find('/') != std::string::npos) {
      team = true;
    }
    if (!name.empty() && name[0] == '@') name = name.substr(1);
    if (size_t slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
    if (name.empty()) continue;
    (team ? teams : users).push_back(name);
  }
}

// The login of the user in `object`'s field `key` ("merged_by", "closed_by"); "" when it is null.
std::string LoginOf(const json& object, const char* key) {
  auto user = object.find(key);
  return user != object.end() && user->is_object() ? JsonString(*user, "login") : "";
}

// The time in `object`'s field `key` as epoch ms; 0 when it is null or unreadable (unknown).
int64_t TimeOf(const json& object, const char* key) {
  std::string text = JsonString(object, key);
  if (text.empty()) return 0;
  Result<int64_t> ms = ParseForgeTime(text);
  return ms.ok() ? *ms : 0;
}

// A pull request as the REST API gives it. closed_by stays "": only the pull's issue says who
// closed it (ClosedByLocked). The list leaves out merged, merged_by and mergeable; merged_at and
// closed_at are in both.
ChangeRequest ToChangeRequest(const json& pr, bool created) {
  ChangeRequest out;
  out.forge = kForgeName;
  out.id = JsonString(pr, "number");
  out.url = JsonString(pr, "html_url");
  bool merged = (pr.contains("merged") && pr["merged"].is_boolean() && pr["merged"].get<bool>()) ||
                (pr.contains("merged_at") && pr["merged_at"].is_string());
  out.state = merged ? "merged" : JsonString(pr, "state");
  out.created = created;
  out.merged_by = LoginOf(pr, "merged_by");
  out.merged_at_ms = TimeOf(pr, "merged_at");
  out.closed_at_ms = TimeOf(pr, "closed_at");
  if (out.closed_at_ms == 0) out.closed_at_ms = out.merged_at_ms;
  // mergeable is null while GitHub works it out: not known to conflict yet.
  auto mergeable = pr.find("mergeable");
  out.conflicting = (mergeable != pr.end() && mergeable->is_boolean() && !mergeable->get<bool>()) ||
                    JsonString(pr, "mergeable_state") == "dirty";
  return out;
}

// GitHub's combined status -> skein's checks. No statuses at all reads "pending" on GitHub,
// which would wait forever on a repository without CI; skein reports it as unknown.
std::string ChecksFromCombinedStatus(const json& status) {
  if (status.value("total_count", 0) == 0) return "";
  std::string state = JsonString(status, "state");
  if (state == "error") return "failure";
  return state;
}

// GitHub's check runs (GitHub Actions and apps report here, not as statuses) merged into
// `checks`: any failure fails; else anything unfinished is pending; else success.
std::string MergeCheckRuns(const std::string& checks, const json& runs) {
  if (!runs.contains("check_runs") || !runs["check_runs"].is_array() || runs["check_runs"].empty())
    return checks;
  bool pending = checks == "pending", failed = checks == "failure";
  for (const json& run : runs["check_runs"]) {
    if (JsonString(run, "status") != "completed") {
      pending = true;
      continue;
    }
    std::string conclusion = JsonString(run, "conclusion");
    if (conclusion != "success" && conclusion != "neutral" && conclusion != "skipped") failed = true;
  }
  return failed ? "failure" : pending ? "pending" : "success";
}

class GitHubForge : public Forge {
 public:
  GitHubForge(const ForgeConfig& config, std::string token, Clock& clock)
      : http_(Options(config, std::move(token)), clock),
        limiter_(config.limits, clock, config.ledger, "github " + config.api_url) {}

  ForgeKind kind() const override { return ForgeKind::kGitHub; }

  Result<ChangeRequest> OpenOrUpdate(const ChangeRequestSpec& spec) override {
    RETURN_IF_ERROR(CheckProject(spec.project));
    if (spec.branch.empty() || spec.base_branch.empty())
      return Status::InvalidInput("github: " + spec.project +
                                  ": a pull request needs a head and a base branch");
    limiter_.Acquire();  // outside the lock: a thread waiting for its slot must not block Sync
    std::lock_guard lock(mutex_);
    std::string repo = "/repos/" + spec.project;
    ASSIGN_OR_RETURN(std::optional<json> existing, FindOpenLocked(spec.project, spec.branch));
    json pr;
    bool created = !existing.has_value();
    if (created) {
      json create = {{"title", spec.title},
                     {"head", spec.branch},
                     {"base", spec.base_branch},
                     {"body", spec.body},
                     {"draft", spec.draft}};
      Result<ForgeResponse> made = http_.Send("POST", repo + "/pulls", create);
      // Someone opened it between our look-up and the POST: update that one instead.
      if (!made.ok() && made.status().message().find("already exists") != std::string::npos) {
        ASSIGN_OR_RETURN(existing, FindOpenLocked(spec.project, spec.branch));
        if (!existing) return made.status();
        created = false;
      } else if (!made.ok()) {
        return made.status();
      } else {
        pr = std::move(made->json);
      }
    }
    if (!created) {
      std::string number = JsonString(*existing, "number");
      json update = {{"title", spec.title}, {"body", spec.body}, {"base", spec.base_branch}};
      ASSIGN_OR_RETURN(ForgeResponse patched, http_.Send("PATCH", repo + "/pulls/" + number, update));
      pr = std::move(patched.json);
      bool is_draft = pr.value("draft", false);
      if (is_draft != spec.draft) {
        RETURN_IF_ERROR(GraphQl(spec.draft ? "convertPullRequestToDraft" : "markPullRequestReadyForReview",
                                JsonString(pr, "node_id")));
        pr["draft"] = spec.draft;
      }
    }
    std::string number = JsonString(pr, "number");
    if (number.empty())
      return Status::Unavailable("github: " + spec.project + ": the pull request has no number");
    if (!spec.labels.empty()) {
      json labels = {{"labels", spec.labels}};
      RETURN_IF_ERROR(http_.Send("POST", repo + "/issues/" + number + "/labels", labels).status());
    }
    if (!spec.reviewers.empty()) {
      json users, teams;
      SplitReviewers(spec.reviewers, users, teams);
      json request = {{"reviewers", users}, {"team_reviewers", teams}};
      RETURN_IF_ERROR(
          http_.Send("POST", repo + "/pulls/" + number + "/requested_reviewers", request).status());
    }
    if (spec.auto_merge) RETURN_IF_ERROR(GraphQl("enablePullRequestAutoMerge", JsonString(pr, "node_id")));
    return ToChangeRequest(pr, created);
  }

  Result<std::optional<ChangeRequest>> FindByBranch(const std::string& project,
                                                    const std::string& branch) override {
    RETURN_IF_ERROR(CheckProject(project));
    std::lock_guard lock(mutex_);
    ASSIGN_OR_RETURN(std::optional<json> pr, FindOpenLocked(project, branch));
    if (!pr) return std::optional<ChangeRequest>();
    return std::optional<ChangeRequest>(ToChangeRequest(*pr, false));
  }

  Result<ChangeRequest> Sync(const std::string& project, const std::string& branch) override {
    RETURN_IF_ERROR(CheckProject(project));
    std::lock_guard lock(mutex_);
    std::string repo = "/repos/" + project;
    // The open request if there is one, else the newest (GitHub lists newest first).
    ASSIGN_OR_RETURN(ForgeResponse list,
                     http_.Send("GET", repo + "/pulls?state=all&head=" + HeadParam(project, branch)));
    const json* chosen = nullptr;
    if (list.json.is_array()) {
      for (const json& pr : list.json)
        if (JsonString(pr, "state") == "open" && !chosen) chosen = &pr;
      if (!chosen && !list.json.empty()) chosen = &list.json[0];
    }
    if (!chosen)
      return Status::NotFound("github: " + project + ": no pull request has head branch " + branch);
    std::string number = JsonString(*chosen, "number");
    ASSIGN_OR_RETURN(ForgeResponse pr, http_.Send("GET", repo + "/pulls/" + number));
    ChangeRequest out = ToChangeRequest(pr.json, false);
    if (out.state == "closed") {
      ASSIGN_OR_RETURN(out.closed_by, ClosedByLocked(project, number));
    }
    std::string sha = pr.json.contains("head") ? JsonString(pr.json["head"], "sha") : "";
    if (!sha.empty()) {
      ASSIGN_OR_RETURN(ForgeResponse status, http_.Send("GET", repo + "/commits/" + sha + "/status"));
      out.checks = ChecksFromCombinedStatus(status.json);
      ASSIGN_OR_RETURN(ForgeResponse runs, http_.Send("GET", repo + "/commits/" + sha + "/check-runs"));
      out.checks = MergeCheckRuns(out.checks, runs.json);
    }
    return out;
  }

  Result<std::optional<ChangeRequest>> FindDeclined(const std::string& project,
                                                    const std::string& branch) override {
    RETURN_IF_ERROR(CheckProject(project));
    std::lock_guard lock(mutex_);
    // Every state, newest first, in one call: an open one answers "not declined" by itself.
    ASSIGN_OR_RETURN(
        ForgeResponse list,
        http_.Send("GET", "/repos/" + project + "/pulls?state=all&head=" + HeadParam(project, branch)));
    if (!list.json.is_array())
      return Status::Unavailable("github: " + project + ": the pull request list is not a list");
    for (const json& pr : list.json) {
      if (JsonString(pr, "state") == "open") return std::optional<ChangeRequest>();
    }
    for (const json& pr : list.json) {
      ChangeRequest out = ToChangeRequest(pr, false);
      if (out.state != "closed") continue;
      ASSIGN_OR_RETURN(out.closed_by, ClosedByLocked(project, out.id));
      // Closed by skein itself (a campaign's rollback): not a person's "no".
      ASSIGN_OR_RETURN(std::string self, SelfLocked());
      if (!out.closed_by.empty() && out.closed_by == self) continue;
      return std::optional<ChangeRequest>(std::move(out));
    }
    return std::optional<ChangeRequest>();
  }

  Status Close(const std::string& project, const std::string& branch) override {
    RETURN_IF_ERROR(CheckProject(project));
    std::lock_guard lock(mutex_);
    std::string repo = "/repos/" + project;
    ASSIGN_OR_RETURN(std::optional<json> pr, FindOpenLocked(project, branch));
    if (pr) {
      json close = {{"state", "closed"}};
      RETURN_IF_ERROR(http_.Send("PATCH", repo + "/pulls/" + JsonString(*pr, "number"), close).status());
    }
    // The branch exists only for the request; a re-run after a half-done Close must finish it.
    Result<ForgeResponse> deleted = http_.Send("DELETE", repo + "/git/refs/heads/" + PathOfBranch(branch));
    bool gone =
        !deleted.ok() && (deleted.status().code() == StatusCode::kNotFound ||
                          deleted.status().message().find("Reference does not exist") != std::string::npos);
    if (!deleted.ok() && !gone) return deleted.status();
    return Status::Ok();
  }

 private:
  // The token's own login (GET /user), read once.
  Result<std::string> SelfLocked() {
    if (!self_) {
      ASSIGN_OR_RETURN(ForgeResponse user, http_.Send("GET", "/user"));
      self_ = JsonString(user.json, "login");
    }
    return *self_;
  }

  static ForgeHttpOptions Options(const ForgeConfig& config, std::string token) {
    ForgeHttpOptions options;
    options.forge = kForgeName;
    options.api_url = config.api_url;
    options.token_env = config.token_env;
    options.limits = config.limits;
    options.headers = {{"Authorization", "Bearer " + token},
                       {"Accept", "application/vnd.github+json"},
                       {"X-GitHub-Api-Version", "2022-11-28"},
                       {"User-Agent", "skein"}};
    options.token = std::move(token);
    return options;
  }

  static Status CheckProject(const std::string& project) {
    size_t slash = project.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == project.size() ||
        project.find('/', slash + 1) != std::string::npos)
      return Status::InvalidInput("github: project '" + project + "' is not \"owner/repo\"");
    return Status::Ok();
  }

  // "owner:branch", the form GitHub's head filter wants.
  static std::string HeadParam(const std::string& project, const std::string& branch) {
    return PercentEncode(project.substr(0, project.find('/')) + ":" + branch);
  }

  // Branch names keep their slashes in GitHub's ref paths (refs/heads/skein/x).
  static std::string PathOfBranch(const std::string& branch) {
    std::vector<std::string> parts;
    for (const std::string& part : Split(branch, '/', false)) parts.push_back(PercentEncode(part));
    return Join(parts, "/");
  }

  Result<std::optional<json>> FindOpenLocked(const std::string& project, const std::string& branch) {
    ASSIGN_OR_RETURN(
        ForgeResponse list,
        http_.Send("GET", "/repos/" + project + "/pulls?state=open&head=" + HeadParam(project, branch)));
    if (!list.json.is_array())
      return Status::Unavailable("github: " + project + ": the pull request list is not a list");
    if (list.json.empty()) return std::optional<json>();
    return std::optional<json>(list.json[0]);
  }

  // Who closed pull request `number`: GitHub's pull requests do not say, their issue does
  // (closed_by.login; "" when GitHub does not know).
  Result<std::string> ClosedByLocked(const std::string& project, const std::string& number) {
    ASSIGN_OR_RETURN(ForgeResponse issue, http_.Send("GET", "/repos/" + project + "/issues/" + number));
    return LoginOf(issue.json, "closed_by");
  }

  // Runs a GraphQL mutation that takes just the pull request's node id.
  Status GraphQl(const std::string& mutation, const std::string& node_id) {
    if (node_id.empty())
      return Status::Unavailable("github: " + mutation + ": the pull request has no node_id");
    std::string path = http_.prefix();
    // GitHub Enterprise serves REST at /api/v3 and GraphQL at /api/graphql.
    if (path.size() >= 7 && path.compare(path.size() - 7, 7, "/api/v3") == 0)
      path = path.substr(0, path.size() - 7) + "/api/graphql";
    else
      path += "/graphql";
    json request = {{"query", "mutation($id: ID!) { " + mutation +
                                  "(input: {pullRequestId: $id}) { clientMutationId } }"},
                    {"variables", {{"id", node_id}}}};
    ASSIGN_OR_RETURN(ForgeResponse answer, http_.SendToHost("POST", path, request));
    // GraphQL reports failures with 200 and an "errors" list.
    if (answer.json.is_object() && answer.json.contains("errors") && !answer.json["errors"].empty()) {
      const json& first = answer.json["errors"][0];
      return Status::Conflict("github: " + mutation + ": " +
                              http_.Redact(first.is_object() ? JsonString(first, "message") : first.dump()));
    }
    return Status::Ok();
  }

  ForgeHttp http_;
  RateLimiter limiter_;
  std::mutex mutex_;                 // serializes calls: find-then-create must not interleave
  std::optional<std::string> self_;  // the token's login, once read
};

}  // namespace

std::unique_ptr<Forge> MakeGitHubForge(const ForgeConfig& config, std::string token, Clock& clock) {
  return std::make_unique<GitHubForge>(config, std::move(token), clock);
}

}  // namespace skein::vcs::internal
