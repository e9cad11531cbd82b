// The GitLab forge (see forge.h): merge requests through GitLab's REST API (v4). Projects are
// addressed by their URL-encoded path ("group%2Fproject"), so no id look-up is needed.
//
// Reviewers: GitLab's reviewer_ids want numeric user ids, which would cost one user look-up per
// reviewer against the rate limit (and groups cannot be reviewers at all). skein instead ends
// the description with a "Reviewers: @alice @growth" line: a mention notifies users and group
// members alike, and the description stays the same on every re-run.
#include <mutex>
#include <optional>

#include "base/text.h"
#include "vcs/forge_http.h"

namespace skein::vcs::internal {
namespace {

using nlohmann::json;

constexpr const char* kForgeName = "gitlab";
constexpr std::string_view kDraftPrefix = "Draft: ";

std::string MentionOf(std::string name) {
  for (const char* kind : {"group:", "user:"})
    if (name.rfind(kind, 0) == 0) name = name.substr(std::string_view(kind).size());
  if (!name.empty() && name[0] == '@') name = name.substr(1);
  // "default/growth" is a catalog namespace; "org/team" a GitLab group path, mentioned whole.
  if (name.rfind("default/", 0) == 0) name = name.substr(8);
  return name.empty() ? "" : "@" + name;
}

std::string Description(const ChangeRequestSpec& spec) {
  std::vector<std::string> mentions;
  for (const std::string& reviewer : spec.reviewers)
    if (std::string m = MentionOf(reviewer); !m.empty()) mentions.push_back(m);
  if (mentions.empty()) return spec.body;
  return spec.body + "\n\nReviewers: " + Join(mentions, " ");
}

std::string Title(const ChangeRequestSpec& spec) {
  std::string title = spec.title;
  if (title.rfind(kDraftPrefix, 0) == 0) title = title.substr(kDraftPrefix.size());
  return spec.draft ? std::string(kDraftPrefix) + title : title;
}

// GitLab pipeline statuses -> skein's checks.
std::string ChecksFromPipeline(const json& mr) {
  auto pipeline = mr.find("head_pipeline");
  if (pipeline == mr.end() || !pipeline->is_object()) return "";
  std::string status = JsonString(*pipeline, "status");
  if (status == "success") return "success";
  if (status == "failed" || status == "canceled") return "failure";
  if (status.empty() || status == "skipped") return "";
  return "pending";  // created, waiting_for_resource, preparing, pending, running, scheduled, manual
}

// The username of the user in `object`'s field `key` ("merged_by", "closed_by"); "" when null.
std::string UsernameOf(const json& object, const char* key) {
  auto user = object.find(key);
  return user != object.end() && user->is_object() ? JsonString(*user, "username") : "";
}

// The time in `object`'s field `key` as epoch ms; 0 when it is null or unreadable (unknown).
int64_t TimeOf(const json& object, const char* key) {
  std::string text = JsonString(object, key);
  if (text.empty()) return 0;
  Result<int64_t> ms = ParseForgeTime(text);
  return ms.ok() ? *ms : 0;
}

// A merge request as the REST API gives it; the list and the single one alike, but for
// head_pipeline (only the single one).
ChangeRequest ToChangeRequest(const json& mr, bool created) {
  ChangeRequest out;
  out.forge = kForgeName;
  out.id = JsonString(mr, "iid");
  out.url = JsonString(mr, "web_url");
  std::string state = JsonString(mr, "state");
  out.state = state == "opened" || state == "locked" ? "open" : state;
  out.checks = ChecksFromPipeline(mr);
  out.created = created;
  if (out.state == "closed") out.closed_by = UsernameOf(mr, "closed_by");
  out.merged_by = UsernameOf(mr, "merged_by");
  if (out.merged_by.empty()) out.merged_by = UsernameOf(mr, "merge_user");  // merged_by's successor
  out.merged_at_ms = TimeOf(mr, "merged_at");
  out.closed_at_ms = out.state == "merged" ? out.merged_at_ms : TimeOf(mr, "closed_at");
  auto conflicts = mr.find("has_conflicts");
  out.conflicting = (conflicts != mr.end() && conflicts->is_boolean() && conflicts->get<bool>()) ||
                    JsonString(mr, "detailed_merge_status") == "conflict" ||
                    JsonString(mr, "merge_status") == "cannot_be_merged";
  return out;
}

class GitLabForge : public Forge {
 public:
  GitLabForge(const ForgeConfig& config, std::string token, Clock& clock)
      : http_(Options(config, std::move(token)), clock),
        limiter_(config.limits, clock, config.ledger, "gitlab " + config.api_url) {}

  ForgeKind kind() const override { return ForgeKind::kGitLab; }

  Result<ChangeRequest> OpenOrUpdate(const ChangeRequestSpec& spec) override {
    RETURN_IF_ERROR(CheckProject(spec.project));
    if (spec.branch.empty() || spec.base_branch.empty())
      return Status::InvalidInput("gitlab: " + spec.project +
                                  ": a merge request needs a source and a target branch");
    limiter_.Acquire();  // outside the lock: a thread waiting for its slot must not block Sync
    std::lock_guard lock(mutex_);
    std::string mrs = ProjectPath(spec.project) + "/merge_requests";
    ASSIGN_OR_RETURN(std::optional<json> existing, FindOpenLocked(spec.project, spec.branch));
    json fields = {{"title", Title(spec)},
                   {"description", Description(spec)},
                   {"labels", Join(spec.labels, ",")},
                   {"target_branch", spec.base_branch}};
    json mr;
    if (existing) {
      ASSIGN_OR_RETURN(ForgeResponse updated,
                       http_.Send("PUT", mrs + "/" + JsonString(*existing, "iid"), fields));
      mr = std::move(updated.json);
    } else {
      fields["source_branch"] = spec.branch;
      ASSIGN_OR_RETURN(ForgeResponse made, http_.Send("POST", mrs, fields));
      mr = std::move(made.json);
    }
    std::string iid = JsonString(mr, "iid");
    if (iid.empty()) return Status::Unavailable("gitlab: " + spec.project + ": the merge request has no iid");
    if (spec.auto_merge) {
      json merge = {{"merge_when_pipeline_succeeds", true}};
      RETURN_IF_ERROR(http_.Send("PUT", mrs + "/" + iid + "/merge", merge).status());
    }
    return ToChangeRequest(mr, !existing.has_value());
  }

  Result<std::optional<ChangeRequest>> FindByBranch(const std::string& project,
                                                    const std::string& branch) override {
    RETURN_IF_ERROR(CheckProject(project));
    std::lock_guard lock(mutex_);
    ASSIGN_OR_RETURN(std::optional<json> mr, FindOpenLocked(project, branch));
    if (!mr) return std::optional<ChangeRequest>();
    return std::optional<ChangeRequest>(ToChangeRequest(*mr, false));
  }

  Result<ChangeRequest> Sync(const std::string& project, const std::string& branch) override {
    RETURN_IF_ERROR(CheckProject(project));
    std::lock_guard lock(mutex_);
    std::string mrs = ProjectPath(project) + "/merge_requests";
    // Every state, newest first: the open one if there is one, else the latest.
    ASSIGN_OR_RETURN(ForgeResponse list, http_.Send("GET", mrs + "?source_branch=" + PercentEncode(branch)));
    const json* chosen = nullptr;
    if (list.json.is_array()) {
      for (const json& mr : list.json)
        if (JsonString(mr, "state") == "opened" && !chosen) chosen = &mr;
      if (!chosen && !list.json.empty()) chosen = &list.json[0];
    }
    if (!chosen)
      return Status::NotFound("gitlab: " + project + ": no merge request has source branch " + branch);
    // The list leaves out head_pipeline; the single merge request carries it.
    ASSIGN_OR_RETURN(ForgeResponse mr, http_.Send("GET", mrs + "/" + JsonString(*chosen, "iid")));
    return ToChangeRequest(mr.json, false);
  }

  Result<std::optional<ChangeRequest>> FindDeclined(const std::string& project,
                                                    const std::string& branch) override {
    RETURN_IF_ERROR(CheckProject(project));
    std::lock_guard lock(mutex_);
    // Every state (GitLab's default), newest first, in one call: an open one answers "not
    // declined" by itself, and the list carries closed_by and closed_at.
    ASSIGN_OR_RETURN(
        ForgeResponse list,
        http_.Send("GET", ProjectPath(project) + "/merge_requests?source_branch=" + PercentEncode(branch)));
    if (!list.json.is_array())
      return Status::Unavailable("gitlab: " + project + ": the merge request list is not a list");
    for (const json& mr : list.json) {
      if (ToChangeRequest(mr, false).state == "open") return std::optional<ChangeRequest>();
    }
    for (const json& mr : list.json) {
      ChangeRequest request = ToChangeRequest(mr, false);
      if (request.state != "closed") continue;
      // Closed by skein itself (a campaign's rollback): not a person's "no".
      if (!request.closed_by.empty()) {
        ASSIGN_OR_RETURN(std::string self, SelfLocked());
        if (request.closed_by == self) continue;
      }
      return std::optional<ChangeRequest>(std::move(request));
    }
    return std::optional<ChangeRequest>();
  }

  Status Close(const std::string& project, const std::string& branch) override {
    RETURN_IF_ERROR(CheckProject(project));
    std::lock_guard lock(mutex_);
    ASSIGN_OR_RETURN(std::optional<json> mr, FindOpenLocked(project, branch));
    if (mr) {
      json close = {{"state_event", "close"}};
      RETURN_IF_ERROR(
          http_.Send("PUT", ProjectPath(project) + "/merge_requests/" + JsonString(*mr, "iid"), close)
              .status());
    }
    // The branch exists only for the request; a re-run after a half-done Close must finish it.
    Status deleted =
        http_.Send("DELETE", ProjectPath(project) + "/repository/branches/" + PercentEncode(branch)).status();
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
    return Status::Ok();
  }

 private:
  // The token's own username (GET /user), read once.
  Result<std::string> SelfLocked() {
    if (!self_) {
      ASSIGN_OR_RETURN(ForgeResponse user, http_.Send("GET", "/user"));
      self_ = JsonString(user.json, "username");
    }
    return *self_;
  }

  static ForgeHttpOptions Options(const ForgeConfig& config, std::string token) {
    ForgeHttpOptions options;
    options.forge = kForgeName;
    options.api_url = config.api_url;
    options.token_env = config.token_env;
    options.limits = config.limits;
    options.headers = {{"PRIVATE-TOKEN", token}, {"Accept", "application/json"}, {"User-Agent", "skein"}};
    options.token = std::move(token);
    return options;
  }

  static Status CheckProject(const std::string& project) {
    if (project.empty() || project.front() == '/' || project.back() == '/' ||
        project.find('/') == std::string::npos)
      return Status::InvalidInput("gitlab: project '" + project + "' is not \"group/project\"");
    return Status::Ok();
  }

  static std::string ProjectPath(const std::string& project) { return "/projects/" + PercentEncode(project); }

  Result<std::optional<json>> FindOpenLocked(const std::string& project, const std::string& branch) {
    ASSIGN_OR_RETURN(ForgeResponse list,
                     http_.Send("GET", ProjectPath(project) + "/merge_requests?state=opened&source_branch=" +
                                           PercentEncode(branch)));
    if (!list.json.is_array())
      return Status::Unavailable("gitlab: " + project + ": the merge request list is not a list");
    if (list.json.empty()) return std::optional<json>();
    return std::optional<json>(list.json[0]);
  }

  ForgeHttp http_;
  RateLimiter limiter_;
  std::mutex mutex_;                 // serializes calls: find-then-create must not interleave
  std::optional<std::string> self_;  // the token's username, once read
};

}  // namespace

std::unique_ptr<Forge> MakeGitLabForge(const ForgeConfig& config, std::string token, Clock& clock) {
  return std::make_unique<GitLabForge>(config, std::move(token), clock);
}

}  // namespace skein::vcs::internal
