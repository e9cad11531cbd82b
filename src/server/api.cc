// The API's endpoints: campaigns, jobs, attempts, catalog, lineage, and the actions.
#include "server/api.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "fleet/campaign.h"

namespace skein::server {
namespace {

using nlohmann::json;
using queue::JobState;

constexpr int kMaxPage = 1000;
// Consumers per lineage answer unless asked otherwise, and at most.
constexpr int64_t kLineagePage = 500;
constexpr int64_t kMaxLineagePage = 5000;
// How long answers are reused: a campaign's summary (the event streams poll it every 250 ms, for
// every open dashboard), its page, and the catalog (it changes on import).
constexpr auto kSummaryFresh = std::chrono::milliseconds(500);
constexpr auto kDetailFresh = std::chrono::milliseconds(1000);
constexpr auto kGraphFresh = std::chrono::seconds(30);
// An answer older than fresh + this is computed again before answering, not served stale.
constexpr auto kStaleServed = std::chrono::seconds(5);
constexpr size_t kBurndownPoints = 200;

int64_t NowMs(Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.Now().time_since_epoch()).count();
}

// Consumers left over time from `total` at `start_ms`: one step down per time in `ended`
// (ascending), thinned to ~kBurndownPoints points (the last always kept).
json Burndown(int64_t start_ms, int64_t total, const std::vector<int64_t>& ended) {
  json points = json::array({{{"at_ms", start_ms}, {"remaining", total}}});
  size_t step = std::max<size_t>(1, ended.size() / kBurndownPoints);
  for (size_t i = 0; i < ended.size(); ++i) {
    if ((i + 1) % step != 0 && i + 1 != ended.size()) continue;
    points.push_back({{"at_ms", ended[i]}, {"remaining", total - static_cast<int64_t>(i + 1)}});
  }
  return points;
}

ApiReply Ok(json body) { return ApiReply{200, std::move(body), nullptr}; }

ApiReply BadRequest(std::string_view message) { return ErrorReply(400, "bad-request", message); }

json CountsJson(const queue::Counts& c) {
  json out = json::object();
  for (int s = 0; s <= static_cast<int>(JobState::kRolledBack); ++s) {
    auto state = static_cast<JobState>(s);
    out[std::string(queue::JobStateName(state))] = c.of(state);
  }
  out["total"] = c.total;
  return out;
}

json EventJson(const queue::Event& e) {
  return {
      {"id", e.id}, {"campaign", e.campaign}, {"at_ms", e.at_ms}, {"kind", e.kind}, {"message", e.message}};
}

json ParseOr(const std::string& text, json fallback) {
  if (text.empty()) return fallback;
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? fallback : parsed;
}

std::string JobName(const queue::Job& j) {
  return j.kind == "consumer" ? ShortRef(j.target) : j.kind + " " + j.target;
}

json JobSummaryJson(const queue::Job& j) {
  json result = ParseOr(j.result, json::object());
  json payload = ParseOr(j.payload, json::object());
  std::string title = payload.is_object() && payload.contains("title") && payload["title"].is_string()
                          ? payload["title"].get<std::string>()
                          : "";
  std::string request;
  if (result.is_object() && result.contains("request") && result["request"].is_string())
    request = result["request"].get<std::string>();
  return {{"id", j.id},
          {"campaign", j.campaign},
          {"kind", j.kind},
          {"target", j.target},
          {"name", JobName(j)},
          {"title", title},
          {"wave", j.wave},
          {"state", std::string(queue::JobStateName(j.state))},
          {"attempts", j.attempts},
          {"max_attempts", j.max_attempts},
          {"owner", j.owner},
          {"tier", j.tier},
          {"repo", j.repo},
          {"needs_approval", j.needs_approval},
          {"approved_by", j.approved_by},
          {"outcome", j.outcome},
          {"request_url", request},
          {"updated_ms", j.updated_ms},
          {"finished_ms", j.finished_ms}};
}

json JobJson(const queue::Job& j) {
  json out = JobSummaryJson(j);
  out["stage"] = j.stage;
  out["group"] = j.group;
  out["payload"] = ParseOr(j.payload, json::object());
  out["result"] = j.result.empty() ? json(nullptr) : ParseOr(j.result, json{{"text", j.result}});
  if (!out["result"].is_object() && !out["result"].is_null()) out["result"] = json{{"value", out["result"]}};
  out["lease_worker"] = j.lease_worker;
  out["lease_expires_ms"] = j.lease_expires_ms;
  out["run_after_ms"] = j.run_after_ms;
  return out;
}

// An attempt with its evidence unpacked: the diff, the verifier results of its last try, every
// try, a readable log and the change request.
json AttemptJson(const queue::Attempt& a) {
  json evidence = ParseOr(a.evidence, json::object());
  if (!evidence.is_object()) evidence = json::object();
  json tries = evidence.value("attempts", json::array());
  if (!tries.is_array()) tries = json::array();
  // Each verifier result says plainly whether it passed and why.
  for (auto& t : tries) {
    if (!t.is_object() || !t.contains("verifiers") || !t["verifiers"].is_array()) continue;
    for (auto& v : t["verifiers"]) {
      if (!v.is_object()) continue;
      v["passed"] = v.value("outcome", std::string()) == "pass";
      v["message"] = v.value("summary", std::string());
    }
  }
  json log = json::array();
  for (const auto& t : tries) {
    if (!t.is_object()) continue;
    std::string line =
        "try " + std::to_string(t.value("attempt", 0)) + ": agent " + t.value("agent", std::string("?"));
    json edited = t.value("edited", json::array());
    if (edited.is_array() && !edited.empty())
      line += ", edited " + std::to_string(edited.size()) + " file(s)";
    line += t.value("passed", false) ? ", verified" : ", not verified";
    log.push_back(line);
    for (const auto& p : t.value("problems", json::array())) {
      if (p.is_string()) log.push_back("  problem: " + p.get<std::string>());
    }
    for (const auto& v : t.value("verifiers", json::array())) {
      if (!v.is_object()) continue;
      log.push_back(
          "  " + v.value("verifier", std::string("?")) + ": " + v.value("outcome", std::string("?")) +
          (v.value("summary", std::string()).empty() ? "" : " — " + v.value("summary", std::string())));
    }
  }
  if (!evidence.value("reason", std::string()).empty())
    log.push_back("verdict: " + evidence.value("reason", std::string()));
  if (!a.error.empty()) log.push_back("error: " + a.error);
  json verifiers = json::array();
  if (!tries.empty() && tries.back().is_object()) verifiers = tries.back().value("verifiers", json::array());
  json request =
      evidence.contains("request") && evidence["request"].is_object() ? evidence["request"] : json(nullptr);
  return {{"token", a.token},
          {"worker", a.worker},
          {"started_ms", a.started_ms},
          {"ended_ms", a.ended_ms},
          {"outcome", a.outcome},
          {"error", a.error},
          {"diff", evidence.value("diff", std::string())},
          {"verifiers", verifiers},
          {"tries", tries},
          {"log", log},
          {"request", request}};
}

// The one value of query parameter `key`, or "" (a repeated key is bad input).
Result<std::string> QueryText(const ApiRequest& r, const std::string& key) {
  auto [first, last] = r.query.equal_range(key);
  if (first == last) return std::string();
  if (std::next(first) != last) return Status::InvalidInput(key + ": give it once");
  return first->second;
}

Result<int64_t> QueryInt(const ApiRequest& r, const std::string& key, int64_t fallback, int64_t min,
                         int64_t max) {
  ASSIGN_OR_RETURN(std::string text, QueryText(r, key));
  if (text.empty()) return fallback;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    return Status::InvalidInput(key + ": expected an integer, got '" + text + "'");
  if (value < min || value > max)
    return Status::InvalidInput(key + ": " + std::to_string(value) + " is out of range " +
                                std::to_string(min) + ".." + std::to_string(max));
  return value;
}

Result<int64_t> PathId(const ApiRequest& r) {
  const std::string& text = r.params.at(0);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0)
    return Status::NotFound("no job '" + text + "' (job ids are positive integers)");
  return value;
}

// The body's optional string `key` ("" when absent); bad input when it is there and not a string.
Result<std::string> BodyText(const ApiRequest& r, const std::string& key) {
  if (r.body.is_null()) return std::string();
  if (!r.body.is_object()) return Status::InvalidInput("the body must be a JSON object");
  if (!r.body.contains(key)) return std::string();
  if (!r.body[key].is_string()) return Status::InvalidInput(key + ": expected a string");
  std::string text = r.body[key].get<std::string>();
  if (text.size() > 500) return Status::InvalidInput(key + ": at most 500 characters");
  return text;
}

// Only these keys may appear in the body (a typo is bad input, not ignored).
Status OnlyKeys(const ApiRequest& r, std::initializer_list<std::string_view> keys) {
  if (r.body.is_null()) return Status::Ok();
  if (!r.body.is_object()) return Status::InvalidInput("the body must be a JSON object");
  for (const auto& [key, value] : r.body.items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      return Status::InvalidInput("unknown field '" + key + "'");
  }
  return Status::Ok();
}

// The campaign (never nullopt), or NotFound naming it.
Result<std::optional<queue::Campaign>> RequireCampaign(queue::Queue& q, const std::string& id) {
  ASSIGN_OR_RETURN(std::optional<queue::Campaign> c, q.FindCampaign(id));
  if (!c) return Status::NotFound("no campaign '" + id + "'");
  return c;
}

// The job (never nullopt), or NotFound naming it.
Result<std::optional<queue::Job>> RequireJob(queue::Queue& q, int64_t id) {
  ASSIGN_OR_RETURN(std::optional<queue::Job> job, q.FindJob(id));
  if (!job) return Status::NotFound("no job " + std::to_string(id));
  return job;
}

// The manifest's spec.from (the dataset it migrates away from), or "" when it has none. Read
// without validating the rest: a campaign's manifest was validated when it started.
std::string FromDataset(const std::string& manifest) {
  try {
    YAML::Node doc = YAML::Load(manifest);
    if (doc.IsMap() && doc["spec"] && doc["spec"].IsMap() && doc["spec"]["from"] &&
        doc["spec"]["from"].IsScalar())
      return doc["spec"]["from"].Scalar();
  } catch (const YAML::Exception&) {
  }
  return "";
}

}  // namespace

ApiReply ErrorReply(int http_status, std::string_view code, std::string_view message) {
  return ApiReply{http_status, {{"error", {{"code", code}, {"message", message}}}}, nullptr};
}

ApiReply ErrorReply(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidInput:
      return ErrorReply(400, "bad-request", status.message());
    case StatusCode::kNotFound:
      return ErrorReply(404, "not-found", status.message());
    case StatusCode::kConflict:
      return ErrorReply(409, "conflict", status.message());
    case StatusCode::kUnavailable:
      return ErrorReply(503, "unavailable", status.message());
    default:
      return ErrorReply(500, "internal", status.message());
  }
}

#define REPLY_IF_ERROR(expr)                       \
  do {                                             \
    Status _status = (expr);                       \
    if (!_status.ok()) return ErrorReply(_status); \
  } while (0)
#define REPLY_ASSIGN_OR_RETURN(lhs, expr)                                                                   \
  auto SKEIN_CONCAT(_result_, __LINE__) = (expr);                                                           \
  if (!SKEIN_CONCAT(_result_, __LINE__).ok()) return ErrorReply(SKEIN_CONCAT(_result_, __LINE__).status()); \
  lhs = std::move(SKEIN_CONCAT(_result_, __LINE__)).value()
#define SKEIN_CONCAT_INNER(a, b) a##b
#define SKEIN_CONCAT(a, b) SKEIN_CONCAT_INNER(a, b)

Api::Api(std::string store_url, Clock& clock)
    : store_url_(std::move(store_url)),
      clock_(clock),
      queues_([url = store_url_] { return queue::Queue::Open(url, std::chrono::seconds(5)); }),
      stores_([url = store_url_] { return OpenStore(url); }) {}

Api::~Api() {
  {
    std::lock_guard lock(cache_mutex_);
    stopping_ = true;
  }
  refresh_wake_.notify_all();
  if (refresher_.joinable()) refresher_.join();
  std::lock_guard lock(rollbacks_mutex_);
  for (std::thread& t : rollbacks_) t.join();
}

const std::vector<Api::Route>& Api::Routes() {
  static const std::vector<Route> routes = {
      {"GET", "/api/v1/campaigns", Role::kViewer, &Api::ListCampaigns},
      {"GET", "/api/v1/campaigns/{id}", Role::kViewer, &Api::GetCampaign},
      {"GET", "/api/v1/campaigns/{id}/jobs", Role::kViewer, &Api::ListJobs},
      {"GET", "/api/v1/campaigns/{id}/events", Role::kViewer, &Api::ListEvents},
      {"GET", "/api/v1/jobs/{id}", Role::kViewer, &Api::GetJob},
      {"GET", "/api/v1/jobs/{id}/attempts", Role::kViewer, &Api::ListAttempts},
      {"GET", "/api/v1/catalog/entities", Role::kViewer, &Api::ListEntities},
      {"GET", "/api/v1/datasets", Role::kViewer, &Api::ListDatasets},
      {"GET", "/api/v1/datasets/{id}/lineage", Role::kViewer, &Api::GetLineage},
      {"POST", "/api/v1/campaigns/{id}/pause", Role::kOperator, &Api::Pause},
      {"POST", "/api/v1/campaigns/{id}/resume", Role::kOperator, &Api::Resume},
      {"POST", "/api/v1/campaigns/{id}/cancel", Role::kOperator, &Api::Cancel},
      {"POST", "/api/v1/campaigns/{id}/rollback", Role::kOperator, &Api::Rollback},
      {"POST", "/api/v1/campaigns/{id}/approve", Role::kOperator, &Api::ApproveCampaign},
      {"POST", "/api/v1/jobs/{id}/approve", Role::kOperator, &Api::ApproveJob},
      {"POST", "/api/v1/jobs/{id}/retry", Role::kOperator, &Api::RetryJob},
  };
  return routes;
}

// --- campaigns ---

Result<json> Api::Summary(queue::Queue& q, const queue::Campaign& c) {
  ASSIGN_OR_RETURN(queue::Counts counts, q.CountJobs(c.id));
  queue::JobQuery all;
  all.kind = "consumer";
  all.limit = 0;  // only the count
  ASSIGN_OR_RETURN(queue::JobPage consumers, q.FindJobs(c.id, all));
  queue::JobQuery open = all;
  open.states = {JobState::kWaiting, JobState::kPending, JobState::kAwaitingApproval, JobState::kRunning};
  open.limit = 0;
  ASSIGN_OR_RETURN(queue::JobPage remaining, q.FindJobs(c.id, open));
  return json{{"id", c.id},
              {"state", std::string(queue::CampaignStateName(c.state))},
              {"reason", c.reason},
              {"manifest", c.manifest_file},
              {"manifest_sha256", c.manifest_hash},
              {"open_stage", c.open_stage},
              {"created_ms", c.created_ms},
              {"updated_ms", c.updated_ms},
              {"counts", CountsJson(counts)},
              {"consumers", {{"total", consumers.total}, {"remaining", remaining.total}}},
              {"as_of_ms", NowMs(clock_)}};
}

Result<Api::Shared> Api::Reuse(std::map<std::string, CachedJson>& cache, const std::string& key,
                               std::chrono::milliseconds fresh, queue::Queue& q, const Compute& compute) {
  {
    std::lock_guard lock(cache_mutex_);
    auto it = cache.find(key);
    if (it != cache.end() && std::chrono::steady_clock::now() - it->second.at <= fresh + kStaleServed) {
      CachedJson& entry = it->second;
      if (std::chrono::steady_clock::now() - entry.at > fresh && !entry.refreshing && !stopping_) {
        entry.refreshing = true;
        refreshes_.push_back(Refresh{&cache, key, generation_, compute});
        if (!refresher_.joinable()) refresher_ = std::thread([this] { RefreshLoop(); });
        refresh_wake_.notify_one();
      }
      return entry.body;
    }
  }
  ASSIGN_OR_RETURN(json computed, compute(q));
  auto body = std::make_shared<const json>(std::move(computed));
  std::lock_guard lock(cache_mutex_);
  if (cache.size() > 1000) cache.clear();
  auto [it, added] = cache.try_emplace(key);
  // Another request may have put a newer one there meanwhile; either is a right answer.
  if (added || !it->second.refreshing) {
    it->second.body = body;
    it->second.at = std::chrono::steady_clock::now();
  }
  return body;
}

void Api::RefreshLoop() {
  std::unique_lock lock(cache_mutex_);
  while (true) {
    refresh_wake_.wait(lock, [this] { return stopping_ || !refreshes_.empty(); });
    if (stopping_) return;
    Refresh job = std::move(refreshes_.front());
    refreshes_.erase(refreshes_.begin());
    lock.unlock();
    Result<json> body = [&]() -> Result<json> {
      ASSIGN_OR_RETURN(auto q, queues_.Borrow());
      return job.compute(*q);
    }();
    lock.lock();
    auto it = job.cache->find(job.key);
    if (it == job.cache->end()) continue;
    it->second.refreshing = false;
    if (job.generation != generation_) continue;  // an action came between: the answer is old
    if (!body.ok()) continue;                     // the old answer stays; the next request asks again
    it->second.body = std::make_shared<const json>(std::move(*body));
    it->second.at = std::chrono::steady_clock::now();
  }
}

void Api::Forget(const std::string& campaign) {
  std::lock_guard lock(cache_mutex_);
  summaries_.erase(campaign);
  details_.erase(campaign);
  lineages_.clear();  // states of any dataset's consumers may have moved
  lineage_pages_.clear();
  ++generation_;  // a refresh begun before this does not land
}

Result<json> Api::RecentSummary(queue::Queue& q, const queue::Campaign& c) {
  // Read the campaign again when computing: its state may have moved (another process paused it).
  ASSIGN_OR_RETURN(
      Shared summary,
      Reuse(summaries_, c.id, kSummaryFresh, q, [this, id = c.id](queue::Queue& q) -> Result<json> {
        ASSIGN_OR_RETURN(std::optional<queue::Campaign> now, RequireCampaign(q, id));
        return Summary(q, *now);
      }));
  return *summary;
}

Result<std::optional<json>> Api::Progress(queue::Queue& q, const std::string& campaign) {
  ASSIGN_OR_RETURN(std::optional<queue::Campaign> c, q.FindCampaign(campaign));
  if (!c) return std::optional<json>();
  ASSIGN_OR_RETURN(json summary, RecentSummary(q, *c));
  return std::optional<json>(json{{"campaign", c->id},
                                  {"state", summary["state"]},
                                  {"reason", summary["reason"]},
                                  {"counts", summary["counts"]},
                                  {"consumers", summary["consumers"]},
                                  {"as_of_ms", summary["as_of_ms"]}});
}

ApiReply Api::ListCampaigns(const ApiRequest&) {
  REPLY_ASSIGN_OR_RETURN(auto q, queues_.Borrow());
  REPLY_ASSIGN_OR_RETURN(std::vector<queue::Campaign> campaigns, q->ListCampaigns());
  json list = json::array();
  for (const auto& c : campaigns) {
    REPLY_ASSIGN_OR_RETURN(json summary, RecentSummary(*q, c));
    list.push_back(std::move(summary));
  }
  return Ok({{"campaigns", list}});
}

ApiReply Api::GetCampaign(const ApiRequest& r) {
  REPLY_ASSIGN_OR_RETURN(auto q, queues_.Borrow());
  const std::string& id = r.params.at(0);
  REPLY_ASSIGN_OR_RETURN(Shared out, Reuse(details_, id, kDetailFresh, *q,
                                           [this, id](queue::Queue& q) { return Detail(q, id); }));
  return Ok(*out);
}

Result<json> Api::Detail(queue::Queue& q, const std::string& campaign) {
  ASSIGN_OR_RETURN(std::optional<queue::Campaign> c, RequireCampaign(q, campaign));
  ASSIGN_OR_RETURN(json out, Summary(q, *c));
  out["policy"] = ParseOr(c->policy_json, json::object());

  ASSIGN_OR_RETURN(queue::FailureRate rate, q.RecentFailureRate(c->id));
  out["failure_rate"] = {{"rate", rate.sample > 0 ? static_cast<double>(rate.failures) / rate.sample : 0.0},
                         {"failures", rate.failures},
                         {"sample", rate.sample},
                         {"window", c->policy.breaker_window},
                         {"min_sample", c->policy.breaker_min_sample},
                         {"threshold", c->policy.pause_on_failure_rate}};

  // When each wave opened: its "stage" event ("wave N opened: ...", "data partitions opened: ...").
  ASSIGN_OR_RETURN(std::vector<queue::Event> events, q.ListEvents(c->id));
  std::map<int, int64_t> opened;
  for (const auto& e : events) {
    if (e.kind != "stage") continue;
    if (e.message.starts_with("data partitions opened") || e.message.starts_with("data verification")) {
      opened.emplace(0, e.at_ms);
    } else if (e.message.starts_with("wave ")) {
      opened.emplace(std::atoi(e.message.c_str() + 5), e.at_ms);
    }
  }
  ASSIGN_OR_RETURN(std::vector<queue::WaveCounts> waves, q.CountJobsByWave(c->id));
  json wave_list = json::array();
  for (const auto& w : waves) {
    bool ended = true;
    for (int s = 0; s <= static_cast<int>(JobState::kRolledBack); ++s) {
      if (w.counts.by_state[s] > 0 && !queue::IsTerminal(static_cast<JobState>(s))) ended = false;
    }
    auto it = opened.find(w.wave);
    wave_list.push_back(
        {{"wave", w.wave},
         {"counts", CountsJson(w.counts)},
         {"opened_ms", it == opened.end() ? json(nullptr) : json(it->second)},
         {"ended_ms", ended && w.last_finished_ms > 0 ? json(w.last_finished_ms) : json(nullptr)}});
  }
  out["waves"] = wave_list;

  // Consumers left over time: one step down per ended consumer job, thinned to ~200 points.
  ASSIGN_OR_RETURN(std::vector<int64_t> finished, q.FinishTimes(c->id, "consumer"));
  out["burndown"] = Burndown(c->created_ms, out["consumers"]["total"].get<int64_t>(), finished);

  json event_list = json::array();
  size_t first = events.size() > 100 ? events.size() - 100 : 0;
  for (size_t i = first; i < events.size(); ++i) event_list.push_back(EventJson(events[i]));
  out["events"] = event_list;
  return out;
}

ApiReply Api::ListJobs(const ApiRequest& r) {
  queue::JobQuery query;
  REPLY_ASSIGN_OR_RETURN(std::string states, QueryText(r, "state"));
  for (std::string_view rest = states; !rest.empty();) {
    size_t comma = rest.find(',');
    std::string_view name = rest.substr(0, comma);
    Result<JobState> state = queue::ParseJobState(name);
    if (!state.ok()) return BadRequest("state: unknown job state '" + std::string(name) + "'");
    query.states.push_back(*state);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  REPLY_ASSIGN_OR_RETURN(query.kind, QueryText(r, "kind"));
  REPLY_ASSIGN_OR_RETURN(query.owner, QueryText(r, "owner"));
  REPLY_ASSIGN_OR_RETURN(query.tier, QueryText(r, "tier"));
  REPLY_ASSIGN_OR_RETURN(query.search, QueryText(r, "q"));
  if (query.search.size() > 200) return BadRequest("q: at most 200 characters");
  REPLY_ASSIGN_OR_RETURN(int64_t wave, QueryInt(r, "wave", -1, 0, 1000000));
  REPLY_ASSIGN_OR_RETURN(int64_t limit, QueryInt(r, "limit", 100, 1, kMaxPage));
  REPLY_ASSIGN_OR_RETURN(int64_t offset, QueryInt(r, "offset", 0, 0, 100000000));
  query.wave = static_cast<int>(wave);
  query.limit = static_cast<int>(limit);
  query.offset = static_cast<int>(offset);
  REPLY_ASSIGN_OR_RETURN(auto q, queues_.Borrow());
  REPLY_ASSIGN_OR_RETURN(std::optional<queue::Campaign> c, RequireCampaign(*q, r.params.at(0)));
  REPLY_ASSIGN_OR_RETURN(queue::JobPage page, q->FindJobs(c->id, query));
  json jobs = json::array();
  for (const auto& j : page.jobs) jobs.push_back(JobSummaryJson(j));
  return Ok({{"total", page.total}, {"offset", offset}, {"limit", limit}, {"jobs", jobs}});
}

ApiReply Api::ListEvents(const ApiRequest& r) {
  REPLY_ASSIGN_OR_RETURN(int64_t after, QueryInt(r, "after", 0, 0, INT64_MAX));
  REPLY_ASSIGN_OR_RETURN(auto q, queues_.Borrow());
  REPLY_ASSIGN_OR_RETURN(std::optional<queue::Campaign> c, RequireCampaign(*q, r.params.at(0)));
  REPLY_ASSIGN_OR_RETURN(std::vector<queue::Event> events, q->ListEvents(c->id, after));
  json list = json::array();
  for (const auto& e : events) list.push_back(EventJson(e));
  return Ok({{"events", list}});
}

// --- jobs ---

ApiReply Api::GetJob(const ApiRequest& r) {
  REPLY_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  REPLY_ASSIGN_OR_RETURN(auto q, queues_.Borrow());
  REPLY_ASSIGN_OR_RETURN(std::optional<queue::Job> job, RequireJob(*q, id));
  return Ok(JobJson(*job));
}

ApiReply Api::ListAttempts(const ApiRequest& r) {
  REPLY_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  REPLY_ASSIGN_OR_RETURN(auto q, queues_.Borrow());
  REPLY_ASSIGN_OR_RETURN(std::optional<queue::Job> job, RequireJob(*q, id));
  REPLY_ASSIGN_OR_RETURN(std::vector<queue::Attempt> attempts, q->ListAttempts(id));
  json list = json::array();
  for (const auto& a : attempts) list.push_back(AttemptJson(a));
  return Ok({{"attempts", list}});
}

// --- catalog and lineage ---

Result<std::shared_ptr<const CatalogGraph>> Api::Graph() {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(graph_mutex_);
    // While one request reads the catalog again, the others keep answering from the old one.
    if (graph_ && (now - graph_at_ < kGraphFresh || graph_refreshing_)) return graph_;
    graph_refreshing_ = true;
  }
  Result<std::shared_ptr<const CatalogGraph>> fresh = [&]() -> Result<std::shared_ptr<const CatalogGraph>> {
    ASSIGN_OR_RETURN(auto store, stores_.Borrow());
    ASSIGN_OR_RETURN(std::vector<Entity> entities, store->ListEntities());
    return std::make_shared<const CatalogGraph>(std::move(entities));
  }();
  std::lock_guard lock(graph_mutex_);
  graph_refreshing_ = false;
  if (!fresh.ok()) return graph_ ? Result<std::shared_ptr<const CatalogGraph>>(graph_) : fresh.status();
  graph_ = *fresh;
  graph_at_ = now;
  return graph_;
}

ApiReply Api::ListEntities(const ApiRequest& r) {
  REPLY_ASSIGN_OR_RETURN(std::string kind, QueryText(r, "kind"));
  REPLY_ASSIGN_OR_RETURN(std::string search, QueryText(r, "q"));
  std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char ch) { return std::tolower(ch); });
  std::transform(search.begin(), search.end(), search.begin(),
                 [](unsigned char ch) { return std::tolower(ch); });
  REPLY_ASSIGN_OR_RETURN(std::shared_ptr<const CatalogGraph> graph, Graph());
  json list = json::array();
  for (const Entity& e : graph->entities()) {
    std::string key = e.Ref().Key();
    std::string entity_kind = e.kind;
    std::transform(entity_kind.begin(), entity_kind.end(), entity_kind.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    if (!kind.empty() && entity_kind != kind) continue;
    if (!search.empty() && key.find(search) == std::string::npos) continue;
    list.push_back({{"ref", key},
                    {"kind", e.kind},
                    {"namespace", e.ns},
                    {"name", e.name},
                    {"title", e.title},
                    {"owner", e.Owner()},
                    {"lifecycle", e.Lifecycle()},
                    {"dataset_id", e.DatasetId()},
                    {"tier", e.Tier()},
                    {"repo", e.Repo()},
                    {"origin", e.origin}});
  }
  return Ok({{"entities", list}});
}

ApiReply Api::ListDatasets(const ApiRequest&) {
  REPLY_ASSIGN_OR_RETURN(std::shared_ptr<const CatalogGraph> graph, Graph());
  json list = json::array();
  for (const Entity& e : graph->entities()) {
    if (e.DatasetId().empty()) continue;
    list.push_back({{"id", e.DatasetId()},
                    {"ref", e.Ref().Key()},
                    {"title", e.title},
                    {"owner", e.Owner()},
                    {"lifecycle", e.Lifecycle()},
                    {"deprecated_by", e.DeprecatedBy()},
                    {"decommission_date", e.DecommissionDate()},
                    {"consumers", graph->DirectConsumers(e).size()}});
  }
  return Ok({{"datasets", list}});
}

ApiReply Api::GetLineage(const ApiRequest& r) {
  REPLY_ASSIGN_OR_RETURN(int64_t depth, QueryInt(r, "depth", 0, 0, 100));
  REPLY_ASSIGN_OR_RETURN(int64_t limit, QueryInt(r, "limit", kLineagePage, 1, kMaxLineagePage));
  REPLY_ASSIGN_OR_RETURN(int64_t offset, QueryInt(r, "offset", 0, 0, std::numeric_limits<int32_t>::max()));
  REPLY_ASSIGN_OR_RETURN(auto q, queues_.Borrow());
  const std::string& id = r.params.at(0);
  std::string key = id + "\n" + std::to_string(depth);
  REPLY_ASSIGN_OR_RETURN(Shared whole,
                         Reuse(lineages_, key, kDetailFresh, *q, [this, id, depth](queue::Queue& q) {
                           return WholeLineage(q, id, static_cast<int>(depth));
                         }));
  // A page is cut and serialized once per lineage computed: the same page of the same lineage
  // is the same text.
  std::string page_key = key + "\n" + std::to_string(offset) + "\n" + std::to_string(limit);
  {
    std::lock_guard lock(cache_mutex_);
    auto it = lineage_pages_.find(page_key);
    if (it != lineage_pages_.end() && it->second.whole == whole)
      return ApiReply{200, nullptr, it->second.text};
  }
  // The root, then a page of the consumers (in breadth-first order: a consumer's producer comes
  // on the same page or an earlier one) with the edge into each.
  const json& nodes = (*whole)["nodes"];
  const json& edges = (*whole)["edges"];
  size_t first = std::min<size_t>(static_cast<size_t>(offset), edges.size());
  size_t last = std::min<size_t>(first + static_cast<size_t>(limit), edges.size());
  json page_nodes = json::array({nodes[0]});
  json page_edges = json::array();
  for (size_t i = first; i < last; ++i) {
    page_nodes.push_back(nodes[i + 1]);
    page_edges.push_back(edges[i]);
  }
  json consumers = (*whole)["consumers"];
  consumers["offset"] = offset;
  consumers["limit"] = limit;
  json out = {{"dataset", (*whole)["dataset"]},     {"notices", (*whole)["notices"]},
              {"nodes", std::move(page_nodes)},     {"edges", std::move(page_edges)},
              {"truncated", (*whole)["truncated"]}, {"consumers", std::move(consumers)},
              {"remaining", (*whole)["remaining"]}};
  auto text = std::make_shared<const std::string>(out.dump(-1, ' ', false, json::error_handler_t::replace));
  std::lock_guard lock(cache_mutex_);
  if (lineage_pages_.size() > 200) lineage_pages_.clear();
  lineage_pages_[page_key] = LineagePage{whole, text};
  return ApiReply{200, nullptr, text};
}

Result<json> Api::WholeLineage(queue::Queue& q, const std::string& dataset_id, int depth) {
  ASSIGN_OR_RETURN(std::shared_ptr<const CatalogGraph> graph, Graph());
  const Entity* dataset = graph->FindDataset(dataset_id);
  if (dataset == nullptr) return Status::NotFound("no dataset '" + dataset_id + "' in the catalog");
  ASSIGN_OR_RETURN(skein::Lineage lineage, graph->LineageOf(dataset_id, depth));

  // Each consumer's state in the latest campaign that migrates this dataset and has a job for it.
  ASSIGN_OR_RETURN(std::vector<queue::Campaign> campaigns, q.ListCampaigns());
  std::sort(campaigns.begin(), campaigns.end(),
            [](const auto& a, const auto& b) { return a.created_ms < b.created_ms; });
  std::map<std::string, std::pair<const queue::Campaign*, queue::JobBrief>> latest;  // by consumer ref key
  int64_t first_campaign_ms = 0;  // when the first campaign away from this dataset began
  for (const auto& c : campaigns) {
    std::string from = FromDataset(c.manifest);
    if (from.empty() || (from != lineage.dataset_id && from != dataset_id)) continue;
    if (first_campaign_ms == 0) first_campaign_ms = c.created_ms;
    ASSIGN_OR_RETURN(std::vector<queue::JobBrief> jobs, q.ListJobBriefs(c.id, "consumer"));
    for (queue::JobBrief& j : jobs) {
      std::string target = j.target;  // before j is moved into the pair
      latest.insert_or_assign(std::move(target), std::make_pair(&c, std::move(j)));
    }
  }

  std::string root = dataset->Ref().Key();
  json nodes = json::array({{{"ref", root},
                             {"name", lineage.dataset_id},
                             {"title", dataset->title},
                             {"kind", "dataset"},
                             {"owner", dataset->Owner()},
                             {"tier", ""},
                             {"depth", 0},
                             {"state", "dataset"},
                             {"campaign", nullptr},
                             {"job", nullptr}}});
  json edges = json::array();
  std::map<std::string, std::string> producer_of_dataset;  // dataset id -> the consumer producing it
  for (const LineageConsumer& lc : lineage.consumers) {
    for (const std::string& produced : lc.produces) producer_of_dataset[produced] = lc.ref.Key();
  }
  std::map<std::string, int64_t> by_state;
  int64_t direct = 0;
  std::vector<int64_t> migrated;  // when each direct consumer's job ended done
  for (const LineageConsumer& lc : lineage.consumers) {
    std::string key = lc.ref.Key();
    auto it = latest.find(key);
    const Entity* entity = graph->FindEntity(lc.ref);
    std::string state = it == latest.end() ? std::string("not-in-campaign")
                                           : std::string(queue::JobStateName(it->second.second.state));
    ++by_state[state];
    if (lc.depth == 1) {
      ++direct;
      if (it != latest.end() && it->second.second.state == JobState::kDone)
        migrated.push_back(it->second.second.finished_ms);
    }
    nodes.push_back({{"ref", key},
                     {"name", ShortRef(key)},
                     {"title", entity != nullptr ? entity->title : ""},
                     {"kind", "consumer"},
                     {"owner", lc.owner},
                     {"tier", lc.tier},
                     {"depth", lc.depth},
                     {"state", state},
                     {"campaign", it == latest.end() ? json(nullptr) : json(it->second.first->id)},
                     {"job", it == latest.end() ? json(nullptr) : json(it->second.second.id)}});
    std::string from = root;
    if (lc.depth > 1) {
      auto producer = producer_of_dataset.find(lc.reads);
      if (producer != producer_of_dataset.end()) from = producer->second;
    }
    edges.push_back({{"from", from}, {"to", key}, {"via", lc.reads}});
  }
  int64_t total = static_cast<int64_t>(lineage.consumers.size());
  std::sort(migrated.begin(), migrated.end());
  // The direct consumers still reading the dataset over time, since its first campaign began.
  json remaining = first_campaign_ms == 0 ? json::array() : Burndown(first_campaign_ms, direct, migrated);
  // What background mode said about it (schema drift, decommission), newest first.
  ASSIGN_OR_RETURN(std::vector<queue::Notice> said, q.ListNotices(lineage.dataset_id, 20));
  json notices = json::array();
  bool retired = false;
  for (const queue::Notice& n : said) {
    retired = retired || n.kind == "retired";
    notices.push_back({{"kind", n.kind}, {"at_ms", n.at_ms}, {"alert", n.alert}, {"message", n.message}});
  }
  return json{{"dataset",
               {{"id", lineage.dataset_id},
                {"ref", root},
                {"owner", dataset->Owner()},
                {"lifecycle", dataset->Lifecycle()},
                {"deprecated_by", dataset->DeprecatedBy()},
                {"decommission_date", dataset->DecommissionDate()},
                {"retired", retired}}},
              {"notices", std::move(notices)},
              {"nodes", std::move(nodes)},
              {"edges", std::move(edges)},
              {"truncated", lineage.truncated},
              {"consumers",
               {{"total", total},
                {"direct", direct},
                {"remaining", direct - static_cast<int64_t>(migrated.size())},
                {"by_state", by_state}}},
              {"remaining", std::move(remaining)}};
}

// --- actions ---

ApiReply Api::Pause(const ApiRequest& r) {
  REPLY_IF_ERROR(OnlyKeys(r, {"reason"}));
  REPLY_ASSIGN_OR_RETURN(std::string reason, BodyText(r, "reason"));
  REPLY_ASSIGN_OR_RETURN(auto q, queues_.Borrow());
  REPLY_ASSIGN_OR_RETURN(std::optional<queue::Campaign> c, RequireCampaign(*q, r.params.at(0)));
  if (c->state != queue::CampaignState::kMigratingData &&
      c->state != queue::CampaignState::kMigratingConsumers)
    return ErrorReply(
        409, "conflict",
        "campaign '" + c->id + "' is " + std::string(queue::CampaignStateName(c->state)) + ", not migrating");
  REPLY_IF_ERROR(
      q->Pause(c->id, "paused by " + r.who.name + (reason.empty() ? "" : ": " + reason), NowMs(clock_)));
  Forget(c->id);
  REPLY_ASSIGN_OR_RETURN(c, RequireCampaign(*q, c->id));
  REPLY_ASSIGN_OR_RETURN(json summary, Summary(*q, *c));
  return Ok(summary);
}

ApiReply Api::Resume(const ApiRequest& r) {
  REPLY_IF_ERROR(OnlyKeys(r, {}));
  REPLY_ASSIGN_OR_RETURN(auto q, queues_.Borrow());
  REPLY_ASSIGN_OR_RETURN(std::optional<queue::Campaign> c, RequireCampaign(*q, r.params.at(0)));
  REPLY_IF_ERROR(q->Resume(c->id, NowMs(clock_)));
  Forget(c->id);
  REPLY_IF_ERROR(q->Advance(c->id, NowMs(clock_)).status());
  Forget(c->id);
  REPLY_ASSIGN_OR_RETURN(c, RequireCampaign(*q, c->id));
  REPLY_ASSIGN_OR_RETURN(json summary, Summary(*q, *c));
  return Ok(summary);
}

ApiReply Api::Cancel(const ApiRequest& r) {
  REPLY_IF_ERROR(OnlyKeys(r, {"reason"}));
  REPLY_ASSIGN_OR_RETURN(std::string reason, BodyText(r, "reason"));
  REPLY_ASSIGN_OR_RETURN(auto q, queues_.Borrow());
  REPLY_ASSIGN_OR_RETURN(std::optional<queue::Campaign> c, RequireCampaign(*q, r.params.at(0)));
  if (queue::IsEnded(c->state))
    return ErrorReply(
        409, "conflict",
        "campaign '" + c->id + "' has ended (" + std::string(queue::CampaignStateName(c->state)) + ")");
  REPLY_IF_ERROR(
      q->Cancel(c->id, "cancelled by " + r.who.name + (reason.empty() ? "" : ": " + reason), NowMs(clock_)));
  Forget(c->id);
  REPLY_ASSIGN_OR_RETURN(c, RequireCampaign(*q, c->id));
  REPLY_ASSIGN_OR_RETURN(json summary, Summary(*q, *c));
  return Ok(summary);
}

ApiReply Api::Rollback(const ApiRequest& r) {
  REPLY_IF_ERROR(OnlyKeys(r, {}));
  REPLY_ASSIGN_OR_RETURN(auto q, queues_.Borrow());
  REPLY_ASSIGN_OR_RETURN(std::optional<queue::Campaign> c, RequireCampaign(*q, r.params.at(0)));
  if (c->state == queue::CampaignState::kRolledBack)
    return ErrorReply(409, "conflict", "campaign '" + c->id + "' is rolled back already");
  // Fence first, so no worker starts a side effect from now on; the rest (closing requests,
  // removing data) takes a while and runs in the background, resumable like `skein rollback`.
  REPLY_IF_ERROR(q->BeginRollback(c->id, NowMs(clock_)));
  Forget(c->id);
  REPLY_IF_ERROR(q->AddEvent(c->id, "rollback", "rollback started by " + r.who.name, NowMs(clock_)));
  std::string id = c->id;
  std::lock_guard lock(rollbacks_mutex_);
  rollbacks_.emplace_back([this, id] {
    Result<std::unique_ptr<queue::Queue>> queue = queue::Queue::Open(store_url_);
    Result<std::unique_ptr<Store>> store = OpenStore(store_url_);
    if (!queue.ok() || !store.ok()) return;
    ForgePool forges(clock_);
    Result<RollbackReport> report =
        RollbackCampaign(**queue, id, **store, forges, clock_, std::chrono::seconds(60));
    std::string message = !report.ok() ? "rollback stopped: " + report.status().message()
                          : report->problems.empty()
                              ? std::string()
                              : "rollback not finished: " + std::to_string(report->problems.size()) +
                                    " problem(s); run it again to continue";
    if (!message.empty()) (void)(*queue)->AddEvent(id, "rollback", message, NowMs(clock_));
  });
  return ApiReply{202, {{"campaign", id}, {"state", "rolling-back"}}, nullptr};
}

ApiReply Api::ApproveCampaign(const ApiRequest& r) {
  REPLY_IF_ERROR(OnlyKeys(r, {"jobs", "wave", "all"}));
  if (!r.body.is_object())
    return BadRequest("give one of jobs (a list of job ids), wave (an integer) or all (true)");
  std::vector<int64_t> jobs;
  int wave = 0;
  int given = 0;
  if (r.body.contains("jobs")) {
    ++given;
    if (!r.body["jobs"].is_array() || r.body["jobs"].empty())
      return BadRequest("jobs: expected a non-empty list of job ids");
    for (const auto& id : r.body["jobs"]) {
      if (!id.is_number_integer() || id.get<int64_t>() <= 0)
        return BadRequest("jobs: expected job ids (integers)");
      jobs.push_back(id.get<int64_t>());
    }
  }
  if (r.body.contains("wave")) {
    ++given;
    if (!r.body["wave"].is_number_integer() || r.body["wave"].get<int64_t>() < 1 ||
        r.body["wave"].get<int64_t>() > 1000000)
      return BadRequest("wave: expected a wave number (an integer from 1)");
    wave = r.body["wave"].get<int>();
  }
  if (r.body.contains("all")) {
    ++given;
    if (!r.body["all"].is_boolean() || !r.body["all"].get<bool>()) return BadRequest("all: expected true");
    wave = -1;
  }
  if (given != 1) return BadRequest("give one of jobs, wave or all");
  REPLY_ASSIGN_OR_RETURN(auto q, queues_.Borrow());
  REPLY_ASSIGN_OR_RETURN(std::optional<queue::Campaign> c, RequireCampaign(*q, r.params.at(0)));
  REPLY_ASSIGN_OR_RETURN(int approved, q->Approve(c->id, jobs, wave, r.who.name, NowMs(clock_)));
  Forget(c->id);
  REPLY_IF_ERROR(q->Advance(c->id, NowMs(clock_)).status());
  return Ok({{"approved", approved}});
}

ApiReply Api::ApproveJob(const ApiRequest& r) {
  REPLY_IF_ERROR(OnlyKeys(r, {}));
  REPLY_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  REPLY_ASSIGN_OR_RETURN(auto q, queues_.Borrow());
  REPLY_ASSIGN_OR_RETURN(std::optional<queue::Job> job, RequireJob(*q, id));
  REPLY_ASSIGN_OR_RETURN(int approved, q->Approve(job->campaign, {id}, 0, r.who.name, NowMs(clock_)));
  Forget(job->campaign);
  if (approved == 0)
    return ErrorReply(409, "conflict",
                      "job " + std::to_string(id) + " is " + std::string(queue::JobStateName(job->state)) +
                          (job->needs_approval ? "" : " and needs no approval"));
  REPLY_IF_ERROR(q->Advance(job->campaign, NowMs(clock_)).status());
  return Ok({{"approved", approved}});
}

ApiReply Api::RetryJob(const ApiRequest& r) {
  REPLY_IF_ERROR(OnlyKeys(r, {}));
  REPLY_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  REPLY_ASSIGN_OR_RETURN(auto q, queues_.Borrow());
  REPLY_ASSIGN_OR_RETURN(std::optional<queue::Job> job, RequireJob(*q, id));
  if (job->state != JobState::kFailed && job->state != JobState::kDead)
    return ErrorReply(409, "conflict",
                      "job " + std::to_string(id) + " is " + std::string(queue::JobStateName(job->state)) +
                          ": only failed or dead jobs are retried");
  REPLY_IF_ERROR(q->Retry(job->campaign, id, NowMs(clock_)));
  Forget(job->campaign);
  REPLY_ASSIGN_OR_RETURN(job, q->FindJob(id));
  return Ok(JobSummaryJson(*job));
}

}  // namespace skein::server
