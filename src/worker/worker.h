// worker/: the runtime that runs the queue's jobs. A worker: `slots` threads that claim jobs from
// the queue and run them with a JobHandler (fleet/campaign.h's JobRunner for campaigns; "noop"
// jobs run here, for benchmarks and fault tests), one thread that heartbeats the worker and renews the leases
// it holds, and one that sweeps expired leases and advances campaigns. The embedded default runs one inside
// `skein run`; `skein worker` runs one per process, on any number of machines.
//
// Contracts:
// - A job's outcome is recorded with its lease's fencing token; every side effect of a job is
//   preceded by a fence check (queue::Queue::Fence), so a worker that lost a lease (paused,
//   partitioned, too slow) records nothing and pushes nothing.
// - Leases are renewed every ttl/3; a worker killed with SIGKILL loses them after ttl, and any
//   worker's sweeper (every sweep_interval) hands its jobs to others: a job is picked up again
//   within ttl + sweep_interval (+ poll).
// - Stop() (SIGTERM): no new claims; jobs claimed but not started are released (no attempt
//   used); running jobs finish; the worker deregisters; Run() returns.
// - A database that goes away is waited for (each queue call retries for `retry_for`): workers
//   reconnect when it is back.
//
// Thread-safety: Stop() may be called from any thread; stop_flag may be set from a signal handler.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <memory>
#include <nlohmann/json.hpp>
#include "base/clock.h"
#include "base/status.h"

#include "queue/queue.h"

namespace skein {

// How one job ended, when it ended without an error.
struct JobOutcome {
  bool ok = true;       // done, else failed (a verdict, not an error)
  std::string outcome;  // one line
  nlohmann::json result = nlohmann::json::object();
  nlohmann::json evidence = nlohmann::json::object();
};

// Checks, right before a side effect, that the job's lease still holds.
using JobFence = std::function<Status()>;

// Runs jobs of the kinds it knows. An error Status is an error the queue retries.
class JobHandler {
 public:
  virtual ~JobHandler() = default;
  virtual Result<JobOutcome> Run(const queue::Campaign& campaign, const queue::Lease& lease,
                                 const JobFence& fence) = 0;
};
// One handler per slot (a handler is used by one thread at a time).
using HandlerFactory = std::function<std::unique_ptr<JobHandler>()>;

struct WorkerOptions {
  std::string store_url;  // "" = the embedded default
  std::string id;         // "" = queue::NewWorkerId()
  int slots = 4;
  std::string group;  // "" = jobs routed to no group only
  std::chrono::milliseconds ttl{30000};
  std::chrono::milliseconds sweep_interval{5000};
  std::chrono::milliseconds poll{250};                           // a slot with nothing to do waits this long
  int batch = 1;                                                 // jobs claimed at once per slot
  std::chrono::milliseconds retry_for{std::chrono::minutes(5)};  // how long a lost database is waited for
  // Called by an idle slot: true ends the worker (`skein run` ends when its campaign has).
  std::function<bool()> done_when_idle;
  std::atomic<bool>* stop_flag = nullptr;  // set from a signal handler: Stop()
  HandlerFactory handlers;                 // may be empty: then only noop jobs run
};

struct WorkerStats {
  std::atomic<int64_t> claimed{0};
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int64_t> errors{0};
  std::atomic<int64_t> stale{0};  // outcomes refused because the lease was lost
  std::atomic<int64_t> released{0};
};

class Worker {
 public:
  Worker(WorkerOptions options, Clock& clock);
  ~Worker();
  // Registers, runs until Stop() (or done_when_idle), then leaves. Unavailable when the store
  // cannot be reached at the start; InvalidInput for a bad group label.
  Status Run();
  void Stop() { stopping_ = true; }
  const std::string& id() const { return options_.id; }
  const WorkerStats& stats() const { return stats_; }

 private:
  bool Stopping() const;
  void Slot(int index);
  void Heartbeat();
  void Sweeper();
  // Runs one claimed job and records its outcome; true when it ended `done` (noop jobs of the
  // batch: when queued for CompleteMany).
  bool RunLease(queue::Queue& q, JobHandler* handler, const queue::Lease& lease,
                std::vector<std::pair<int64_t, int64_t>>& noop_done);
  int64_t Now();
  void Track(const queue::Lease& lease);
  void Untrack(int64_t job);
  Status Advance(queue::Queue& q, const std::string& campaign);

  WorkerOptions options_;
  Clock& clock_;
  WorkerStats stats_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> slots_running_{0};
  std::mutex leases_mutex_;
  std::map<int64_t, int64_t> leases_;  // job -> token, for renewal
  std::mutex campaigns_mutex_;
  std::map<std::string, queue::Campaign> campaigns_;  // read once per campaign state change
};

// Checks a worker group label (1..63 of a-z, 0-9, '-', starting and ending alphanumeric).
Status CheckGroupLabel(const std::string& group);

}  // namespace skein
