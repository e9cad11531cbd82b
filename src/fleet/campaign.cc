// Campaign jobs and how each kind runs (campaign.h).
#include "fleet/campaign.h"

#include <thread>

#include "base/text.h"
#include "data/engine.h"
#include "fleet/consumer_job.h"
#include "fleet/targets.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

int64_t NowMs(Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.Now().time_since_epoch()).count();
}

// A file location written relative to the campaign's folder, made absolute, so a worker started
// elsewhere reads the same files.
void Anchor(DatasetLocation& location, const fs::path& workdir) {
  if (location.format == DatasetLocation::Format::kPostgres || location.path.empty() || workdir.empty())
    return;
  if (location.path.find("://") != std::string::npos) return;
  fs::path p = location.path;
  if (p.is_relative()) location.path = (workdir / p).lexically_normal().string();
}

std::string GroupOf(const Migration& m, const Entity* consumer) {
  if (consumer != nullptr) {
    std::string group = consumer->Annotation("skein.dev/worker-group");
    if (!group.empty()) return group;
  }
  return m.rollout.group;
}

}  // namespace

queue::CampaignPolicy PolicyFor(const Migration& m) {
  queue::CampaignPolicy p;
  p.max_parallel = m.rollout.max_parallel;
  p.per_owner = m.rollout.max_parallel_per_owner;
  p.per_repo = m.rollout.max_parallel_per_repo;
  p.pause_on_failure_rate = m.rollout.pause_on_failure_rate;
  p.breaker_window = m.rollout.breaker.window;
  p.breaker_min_sample = m.rollout.breaker.min_sample;
  p.max_attempts = m.rollout.retries.max + 1;
  p.retry_base = std::chrono::duration_cast<std::chrono::milliseconds>(m.rollout.retries.base);
  p.retry_cap = std::chrono::duration_cast<std::chrono::milliseconds>(m.rollout.retries.cap);
  return p;
}

queue::CampaignSpec CampaignSpecFor(const Migration& m, const std::string& manifest_text,
                                    const fs::path& workdir) {
  queue::CampaignSpec spec;
  spec.id = m.name;
  spec.manifest_file = m.file;
  spec.manifest = manifest_text;
  spec.workdir = workdir.string();
  json full = MigrationToJson(m);
  json rollout = json::object();
  if (full.contains("spec") && full["spec"].contains("rollout")) rollout = full["spec"]["rollout"];
  spec.policy_json = rollout.dump();
  spec.policy = PolicyFor(m);
  return spec;
}

std::vector<queue::NewJob> CampaignJobs(const Migration& m, const RolloutPlan& plan,
                                        const CatalogGraph& graph,
                                        const std::vector<std::string>& partitions) {
  std::vector<queue::NewJob> jobs;
  if (m.data.materialize) {
    int priority = 0;
    for (const std::string& key : partitions) {
      queue::NewJob j;
      j.kind = "partition";
      j.target = key;
      j.stage = queue::kDataStage;
      j.priority = priority++;
      j.group = m.rollout.group;
      jobs.push_back(std::move(j));
    }
    queue::NewJob publish;
    publish.kind = "publish";
    publish.target = "data";
    publish.stage = queue::kPublishStage;
    publish.group = m.rollout.group;
    publish.needs_approval = m.data.publish.approval == PublishApproval::kRequired;
    jobs.push_back(std::move(publish));
  }
  int priority = 0;
  for (const PlannedConsumer& p : plan.direct) {
    if (!p.needs_change || p.wave <= 0) continue;
    const Entity* entity = graph.FindEntity(p.consumer.ref);
    queue::NewJob j;
    j.kind = "consumer";
    j.target = p.key;
    j.wave = p.wave;
    j.stage = queue::StageOfWave(p.wave);
    j.priority = priority++;
    j.owner = p.consumer.owner;
    j.repo = entity != nullptr ? entity->Repo() : p.consumer.repo;
    j.tier = p.consumer.tier;
    j.group = GroupOf(m, entity);
    j.needs_approval = p.needs_approval;
    json payload = {{"handler", p.estimate.handler == ConsumerHandler::kBuiltin ? "builtin" : "agent"}};
    if (entity != nullptr && !entity->title.empty()) payload["title"] = entity->title;  // for the portal
    j.payload = payload.dump();
    jobs.push_back(std::move(j));
  }
  return jobs;
}

Result<std::unique_ptr<CampaignContext>> LoadCampaignContext(const queue::Campaign& campaign, Store& store) {
  auto c = std::make_unique<CampaignContext>();
  c->campaign = campaign;
  c->workdir = campaign.workdir;
  Result<Migration> m = ParseMigration(campaign.manifest, campaign.manifest_file);
  if (!m.ok()) return m.status().WithContext("campaign " + campaign.id + ": its stored manifest");
  c->migration = std::move(m).value();
  ASSIGN_OR_RETURN(std::vector<Entity> entities, store.ListEntities());
  c->graph = std::make_unique<CatalogGraph>(std::move(entities));
  const Entity* dataset = c->graph->FindDataset(c->migration.from);
  if (dataset == nullptr) {
    return Status::NotFound("campaign " + campaign.id + ": dataset " + c->migration.from +
                            " is no longer in the catalog");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Warehouse> warehouse, OpenDuckDbWarehouse());
  Result<Schema> schema = DatasetSchema(*dataset, *warehouse);
  if (!schema.ok())
    return schema.status().WithContext("campaign " + campaign.id + ": the schema of " + c->migration.from);
  c->v1_schema = std::move(schema).value();
  if (Result<DatasetLocation> v1 = DatasetLocation::Parse(dataset->Location()); v1.ok()) {
    Anchor(*v1, c->workdir);
    c->v1_location = *v1;
  }
  if (Result<dataset::Locations> l = ResolveLocations(c->migration, *c->graph); l.ok()) {
    Anchor(l->v1, c->workdir);
    Anchor(l->v2, c->workdir);
    c->locations = *l;
  }
  return c;
}

Result<std::chrono::milliseconds> StoreRateLedger::TryAcquire(
    const std::string& key, Clock::time_point now,
    const std::function<std::chrono::milliseconds(const std::vector<Clock::time_point>&)>& wait_for) {
  using std::chrono::milliseconds;
  std::lock_guard lock(mutex_);
  if (!queue_) {
    ASSIGN_OR_RETURN(queue_, queue::Queue::Open(url_, std::chrono::seconds(10)));
  }
  auto to_ms = [](Clock::time_point t) {
    return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
  };
  Result<int64_t> wait = queue_->TryAcquireRate(key, to_ms(now), [&](const std::vector<int64_t>& recent_ms) {
    std::vector<Clock::time_point> recent;
    recent.reserve(recent_ms.size());
    for (int64_t ms : recent_ms) recent.push_back(Clock::time_point(milliseconds(ms)));
    return static_cast<int64_t>(wait_for(recent).count());
  });
  if (!wait.ok()) {
    queue_.reset();  // connect afresh next time
    return wait.status();
  }
  return milliseconds(*wait);
}

Result<vcs::Forge*> ForgePool::For(const Migration& m, const Entity& consumer, const fs::path& repo,
                                   const std::string& remote, std::unique_ptr<vcs::Forge>& owned) {
  vcs::ForgeKind kind = ChooseForge(m, consumer);
  if (kind == vcs::ForgeKind::kGit) {
    ASSIGN_OR_RETURN(owned, MakeConsumerForge(m, consumer, repo, remote, clock_));
    return owned.get();
  }
  if (remote.empty()) {
    return Status::InvalidInput("consumer " + consumer.Ref().Key() +
                                ": its repository has no remote to push " + m.consumers.change.branch +
                                " to (set skein.dev/remote or an origin)");
  }
  const ForgeSpec& spec = m.consumers.change.forge;
  std::string key = std::string(vcs::ForgeKindName(kind)) + "|" + spec.api_url + "|" + spec.token_env;
  std::lock_guard lock(mutex_);
  auto it = forges_.find(key);
  if (it == forges_.end()) {
    ASSIGN_OR_RETURN(std::unique_ptr<vcs::Forge> forge,
                     MakeConsumerForge(m, consumer, repo, remote, clock_, ledger_));
    it = forges_.emplace(key, std::move(forge)).first;
  }
  return it->second.get();
}

JobRunner::JobRunner(RunnerOptions options, ForgePool& forges, Clock& clock)
    : options_(std::move(options)), forges_(forges), clock_(clock) {}

Result<const CampaignContext*> JobRunner::Context(const queue::Campaign& campaign) {
  if (!store_) {
    ASSIGN_OR_RETURN(store_, OpenStore(options_.store_url));
  }
  std::string key = campaign.id + "@" + campaign.manifest_hash;
  auto it = contexts_.find(key);
  if (it == contexts_.end()) {
    ASSIGN_OR_RETURN(std::unique_ptr<CampaignContext> c, LoadCampaignContext(campaign, *store_));
    it = contexts_.emplace(key, std::move(c)).first;
  }
  return it->second.get();
}

Result<JobOutcome> JobRunner::Run(const queue::Campaign& campaign, const queue::Lease& lease,
                                  const JobFence& fence) {
  const queue::Job& job = lease.job;
  current_ = JobLogLine{campaign.id, job.id, lease.token, job.target, ""};
  Log("started " + job.kind + " job");
  Result<JobOutcome> out = [&]() -> Result<JobOutcome> {
    ASSIGN_OR_RETURN(const CampaignContext* c, Context(campaign));
    if (job.kind == "partition") return RunPartition(*c, job);
    if (job.kind == "publish") return RunPublish(*c, job, fence);
    if (job.kind == "consumer") return RunConsumer(*c, job, fence);
    return Status::Internal("job " + std::to_string(job.id) + " has an unknown kind '" + job.kind + "'");
  }();
  Log(out.ok() ? (out->ok ? "done: " : "failed: ") + out->outcome : "error: " + out.status().message());
  // A store that went away (a restarted database): connect afresh for the retry.
  if (!out.ok() && out.status().code() == StatusCode::kUnavailable) {
    store_.reset();
    contexts_.clear();
  }
  return out;
}

void JobRunner::Log(const std::string& message) {
  if (!options_.log) return;
  JobLogLine line = current_;
  line.message = message;
  options_.log(line);
}

Result<JobOutcome> JobRunner::RunPartition(const CampaignContext& c, const queue::Job& job) {
  if (!c.locations) {
    return ResolveLocations(c.migration, *c.graph).status().WithContext("partition " + job.target);
  }
  const Migration& m = c.migration;
  ASSIGN_OR_RETURN(std::string state, dataset::RunState(m, *store_));
  if (state == "published" || state == "retired")
    return JobOutcome{true, "already published", json::object(), json::object()};
  ASSIGN_OR_RETURN(std::unique_ptr<SqlEngine> engine, OpenEngineFor(c.locations->v1));
  dataset::BackfillOptions options;
  options.partitions = {job.target};
  auto progress = [&](const std::string& line) { Log(line); };
  ASSIGN_OR_RETURN(dataset::BackfillReport report,
                   dataset::Backfill(m, *c.locations, *engine, *store_, progress, options));
  JobOutcome out;
  out.outcome =
      "staged " + std::to_string(report.rows) + " rows" + (report.skipped > 0 ? " (already staged)" : "");
  out.result = {{"rows", report.rows}, {"skipped", report.skipped}};
  return out;
}

Result<JobOutcome> JobRunner::RunPublish(const CampaignContext& c, const queue::Job& job,
                                         const std::function<Status()>& fence) {
  if (!c.locations) return ResolveLocations(c.migration, *c.graph).status().WithContext("publishing");
  const Migration& m = c.migration;
  ASSIGN_OR_RETURN(std::string state, dataset::RunState(m, *store_));
  if (state == "published" || state == "retired")
    return JobOutcome{true, "published " + c.locations->v2.ToString(), json::object(), json::object()};
  ASSIGN_OR_RETURN(std::unique_ptr<SqlEngine> engine, OpenEngineFor(c.locations->v1));
  ASSIGN_OR_RETURN(dataset::VerifyReport report, dataset::Verify(m, *c.locations, *engine, *store_, 10));
  JobOutcome out;
  out.result = {{"verify", report.ToJson()}};
  if (!report.passed()) {
    RETURN_IF_ERROR(fence());
    RETURN_IF_ERROR(dataset::Rollback(m, *c.locations, *engine, *store_));
    out.ok = false;
    out.outcome =
        "v2 failed verification; what was staged is rolled back: " + std::string(Trim(report.ToText()));
    if (out.outcome.size() > 500) out.outcome = out.outcome.substr(0, 500) + "...";
    return out;
  }
  if (m.data.publish.approval == PublishApproval::kRequired) {
    RETURN_IF_ERROR(dataset::Approve(m, *store_, job.approved_by.empty() ? "skein" : job.approved_by));
  }
  RETURN_IF_ERROR(fence());
  RETURN_IF_ERROR(dataset::Publish(m, *c.locations, *engine, *store_));
  out.outcome = "verified and published " + c.locations->v2.ToString();
  return out;
}

Result<JobOutcome> JobRunner::RunConsumer(const CampaignContext& c, const queue::Job& job,
                                          const std::function<Status()>& fence) {
  ASSIGN_OR_RETURN(EntityRef ref, EntityRef::Parse(job.target, "component"));
  const Entity* consumer = c.graph->FindEntity(ref);
  if (consumer == nullptr) return Status::NotFound("consumer " + job.target + " is no longer in the catalog");
  ASSIGN_OR_RETURN(fs::path repo, ConsumerRepo(*consumer, c.workdir));
  ConsumerJobOptions options;
  options.workspaces = options_.workspaces;
  options.evidence_root = options_.evidence_root;
  options.remote = RemoteOf(*consumer, repo);
  options.v1_location = c.v1_location;  // even when v2 has no location yet (data.materialize: false)
  if (options_.log) options.progress = [&](const std::string& line) { Log(line); };
  options.fence = fence;
  options.manifest_sha256 = c.campaign.manifest_hash;  // the provenance names the manifest run
  // Sent back by the watcher because its request conflicted with the base (queue.h).
  options.rebase_on_remote = job.outcome.starts_with("rebasing:");
  std::unique_ptr<vcs::Forge> owned;
  ASSIGN_OR_RETURN(vcs::Forge * forge, forges_.For(c.migration, *consumer, repo, options.remote, owned));
  ASSIGN_OR_RETURN(ConsumerJobReport report,
                   MigrateConsumer(c.migration, c.v1_schema, *consumer, repo, forge, options));
  JobOutcome out;
  out.ok = report.ok();
  out.outcome = std::string(JobStateName(report.state)) + (report.reason.empty() ? "" : ": " + report.reason);
  out.result = {{"state", JobStateName(report.state)},
                {"reason", report.reason},
                {"branch", report.branch},
                {"commit", report.commit},
                {"request", report.request ? report.request->url : ""},
                {"evidence", report.evidence.string()},
                {"provenance", ProvenanceToJson(report.provenance)}};
  out.evidence = ConsumerJobToJson(report);
  return out;
}

Result<RollbackReport> RollbackCampaign(queue::Queue& queue, const std::string& campaign_id, Store& store,
                                        ForgePool& forges, Clock& clock, std::chrono::milliseconds drain) {
  ASSIGN_OR_RETURN(std::optional<queue::Campaign> found, queue.FindCampaign(campaign_id));
  if (!found) return Status::NotFound("no campaign '" + campaign_id + "'");
  // A decommissioned v1 has no way back: its compatibility view is gone and consumers moved.
  Result<Migration> manifest = ParseMigration(found->manifest, found->manifest_file);
  if (manifest.ok()) {
    ASSIGN_OR_RETURN(std::string data_state, dataset::RunState(*manifest, store));
    if (data_state == "retired") {
      return Status::Conflict("campaign " + campaign_id + ": " + manifest->from +
                              " is retired (decommissioned); the campaign cannot be rolled back");
    }
  }
  RETURN_IF_ERROR(queue.BeginRollback(campaign_id, NowMs(clock)));
  // Running jobs can no longer pass their fence; let them end before closing what they made.
  auto deadline = clock.Now() + drain;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<queue::Job> running,
                     queue.ListJobs(campaign_id, queue::JobFilter{queue::JobState::kRunning, "", -1, 0}));
    if (running.empty() || clock.Now() >= deadline) break;
    clock.SleepFor(std::chrono::milliseconds(200));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<CampaignContext> c, LoadCampaignContext(*found, store));
  RollbackReport report;
  ASSIGN_OR_RETURN(std::vector<queue::Job> jobs,
                   queue.ListJobs(campaign_id, queue::JobFilter{std::nullopt, "consumer", -1, 0}));
  std::vector<const Entity*> consumers;
  for (const queue::Job& job : jobs) {
    Result<EntityRef> ref = EntityRef::Parse(job.target, "component");
    const Entity* e = ref.ok() ? c->graph->FindEntity(*ref) : nullptr;
    if (e == nullptr) {
      report.problems.emplace_back(job.target, "no longer in the catalog: its request cannot be found");
      continue;
    }
    consumers.push_back(e);
  }
  std::vector<std::unique_ptr<vcs::Forge>> owned;
  ForgeFor forge_for = [&](const Entity& consumer) -> Result<vcs::Forge*> {
    ASSIGN_OR_RETURN(fs::path repo, ConsumerRepo(consumer, c->workdir));
    owned.emplace_back();
    return forges.For(c->migration, consumer, repo, RemoteOf(consumer, repo), owned.back());
  };
  for (const ClosedRequest& closed : CloseCampaignRequests(c->migration, consumers, forge_for)) {
    if (closed.status.ok()) {
      report.closed.push_back(closed.consumer);
    } else {
      report.problems.emplace_back(closed.consumer, closed.status.message());
    }
  }
  if (c->locations && c->migration.data.materialize) {
    ASSIGN_OR_RETURN(std::string state, dataset::RunState(c->migration, store));
    if (state != "none") {
      Result<std::unique_ptr<SqlEngine>> engine = OpenEngineFor(c->locations->v1);
      Status removed =
          engine.ok() ? dataset::Rollback(c->migration, *c->locations, **engine, store) : engine.status();
      if (removed.ok()) {
        report.data_removed = true;
      } else {
        report.problems.emplace_back("data", removed.message());
      }
    }
  }
  if (report.problems.empty()) RETURN_IF_ERROR(queue.FinishRollback(campaign_id, NowMs(clock)));
  return report;
}

}  // namespace skein
