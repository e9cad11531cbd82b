// The worker's threads (worker.h).
#include "worker/worker.h"

#include <unistd.h>

#include <cctype>
#include <set>

namespace skein {
namespace {

using std::chrono::milliseconds;

std::string Hostname() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) return "localhost";
  return host;
}

// A noop job: nothing, or a sleep of payload.sleep_ms; payload.fail makes it an error.
Result<JobOutcome> RunNoop(const queue::Job& job, Clock& clock) {
  nlohmann::json payload = nlohmann::json::parse(job.payload, nullptr, false);
  if (!payload.is_object())
    return Status::InvalidInput("noop job " + std::to_string(job.id) + ": payload is not JSON");
  int64_t sleep_ms = payload.value("sleep_ms", int64_t{0});
  if (sleep_ms > 0) clock.SleepFor(milliseconds(sleep_ms));
  if (payload.value("fail", false))
    return Status::Unavailable("noop job " + std::to_string(job.id) + " asked to fail");
  return JobOutcome{true, "noop", nlohmann::json::object(), nlohmann::json::object()};
}

}  // namespace

Status CheckGroupLabel(const std::string& group) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  bool ok = !group.empty() && group.size() <= 63 && alnum(group.front()) && alnum(group.back());
  for (char c : group) ok = ok && (alnum(c) || c == '-');
  if (ok) return Status::Ok();
  return Status::InvalidInput(
      "worker group '" + group +
      "' is not a label: 1 to 63 lowercase letters, digits and '-', starting and ending "
      "with a letter or digit");
}

Worker::Worker(WorkerOptions options, Clock& clock) : options_(std::move(options)), clock_(clock) {
  if (options_.id.empty()) options_.id = queue::NewWorkerId();
  options_.slots = std::max(1, options_.slots);
  options_.batch = std::max(1, options_.batch);
}

Worker::~Worker() = default;

int64_t Worker::Now() {
  return std::chrono::duration_cast<milliseconds>(clock_.Now().time_since_epoch()).count();
}

bool Worker::Stopping() const {
  return stopping_ || (options_.stop_flag != nullptr && options_.stop_flag->load());
}

void Worker::Track(const queue::Lease& lease) {
  std::lock_guard lock(leases_mutex_);
  leases_[lease.job.id] = lease.token;
}

void Worker::Untrack(int64_t job) {
  std::lock_guard lock(leases_mutex_);
  leases_.erase(job);
}

Status Worker::Run() {
  if (!options_.group.empty()) RETURN_IF_ERROR(CheckGroupLabel(options_.group));
  ASSIGN_OR_RETURN(std::unique_ptr<queue::Queue> q,
                   queue::Queue::Open(options_.store_url, options_.retry_for));
  queue::WorkerInfo info{
      options_.id, Hostname(), static_cast<int64_t>(getpid()), options_.slots, options_.group, "live", 0, 0};
  RETURN_IF_ERROR(q->RegisterWorker(info, Now()));
  std::vector<std::thread> threads;
  slots_running_ = options_.slots;
  for (int i = 0; i < options_.slots; ++i) threads.emplace_back([this, i] { Slot(i); });
  std::thread heartbeat([this] { Heartbeat(); });
  std::thread sweeper([this] { Sweeper(); });
  for (auto& t : threads) t.join();
  stopping_ = true;  // the slots are done: so are the helpers
  heartbeat.join();
  sweeper.join();
  return q->LeaveWorker(options_.id, Now());
}

Status Worker::Advance(queue::Queue& q, const std::string& campaign) {
  return q.Advance(campaign, Now()).status();
}

void Worker::Slot(int index) {
  (void)index;
  auto done = [this] { --slots_running_; };
  Result<std::unique_ptr<queue::Queue>> opened = queue::Queue::Open(options_.store_url, options_.retry_for);
  if (!opened.ok()) {
    ++stats_.errors;
    done();
    stopping_ = true;
    return;
  }
  queue::Queue& q = **opened;
  std::unique_ptr<JobHandler> handler = options_.handlers ? options_.handlers() : nullptr;
  while (!Stopping()) {
    Result<std::vector<queue::Lease>> leases =
        q.Claim(options_.id, options_.group, options_.batch, options_.ttl, Now());
    if (!leases.ok()) {
      ++stats_.errors;
      clock_.SleepFor(options_.poll);
      continue;
    }
    if (leases->empty()) {
      if (options_.done_when_idle && options_.done_when_idle()) break;
      clock_.SleepFor(options_.poll);
      continue;
    }
    stats_.claimed += static_cast<int64_t>(leases->size());
    for (const auto& lease : *leases) Track(lease);
    std::vector<std::pair<int64_t, int64_t>> noop_done;
    // The stages this batch touched, and the campaigns where a job did not end `done` (the
    // breaker and the wave threshold look at those at once).
    std::set<std::pair<std::string, int>> stages;
    std::set<std::string> failed;
    for (const auto& lease : *leases) {
      stages.emplace(lease.job.campaign, lease.job.stage);
      if (Stopping()) {  // claimed, not started: back to the queue without using an attempt
        if (q.Release(lease.job.id, lease.token, Now()).ok()) ++stats_.released;
        Untrack(lease.job.id);
        continue;
      }
      if (!RunLease(q, handler.get(), lease, noop_done)) failed.insert(lease.job.campaign);
    }
    if (!noop_done.empty()) {
      Result<std::vector<int64_t>> stale = q.CompleteMany(noop_done, Now());
      if (stale.ok()) {
        stats_.done += static_cast<int64_t>(noop_done.size() - stale->size());
        stats_.stale += static_cast<int64_t>(stale->size());
      } else {
        ++stats_.errors;
      }
      for (const auto& [job, token] : noop_done) Untrack(job);
    }
    // Advance (which locks the campaign and counts its jobs) only when it can change something:
    // after a failure, or when this batch may have ended a stage. The sweeper advances every
    // campaign on its period as well.
    std::set<std::string> advance = failed;
    for (const auto& [campaign, stage] : stages) {
      if (advance.count(campaign)) continue;
      Result<bool> open = q.StageOpen(campaign, stage);
      if (!open.ok() || !*open) advance.insert(campaign);
    }
    for (const std::string& campaign : advance) (void)Advance(q, campaign);
  }
  done();
}

bool Worker::RunLease(queue::Queue& q, JobHandler* handler, const queue::Lease& lease,
                      std::vector<std::pair<int64_t, int64_t>>& noop_done) {
  const queue::Job& job = lease.job;
  if (job.kind == "noop" && job.payload == "{}") {  // nothing to run: completed with the batch
    noop_done.emplace_back(job.id, lease.token);
    return true;
  }
  queue::Campaign campaign;
  {
    std::lock_guard lock(campaigns_mutex_);
    auto it = campaigns_.find(job.campaign);
    if (it != campaigns_.end()) campaign = it->second;
  }
  if (campaign.id.empty()) {
    Result<std::optional<queue::Campaign>> found = q.FindCampaign(job.campaign);
    if (!found.ok() || !found->has_value()) {
      (void)q.Fail(job.id, lease.token, "campaign " + job.campaign + " cannot be read", "{}", Now());
      Untrack(job.id);
      ++stats_.errors;
      return false;
    }
    campaign = **found;
    std::lock_guard lock(campaigns_mutex_);
    campaigns_[job.campaign] = campaign;
  }
  // Each side effect checks the lease first (the handler calls it on this thread).
  auto fence = [&]() -> Status { return q.Fence(job.id, lease.token, Now()); };
  Result<JobOutcome> outcome =
      job.kind == "noop" ? RunNoop(job, clock_)
      : handler != nullptr
          ? handler->Run(campaign, lease, fence)
          : Result<JobOutcome>(Status::Internal("this worker runs no " + job.kind + " jobs"));
  Status recorded;
  if (outcome.ok()) {
    recorded = q.Complete(job.id, lease.token, outcome->ok, outcome->outcome, outcome->result.dump(),
                          outcome->evidence.dump(), Now());
    if (recorded.ok()) ++(outcome->ok ? stats_.done : stats_.failed);
  } else {
    recorded = q.Fail(job.id, lease.token, outcome.status().message(), "{}", Now());
    if (recorded.ok()) ++stats_.errors;
  }
  if (recorded.code() == StatusCode::kConflict) ++stats_.stale;
  Untrack(job.id);
  return outcome.ok() && outcome->ok;
}

void Worker::Heartbeat() {
  Result<std::unique_ptr<queue::Queue>> opened = queue::Queue::Open(options_.store_url, options_.retry_for);
  if (!opened.ok()) return;
  queue::Queue& q = **opened;
  milliseconds every = std::max(milliseconds(50), options_.ttl / 3);
  auto next = clock_.Now();
  while (slots_running_ > 0) {
    if (clock_.Now() >= next) {
      next = clock_.Now() + every;
      (void)q.Heartbeat(options_.id, Now());
      std::map<int64_t, int64_t> held;
      {
        std::lock_guard lock(leases_mutex_);
        held = leases_;
      }
      for (const auto& [job, token] : held) {
        Status renewed = q.Renew(job, token, options_.ttl, Now());
        if (renewed.code() == StatusCode::kConflict) Untrack(job);  // lost: its fence refuses from now on
      }
    }
    clock_.SleepFor(std::min(every, milliseconds(50)));
  }
}

void Worker::Sweeper() {
  Result<std::unique_ptr<queue::Queue>> opened = queue::Queue::Open(options_.store_url, options_.retry_for);
  if (!opened.ok()) return;
  queue::Queue& q = **opened;
  auto next = clock_.Now();
  while (slots_running_ > 0 && !Stopping()) {
    if (clock_.Now() >= next) {
      next = clock_.Now() + options_.sweep_interval;
      Result<int> swept = q.Sweep(Now());
      Result<std::vector<queue::Campaign>> campaigns = q.ListCampaigns();
      if (campaigns.ok()) {
        for (const auto& c : *campaigns) {
          if (c.state == queue::CampaignState::kMigratingData ||
              c.state == queue::CampaignState::kMigratingConsumers)
            (void)Advance(q, c.id);
        }
      }
      (void)swept;
    }
    clock_.SleepFor(std::min(options_.sweep_interval, milliseconds(50)));
  }
}

}  // namespace skein
