// The local stand-in for the GitHub and GitLab SaaS APIs (see forge_standin.h).
#include "tests/support/forge_standin.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace skein::testing {
namespace {

using nlohmann::json;

std::string PercentDecode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// "/a/b%2Fc/d?x=1" -> {"a", "b/c", "d"}: segments decoded one by one, so GitLab's encoded
// project path stays one segment.
std::vector<std::string> PathSegments(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  std::vector<std::string> segments;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) segments.push_back(PercentDecode(path.substr(start, slash - start)));
    start = slash + 1;
  }
  return segments;
}

std::string Sha(int number) {
  char buffer[41];
  std::snprintf(buffer, sizeof buffer, "%040d", number);
  return buffer;
}

void Reply(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

// When the request was merged, and closed (merged ones too, as on GitHub); "" when it was not.
std::string MergedAt(const StandinRequest& r) {
  if (r.state != "merged") return "";
  return r.merged_at.empty() ? ForgeStandin::kApiTime : r.merged_at;
}
std::string ClosedAt(const StandinRequest& r) {
  if (r.state == "merged") return MergedAt(r);
  if (r.state != "closed") return "";
  return r.closed_at.empty() ? ForgeStandin::kApiTime : r.closed_at;
}

// `text` as JSON, null when empty; {key: text} for a user.
json OrNull(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }
json UserOrNull(const char* key, const std::string& name) {
  return name.empty() ? json(nullptr) : json({{key, name}});
}

std::string GitHubPullUrl(const StandinRequest& pr) {
  return "https://github.standin/" + pr.project + "/pull/" + std::to_string(pr.number);
}

// A pull request in GitHub's shape. Like GitHub, only the single pull (`single`) carries what
// GitHub works out per pull: merged, merged_by, mergeable, mergeable_state.
json GitHubPull(const StandinRequest& pr, bool single) {
  json labels = json::array();
  for (const std::string& l : pr.labels) labels.push_back({{"name", l}});
  json users = json::array();
  for (const std::string& u : pr.reviewers) users.push_back({{"login", u}});
  json teams = json::array();
  for (const std::string& t : pr.team_reviewers) teams.push_back({{"slug", t}});
  bool merged = pr.state == "merged";
  json out = {{"id", 1000 + pr.number},
              {"node_id", "PR_node" + std::to_string(pr.number)},
              {"number", pr.number},
              {"html_url", GitHubPullUrl(pr)},
              {"state", merged ? "closed" : pr.state},
              {"merged_at", OrNull(MergedAt(pr))},
              {"closed_at", OrNull(ClosedAt(pr))},
              {"draft", pr.draft},
              {"title", pr.title},
              {"body", pr.body},
              {"head", {{"ref", pr.head}, {"sha", pr.head_sha}}},
              {"base", {{"ref", pr.base}}},
              {"labels", labels},
              {"requested_reviewers", users},
              {"requested_teams", teams},
              {"auto_merge", pr.auto_merge ? json({{"merge_method", "merge"}}) : json(nullptr)}};
  if (single) {
    out["merged"] = merged;
    out["merged_by"] = UserOrNull("login", merged ? pr.merged_by : "");
    out["mergeable"] = pr.mergeable ? json(*pr.mergeable) : json(nullptr);
    out["mergeable_state"] = !pr.mergeable ? "unknown" : *pr.mergeable ? "clean" : "dirty";
  }
  return out;
}

// The issue of a pull request: where GitHub says who closed it (the merger, for a merged one).
json GitHubIssue(const StandinRequest& pr) {
  bool open = pr.state == "open";
  return {{"id", 2000 + pr.number},
          {"number", pr.number},
          {"html_url", GitHubPullUrl(pr)},
          {"title", pr.title},
          {"body", pr.body},
          {"state", open ? "open" : "closed"},
          {"closed_at", OrNull(ClosedAt(pr))},
          {"closed_by", UserOrNull("login", open                   ? ""
                                            : pr.state == "merged" ? pr.merged_by
                                                                   : pr.closed_by)},
          {"pull_request", {{"html_url", GitHubPullUrl(pr)}, {"merged_at", OrNull(MergedAt(pr))}}}};
}

json GitLabMergeRequest(const StandinRequest& mr, bool with_pipeline) {
  json out = {
      {"id", 5000 + mr.number},
      {"iid", mr.number},
      {"title", mr.title},
      {"description", mr.body},
      {"state", mr.state == "open" ? "opened" : mr.state},
      {"draft", mr.draft},
      {"work_in_progress", mr.draft},
      {"source_branch", mr.head},
      {"target_branch", mr.base},
      {"labels", mr.labels},
      {"sha", mr.head_sha},
      {"merge_when_pipeline_succeeds", mr.auto_merge},
      {"closed_by", UserOrNull("username", mr.state == "closed" ? mr.closed_by : "")},
      {"closed_at", OrNull(mr.state == "closed" ? ClosedAt(mr) : "")},
      {"merged_by", UserOrNull("username", mr.state == "merged" ? mr.merged_by : "")},
      {"merged_at", OrNull(MergedAt(mr))},
      {"has_conflicts", mr.has_conflicts},
      {"merge_status", mr.has_conflicts ? "cannot_be_merged" : "can_be_merged"},
      {"detailed_merge_status", mr.state != "open" ? "not_open"
                                : mr.has_conflicts ? "conflict"
                                                   : "mergeable"},
      {"web_url", "https://gitlab.standin/" + mr.project + "/-/merge_requests/" + std::to_string(mr.number)}};
  // Like GitLab, only the single merge request carries head_pipeline.
  if (with_pipeline)
    out["head_pipeline"] = mr.checks.empty() ? json(nullptr) : json({{"id", 1}, {"status", mr.checks}});
  return out;
}

std::vector<std::string> SplitLabels(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::string RecordedRequest::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

ForgeStandin::ForgeStandin(Api api, std::string token) : api_(api), token_(std::move(token)) {
  auto handler = [this](const httplib::Request& request, httplib::Response& response) {
    Handle(request, response);
  };
  server_.Get(".*", handler);
  server_.Post(".*", handler);
  server_.Put(".*", handler);
  server_.Patch(".*", handler);
  server_.Delete(".*", handler);
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // stop() before the accept loop runs would leave the thread listening forever.
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

ForgeStandin::~ForgeStandin() {
  server_.stop();
  thread_.join();
}

std::string ForgeStandin::api_url() const {
  std::string url = "http://127.0.0.1:" + std::to_string(port_);
  return api_ == Api::kGitLab ? url + "/api/v4" : url;
}

std::vector<StandinRequest> ForgeStandin::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::optional<StandinRequest> ForgeStandin::Find(const std::string& project,
                                                 const std::string& branch) const {
  std::lock_guard lock(mutex_);
  for (auto it = requests_.rbegin(); it != requests_.rend(); ++it)
    if (it->project == project && it->head == branch) return *it;
  return std::nullopt;
}

void ForgeStandin::SetChecks(const std::string& project, const std::string& branch,
                             const std::string& checks) {
  std::lock_guard lock(mutex_);
  if (StandinRequest* r = FindLocked(project, branch, false)) r->checks = checks;
}

void ForgeStandin::AddCheckRun(const std::string& project, const std::string& branch,
                               const std::string& status, const std::string& conclusion) {
  std::lock_guard lock(mutex_);
  if (StandinRequest* r = FindLocked(project, branch, false)) r->check_runs.emplace_back(status, conclusion);
}

void ForgeStandin::SetState(const std::string& project, const std::string& branch, const std::string& state) {
  std::lock_guard lock(mutex_);
  if (StandinRequest* r = FindLocked(project, branch, false)) r->state = state;
}

void ForgeStandin::CloseByPerson(const std::string& project, int number, const std::string& login,
                                 const std::string& at_iso) {
  std::lock_guard lock(mutex_);
  if (StandinRequest* r = ByNumberLocked(project, number)) {
    r->state = "closed";
    r->closed_by = login;
    r->closed_at = at_iso;
  }
}

void ForgeStandin::Merge(const std::string& project, int number, const std::string& login,
                         const std::string& at_iso) {
  std::lock_guard lock(mutex_);
  if (StandinRequest* r = ByNumberLocked(project, number)) {
    r->state = "merged";
    r->merged_by = login;
    r->merged_at = at_iso;
  }
}

void ForgeStandin::SetConflicting(const std::string& project, int number, bool conflicting) {
  std::lock_guard lock(mutex_);
  if (StandinRequest* r = ByNumberLocked(project, number)) {
    r->mergeable = !conflicting;
    r->has_conflicts = conflicting;
  }
}

std::vector<std::string> ForgeStandin::deleted_branches() const {
  std::lock_guard lock(mutex_);
  return deleted_branches_;
}

void ForgeStandin::Queue(int times, const Canned& canned) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < times; ++i) canned_.push_back(canned);
}

void ForgeStandin::AnswerSecondaryRateLimit(int times, int retry_after_seconds) {
  json body = {{"message",
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."},
               {"documentation_url", "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}};
  Queue(times, {403, {{"Retry-After", std::to_string(retry_after_seconds)}}, body.dump()});
}

void ForgeStandin::AnswerPrimaryRateLimit(int times, int status, long long reset_epoch_seconds) {
  json body = {{"message", "API rate limit exceeded for user ID 1."}};
  Queue(times, {status,
                {{"x-ratelimit-limit", "5000"},
                 {"x-ratelimit-remaining", "0"},
                 {"x-ratelimit-reset", std::to_string(reset_epoch_seconds)}},
                body.dump()});
}

void ForgeStandin::AnswerGitLabRateLimit(int times, int retry_after_seconds, long long reset_epoch_seconds) {
  Queue(times, {429,
                {{"Retry-After", std::to_string(retry_after_seconds)},
                 {"RateLimit-Remaining", "0"},
                 {"RateLimit-Reset", std::to_string(reset_epoch_seconds)}},
                "Retry later\n"});
}

void ForgeStandin::AnswerStatus(int times, int status, const std::string& body) {
  Queue(times, {status, {}, body});
}

std::vector<RecordedRequest> ForgeStandin::recorded() const {
  std::lock_guard lock(mutex_);
  return recorded_;
}

int ForgeStandin::CountRecorded(const std::string& method, const std::string& target_prefix) const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(std::count_if(recorded_.begin(), recorded_.end(), [&](const RecordedRequest& r) {
    return r.method == method && r.target.rfind(target_prefix, 0) == 0;
  }));
}

StandinRequest* ForgeStandin::FindLocked(const std::string& project, const std::string& branch,
                                         bool open_only) {
  for (auto it = requests_.rbegin(); it != requests_.rend(); ++it)
    if (it->project == project && it->head == branch && (!open_only || it->state == "open")) return &*it;
  return nullptr;
}

StandinRequest* ForgeStandin::ByNumberLocked(const std::string& project, int number) {
  for (StandinRequest& r : requests_)
    if (r.project == project && r.number == number) return &r;
  return nullptr;
}

void ForgeStandin::Handle(const httplib::Request& request, httplib::Response& response) {
  std::lock_guard lock(mutex_);
  recorded_.push_back({request.method, request.target, request.headers, request.body});
  if (!canned_.empty()) {
    Canned canned = canned_.front();
    canned_.pop_front();
    response.status = canned.status;
    for (const auto& [name, value] : canned.headers) response.set_header(name, value);
    response.set_content(canned.body, "application/json");
    return;
  }
  bool authorized = api_ == Api::kGitHub ? request.get_header_value("Authorization") == "Bearer " + token_
                                         : request.get_header_value("PRIVATE-TOKEN") == token_;
  if (!authorized) {
    Reply(response, 401, {{"message", api_ == Api::kGitHub ? "Bad credentials" : "401 Unauthorized"}});
    return;
  }
  try {
    std::vector<std::string> path = PathSegments(request.target);
    if (api_ == Api::kGitHub) {
      HandleGitHub(request.method, path, request, response);
    } else if (path.size() >= 2 && path[0] == "api" && path[1] == "v4") {
      HandleGitLab(request.method, std::vector<std::string>(path.begin() + 2, path.end()), request, response);
    } else {
      Reply(response, 404, {{"message", "404 Not Found"}});
    }
  } catch (const std::exception& e) {
    // A malformed request body: the services answer 400 too.
    Reply(response, 400, {{"message", std::string("stand-in could not read the request: ") + e.what()}});
  }
}

void ForgeStandin::HandleGitHub(const std::string& method, const std::vector<std::string>& path,
                                const httplib::Request& request, httplib::Response& response) {
  json body = request.body.empty() ? json::object() : json::parse(request.body);
  if (method == "GET" && path == std::vector<std::string>{"user"})
    return Reply(response, 200, {{"login", kApiUser}});
  if (method == "POST" && path == std::vector<std::string>{"graphql"}) {
    std::string query = body.at("query").get<std::string>();
    std::string node = body.at("variables").at("id").get<std::string>();
    StandinRequest* pr = nullptr;
    for (StandinRequest& r : requests_)
      if ("PR_node" + std::to_string(r.number) == node) pr = &r;
    if (!pr)
      return Reply(response, 200,
                   {{"errors", {{{"message", "Could not resolve to a node with the global id"}}}}});
    if (query.find("enablePullRequestAutoMerge") != std::string::npos) pr->auto_merge = true;
    if (query.find("convertPullRequestToDraft") != std::string::npos) pr->draft = true;
    if (query.find("markPullRequestReadyForReview") != std::string::npos) pr->draft = false;
    return Reply(response, 200, {{"data", json::object()}});
  }
  if (path.size() < 4 || path[0] != "repos") return Reply(response, 404, {{"message", "Not Found"}});
  std::string project = path[1] + "/" + path[2];
  std::string collection = path[3];
  if (collection == "pulls" && path.size() == 4 && method == "GET") {
    std::string head = request.get_param_value("head");
    std::string state = request.has_param("state") ? request.get_param_value("state") : "open";
    json list = json::array();
    for (auto it = requests_.rbegin(); it != requests_.rend(); ++it) {  // newest first
      if (it->project != project || (!head.empty() && path[1] + ":" + it->head != head)) continue;
      bool open = it->state == "open";
      if ((state == "open" && !open) || (state == "closed" && open)) continue;
      list.push_back(GitHubPull(*it, false));
    }
    return Reply(response, 200, list);
  }
  if (collection == "pulls" && path.size() == 4 && method == "POST") {
    std::string head = body.at("head").get<std::string>();
    if (FindLocked(project, head, true)) {
      return Reply(
          response, 422,
          {{"message", "Validation Failed"},
           {"errors", {{{"message", "A pull request already exists for " + path[1] + ":" + head + "."}}}}});
    }
    StandinRequest pr;
    pr.number = static_cast<int>(requests_.size()) + 1;
    pr.project = project;
    pr.head = head;
    pr.base = body.at("base").get<std::string>();
    pr.title = body.value("title", "");
    pr.body = body.value("body", "");
    pr.draft = body.value("draft", false);
    pr.state = "open";
    pr.head_sha = Sha(pr.number);
    requests_.push_back(pr);
    return Reply(response, 201, GitHubPull(pr, true));
  }
  if ((collection == "pulls" || collection == "issues") && path.size() >= 5) {
    StandinRequest* pr = ByNumberLocked(project, std::stoi(path[4]));
    if (!pr) return Reply(response, 404, {{"message", "Not Found"}});
    if (path.size() == 5 && method == "GET")
      return Reply(response, 200, collection == "issues" ? GitHubIssue(*pr) : GitHubPull(*pr, true));
    if (path.size() == 5 && method == "PATCH") {
      if (body.contains("title")) pr->title = body["title"].get<std::string>();
      if (body.contains("body")) pr->body = body["body"].get<std::string>();
      if (body.contains("base")) pr->base = body["base"].get<std::string>();
      if (body.contains("state")) {
        std::string state = body["state"].get<std::string>();
        if (state == "closed" && pr->state == "open") {
          pr->closed_by = kApiUser;  // the token's user closes it
          pr->closed_at = kApiTime;
        } else if (state == "open") {
          pr->closed_by.clear();
          pr->closed_at.clear();
        }
        if (pr->state != "merged") pr->state = state;  // a merged pull stays merged
      }
      return Reply(response, 200, GitHubPull(*pr, true));
    }
    if (path.size() == 6 && path[5] == "labels" && method == "POST") {
      json labels = json::array();
      for (const json& l : body.at("labels")) {
        std::string name = l.get<std::string>();
        if (std::find(pr->labels.begin(), pr->labels.end(), name) == pr->labels.end())
          pr->labels.push_back(name);
      }
      for (const std::string& l : pr->labels) labels.push_back({{"name", l}});
      return Reply(response, 200, labels);
    }
    if (path.size() == 6 && path[5] == "requested_reviewers" && method == "POST") {
      for (const json& u : body.value("reviewers", json::array()))
        pr->reviewers.push_back(u.get<std::string>());
      for (const json& t : body.value("team_reviewers", json::array()))
        pr->team_reviewers.push_back(t.get<std::string>());
      return Reply(response, 201, GitHubPull(*pr, true));
    }
  }
  if (collection == "commits" && path.size() == 6 && path[5] == "check-runs" && method == "GET") {
    for (const StandinRequest& r : requests_) {
      if (r.project != project || r.head_sha != path[4]) continue;
      json runs = json::array();
      for (const auto& [status, conclusion] : r.check_runs) {
        runs.push_back({{"name", "ci"},
                        {"head_sha", r.head_sha},
                        {"status", status},
                        {"conclusion", conclusion.empty() ? json(nullptr) : json(conclusion)}});
      }
      return Reply(response, 200, {{"total_count", runs.size()}, {"check_runs", runs}});
    }
    return Reply(response, 404, {{"message", "No commit found for SHA: " + path[4]}});
  }
  if (collection == "commits" && path.size() == 6 && path[5] == "status" && method == "GET") {
    for (const StandinRequest& r : requests_) {
      if (r.project != project || r.head_sha != path[4]) continue;
      json statuses = json::array();
      if (!r.checks.empty()) statuses.push_back({{"state", r.checks}, {"context", "ci"}});
      // GitHub says "pending" when nothing has reported.
      return Reply(response, 200,
                   {{"state", r.checks.empty() ? "pending" : r.checks},
                    {"sha", r.head_sha},
                    {"total_count", statuses.size()},
                    {"statuses", statuses}});
    }
    return Reply(response, 404, {{"message", "No commit found for SHA: " + path[4]}});
  }
  if (collection == "git" && path.size() >= 7 && path[4] == "refs" && path[5] == "heads" &&
      method == "DELETE") {
    std::string branch = path[6];
    for (size_t i = 7; i < path.size(); ++i) branch += "/" + path[i];
    std::string key = project + ":" + branch;
    bool known = FindLocked(project, branch, false) != nullptr;
    if (!known ||
        std::find(deleted_branches_.begin(), deleted_branches_.end(), key) != deleted_branches_.end())
      return Reply(response, 422, {{"message", "Reference does not exist"}});
    deleted_branches_.push_back(key);
    response.status = 204;
    return;
  }
  Reply(response, 404, {{"message", "Not Found"}});
}

void ForgeStandin::HandleGitLab(const std::string& method, const std::vector<std::string>& path,
                                const httplib::Request& request, httplib::Response& response) {
  json body = request.body.empty() ? json::object() : json::parse(request.body);
  if (method == "GET" && path == std::vector<std::string>{"user"})
    return Reply(response, 200, {{"username", kApiUser}});
  // path[1] is the decoded project path: the client must have sent it as one %2F-encoded segment.
  if (path.size() < 3 || path[0] != "projects") return Reply(response, 404, {{"message", "404 Not Found"}});
  std::string project = path[1];
  if (path[2] == "merge_requests" && path.size() == 3 && method == "GET") {
    std::string source = request.get_param_value("source_branch");
    std::string state = request.has_param("state") ? request.get_param_value("state") : "all";
    json list = json::array();
    for (auto it = requests_.rbegin(); it != requests_.rend(); ++it) {  // newest first
      if (it->project != project || (!source.empty() && it->head != source)) continue;
      std::string gitlab_state = it->state == "open" ? "opened" : it->state;
      if (state != "all" && state != gitlab_state) continue;
      list.push_back(GitLabMergeRequest(*it, false));
    }
    return Reply(response, 200, list);
  }
  if (path[2] == "merge_requests" && path.size() == 3 && method == "POST") {
    std::string source = body.at("source_branch").get<std::string>();
    if (FindLocked(project, source, true)) {
      return Reply(response, 409,
                   {{"message", {"Another open merge request already exists for this source branch: !1"}}});
    }
    StandinRequest mr;
    mr.number = static_cast<int>(requests_.size()) + 1;
    mr.project = project;
    mr.head = source;
    mr.base = body.at("target_branch").get<std::string>();
    mr.title = body.at("title").get<std::string>();
    mr.body = body.value("description", "");
    mr.labels = SplitLabels(body.value("labels", ""));
    mr.draft = mr.title.rfind("Draft:", 0) == 0;
    mr.state = "open";
    mr.head_sha = Sha(mr.number);
    requests_.push_back(mr);
    return Reply(response, 201, GitLabMergeRequest(mr, true));
  }
  if (path[2] == "merge_requests" && path.size() >= 4) {
    StandinRequest* mr = ByNumberLocked(project, std::stoi(path[3]));
    if (!mr) return Reply(response, 404, {{"message", "404 Not found"}});
    if (path.size() == 4 && method == "GET") return Reply(response, 200, GitLabMergeRequest(*mr, true));
    if (path.size() == 4 && method == "PUT") {
      if (body.contains("title")) mr->title = body["title"].get<std::string>();
      if (body.contains("description")) mr->body = body["description"].get<std::string>();
      if (body.contains("target_branch")) mr->base = body["target_branch"].get<std::string>();
      if (body.contains("labels")) mr->labels = SplitLabels(body["labels"].get<std::string>());
      if (body.value("state_event", "") == "close" && mr->state == "open") {
        mr->state = "closed";
        mr->closed_by = kApiUser;  // the token's user closes it
        mr->closed_at = kApiTime;
      }
      if (body.value("state_event", "") == "reopen" && mr->state == "closed") {
        mr->state = "open";
        mr->closed_by.clear();
        mr->closed_at.clear();
      }
      mr->draft = mr->title.rfind("Draft:", 0) == 0;
      return Reply(response, 200, GitLabMergeRequest(*mr, true));
    }
    if (path.size() == 5 && path[4] == "merge" && method == "PUT") {
      if (mr->state != "open") return Reply(response, 405, {{"message", "405 Method Not Allowed"}});
      if (body.value("merge_when_pipeline_succeeds", false)) mr->auto_merge = true;
      return Reply(response, 200, GitLabMergeRequest(*mr, true));
    }
  }
  if (path[2] == "repository" && path.size() == 5 && path[3] == "branches" && method == "DELETE") {
    std::string key = project + ":" + path[4];
    bool known = FindLocked(project, path[4], false) != nullptr;
    if (!known ||
        std::find(deleted_branches_.begin(), deleted_branches_.end(), key) != deleted_branches_.end())
      return Reply(response, 404, {{"message", "404 Branch Not Found"}});
    deleted_branches_.push_back(key);
    response.status = 204;
    return;
  }
  Reply(response, 404, {{"message", "404 Not Found"}});
}

}  // namespace skein::testing
