// The job queue over SqlSession: one SQL text per operation for both dialects, the claim with
// its caps, leases and fencing tokens, the stage machine, the breaker.
#include "queue/queue.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "base/hash.h"
#include "base/text.h"
#include "queue/rows.h"

namespace skein::queue {
namespace {

using nlohmann::json;

constexpr std::string_view kJobStateNames[] = {"waiting", "pending",   "awaiting-approval",
                                               "running", "done",      "failed",
                                               "dead",    "cancelled", "rolled-back"};
constexpr std::string_view kCampaignStateNames[] = {"planned",   "migrating-data", "migrating-consumers",
                                                    "paused",    "completed",      "failed",
                                                    "cancelled", "rolling-back",   "rolled-back"};

// States whose campaigns hand out work.
constexpr std::string_view kActiveCampaigns = "('migrating-data', 'migrating-consumers')";

}  // namespace

const std::string_view kJobColumns =
    "id, campaign, kind, target, stage, wave, priority, owner, repo, tier, grp, needs_approval, approved_by, "
    "payload, state, attempts, max_attempts, run_after_ms, lease_worker, lease_token, lease_expires_ms, "
    "outcome, result, updated_ms, finished_ms";
const std::string_view kCampaignColumns =
    "id, state, reason, manifest_file, manifest, manifest_hash, workdir, policy, max_parallel, per_owner, "
    "per_repo, open_stage, breaker_since_ms, created_ms, updated_ms";
const std::string_view kAttemptColumns =
    "job, token, worker, started_ms, lease_expires_ms, ended_ms, outcome, error, evidence";

Result<Job> JobFromRow(const Rows& rows, size_t r) {
  Job j;
  j.id = rows.Int(r, 0);
  j.campaign = rows.at(r, 1);
  j.kind = rows.at(r, 2);
  j.target = rows.at(r, 3);
  j.stage = static_cast<int>(rows.Int(r, 4));
  j.wave = static_cast<int>(rows.Int(r, 5));
  j.priority = static_cast<int>(rows.Int(r, 6));
  j.owner = rows.at(r, 7);
  j.repo = rows.at(r, 8);
  j.tier = rows.at(r, 9);
  j.group = rows.at(r, 10);
  j.needs_approval = rows.Int(r, 11) != 0;
  j.approved_by = rows.at(r, 12);
  j.payload = rows.at(r, 13);
  ASSIGN_OR_RETURN(j.state, ParseJobState(rows.at(r, 14)));
  j.attempts = static_cast<int>(rows.Int(r, 15));
  j.max_attempts = static_cast<int>(rows.Int(r, 16));
  j.run_after_ms = rows.Int(r, 17);
  j.lease_worker = rows.at(r, 18);
  j.lease_token = rows.Int(r, 19);
  j.lease_expires_ms = rows.Int(r, 20);
  j.outcome = rows.at(r, 21);
  j.result = rows.at(r, 22);
  j.updated_ms = rows.Int(r, 23);
  j.finished_ms = rows.Int(r, 24);
  return j;
}

json PolicyToJson(const CampaignPolicy& p) {
  return {{"max_parallel", p.max_parallel},
          {"per_owner", p.per_owner},
          {"per_repo", p.per_repo},
          {"pause_on_failure_rate", p.pause_on_failure_rate},
          {"breaker_window", p.breaker_window},
          {"breaker_min_sample", p.breaker_min_sample},
          {"max_attempts", p.max_attempts},
          {"retry_base_ms", p.retry_base.count()},
          {"retry_cap_ms", p.retry_cap.count()}};
}

CampaignPolicy PolicyFromJson(const json& j) {
  CampaignPolicy p;
  p.max_parallel = j.value("max_parallel", p.max_parallel);
  p.per_owner = j.value("per_owner", p.per_owner);
  p.per_repo = j.value("per_repo", p.per_repo);
  p.pause_on_failure_rate = j.value("pause_on_failure_rate", p.pause_on_failure_rate);
  p.breaker_window = j.value("breaker_window", p.breaker_window);
  p.breaker_min_sample = j.value("breaker_min_sample", p.breaker_min_sample);
  p.max_attempts = j.value("max_attempts", p.max_attempts);
  p.retry_base = std::chrono::milliseconds(j.value("retry_base_ms", p.retry_base.count()));
  p.retry_cap = std::chrono::milliseconds(j.value("retry_cap_ms", p.retry_cap.count()));
  return p;
}

Result<Campaign> CampaignFromRow(const Rows& rows, size_t r) {
  Campaign c;
  c.id = rows.at(r, 0);
  ASSIGN_OR_RETURN(c.state, ParseCampaignState(rows.at(r, 1)));
  c.reason = rows.at(r, 2);
  c.manifest_file = rows.at(r, 3);
  c.manifest = rows.at(r, 4);
  c.manifest_hash = rows.at(r, 5);
  c.workdir = rows.at(r, 6);
  json policy = json::parse(rows.at(r, 7), nullptr, false);
  if (policy.is_discarded() || !policy.is_object()) {
    return Status::Internal("campaign " + c.id + ": its stored policy is not JSON");
  }
  c.policy = PolicyFromJson(policy.value("queue", json::object()));
  c.policy_json = policy.contains("rollout") ? policy["rollout"].dump() : "{}";
  c.open_stage = static_cast<int>(rows.Int(r, 11));
  c.created_ms = rows.Int(r, 13);
  c.updated_ms = rows.Int(r, 14);
  return c;
}

Attempt AttemptFromRow(const Rows& rows, size_t r) {
  Attempt a;
  a.job = rows.Int(r, 0);
  a.token = rows.Int(r, 1);
  a.worker = rows.at(r, 2);
  a.started_ms = rows.Int(r, 3);
  a.lease_expires_ms = rows.Int(r, 4);
  a.ended_ms = rows.Int(r, 5);
  a.outcome = rows.at(r, 6);
  a.error = rows.at(r, 7);
  a.evidence = rows.at(r, 8);
  return a;
}

namespace {

// splitmix64: a well-mixed 64-bit hash of a 64-bit value.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

bool IsRetryable(const Status& status) {
  if (status.code() == StatusCode::kUnavailable) return true;
  if (status.code() != StatusCode::kConflict) return false;
  // PostgreSQL's deadlock and serialization failures (class 40): the transaction may simply run again.
  const std::string& m = status.message();
  return m.find("deadlock") != std::string::npos || m.find("could not serialize") != std::string::npos;
}

// A campaign's job, kept waiting; false when the campaign has it already.
Result<bool> InsertJob(SqlSession& s, std::string_view campaign, const NewJob& j, int max_attempts,
                       int64_t now) {
  ASSIGN_OR_RETURN(
      Rows inserted,
      s.Query(
          "INSERT INTO jobs (campaign, kind, target, stage, wave, priority, owner, repo, tier, grp, "
          "needs_approval, approved_by, payload, state, attempts, max_attempts, run_after_ms, lease_worker, "
          "lease_token, lease_expires_ms, outcome, result, created_ms, updated_ms, finished_ms) VALUES "
          "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '', $12, 'waiting', 0, $13, 0, '', 0, 0, '', '', "
          "$14, $14, 0) ON CONFLICT (campaign, kind, target) DO NOTHING RETURNING id",
          {campaign, j.kind, j.target, j.stage, j.wave, j.priority, j.owner, j.repo, j.tier, j.group,
           j.needs_approval ? 1 : 0, j.payload, max_attempts, now}));
  return !inserted.empty();
}

std::string Truncated(std::string_view text, size_t limit) {
  if (text.size() <= limit) return std::string(text);
  return std::string(text.substr(0, limit)) + "...";
}

}  // namespace

std::string_view JobStateName(JobState state) { return kJobStateNames[static_cast<int>(state)]; }

Result<JobState> ParseJobState(std::string_view name) {
  for (size_t i = 0; i < std::size(kJobStateNames); ++i) {
    if (kJobStateNames[i] == name) return static_cast<JobState>(i);
  }
  return Status::InvalidInput(
      "unknown job state '" + std::string(name) + "'; states: " +
      Join(std::vector<std::string>(std::begin(kJobStateNames), std::end(kJobStateNames)), ", "));
}

bool IsTerminal(JobState state) {
  return state == JobState::kDone || state == JobState::kFailed || state == JobState::kDead ||
         state == JobState::kCancelled || state == JobState::kRolledBack;
}

std::string_view CampaignStateName(CampaignState state) {
  return kCampaignStateNames[static_cast<int>(state)];
}

Result<CampaignState> ParseCampaignState(std::string_view name) {
  for (size_t i = 0; i < std::size(kCampaignStateNames); ++i) {
    if (kCampaignStateNames[i] == name) return static_cast<CampaignState>(i);
  }
  return Status::Internal("unknown campaign state '" + std::string(name) + "' in the store");
}

bool IsEnded(CampaignState state) {
  return state == CampaignState::kCompleted || state == CampaignState::kFailed ||
         state == CampaignState::kCancelled || state == CampaignState::kRolledBack;
}

std::string NewWorkerId() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "host");
  std::random_device random;
  char suffix[9];
  std::snprintf(suffix, sizeof(suffix), "%08x", random());
  return std::string(host) + "-" + std::to_string(getpid()) + "-" + suffix;
}

Result<std::unique_ptr<Queue>> Queue::Open(std::string_view url, std::chrono::milliseconds retry_for) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqlSession> session, OpenSession(url));
  return std::make_unique<Queue>(std::move(session), retry_for);
}

Queue::Queue(std::unique_ptr<SqlSession> session, std::chrono::milliseconds retry_for)
    : session_(std::move(session)), retry_for_(retry_for) {}

Result<Rows> Queue::Q(std::string_view sql, const std::vector<Param>& params) {
  return session_->Query(sql, params);
}

Status Queue::Transact(const std::function<Status()>& body) { return Run(body, false); }

Status Queue::Read(const std::function<Status()>& body) { return Run(body, true); }

Status Queue::Run(const std::function<Status()>& body, bool read_only) {
  auto deadline = std::chrono::steady_clock::now() + retry_for_;
  std::chrono::milliseconds pause(50);
  for (;;) {
    Status status = read_only ? session_->BeginRead() : session_->Begin();
    if (status.ok()) {
      status = body();
      if (status.ok()) {
        status = session_->Commit();
        if (status.ok()) return status;
      }
      session_->Rollback();
    }
    if (!IsRetryable(status) || std::chrono::steady_clock::now() + pause > deadline) return status;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(2000));
  }
}

std::chrono::milliseconds Queue::Backoff(const CampaignPolicy& policy, int64_t job, int attempts) {
  int n = std::max(1, attempts);
  double base = static_cast<double>(policy.retry_base.count());
  double delay = std::min(static_cast<double>(policy.retry_cap.count()), base * std::pow(2.0, n - 1));
  uint64_t h = Mix(static_cast<uint64_t>(job) * 1000003ull + static_cast<uint64_t>(n));
  double u = static_cast<double>(h >> 11) / static_cast<double>(1ull << 53);
  return std::chrono::milliseconds(static_cast<int64_t>(delay * (0.5 + 0.5 * u)));
}

// --- campaigns ---

Result<std::pair<Campaign, bool>> Queue::CreateCampaign(const CampaignSpec& spec,
                                                        const std::vector<NewJob>& jobs, int64_t now) {
  std::pair<Campaign, bool> out;
  json policy = {
      {"queue", PolicyToJson(spec.policy)},
      {"rollout", json::parse(spec.policy_json.empty() ? "{}" : spec.policy_json, nullptr, false)}};
  if (policy["rollout"].is_discarded()) return Status::Internal("campaign policy is not JSON");
  Status status = Transact([&]() -> Status {
    ASSIGN_OR_RETURN(
        Rows inserted,
        Q("INSERT INTO campaigns (" + std::string(kCampaignColumns) +
              ") VALUES ($1, 'planned', '', $2, $3, $4, $5, $6, $7, $8, $9, -1, $10, $10, $10) "
              "ON CONFLICT (id) DO NOTHING RETURNING id",
          {spec.id, spec.manifest_file, spec.manifest, Sha256Hex(spec.manifest), spec.workdir, policy.dump(),
           spec.policy.max_parallel, spec.policy.per_owner, spec.policy.per_repo, now}));
    out.second = !inserted.empty();
    ASSIGN_OR_RETURN(
        Rows rows, Q("SELECT " + std::string(kCampaignColumns) + " FROM campaigns WHERE id = $1", {spec.id}));
    if (rows.empty()) return Status::Internal("campaign " + spec.id + " vanished while being created");
    ASSIGN_OR_RETURN(out.first, CampaignFromRow(rows, 0));
    if (IsEnded(out.first.state) || out.first.state == CampaignState::kRollingBack) {
      return Status::Conflict("campaign " + spec.id + " is " +
                              std::string(CampaignStateName(out.first.state)) +
                              (out.first.reason.empty() ? "" : " (" + out.first.reason + ")") +
                              "; a new campaign for this migration needs a new metadata.name");
    }
    for (const NewJob& j : jobs) {
      RETURN_IF_ERROR(InsertJob(*session_, spec.id, j, out.first.policy.max_attempts, now).status());
    }
    // A campaign already past the stage of a job it lacked: the job joins at once.
    if (!out.second && out.first.open_stage >= 0) {
      RETURN_IF_ERROR(Q("UPDATE jobs SET state = CASE WHEN needs_approval = 1 AND approved_by = '' THEN "
                        "'awaiting-approval' ELSE 'pending' END, run_after_ms = $3 WHERE campaign = $1 AND "
                        "state = 'waiting' AND stage <= $2",
                        {spec.id, out.first.open_stage, now})
                          .status());
    }
    if (out.second) {
      RETURN_IF_ERROR(
          Q("INSERT INTO campaign_events (campaign, at_ms, kind, message) VALUES ($1, $2, 'planned', $3)",
            {spec.id, now, std::to_string(jobs.size()) + " jobs"})
              .status());
    }
    return Status::Ok();
  });
  RETURN_IF_ERROR(status);
  // Fresh statistics after a large campaign arrives, so that PostgreSQL plans the claim's
  // candidate query on the pending jobs' index rather than a scan and sort of the table (best
  // effort: autovacuum would get there later).
  if (out.second && dialect() == Dialect::kPostgres && jobs.size() >= 500) (void)Q("ANALYZE jobs");
  return out;
}

Result<std::optional<Campaign>> Queue::FindCampaign(std::string_view id) {
  std::optional<Campaign> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    ASSIGN_OR_RETURN(Rows rows,
                     Q("SELECT " + std::string(kCampaignColumns) + " FROM campaigns WHERE id = $1", {id}));
    if (rows.empty()) return Status::Ok();
    ASSIGN_OR_RETURN(Campaign c, CampaignFromRow(rows, 0));
    out = std::move(c);
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Campaign>> Queue::ListCampaigns() {
  std::vector<Campaign> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    ASSIGN_OR_RETURN(Rows rows, Q("SELECT " + std::string(kCampaignColumns) + " FROM campaigns ORDER BY id"));
    for (size_t r = 0; r < rows.size(); ++r) {
      ASSIGN_OR_RETURN(Campaign c, CampaignFromRow(rows, r));
      out.push_back(std::move(c));
    }
    return Status::Ok();
  }));
  return out;
}

Status Queue::SetState(std::string_view id, CampaignState state, std::string_view reason, int64_t now) {
  return Q("UPDATE campaigns SET state = $2, reason = $3, updated_ms = $4 WHERE id = $1",
           {id, CampaignStateName(state), reason, now})
      .status();
}

// The campaign row, locked for this transaction (PostgreSQL: FOR UPDATE; SQLite holds the
// writer lock already). NotFound when absent.
Result<Campaign> LockCampaign(SqlSession& s, std::string_view id) {
  std::string sql = "SELECT " + std::string(kCampaignColumns) + " FROM campaigns WHERE id = $1";
  if (s.dialect() == Dialect::kPostgres) sql += " FOR UPDATE";
  ASSIGN_OR_RETURN(Rows rows, s.Query(sql, {id}));
  if (rows.empty()) return Status::NotFound("no campaign '" + std::string(id) + "'");
  return CampaignFromRow(rows, 0);
}

Status Record(SqlSession& s, std::vector<Event>* events, std::string_view campaign, std::string_view kind,
              std::string message, int64_t now) {
  RETURN_IF_ERROR(
      s.Query("INSERT INTO campaign_events (campaign, at_ms, kind, message) VALUES ($1, $2, $3, $4)",
              {campaign, now, kind, message})
          .status());
  if (events != nullptr)
    events->push_back(Event{0, std::string(campaign), now, std::string(kind), std::move(message)});
  return Status::Ok();
}

CampaignState MigratingStateFor(int stage) {
  return stage <= kPublishStage ? CampaignState::kMigratingData : CampaignState::kMigratingConsumers;
}

Result<std::vector<std::string>> Queue::AddJobs(std::string_view campaign, const std::vector<NewJob>& jobs,
                                                int64_t now) {
  std::vector<std::string> added;
  RETURN_IF_ERROR(Transact([&]() -> Status {
    added.clear();
    ASSIGN_OR_RETURN(Campaign c, LockCampaign(*session_, campaign));
    if (IsEnded(c.state) || c.state == CampaignState::kRollingBack) {
      return Status::Conflict("campaign " + c.id + " is " + std::string(CampaignStateName(c.state)) +
                              ": it takes no new jobs");
    }
    for (const NewJob& j : jobs) {
      ASSIGN_OR_RETURN(bool inserted, InsertJob(*session_, c.id, j, c.policy.max_attempts, now));
      if (!inserted) continue;
      added.push_back(j.target);
      bool open = c.open_stage >= 0 && j.stage <= c.open_stage;
      if (open) {
        RETURN_IF_ERROR(
            Q("UPDATE jobs SET state = CASE WHEN needs_approval = 1 THEN 'awaiting-approval' ELSE "
              "'pending' END, run_after_ms = $4 WHERE campaign = $1 AND kind = $2 AND target = $3",
              {c.id, j.kind, j.target, now})
                .status());
      }
      RETURN_IF_ERROR(Record(*session_, nullptr, c.id, "joined",
                             j.kind + " " + j.target + " joined the campaign (wave " +
                                 std::to_string(j.wave) + (open ? ", open now" : "") + ")",
                             now));
    }
    return Status::Ok();
  }));
  return added;
}

Result<Advanced> Queue::Start(std::string_view id, int64_t now) {
  Advanced out;
  RETURN_IF_ERROR(Transact([&]() -> Status {
    out = Advanced{};
    ASSIGN_OR_RETURN(Campaign c, LockCampaign(*session_, id));
    out.before = c.state;
    if (c.state == CampaignState::kPlanned) {
      RETURN_IF_ERROR(SetState(id, CampaignState::kMigratingData, "", now));
      RETURN_IF_ERROR(Record(*session_, &out.events, id, "started", "campaign started", now));
      c.state = CampaignState::kMigratingData;
    }
    ASSIGN_OR_RETURN(Advanced advanced, AdvanceLocked(c, now));
    out.after = advanced.after;
    for (auto& e : advanced.events) out.events.push_back(std::move(e));
    return Status::Ok();
  }));
  return out;
}

Result<Advanced> Queue::Advance(std::string_view id, int64_t now) {
  Advanced out;
  RETURN_IF_ERROR(Transact([&]() -> Status {
    ASSIGN_OR_RETURN(Campaign c, LockCampaign(*session_, id));
    ASSIGN_OR_RETURN(out, AdvanceLocked(c, now));
    return Status::Ok();
  }));
  return out;
}

Result<bool> Queue::StageOpen(std::string_view campaign, int stage) {
  ASSIGN_OR_RETURN(Rows rows,
                   Q("SELECT 1 FROM jobs WHERE campaign = $1 AND stage = $2 AND state IN ('waiting', "
                     "'pending', 'awaiting-approval', 'running') LIMIT 1",
                     {campaign, stage}));
  return !rows.empty();
}

Result<Advanced> Queue::AdvanceLocked(const Campaign& c, int64_t now) {
  Advanced out;
  out.before = out.after = c.state;
  if (c.state != CampaignState::kMigratingData && c.state != CampaignState::kMigratingConsumers) return out;
  const std::string& id = c.id;

  // Counts by (stage, state).
  ASSIGN_OR_RETURN(
      Rows rows,
      Q("SELECT stage, state, COUNT(*) FROM jobs WHERE campaign = $1 GROUP BY stage, state", {id}));
  std::map<int, std::map<std::string, int64_t>> by_stage;
  for (size_t r = 0; r < rows.size(); ++r)
    by_stage[static_cast<int>(rows.Int(r, 0))][rows.at(r, 1)] = rows.Int(r, 2);
  auto ended = [&](int stage) {
    for (const auto& [state, n] : by_stage[stage]) {
      Result<JobState> s = ParseJobState(state);
      if (n > 0 && (!s.ok() || !IsTerminal(*s))) return false;
    }
    return true;
  };
  auto count = [&](int stage, std::string_view state) {
    auto it = by_stage.find(stage);
    if (it == by_stage.end()) return int64_t{0};
    auto jt = it->second.find(std::string(state));
    return jt == it->second.end() ? int64_t{0} : jt->second;
  };
  auto total = [&](int stage) {
    int64_t n = 0;
    for (const auto& [state, k] : by_stage[stage]) n += k;
    return n;
  };

  // The breaker: the last `window` consumer jobs that finished since it was last reset (Resume).
  ASSIGN_OR_RETURN(Rows since_rows, Q("SELECT breaker_since_ms FROM campaigns WHERE id = $1", {id}));
  int64_t breaker_since = since_rows.empty() ? 0 : since_rows.Int(0, 0);
  if (c.open_stage >= StageOfWave(1)) {
    ASSIGN_OR_RETURN(
        Rows recent,
        Q("SELECT state FROM jobs WHERE campaign = $1 AND stage >= $2 AND state IN ('done', 'failed', "
          "'dead') AND finished_ms >= $3 ORDER BY finished_ms DESC, id DESC LIMIT $4",
          {id, StageOfWave(1), breaker_since, c.policy.breaker_window}));
    int64_t failures = 0;
    for (size_t r = 0; r < recent.size(); ++r) failures += recent.at(r, 0) != "done" ? 1 : 0;
    int64_t n = static_cast<int64_t>(recent.size());
    if (n >= c.policy.breaker_min_sample && n > 0 &&
        static_cast<double>(failures) / static_cast<double>(n) >= c.policy.pause_on_failure_rate) {
      std::string reason =
          "circuit breaker: " + std::to_string(failures) + " of the last " + std::to_string(n) +
          " consumer jobs failed (threshold " +
          std::to_string(static_cast<int>(std::lround(c.policy.pause_on_failure_rate * 100))) +
          "%); `skein resume " + id + "` continues";
      RETURN_IF_ERROR(SetState(id, CampaignState::kPaused, reason, now));
      RETURN_IF_ERROR(Record(*session_, &out.events, id, "breaker", reason, now));
      out.after = CampaignState::kPaused;
      return out;
    }
  }

  // Open the next stage when every open one has ended.
  int open = c.open_stage;
  for (int stage = 0; stage <= open; ++stage) {
    if (!ended(stage)) return out;
  }
  // Data that failed stops the campaign: consumers must not move onto a v2 that is not there.
  for (int stage = kDataStage; stage <= std::min(open, kPublishStage); ++stage) {
    if (count(stage, "failed") + count(stage, "dead") > 0) {
      std::string reason =
          "the data side failed: " + std::to_string(count(stage, "failed") + count(stage, "dead")) +
          " data job(s) failed or dead; see `skein status " + id + "`";
      RETURN_IF_ERROR(SetState(id, CampaignState::kFailed, reason, now));
      RETURN_IF_ERROR(Record(*session_, &out.events, id, "failed", reason, now));
      out.after = CampaignState::kFailed;
      return out;
    }
  }
  int next = -1;
  for (const auto& [stage, states] : by_stage) {
    if (stage > open && total(stage) > 0) {
      next = stage;
      break;
    }
  }
  if (next < 0) {
    int64_t failed = 0;
    int64_t done = 0;
    for (const auto& [stage, states] : by_stage) {
      failed += count(stage, "failed") + count(stage, "dead");
      done += count(stage, "done");
    }
    CampaignState end = failed > 0 ? CampaignState::kFailed : CampaignState::kCompleted;
    std::string reason =
        failed > 0 ? std::to_string(failed) + " job(s) failed or dead, " + std::to_string(done) + " done"
                   : std::to_string(done) + " job(s) done";
    RETURN_IF_ERROR(SetState(id, end, reason, now));
    RETURN_IF_ERROR(Record(*session_, &out.events, id,
                           end == CampaignState::kCompleted ? "completed" : "failed", reason, now));
    out.after = end;
    return out;
  }
  // A wave opens only when the previous wave's failure rate is under the threshold.
  if (open >= StageOfWave(1)) {
    int64_t n = total(open) - count(open, "cancelled") - count(open, "rolled-back");
    int64_t failures = count(open, "failed") + count(open, "dead");
    if (n > 0 && static_cast<double>(failures) / static_cast<double>(n) >= c.policy.pause_on_failure_rate) {
      std::string reason =
          "wave " + std::to_string(open - 1) + " ended with " + std::to_string(failures) + " of " +
          std::to_string(n) + " consumer jobs failed (threshold " +
          std::to_string(static_cast<int>(std::lround(c.policy.pause_on_failure_rate * 100))) +
          "%); `skein resume " + id + "` opens the next wave";
      // Resume sets breaker_since to its time: a wave that ended before it is accepted.
      ASSIGN_OR_RETURN(Rows last,
                       Q("SELECT MAX(finished_ms) FROM jobs WHERE campaign = $1 AND stage = $2", {id, open}));
      if (last.empty() || last.Int(0, 0) >= breaker_since) {
        RETURN_IF_ERROR(SetState(id, CampaignState::kPaused, reason, now));
        RETURN_IF_ERROR(Record(*session_, &out.events, id, "paused", reason, now));
        out.after = CampaignState::kPaused;
        return out;
      }
    }
  }
  RETURN_IF_ERROR(
      Q("UPDATE jobs SET state = CASE WHEN needs_approval = 1 AND approved_by = '' THEN "
        "'awaiting-approval' ELSE 'pending' END, run_after_ms = $3, updated_ms = $3 WHERE campaign = $1 "
        "AND stage = $2 AND state = 'waiting'",
        {id, next, now})
          .status());
  CampaignState state = MigratingStateFor(next);
  RETURN_IF_ERROR(Q("UPDATE campaigns SET open_stage = $2, state = $3, updated_ms = $4 WHERE id = $1",
                    {id, next, CampaignStateName(state), now})
                      .status());
  out.after = state;
  std::string what = next == kDataStage      ? "data partitions"
                     : next == kPublishStage ? "data verification and publishing"
                                             : "wave " + std::to_string(next - 1);
  RETURN_IF_ERROR(Record(*session_, &out.events, id, "stage",
                         what + " opened: " + std::to_string(total(next)) + " job(s)", now));
  ASSIGN_OR_RETURN(Rows waiting, Q("SELECT COUNT(*) FROM jobs WHERE campaign = $1 AND stage = $2 AND state = "
                                   "'awaiting-approval'",
                                   {id, next}));
  if (!waiting.empty() && waiting.Int(0, 0) > 0) {
    RETURN_IF_ERROR(Record(*session_, &out.events, id, "approval-needed",
                           std::to_string(waiting.Int(0, 0)) + " job(s) of " + what +
                               " await approval: `skein approve " +
                               (next >= StageOfWave(1) ? "--wave " + std::to_string(next - 1) + " " + id
                                                       : std::string("JOB...")) +
                               "`",
                           now));
  }
  return out;
}

Status Queue::Pause(std::string_view id, std::string_view reason, int64_t now) {
  return Transact([&]() -> Status {
    ASSIGN_OR_RETURN(Campaign c, LockCampaign(*session_, id));
    if (c.state == CampaignState::kPaused) return Status::Ok();
    if (c.state != CampaignState::kMigratingData && c.state != CampaignState::kMigratingConsumers &&
        c.state != CampaignState::kPlanned) {
      return Status::Conflict("campaign " + c.id + " is " + std::string(CampaignStateName(c.state)) +
                              ": only a running campaign can be paused");
    }
    RETURN_IF_ERROR(SetState(id, CampaignState::kPaused, reason, now));
    return Record(*session_, nullptr, id, "paused", std::string(reason), now);
  });
}

Status Queue::Resume(std::string_view id, int64_t now) {
  return Transact([&]() -> Status {
    ASSIGN_OR_RETURN(Campaign c, LockCampaign(*session_, id));
    if (c.state != CampaignState::kPaused) {
      return Status::Conflict("campaign " + c.id + " is " + std::string(CampaignStateName(c.state)) +
                              ", not paused");
    }
    CampaignState state = c.open_stage < 0 ? CampaignState::kPlanned : MigratingStateFor(c.open_stage);
    RETURN_IF_ERROR(
        Q("UPDATE campaigns SET state = $2, reason = '', breaker_since_ms = $3, updated_ms = $3 WHERE "
          "id = $1",
          {id, CampaignStateName(state), now + 1})
            .status());
    return Record(*session_, nullptr, id, "resumed", "campaign resumed", now);
  });
}

Status Queue::Cancel(std::string_view id, std::string_view reason, int64_t now) {
  return Transact([&]() -> Status {
    ASSIGN_OR_RETURN(Campaign c, LockCampaign(*session_, id));
    if (IsEnded(c.state) || c.state == CampaignState::kRollingBack) {
      return Status::Conflict("campaign " + c.id + " is " + std::string(CampaignStateName(c.state)) +
                              ": nothing to cancel");
    }
    RETURN_IF_ERROR(
        Q("UPDATE jobs SET state = 'cancelled', updated_ms = $2, finished_ms = $2 WHERE campaign = $1 "
          "AND state IN ('waiting', 'pending', 'awaiting-approval')",
          {id, now})
            .status());
    RETURN_IF_ERROR(SetState(id, CampaignState::kCancelled, reason, now));
    return Record(*session_, nullptr, id, "cancelled", std::string(reason), now);
  });
}

Status Queue::BeginRollback(std::string_view id, int64_t now) {
  return Transact([&]() -> Status {
    ASSIGN_OR_RETURN(Campaign c, LockCampaign(*session_, id));
    if (c.state == CampaignState::kRolledBack) return Status::Ok();
    RETURN_IF_ERROR(
        Q("UPDATE jobs SET state = 'cancelled', updated_ms = $2, finished_ms = $2 WHERE campaign = $1 "
          "AND state IN ('waiting', 'pending', 'awaiting-approval')",
          {id, now})
            .status());
    if (c.state == CampaignState::kRollingBack) return Status::Ok();
    RETURN_IF_ERROR(SetState(id, CampaignState::kRollingBack, "rollback in progress", now));
    return Record(*session_, nullptr, id, "rolling-back", "rollback started", now);
  });
}

Status Queue::FinishRollback(std::string_view id, int64_t now) {
  return Transact([&]() -> Status {
    ASSIGN_OR_RETURN(Campaign c, LockCampaign(*session_, id));
    if (c.state == CampaignState::kRolledBack) return Status::Ok();
    if (c.state != CampaignState::kRollingBack) {
      return Status::Conflict("campaign " + c.id + " is " + std::string(CampaignStateName(c.state)) +
                              ", not rolling back");
    }
    RETURN_IF_ERROR(
        Q("UPDATE jobs SET state = 'rolled-back', updated_ms = $2 WHERE campaign = $1", {id, now}).status());
    RETURN_IF_ERROR(
        Q("UPDATE attempts SET outcome = 'lost', ended_ms = $2 WHERE ended_ms = 0 AND job IN (SELECT id "
          "FROM jobs WHERE campaign = $1)",
          {id, now})
            .status());
    RETURN_IF_ERROR(SetState(id, CampaignState::kRolledBack, "rolled back", now));
    return Record(*session_, nullptr, id, "rolled-back", "campaign rolled back", now);
  });
}

// --- jobs ---

Result<std::vector<Lease>> Queue::Claim(std::string_view worker, std::string_view group, int max_jobs,
                                        std::chrono::milliseconds ttl, int64_t now) {
  std::vector<Lease> out;
  if (max_jobs <= 0) return out;
  const bool pg = dialect() == Dialect::kPostgres;
  RETURN_IF_ERROR(Transact([&]() -> Status {
    out.clear();
    // The active campaigns. Those whose claims must count — a cap, or data jobs (one at a time)
    // — are locked (PostgreSQL: FOR UPDATE, in id order), so that their running counts stay exact
    // until commit; claims on the others run in parallel, SKIP LOCKED on the job rows being enough.
    ASSIGN_OR_RETURN(
        Rows campaigns,
        Q("SELECT id, max_parallel, per_owner, per_repo, open_stage FROM campaigns WHERE state IN " +
          std::string(kActiveCampaigns) + " ORDER BY id"));
    if (campaigns.empty()) return Status::Ok();
    struct Caps {
      int64_t max_parallel = 0, per_owner = 0, per_repo = 0;
      bool counted = false;
      int64_t running = 0;
      int64_t data = 0;
      std::map<std::string, int64_t> owners, repos;
    };
    std::map<std::string, Caps> caps;
    json active = json::array();
    json counted = json::array();
    auto read_caps = [&](const Rows& rows, size_t r) {
      Caps c;
      c.max_parallel = rows.Int(r, 1);
      c.per_owner = rows.Int(r, 2);
      c.per_repo = rows.Int(r, 3);
      c.counted = c.max_parallel > 0 || c.per_owner > 0 || c.per_repo > 0 || rows.Int(r, 4) <= kPublishStage;
      return c;
    };
    for (size_t r = 0; r < campaigns.size(); ++r) {
      Caps c = read_caps(campaigns, r);
      if (c.counted) counted.push_back(campaigns.at(r, 0));
      caps[campaigns.at(r, 0)] = std::move(c);
    }
    if (pg && !counted.empty()) {
      // Locked, then read again: what another transaction committed meanwhile counts.
      ASSIGN_OR_RETURN(Rows locked, Q("SELECT id, max_parallel, per_owner, per_repo, open_stage, state FROM "
                                      "campaigns WHERE id " +
                                          TextsIn(dialect(), 1) + " ORDER BY id FOR UPDATE",
                                      {counted.dump()}));
      for (size_t r = 0; r < locked.size(); ++r) {
        Caps c = read_caps(locked, r);
        c.counted = true;
        bool still_active =
            std::string_view(kActiveCampaigns).find("'" + locked.at(r, 5) + "'") != std::string_view::npos;
        if (still_active)
          caps[locked.at(r, 0)] = std::move(c);
        else
          caps.erase(locked.at(r, 0));
      }
    }
    bool any_counted = false;
    for (const auto& [id, c] : caps) {
      active.push_back(id);
      any_counted = any_counted || c.counted;
    }
    if (active.empty()) return Status::Ok();
    // Candidates in (stage, priority, id) order from the pending jobs' partial index; room for the
    // ones a cap skips when a campaign is counted.
    int limit = any_counted ? max_jobs * 4 + 16 : max_jobs;
    std::string sql =
        "SELECT id, campaign, kind, owner, repo FROM jobs WHERE state = 'pending' AND run_after_ms <= "
        "$1 AND (grp = '' OR grp = $2) AND campaign " +
        TextsIn(dialect(), 4) + " ORDER BY stage, priority, id LIMIT $3";
    if (pg) sql += " FOR UPDATE SKIP LOCKED";
    ASSIGN_OR_RETURN(Rows candidates, Q(sql, {now, group, limit, active.dump()}));
    if (candidates.empty()) return Status::Ok();
    auto is_data = [](const std::string& kind) { return kind == "partition" || kind == "publish"; };
    if (any_counted) {
      ASSIGN_OR_RETURN(
          Rows running,
          Q("SELECT campaign, kind, owner, repo FROM jobs WHERE state = 'running' AND campaign " +
                TextsIn(dialect(), 1),
            {counted.dump()}));
      for (size_t r = 0; r < running.size(); ++r) {
        auto it = caps.find(running.at(r, 0));
        if (it == caps.end() || !it->second.counted) continue;
        ++it->second.running;
        if (is_data(running.at(r, 1))) ++it->second.data;
        if (running.at(r, 1) == "consumer") {
          ++it->second.owners[running.at(r, 2)];
          ++it->second.repos[running.at(r, 3)];
        }
      }
    }
    std::vector<int64_t> chosen;
    for (size_t r = 0; r < candidates.size() && static_cast<int>(chosen.size()) < max_jobs; ++r) {
      Caps& c = caps[candidates.at(r, 1)];
      bool consumer = candidates.at(r, 2) == "consumer";
      const std::string& owner = candidates.at(r, 3);
      const std::string& repo = candidates.at(r, 4);
      if (c.max_parallel > 0 && c.running >= c.max_parallel) continue;
      if (is_data(candidates.at(r, 2))) {
        // Data jobs are pending only while a campaign's data stages are open, which makes it
        // counted; one found otherwise waits for a claim that counts it.
        if (!c.counted || c.data > 0) continue;  // one data job at a time: a DuckDB database has one writer
        ++c.data;
      }
      if (consumer && c.per_owner > 0 && !owner.empty() && c.owners[owner] >= c.per_owner) continue;
      if (consumer && c.per_repo > 0 && !repo.empty() && c.repos[repo] >= c.per_repo) continue;
      ++c.running;
      if (consumer) {
        ++c.owners[owner];
        ++c.repos[repo];
      }
      chosen.push_back(candidates.Int(r, 0));
    }
    if (chosen.empty()) return Status::Ok();
    std::string ids = JsonIds(chosen);
    std::string claim =
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_token = lease_token + 1, "
        "lease_worker = $2, lease_expires_ms = $3, updated_ms = $4 WHERE id " +
        IdsIn(dialect(), 1) + " RETURNING " + std::string(kJobColumns);
    std::string attempt =
        "INSERT INTO attempts (" + std::string(kAttemptColumns) +
        ") SELECT id, lease_token, lease_worker, $4, lease_expires_ms, 0, 'running', '', '' FROM ";
    Rows claimed;
    if (pg) {  // one round trip: the lease and its attempts row
      ASSIGN_OR_RETURN(claimed, Q("WITH claimed AS (" + claim + "), logged AS (" + attempt +
                                      "claimed) SELECT " + std::string(kJobColumns) + " FROM claimed",
                                  {ids, worker, now + ttl.count(), now}));
    } else {
      ASSIGN_OR_RETURN(claimed, Q(claim, {ids, worker, now + ttl.count(), now}));
      RETURN_IF_ERROR(
          Q(attempt + "jobs WHERE id " + IdsIn(dialect(), 1), {ids, worker, now + ttl.count(), now})
              .status());
    }
    for (size_t r = 0; r < claimed.size(); ++r) {
      ASSIGN_OR_RETURN(Job job, JobFromRow(claimed, r));
      Lease lease{std::move(job), 0, std::string(worker)};
      lease.token = lease.job.lease_token;
      out.push_back(std::move(lease));
    }
    std::sort(out.begin(), out.end(), [](const Lease& a, const Lease& b) {
      return std::tie(a.job.stage, a.job.priority, a.job.id) <
             std::tie(b.job.stage, b.job.priority, b.job.id);
    });
    return Status::Ok();
  }));
  return out;
}

namespace {

Status StaleLease(int64_t job, int64_t token, const Rows& now_rows) {
  if (now_rows.empty()) return Status::NotFound("no job " + std::to_string(job));
  return Status::Conflict("job " + std::to_string(job) + ": lease " + std::to_string(token) +
                          " is stale (the job is " + now_rows.at(0, 0) + " under lease " + now_rows.at(0, 1) +
                          "); its outcome is refused");
}

}  // namespace

Status Queue::Renew(int64_t job, int64_t token, std::chrono::milliseconds ttl, int64_t now) {
  return Transact([&]() -> Status {
    ASSIGN_OR_RETURN(Rows updated,
                     Q("UPDATE jobs SET lease_expires_ms = $3 WHERE id = $1 AND lease_token = $2 AND "
                       "state = 'running' AND lease_expires_ms >= $4 RETURNING id",
                       {job, token, now + ttl.count(), now}));
    if (updated.empty()) {
      ASSIGN_OR_RETURN(Rows current, Q("SELECT state, lease_token FROM jobs WHERE id = $1", {job}));
      return StaleLease(job, token, current);
    }
    return Q("UPDATE attempts SET lease_expires_ms = $3 WHERE job = $1 AND token = $2",
             {job, token, now + ttl.count()})
        .status();
  });
}

Status Queue::Fence(int64_t job, int64_t token, int64_t now) {
  return Transact([&]() -> Status {
    ASSIGN_OR_RETURN(Rows rows,
                     Q("SELECT j.state, j.lease_token, j.lease_expires_ms, c.state FROM jobs j JOIN "
                       "campaigns c ON c.id = j.campaign WHERE j.id = $1",
                       {job}));
    if (rows.empty()) return Status::NotFound("no job " + std::to_string(job));
    if (rows.at(0, 0) != "running" || rows.Int(0, 1) != token) return StaleLease(job, token, rows);
    if (rows.Int(0, 2) < now) {
      return Status::Conflict("job " + std::to_string(job) + ": lease " + std::to_string(token) +
                              " expired; the side effect is refused");
    }
    const std::string& campaign_state = rows.at(0, 3);
    if (campaign_state == "cancelled" || campaign_state == "rolling-back" ||
        campaign_state == "rolled-back") {
      return Status::Conflict("job " + std::to_string(job) + ": its campaign is " + campaign_state +
                              "; the side effect is refused");
    }
    return Status::Ok();
  });
}

Status Queue::Complete(int64_t job, int64_t token, bool ok, std::string_view outcome, std::string_view result,
                       std::string_view evidence, int64_t now) {
  return Transact([&]() -> Status {
    ASSIGN_OR_RETURN(
        Rows updated,
        Q("UPDATE jobs SET state = $3, outcome = $4, result = $5, updated_ms = $6, finished_ms = $6, "
          "lease_expires_ms = 0 WHERE id = $1 AND lease_token = $2 AND state = 'running' RETURNING id",
          {job, token, ok ? "done" : "failed", Truncated(outcome, 2000), result, now}));
    if (updated.empty()) {
      ASSIGN_OR_RETURN(Rows current, Q("SELECT state, lease_token FROM jobs WHERE id = $1", {job}));
      // A retried commit that went through the first time.
      if (!current.empty() && current.Int(0, 1) == token && current.at(0, 0) == (ok ? "done" : "failed")) {
        return Status::Ok();
      }
      return StaleLease(job, token, current);
    }
    return Q("UPDATE attempts SET ended_ms = $3, outcome = $4, evidence = $5 WHERE job = $1 AND token = $2",
             {job, token, now, ok ? "done" : "failed", evidence})
        .status();
  });
}

Result<std::vector<int64_t>> Queue::CompleteMany(const std::vector<std::pair<int64_t, int64_t>>& job_tokens,
                                                 int64_t now) {
  std::vector<int64_t> stale;
  if (job_tokens.empty()) return stale;
  json pairs = json::array();
  for (const auto& [job, token] : job_tokens) pairs.push_back({job, token});
  const bool pg = dialect() == Dialect::kPostgres;
  // (job, token) pairs from one JSON parameter.
  std::string pairs_sql = pg ? "SELECT CAST(p->>0 AS BIGINT) AS job, CAST(p->>1 AS BIGINT) AS token FROM "
                               "json_array_elements(CAST($1 AS json)) AS p"
                             : "SELECT json_extract(value, '$[0]') AS job, json_extract(value, '$[1]') AS "
                               "token FROM json_each($1)";
  RETURN_IF_ERROR(Transact([&]() -> Status {
    stale.clear();
    std::string finish =
        "UPDATE jobs SET state = 'done', updated_ms = $2, finished_ms = $2, lease_expires_ms = 0 "
        "WHERE state = 'running' AND (id, lease_token) IN (" +
        pairs_sql + ") RETURNING id, lease_token";
    std::string log =
        "UPDATE attempts SET ended_ms = $2, outcome = 'done' WHERE ended_ms = 0 AND (job, token) IN ";
    Rows done;
    if (pg) {  // one round trip: the jobs and their attempts rows
      ASSIGN_OR_RETURN(done, Q("WITH done AS (" + finish + "), logged AS (" + log +
                                   "(SELECT id, lease_token FROM done)) SELECT id, lease_token FROM done",
                               {pairs.dump(), now}));
    } else {
      ASSIGN_OR_RETURN(done, Q(finish, {pairs.dump(), now}));
      RETURN_IF_ERROR(Q(log + "(" + pairs_sql + ")", {pairs.dump(), now}).status());
    }
    std::set<int64_t> ok;
    for (size_t r = 0; r < done.size(); ++r) ok.insert(done.Int(r, 0));
    for (const auto& [job, token] : job_tokens) {
      if (!ok.count(job)) stale.push_back(job);
    }
    return Status::Ok();
  }));
  return stale;
}

Status Queue::Fail(int64_t job, int64_t token, std::string_view error, std::string_view evidence,
                   int64_t now) {
  return Transact([&]() -> Status {
    ASSIGN_OR_RETURN(Rows rows,
                     Q("SELECT j.state, j.lease_token, j.attempts, j.max_attempts, c.policy, j.campaign "
                       "FROM jobs j JOIN campaigns c ON c.id = j.campaign WHERE j.id = $1",
                       {job}));
    if (rows.empty()) return Status::NotFound("no job " + std::to_string(job));
    if (rows.at(0, 0) != "running" || rows.Int(0, 1) != token) {
      if (rows.Int(0, 1) == token && (rows.at(0, 0) == "pending" || rows.at(0, 0) == "dead"))
        return Status::Ok();
      return StaleLease(job, token, rows);
    }
    int attempts = static_cast<int>(rows.Int(0, 2));
    int max_attempts = static_cast<int>(rows.Int(0, 3));
    json policy = json::parse(rows.at(0, 4), nullptr, false);
    CampaignPolicy p =
        PolicyFromJson(policy.is_object() ? policy.value("queue", json::object()) : json::object());
    std::string line = Truncated(error, 2000);
    if (attempts >= max_attempts) {
      RETURN_IF_ERROR(Q("UPDATE jobs SET state = 'dead', outcome = $2, updated_ms = $3, finished_ms = $3, "
                        "lease_expires_ms = 0 WHERE id = $1",
                        {job, "dead after " + std::to_string(attempts) + " attempt(s): " + line, now})
                          .status());
      RETURN_IF_ERROR(Record(*session_, nullptr, rows.at(0, 5), "dead",
                             "job " + std::to_string(job) + " is dead after " + std::to_string(attempts) +
                                 " attempt(s): " + line,
                             now));
    } else {
      int64_t delay = Backoff(p, job, attempts).count();
      RETURN_IF_ERROR(
          Q("UPDATE jobs SET state = 'pending', outcome = $2, run_after_ms = $3, updated_ms = $4, "
            "lease_expires_ms = 0 WHERE id = $1",
            {job, "attempt " + std::to_string(attempts) + " failed: " + line, now + delay, now})
              .status());
    }
    return Q("UPDATE attempts SET ended_ms = $3, outcome = 'error', error = $4, evidence = $5 WHERE job = $1 "
             "AND "
             "token = $2",
             {job, token, now, line, evidence})
        .status();
  });
}

Status Queue::Release(int64_t job, int64_t token, int64_t now) {
  return Transact([&]() -> Status {
    ASSIGN_OR_RETURN(Rows updated,
                     Q("UPDATE jobs SET state = 'pending', attempts = attempts - 1, run_after_ms = $3, "
                       "updated_ms = $3, lease_expires_ms = 0 WHERE id = $1 AND lease_token = $2 AND "
                       "state = 'running' RETURNING id",
                       {job, token, now}));
    if (updated.empty()) {
      ASSIGN_OR_RETURN(Rows current, Q("SELECT state, lease_token FROM jobs WHERE id = $1", {job}));
      return StaleLease(job, token, current);
    }
    return Q("UPDATE attempts SET ended_ms = $3, outcome = 'released' WHERE job = $1 AND token = $2",
             {job, token, now})
        .status();
  });
}

Result<int> Queue::Sweep(int64_t now) {
  int reclaimed = 0;
  const bool pg = dialect() == Dialect::kPostgres;
  RETURN_IF_ERROR(Transact([&]() -> Status {
    reclaimed = 0;
    ASSIGN_OR_RETURN(Rows expired,
                     Q(std::string("SELECT id, lease_token, attempts, max_attempts, campaign FROM jobs "
                                   "WHERE state = 'running' AND lease_expires_ms < $1") +
                           (pg ? " FOR UPDATE SKIP LOCKED" : ""),
                       {now}));
    for (size_t r = 0; r < expired.size(); ++r) {
      int64_t job = expired.Int(r, 0);
      int64_t token = expired.Int(r, 1);
      bool dead = expired.Int(r, 2) >= expired.Int(r, 3);
      std::string line = "lease " + std::to_string(token) + " expired (worker lost)";
      RETURN_IF_ERROR(
          Q(dead ? "UPDATE jobs SET state = 'dead', outcome = $2, updated_ms = $3, finished_ms = $3 WHERE id "
                   "= $1"
                 : "UPDATE jobs SET state = 'pending', outcome = $2, run_after_ms = $3, updated_ms = $3 "
                   "WHERE id = $1",
            {job, dead ? "dead: " + line : line, now})
              .status());
      RETURN_IF_ERROR(
          Q("UPDATE attempts SET ended_ms = lease_expires_ms, outcome = 'lost', error = $3 WHERE job = $1 "
            "AND token = $2",
            {job, token, line})
              .status());
      if (dead) {
        RETURN_IF_ERROR(Record(*session_, nullptr, expired.at(r, 4), "dead",
                               "job " + std::to_string(job) + " is dead: " + line, now));
      }
      ++reclaimed;
    }
    return Status::Ok();
  }));
  return reclaimed;
}

Result<int> Queue::Approve(std::string_view campaign, const std::vector<int64_t>& jobs, int wave,
                           std::string_view by, int64_t now) {
  int approved = 0;
  RETURN_IF_ERROR(Transact([&]() -> Status {
    ASSIGN_OR_RETURN(Campaign c, LockCampaign(*session_, campaign));
    (void)c;
    std::string where;
    std::vector<Param> params = {campaign, by, now};
    if (!jobs.empty()) {
      ASSIGN_OR_RETURN(Rows known, Q("SELECT id FROM jobs WHERE campaign = $1 AND id " + IdsIn(dialect(), 2),
                                     {campaign, JsonIds(jobs)}));
      std::set<int64_t> found;
      for (size_t r = 0; r < known.size(); ++r) found.insert(known.Int(r, 0));
      for (int64_t id : jobs) {
        if (!found.count(id)) {
          return Status::NotFound("no job " + std::to_string(id) + " in campaign " + std::string(campaign));
        }
      }
      where = "id " + IdsIn(dialect(), 4);
      params.push_back(JsonIds(jobs));
    } else if (wave > 0) {
      where = "wave = $4";
      params.push_back(wave);
    } else {
      where = "1 = 1";
    }
    ASSIGN_OR_RETURN(Rows updated,
                     Q("UPDATE jobs SET approved_by = $2, updated_ms = $3, state = CASE WHEN state = "
                       "'awaiting-approval' THEN 'pending' ELSE state END, run_after_ms = CASE WHEN "
                       "state = 'awaiting-approval' THEN $3 ELSE run_after_ms END WHERE campaign = $1 "
                       "AND needs_approval = 1 AND approved_by = '' AND " +
                           where + " RETURNING id",
                       params));
    approved = static_cast<int>(updated.size());
    if (approved > 0) {
      RETURN_IF_ERROR(Record(*session_, nullptr, campaign, "approved",
                             std::to_string(approved) + " job(s) approved by " + std::string(by), now));
    }
    return Status::Ok();
  }));
  return approved;
}

Status Queue::RunAgainIfEnded(const Campaign& c, int64_t now) {
  if (c.state != CampaignState::kFailed && c.state != CampaignState::kCompleted) return Status::Ok();
  return SetState(c.id, MigratingStateFor(std::max(0, c.open_stage)), "", now);
}

Status Queue::Retry(std::string_view campaign, int64_t job, int64_t now) {
  return Transact([&]() -> Status {
    ASSIGN_OR_RETURN(Campaign c, LockCampaign(*session_, campaign));
    ASSIGN_OR_RETURN(Rows updated,
                     Q("UPDATE jobs SET state = 'pending', attempts = 0, run_after_ms = $3, updated_ms "
                       "= $3, finished_ms = 0 WHERE campaign = $1 AND id = $2 AND state IN ('failed', "
                       "'dead') RETURNING id",
                       {campaign, job, now}));
    if (updated.empty()) {
      ASSIGN_OR_RETURN(Rows current,
                       Q("SELECT state FROM jobs WHERE campaign = $1 AND id = $2", {campaign, job}));
      if (current.empty()) {
        return Status::NotFound("no job " + std::to_string(job) + " in campaign " + std::string(campaign));
      }
      return Status::Conflict("job " + std::to_string(job) + " is " + current.at(0, 0) +
                              ": only a failed or dead job can be retried");
    }
    RETURN_IF_ERROR(RunAgainIfEnded(c, now));  // a campaign that ended because of it
    return Record(*session_, nullptr, campaign, "retried", "job " + std::to_string(job) + " retried", now);
  });
}

Result<std::optional<Job>> Queue::FindJob(int64_t id) {
  std::optional<Job> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    ASSIGN_OR_RETURN(Rows rows, Q("SELECT " + std::string(kJobColumns) + " FROM jobs WHERE id = $1", {id}));
    if (rows.empty()) return Status::Ok();
    ASSIGN_OR_RETURN(Job job, JobFromRow(rows, 0));
    out = std::move(job);
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Job>> Queue::ListJobs(std::string_view campaign, const JobFilter& filter) {
  std::vector<Job> out;
  std::string sql = "SELECT " + std::string(kJobColumns) + " FROM jobs WHERE campaign = $1";
  std::vector<Param> params = {campaign};
  if (filter.state) {
    params.emplace_back(JobStateName(*filter.state));
    sql += " AND state = $" + std::to_string(params.size());
  }
  if (!filter.kind.empty()) {
    params.emplace_back(filter.kind);
    sql += " AND kind = $" + std::to_string(params.size());
  }
  if (filter.wave >= 0) {
    params.emplace_back(filter.wave);
    sql += " AND wave = $" + std::to_string(params.size());
  }
  sql += " ORDER BY stage, priority, id";
  if (filter.limit > 0) sql += " LIMIT " + std::to_string(filter.limit);
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    ASSIGN_OR_RETURN(Rows rows, Q(sql, params));
    for (size_t r = 0; r < rows.size(); ++r) {
      ASSIGN_OR_RETURN(Job job, JobFromRow(rows, r));
      out.push_back(std::move(job));
    }
    return Status::Ok();
  }));
  return out;
}

Result<Counts> Queue::CountJobs(std::string_view campaign) {
  Counts counts;
  RETURN_IF_ERROR(Read([&]() -> Status {
    counts = Counts{};
    ASSIGN_OR_RETURN(Rows rows, campaign.empty()
                                    ? Q("SELECT state, COUNT(*) FROM jobs GROUP BY state")
                                    : Q("SELECT state, COUNT(*) FROM jobs WHERE campaign = $1 GROUP BY state",
                                        {campaign}));
    for (size_t r = 0; r < rows.size(); ++r) {
      ASSIGN_OR_RETURN(JobState state, ParseJobState(rows.at(r, 0)));
      counts.by_state[static_cast<int>(state)] += rows.Int(r, 1);
      counts.total += rows.Int(r, 1);
    }
    return Status::Ok();
  }));
  return counts;
}

Result<std::vector<Attempt>> Queue::ListAttempts(int64_t job) {
  std::vector<Attempt> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    ASSIGN_OR_RETURN(Rows rows, Q("SELECT " + std::string(kAttemptColumns) +
                                      " FROM attempts WHERE job = $1 ORDER BY "
                                      "token",
                                  {job}));
    for (size_t r = 0; r < rows.size(); ++r) out.push_back(AttemptFromRow(rows, r));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Attempt>> Queue::ListAllAttempts(std::string_view campaign) {
  std::vector<Attempt> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    ASSIGN_OR_RETURN(
        Rows rows,
        campaign.empty()
            ? Q("SELECT " + std::string(kAttemptColumns) + " FROM attempts ORDER BY job, token")
            : Q("SELECT " + std::string(kAttemptColumns) +
                    " FROM attempts WHERE job IN (SELECT id FROM jobs WHERE campaign = $1) ORDER BY job, "
                    "token",
                {campaign}));
    for (size_t r = 0; r < rows.size(); ++r) out.push_back(AttemptFromRow(rows, r));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Event>> Queue::ListEvents(std::string_view campaign, int64_t after_id) {
  std::vector<Event> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    ASSIGN_OR_RETURN(Rows rows,
                     Q("SELECT id, campaign, at_ms, kind, message FROM campaign_events WHERE campaign = $1 "
                       "AND id > $2 ORDER BY id",
                       {campaign, after_id}));
    for (size_t r = 0; r < rows.size(); ++r) {
      out.push_back(Event{rows.Int(r, 0), rows.at(r, 1), rows.Int(r, 2), rows.at(r, 3), rows.at(r, 4)});
    }
    return Status::Ok();
  }));
  return out;
}

Status Queue::AddEvent(std::string_view campaign, std::string_view kind, std::string_view message,
                       int64_t now) {
  return Transact([&]() { return Record(*session_, nullptr, campaign, kind, std::string(message), now); });
}

// --- shared rate limits ---

Result<int64_t> Queue::TryAcquireRate(std::string_view key, int64_t now,
                                      const std::function<int64_t(const std::vector<int64_t>&)>& wait_for) {
  int64_t wait = 0;
  RETURN_IF_ERROR(Transact([&]() -> Status {
    if (dialect() == Dialect::kPostgres) {
      // 1936420355: 'skn' and a number, the class of the rate-limit locks (store's are ...353/354).
      RETURN_IF_ERROR(Q("SELECT pg_advisory_xact_lock(1936420355, hashtext($1))", {key}).status());
    }
    RETURN_IF_ERROR(
        Q("DELETE FROM forge_requests WHERE forge = $1 AND at_ms <= $2", {key, now - 3600000}).status());
    ASSIGN_OR_RETURN(Rows rows, Q("SELECT at_ms FROM forge_requests WHERE forge = $1 ORDER BY at_ms", {key}));
    std::vector<int64_t> recent;
    recent.reserve(rows.size());
    for (size_t r = 0; r < rows.size(); ++r) recent.push_back(rows.Int(r, 0));
    wait = wait_for(recent);
    if (wait > 0) return Status::Ok();
    return Q("INSERT INTO forge_requests (forge, at_ms) VALUES ($1, $2)", {key, now}).status();
  }));
  return wait;
}

// --- workers ---

Status Queue::RegisterWorker(const WorkerInfo& w, int64_t now) {
  return Transact([&]() -> Status {
    return Q("INSERT INTO workers (id, host, pid, slots, grp, state, started_ms, heartbeat_ms) VALUES ($1, "
             "$2, $3, $4, "
             "$5, 'live', $6, $6) ON CONFLICT (id) DO UPDATE SET state = 'live', heartbeat_ms = $6, slots = "
             "$4, grp = "
             "$5",
             {w.id, w.host, w.pid, w.slots, w.group, now})
        .status();
  });
}

Status Queue::Heartbeat(std::string_view worker, int64_t now) {
  return Transact([&]() -> Status {
    return Q("UPDATE workers SET heartbeat_ms = $2, state = 'live' WHERE id = $1", {worker, now}).status();
  });
}

Status Queue::LeaveWorker(std::string_view worker, int64_t now) {
  return Transact([&]() -> Status {
    return Q("UPDATE workers SET heartbeat_ms = $2, state = 'left' WHERE id = $1", {worker, now}).status();
  });
}

Result<std::vector<WorkerInfo>> Queue::LiveWorkers(int64_t since) {
  std::vector<WorkerInfo> out;
  RETURN_IF_ERROR(Read([&]() -> Status {
    out.clear();
    ASSIGN_OR_RETURN(Rows rows,
                     Q("SELECT id, host, pid, slots, grp, state, started_ms, heartbeat_ms FROM workers "
                       "WHERE state = 'live' AND heartbeat_ms > $1 ORDER BY id",
                       {since}));
    for (size_t r = 0; r < rows.size(); ++r) {
      out.push_back(WorkerInfo{rows.at(r, 0), rows.at(r, 1), rows.Int(r, 2), static_cast<int>(rows.Int(r, 3)),
                               rows.at(r, 4), rows.at(r, 5), rows.Int(r, 6), rows.Int(r, 7)});
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace skein::queue
