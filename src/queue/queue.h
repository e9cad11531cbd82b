// queue/: the fleet's durable job queue, in the store's database (SQLite or PostgreSQL): campaigns
// as persisted state machines, their jobs, every attempt of a job, the workers, and a campaign's
// events. Workers on many machines share it; it is the only place they coordinate.
//
// Jobs. One per (campaign, kind, target) — a UNIQUE constraint, so two `skein run` of one
// migration make one campaign and one set of jobs. A job belongs to a stage: 0 the data
// partitions, 1 data verification and publishing, 2 + N the consumers of wave N. A stage opens
// when every job of the stages before it has ended (and, for a wave, the previous wave's failure
// rate is under the threshold); until then its jobs are `waiting`.
//
//   waiting -> pending | awaiting-approval -> running -> done | failed
//                             ^                  |
//                             +---- (approve)    +-> pending (an error, retried after a backoff)
//                                                +-> dead    (an error on the last attempt)
//   pending, waiting, awaiting-approval -> cancelled (cancel); any -> rolled-back (rollback)
//   done -> failed  (its change request was closed by a person: declined; RecordChangeRequest)
//   done -> pending (its change request conflicts with the base: made again; RecordChangeRequest)
//
// `failed` is a job that ran and ended with a verdict (e.g. no verified change, evidence kept):
// retrying the same input would not change it. `dead` is a job whose attempts all ended in an
// error (a crash, a lost lease, an unreachable forge). Every job is at all times in exactly one
// state, so enqueued = done + failed + dead + cancelled + the rest, at every instant.
//
// Leases and fencing. Claim() leases a job to a worker until `now + ttl` and gives it a fencing
// token (the job's lease counter, incremented by every claim). Renew() extends a lease; Sweep()
// returns jobs whose lease expired to `pending` (or `dead`, when no attempt is left). Complete(),
// Fail(), Release() and Fence() take the token: a token that is no longer the job's current
// running lease is refused with Conflict — so a worker that lost its lease (paused too long, cut
// off) can neither record an outcome nor, by calling Fence() before each side effect, commit,
// push or open a change request. Fence() also refuses when the campaign is cancelled or being
// rolled back. Each claim adds an `attempts` row (job, token, worker, start, lease expiry, end):
// the lease history an audit reads.
//
// Retries: an attempt that errors is retried after
//   delay(n) = min(cap, base * 2^(n-1)) * (0.5 + 0.5 * u(job, n))
// where n is the number of attempts made so far and u a deterministic hash of (job id, n) in
// [0, 1) (jitter that spreads a fleet's retries and that tests can predict). A job makes at most
// max_attempts attempts (rollout.retries.max + 1); a lost lease counts as an attempt.
//
// Claiming. A claim takes up to N pending jobs whose time has come, of campaigns that are
// migrating (not planned, paused, cancelled, rolled back or ended), routed to the worker's group
// or to none, in order of stage, priority and id, keeping each campaign's caps: running jobs per
// campaign (max_parallel), per owner and per repository (consumer jobs). PostgreSQL: the rows of
// the active campaigns that have a cap or an open data stage are locked (FOR UPDATE) so that
// concurrent claimers count their running jobs exactly; other campaigns are claimed without
// that lock, in parallel; candidates are taken FOR UPDATE SKIP LOCKED from the pending jobs'
// index in claim order. SQLite: its single writer. Data jobs (kinds "partition" and "publish")
// of one campaign run one at a time.
//
// Time: every call takes `now` (epoch milliseconds from the caller's Clock), so tests run on a
// manual clock. Workers on many machines need synchronised clocks (NTP); a skew adds to the
// reclaim latency and never lets two leases overlap on one clock.
//
// Contract: every method is one transaction; a failed call changes nothing. A transaction that
// fails because the database was unreachable or a concurrent writer conflicted is retried (with
// a fresh connection) until `retry_for` has passed; then the Unavailable status is returned.
//
// Thread-safety: a Queue is used by one thread at a time; open one per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "queue/sql_session.h"

namespace skein::queue {

enum class JobState {
  kWaiting,
  kPending,
  kAwaitingApproval,
  kRunning,
  kDone,
  kFailed,
  kDead,
  kCancelled,
  kRolledBack
};
std::string_view JobStateName(JobState state);  // "waiting", "awaiting-approval", ...
Result<JobState> ParseJobState(std::string_view name);
bool IsTerminal(JobState state);  // done, failed, dead, cancelled, rolled back

enum class CampaignState {
  kPlanned,
  kMigratingData,
  kMigratingConsumers,
  kPaused,
  kCompleted,
  kFailed,
  kCancelled,
  kRollingBack,
  kRolledBack,
};
std::string_view CampaignStateName(CampaignState state);  // "migrating-data", ...
Result<CampaignState> ParseCampaignState(std::string_view name);
bool IsEnded(CampaignState state);  // completed, failed, cancelled, rolled back

// Stages: 0 data partitions, 1 verification and publishing, 2 + N consumer wave N.
constexpr int kDataStage = 0;
constexpr int kPublishStage = 1;
constexpr int StageOfWave(int wave) { return 1 + wave; }

struct CampaignPolicy {
  int max_parallel = 0;                // running jobs of the campaign at once; 0 = no cap
  int per_owner = 0;                   // running consumer jobs per owner; 0 = no cap
  int per_repo = 0;                    // running consumer jobs per repository; 0 = no cap
  double pause_on_failure_rate = 1.0;  // the breaker's and the waves' threshold (a ratio, 0..1]
  int breaker_window = 20;             // the last N finished consumer jobs
  int breaker_min_sample = 5;          // no verdict on fewer
  int max_attempts = 4;
  std::chrono::milliseconds retry_base{30000};
  std::chrono::milliseconds retry_cap{3600000};
};

struct CampaignSpec {
  std::string id;  // the migration's metadata.name
  std::string manifest_file;
  std::string manifest;     // the manifest's text, as the campaign was started with it
  std::string workdir;      // the folder relative repository paths are read from
  std::string policy_json;  // the whole rollout policy, for workers and the portal
  CampaignPolicy policy;
};

struct Campaign {
  std::string id;
  CampaignState state = CampaignState::kPlanned;
  std::string reason;  // why it is in its state ("circuit breaker: ...", "cancelled by ...")
  std::string manifest_file;
  std::string manifest;
  std::string manifest_hash;
  std::string workdir;
  std::string policy_json;
  CampaignPolicy policy;
  int open_stage = -1;  // the highest stage opened; -1 before Start
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

struct NewJob {
  std::string kind;    // "partition", "publish", "consumer", "noop", ...
  std::string target;  // unique within (campaign, kind): a partition key, a consumer ref key
  int stage = 0;
  int wave = 0;
  int priority = 0;  // lower first, within a stage
  std::string owner;
  std::string repo;
  std::string tier;
  std::string group;  // the worker group that may run it; "" = any worker
  bool needs_approval = false;
  std::string payload = "{}";  // JSON for the handler
};

struct Job {
  int64_t id = 0;
  std::string campaign;
  std::string kind;
  std::string target;
  int stage = 0;
  int wave = 0;
  int priority = 0;
  std::string owner;
  std::string repo;
  std::string tier;
  std::string group;
  bool needs_approval = false;
  std::string approved_by;
  std::string payload;
  JobState state = JobState::kWaiting;
  int attempts = 0;
  int max_attempts = 0;
  int64_t run_after_ms = 0;
  std::string lease_worker;
  int64_t lease_token = 0;
  int64_t lease_expires_ms = 0;
  std::string outcome;  // one line: the verdict or the last error
  std::string result;   // JSON from the handler ("" until it ends)
  int64_t updated_ms = 0;
  int64_t finished_ms = 0;
};

// A claimed job: the job as claimed (state running) and its fencing token.
struct Lease {
  Job job;
  int64_t token = 0;
  std::string worker;
};

struct Attempt {
  int64_t job = 0;
  int64_t token = 0;
  std::string worker;
  int64_t started_ms = 0;
  int64_t lease_expires_ms = 0;  // the lease's last expiry
  int64_t ended_ms = 0;          // 0 while it runs
  std::string outcome;           // running, done, failed, error, lost, released
  std::string error;
  std::string evidence;  // JSON: log, diff, verifier results
};

struct WorkerInfo {
  std::string id;
  std::string host;
  int64_t pid = 0;
  int slots = 1;
  std::string group;
  std::string state;  // live, left
  int64_t started_ms = 0;
  int64_t heartbeat_ms = 0;
};

struct Event {
  int64_t id = 0;
  std::string campaign;
  int64_t at_ms = 0;
  std::string kind;  // started, paused, resumed, breaker, wave, approval-needed, dead, completed, ...
  std::string message;
};

// Jobs counted by state, for one campaign (or all).
struct Counts {
  int64_t total = 0;
  int64_t by_state[9] = {};
  int64_t of(JobState state) const { return by_state[static_cast<int>(state)]; }
};

struct JobFilter {
  std::optional<JobState> state;
  std::string kind;
  int wave = -1;  // -1: any
  int limit = 0;  // 0: all
};

// What FindJobs() selects: every field set narrows the match.
struct JobQuery {
  std::vector<JobState> states;  // any of these; empty = any
  std::string kind;
  std::string owner;
  std::string tier;
  int wave = -1;       // -1: any
  std::string search;  // a case-insensitive substring of target, owner or repo
  int limit = 100;
  int offset = 0;
};

struct JobPage {
  int64_t total = 0;  // jobs matching, over all pages
  std::vector<Job> jobs;
};

// A job's place in a lineage: which consumer, how far it got.
struct JobBrief {
  int64_t id = 0;
  std::string target;
  JobState state = JobState::kWaiting;
  int64_t finished_ms = 0;  // when it ended; 0 while it has not
};

struct WaveCounts {
  int wave = 0;  // 0: the data jobs
  Counts counts;
  int64_t last_finished_ms = 0;
};

struct FailureRate {
  int64_t failures = 0;
  int64_t sample = 0;  // finished consumer jobs considered (at most the breaker's window)
};

struct DurationHistogram {
  std::string kind;
  std::vector<int64_t> cumulative;  // attempts at or under each bound
  int64_t count = 0;
  double sum_ms = 0;
};

// What Advance() did, for alerts and the progress display.
struct Advanced {
  CampaignState before = CampaignState::kPlanned;
  CampaignState after = CampaignState::kPlanned;
  std::vector<Event> events;  // the events it recorded
};

// A change request a campaign's consumer job opened, as the watcher last saw it on its forge
// (watch/watch.h reconciles them).
struct ChangeRequestRecord {
  std::string campaign;
  std::string consumer;  // the job's target (a consumer's ref key)
  int64_t job = 0;
  std::string forge;  // git, github, gitlab
  std::string url;
  std::string branch;
  // open, merged, declined (closed by a person without merging), closed (a plain git remote's
  // branch deleted: merged or abandoned, it cannot say which)
  std::string state;
  std::string checks;            // pending, success, failure, "" unknown
  std::string closed_by;         // who declined or merged it, when the forge says
  int64_t closed_ms = 0;         // when it was declined or merged
  int64_t rebase_ms = 0;         // when its job was last sent back to rebase a conflicting branch
  int64_t checks_failed_ms = 0;  // when checks failing after the merge were reported
  int64_t synced_ms = 0;
};

// What the forge said about one request at one sync (vcs::ChangeRequest, in the queue's words).
struct ChangeRequestSeen {
  std::string campaign;
  std::string consumer;
  int64_t job = 0;
  std::string forge;
  std::string url;
  std::string branch;
  std::string state;  // open, merged, closed
  std::string checks;
  std::string closed_by;
  int64_t closed_ms = 0;
  bool conflicting = false;
};

// A notice the watcher recorded: a schema drift, a decommission waiting or done. Recorded once per
// key; alerted (when `alert`) once across every watcher sharing the store.
struct Notice {
  int64_t id = 0;
  std::string key;      // what makes it one notice: kind, subject and what it is about
  std::string kind;     // drift, decommission-waiting, retired
  std::string subject;  // the dataset id
  int64_t at_ms = 0;
  std::string message;
  std::string detail;  // JSON
  bool alert = false;  // worth a message to people (false: recorded quietly)
  int64_t sent_ms = 0;
};

class Queue {
 public:
  // Opens the queue in the store at `url` (store/store.h's rules; "" is the embedded default).
  static Result<std::unique_ptr<Queue>> Open(std::string_view url,
                                             std::chrono::milliseconds retry_for = std::chrono::seconds(60));
  explicit Queue(std::unique_ptr<SqlSession> session, std::chrono::milliseconds retry_for);

  Dialect dialect() const { return session_->dialect(); }
  std::string Describe() const { return session_->Describe(); }

  // --- campaigns ---
  // Creates the campaign with its jobs (state planned, jobs waiting), or, when one with this id
  // exists, leaves it and adds only the jobs it lacks (kept waiting). Returns it and whether it
  // was created now. Conflict when the existing campaign has ended (say how to start over).
  Result<std::pair<Campaign, bool>> CreateCampaign(const CampaignSpec& spec, const std::vector<NewJob>& jobs,
                                                   int64_t now);
  // Adds to a running (or planned, or paused) campaign the jobs it lacks — consumers that began
  // reading the from-dataset after it started — each at once pending (or awaiting approval) when
  // its stage is open, else waiting; records a "joined" event for each. Returns the targets
  // added. Conflict when the campaign has ended or is rolling back; NotFound when absent.
  Result<std::vector<std::string>> AddJobs(std::string_view campaign, const std::vector<NewJob>& jobs,
                                           int64_t now);
  Result<std::optional<Campaign>> FindCampaign(std::string_view id);
  Result<std::vector<Campaign>> ListCampaigns();
  // planned -> migrating: opens the first stage that has jobs. A no-op when already started.
  Result<Advanced> Start(std::string_view id, int64_t now);
  // Opens the next stage when the open ones have ended, trips the breaker, ends the campaign.
  // Idempotent; any worker or the run loop may call it.
  Result<Advanced> Advance(std::string_view id, int64_t now);
  // Whether `stage` of a campaign still has a job that has not ended; read without a lock. A
  // worker that finished jobs without a failure calls Advance only when this is false: with every
  // finisher committing before it reads, the last one to end a stage always sees it ended.
  Result<bool> StageOpen(std::string_view campaign, int stage);
  // migrating -> paused (Conflict from other states).
  Status Pause(std::string_view id, std::string_view reason, int64_t now);
  // paused -> migrating; the breaker forgets what finished before `now`.
  Status Resume(std::string_view id, int64_t now);
  // Any state but ended -> cancelled; its jobs not yet running are cancelled.
  Status Cancel(std::string_view id, std::string_view reason, int64_t now);
  // Any state -> rolling-back (Fence() refuses from now on); idempotent.
  Status BeginRollback(std::string_view id, int64_t now);
  // rolling-back -> rolled-back: every job rolled back.
  Status FinishRollback(std::string_view id, int64_t now);

  // --- jobs ---
  Result<std::vector<Lease>> Claim(std::string_view worker, std::string_view group, int max_jobs,
                                   std::chrono::milliseconds ttl, int64_t now);
  // Extends the lease; Conflict when the token is no longer the job's running lease.
  Status Renew(int64_t job, int64_t token, std::chrono::milliseconds ttl, int64_t now);
  // Ok only while `token` is the job's running, unexpired lease and its campaign is not
  // cancelled or being rolled back. Call before each side effect.
  Status Fence(int64_t job, int64_t token, int64_t now);
  // The attempt ended with a verdict: done (ok) or failed. Conflict when the lease is stale.
  Status Complete(int64_t job, int64_t token, bool ok, std::string_view outcome, std::string_view result,
                  std::string_view evidence, int64_t now);
  // Completes many at once (one transaction); a stale one is skipped and reported in the result.
  Result<std::vector<int64_t>> CompleteMany(const std::vector<std::pair<int64_t, int64_t>>& job_tokens,
                                            int64_t now);
  // The attempt ended in an error: retried after the backoff, or dead on the last attempt.
  Status Fail(int64_t job, int64_t token, std::string_view error, std::string_view evidence, int64_t now);
  // Gives the job back without using an attempt (a worker leaving on SIGTERM).
  Status Release(int64_t job, int64_t token, int64_t now);
  // Returns jobs whose lease expired before `now` to pending (or dead). The number reclaimed.
  Result<int> Sweep(int64_t now);
  // Approves jobs by id, or every job of a wave (wave > 0), or, with no ids and wave <= 0, every
  // job of the campaign that needs an approval. Waiting jobs of a later wave are approved ahead. NotFound for
  // an id not in the campaign; the number approved.
  Result<int> Approve(std::string_view campaign, const std::vector<int64_t>& jobs, int wave,
                      std::string_view by, int64_t now);
  // A failed or dead job back to pending with a fresh set of attempts.
  Status Retry(std::string_view campaign, int64_t job, int64_t now);

  Result<std::optional<Job>> FindJob(int64_t id);
  Result<std::vector<Job>> ListJobs(std::string_view campaign, const JobFilter& filter = {});
  Result<Counts> CountJobs(std::string_view campaign);  // "" = every campaign
  Result<std::vector<Attempt>> ListAttempts(int64_t job);
  // Every attempt of the campaign's jobs ("" = all): the lease audit's input.
  Result<std::vector<Attempt>> ListAllAttempts(std::string_view campaign);
  Result<std::vector<Event>> ListEvents(std::string_view campaign, int64_t after_id = 0);
  Status AddEvent(std::string_view campaign, std::string_view kind, std::string_view message, int64_t now);

  // --- reads for the portal and /metrics (views.cc) ---
  // A page of a campaign's jobs matching `query`, sorted by id, and how many match in all.
  Result<JobPage> FindJobs(std::string_view campaign, const JobQuery& query);
  // Each job of `kind` in a campaign: id, target, state and end only (the lineage's colours).
  Result<std::vector<JobBrief>> ListJobBriefs(std::string_view campaign, std::string_view kind);
  // Jobs counted per wave (wave 0: the data jobs), with when each wave's last job ended.
  Result<std::vector<WaveCounts>> CountJobsByWave(std::string_view campaign);
  // When each ended job of `kind` ended (epoch ms, ascending): a burndown's input.
  Result<std::vector<int64_t>> FinishTimes(std::string_view campaign, std::string_view kind);
  // The breaker's view: failures among the last `window` consumer jobs that ended since the
  // breaker was last reset.
  Result<FailureRate> RecentFailureRate(std::string_view campaign);
  // The last `n` events of a campaign, oldest first.
  Result<std::vector<Event>> LastEvents(std::string_view campaign, int n);
  // The newest event's id of every campaign (0: none yet).
  Result<int64_t> LastEventId();
  // Events of every campaign after `after_id`, oldest first, at most `limit`.
  Result<std::vector<Event>> EventsAfter(int64_t after_id, int limit);
  // Marks the event as alerted; true for the one caller that marked it (send the alert then),
  // false when another process did already. At most one alert per event across the fleet.
  Result<bool> ClaimAlert(int64_t event, int64_t now);
  // Gives a claimed alert back after it could not be sent, so a later pass tries again.
  Status UnclaimAlert(int64_t event);
  // Ended attempts by job kind in duration buckets (ms upper bounds, ascending), for a histogram.
  Result<std::vector<DurationHistogram>> AttemptDurations(const std::vector<int64_t>& bounds_ms);
  // Ended attempts of consumer jobs that ended at or after `since_ms`, with their evidence.
  Result<std::vector<Attempt>> AttemptsEndedSince(int64_t since_ms);
  // The KEDA figure's input: claimable pending + running jobs of group "" in campaigns that are
  // not paused, cancelled or rolled back.
  Result<int64_t> Backlog(int64_t now);
  // Pending jobs whose time has come, per campaign.
  Result<std::vector<std::pair<std::string, int64_t>>> QueueDepths(int64_t now);

  // --- background mode (watch/) ---
  // The change requests of a campaign as last seen, by consumer.
  Result<std::vector<ChangeRequestRecord>> ListChangeRequests(std::string_view campaign);
  // Records one sync of a request and, in the same transaction, what follows from it the first
  // time it is seen (each once, so a restarted watcher repeats nothing):
  //   merged                 event "merged"
  //   closed on a git remote event "closed" (its branch deleted: merged or abandoned; the job
  //                          is left as it is)
  //   closed (not merged)    declined: the job done -> failed with "declined: closed by WHO at
  //                          WHEN", event "declined"; the request is never reopened (the consumer
  //                          job asks the forge first) and its record stays declined
  //   open, conflicting      the job, if done and not sent back since it last ended, -> pending
  //                          (attempts reset, outcome "rebasing: ...", which has the consumer job
  //                          base it on the remote's base branch) to be made again on the new
  //                          base and re-verified, event "rebasing"
  //   merged, checks failing event "checks-failing"
  // Returns the event kind recorded, "" when nothing new happened. A request of a job that is not
  // done (or of a campaign rolled back) is only recorded.
  Result<std::string> RecordChangeRequest(const ChangeRequestSeen& seen, int64_t now);

  // The schema last read from a dataset's location (columns as JSON), or nullopt.
  Result<std::optional<std::pair<std::string, std::string>>> FindDatasetSchema(std::string_view dataset);
  // Replaces the dataset's schema and, when `notice` is given, records it (unless its key is
  // recorded already) — in one transaction. Returns whether the notice is new.
  Result<bool> PutDatasetSchema(std::string_view dataset, std::string_view location, std::string_view columns,
                                const std::optional<Notice>& notice, int64_t now);
  // Records the notice unless its key is recorded already; true when new.
  Result<bool> AddNotice(const Notice& notice);
  // The notice recorded under `key`, or nullopt.
  Result<std::optional<Notice>> FindNotice(std::string_view key);
  // Notices, newest first: of one subject, or all ("").
  Result<std::vector<Notice>> ListNotices(std::string_view subject, int limit);
  // Alerted notices not sent yet, oldest first.
  Result<std::vector<Notice>> UnsentNotices(int limit);
  // ClaimAlert and UnclaimAlert for notices.
  Result<bool> ClaimNotice(int64_t id, int64_t now);
  Status UnclaimNotice(int64_t id);

  // --- workers ---
  Status RegisterWorker(const WorkerInfo& worker, int64_t now);
  Status Heartbeat(std::string_view worker, int64_t now);
  Status LeaveWorker(std::string_view worker, int64_t now);
  // Workers whose heartbeat is newer than `since`.
  Result<std::vector<WorkerInfo>> LiveWorkers(int64_t since);

  // --- shared rate limits ---
  // In one transaction for forge `key`: drops its requests older than an hour, passes the rest
  // (epoch ms, oldest first) to `wait_for`, and records a request at `now` when it returns 0.
  // Returns the wait. Serialised per key (PostgreSQL: an advisory lock; SQLite: its writer).
  Result<int64_t> TryAcquireRate(std::string_view key, int64_t now,
                                 const std::function<int64_t(const std::vector<int64_t>&)>& wait_for);

  // The retry delay after `attempts` attempts of `job` (the formula above).
  static std::chrono::milliseconds Backoff(const CampaignPolicy& policy, int64_t job, int attempts);

 private:
  // Runs `body` in a transaction, retrying Unavailable and Conflict-by-concurrency until
  // retry_for has passed.
  Status Transact(const std::function<Status()>& body);
  // The same for a body that only reads (it does not wait for SQLite's writer).
  Status Read(const std::function<Status()>& body);
  Status Run(const std::function<Status()>& body, bool read_only);
  Result<Advanced> AdvanceLocked(const Campaign& campaign, int64_t now);
  Status SetState(std::string_view id, CampaignState state, std::string_view reason, int64_t now);
  // A campaign that ended (completed, failed) migrates again: one of its jobs runs again.
  Status RunAgainIfEnded(const Campaign& c, int64_t now);
  Result<Rows> Q(std::string_view sql, const std::vector<Param>& params = {});

  std::unique_ptr<SqlSession> session_;
  std::chrono::milliseconds retry_for_;
};

// "<host>-<pid>-<random>": a worker id unique across machines and restarts.
std::string NewWorkerId();

}  // namespace skein::queue
