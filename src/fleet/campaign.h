// A migration as a campaign on the job queue (queue/queue.h): which jobs it is made of, and how
// each kind of job runs on a worker.
//
// Jobs (kind: target):
//   partition: KEY   stage 0, one per partition of v1 (when data.materialize): Backfill of it
//   publish: data    stage 1: verify the whole of v2, wait for an approval when
//                    data.publish.approval is required, publish. Failing verification rolls the
//                    staged data back and fails the job (the campaign fails: no consumer moves
//                    onto a v2 that is not there).
//   consumer: REF    stage 2 + wave, one per direct consumer that needs a change: the consumer
//                    job (fleet/consumer_job.h), its side effects fenced by the lease. A job
//                    whose consumer needs approval (rollout.approval.tiers) waits for one. Its
//                    result and evidence carry the provenance, with the campaign's manifest hash.
// Data jobs of one campaign run one at a time (a DuckDB database has one writer); consumer jobs
// follow the campaign's caps.
//
// Outcomes: a job that ran to a verdict is done or failed (evidence kept); an error Status is an
// error the queue retries (an unreachable forge, a lost lease, a missing repository).
//
// Thread-safety: CampaignJobs and CampaignSpecFor are pure. A JobRunner is used by one thread at
// a time (it holds a store connection); runners of one process share a ForgePool.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "catalog/lineage.h"
#include "dataset/dataset.h"
#include "fleet/plan.h"
#include "manifest/migration.h"
#include "queue/queue.h"
#include "store/store.h"
#include "vcs/forge.h"
#include "worker/worker.h"

namespace skein {

// The queue's policy from the manifest's rollout section.
queue::CampaignPolicy PolicyFor(const Migration& m);
queue::CampaignSpec CampaignSpecFor(const Migration& m, const std::string& manifest_text,
                                    const std::filesystem::path& workdir);
// The campaign's jobs. `partitions`: v1's partition keys (ignored unless data.materialize).
std::vector<queue::NewJob> CampaignJobs(const Migration& m, const RolloutPlan& plan,
                                        const CatalogGraph& graph,
                                        const std::vector<std::string>& partitions);

// Everything a job of a campaign needs, read once per campaign (and manifest) per runner.
struct CampaignContext {
  queue::Campaign campaign;
  Migration migration;
  std::unique_ptr<CatalogGraph> graph;
  Schema v1_schema;
  std::optional<dataset::Locations> locations;  // when both datasets have a location
  // v1's own location, when it has one, whether or not v2 has: the equivalence verifier samples
  // real v1 rows from it, as `skein migrate-consumer` does.
  std::optional<DatasetLocation> v1_location;
  std::filesystem::path workdir;
};
Result<std::unique_ptr<CampaignContext>> LoadCampaignContext(const queue::Campaign& campaign, Store& store);

// vcs::RateLedger in the store (queue::Queue::TryAcquireRate): every worker on every machine
// that shares the store counts the same change requests, so consumers.change.forge's per-minute
// and per-hour limits hold for the whole organisation. Thread-safe (one connection, locked).
class StoreRateLedger final : public vcs::RateLedger {
 public:
  explicit StoreRateLedger(std::string store_url) : url_(std::move(store_url)) {}
  Result<std::chrono::milliseconds> TryAcquire(
      const std::string& key, Clock::time_point now,
      const std::function<std::chrono::milliseconds(const std::vector<Clock::time_point>&)>& wait_for)
      override;

 private:
  std::string url_;
  std::mutex mutex_;
  std::unique_ptr<queue::Queue> queue_;
};

// Forges shared by every job of the process: one GitHub / GitLab forge per API (and token),
// its limits counted in `ledger` when given (the organisation's, across machines), else in the
// process; git forges are per repository.
class ForgePool {
 public:
  explicit ForgePool(Clock& clock, vcs::RateLedger* ledger = nullptr) : clock_(clock), ledger_(ledger) {}
  // The forge for the consumer; owned by the pool (API forges) or by `owned` (git).
  Result<vcs::Forge*> For(const Migration& m, const Entity& consumer, const std::filesystem::path& repo,
                          const std::string& remote, std::unique_ptr<vcs::Forge>& owned);

 private:
  Clock& clock_;
  vcs::RateLedger* ledger_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<vcs::Forge>> forges_;
};

// One step of a job, for the log: where it happened (campaign, job, attempt = the lease's fencing
// token, target) and what.
struct JobLogLine {
  std::string campaign;
  int64_t job = 0;
  int64_t attempt = 0;
  std::string target;
  std::string message;
};

struct RunnerOptions {
  std::string store_url;
  std::filesystem::path workspaces = ".skein/workspaces";
  std::filesystem::path evidence_root = ".skein/evidence";
  std::function<void(const JobLogLine&)> log;  // one line per step; may be empty
};

class JobRunner final : public JobHandler {
 public:
  JobRunner(RunnerOptions options, ForgePool& forges, Clock& clock);
  // Runs the job of `lease` of `campaign`; `fence` guards each side effect.
  Result<JobOutcome> Run(const queue::Campaign& campaign, const queue::Lease& lease,
                         const JobFence& fence) override;

 private:
  Result<const CampaignContext*> Context(const queue::Campaign& campaign);
  Result<JobOutcome> RunPartition(const CampaignContext& c, const queue::Job& job);
  Result<JobOutcome> RunPublish(const CampaignContext& c, const queue::Job& job,
                                const std::function<Status()>& fence);
  Result<JobOutcome> RunConsumer(const CampaignContext& c, const queue::Job& job,
                                 const std::function<Status()>& fence);

  void Log(const std::string& message);

  RunnerOptions options_;
  JobLogLine current_;  // the job being run (a runner runs one at a time)
  ForgePool& forges_;
  Clock& clock_;
  std::unique_ptr<Store> store_;
  std::map<std::string, std::unique_ptr<CampaignContext>> contexts_;  // by campaign id + manifest hash
};

// Closes every change request of the campaign and deletes its branches, removes the data it
// staged or published, and marks it rolled back (queue). Resumable: each step is idempotent,
// so running it again after an interruption finishes the job. Waits up to `drain` for running
// jobs to end (their side effects are fenced from the moment the rollback begins).
struct RollbackReport {
  std::vector<std::string> closed;                            // consumer ref keys
  std::vector<std::pair<std::string, std::string>> problems;  // consumer or "data", message
  bool data_removed = false;
};
Result<RollbackReport> RollbackCampaign(queue::Queue& queue, const std::string& campaign_id, Store& store,
                                        ForgePool& forges, Clock& clock, std::chrono::milliseconds drain);

}  // namespace skein
