// Reclaim latency after kill -9: how long a job held by a worker that dies stays out of work.
//
// Starts `skein worker` processes (the real binary, one slot each) on a store, then, RUNS times:
// enqueues one noop job that sleeps 5 s (a campaign of its own, started), waits until a worker
// holds it (state running), waits a random 0..1 s (so the kill lands anywhere in the lease's
// renewal cycle), kill -9s that worker, and measures the time from the kill until the job runs
// under another worker (a new lease token). The killed worker is replaced after each
// measurement. worker/worker.h's bound: ttl + sweep interval + poll (250 ms).
//
// The breakdown comes from the attempts table: kill -> the dead lease's expiry (at most ttl),
// and expiry -> the new attempt's start (the sweep that noticed it, then the next idle poll).
//
//   skein-bench-reclaim --skein PATH --store URL [--runs 20] [--workers 3] [--ttl 2s] [--sweep 500ms]
//
// `skein worker` runs the jobs of every campaign in the store: give it a store of its own.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "consumer/bench_util.h"
#include "manifest/migration.h"
#include "queue/queue.h"

extern char** environ;

namespace fs = std::filesystem;
using skein::bench::Percentile;
using std::chrono::milliseconds;

namespace {

[[noreturn]] void Die(const std::string& message) { skein::bench::Die("skein-bench-reclaim", message); }

template <typename T>
T OrDie(skein::Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what + ": " + result.status().message());
  return std::move(result).value();
}

// A duration as `skein worker` reads its flags: "500ms", or ParseDuration's "2s", "1m", ...
double DurationMs(const std::string& text, const std::string& flag) {
  if (text.size() > 2 && text.ends_with("ms") && text.find_first_not_of("0123456789") == text.size() - 2)
    return std::stod(text.substr(0, text.size() - 2));
  return std::chrono::duration<double, std::milli>(OrDie(skein::ParseDuration(text), flag)).count();
}

// Epoch milliseconds with a fraction: the workers stamp the queue with the system clock too.
double NowMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Options {
  std::string skein;
  std::string store;
  int runs = 20;
  int workers = 3;
  std::string ttl = "2s";
  std::string sweep = "500ms";
};

class Fleet {
 public:
  Fleet(const Options& o, fs::path logs) : o_(o), logs_(std::move(logs)) {}
  ~Fleet() { StopAll(); }

  // Starts a worker process; returns its id.
  std::string Start() {
    std::string id = "reclaim-" + std::to_string(getpid()) + "-" + std::to_string(next_++);
    std::vector<std::string> args = {o_.skein,      "--store", o_.store,  "worker", "--slots", "1",
                                     "--lease-ttl", o_.ttl,    "--sweep", o_.sweep, "--id",    id};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    std::string log = (logs_ / (id + ".log")).string();
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, o_.skein.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) Die("cannot start " + o_.skein + ": " + std::strerror(rc));
    pids_[id] = pid;
    return id;
  }

  void Kill(const std::string& id) {
    auto it = pids_.find(id);
    if (it == pids_.end()) Die("job held by an unknown worker " + id);
    kill(it->second, SIGKILL);
    waitpid(it->second, nullptr, 0);
    pids_.erase(it);
  }

  // Waits until every started worker has registered.
  void AwaitLive(skein::queue::Queue& q) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      auto live = OrDie(q.LiveWorkers(static_cast<int64_t>(NowMs()) - 60000), "LiveWorkers");
      size_t found = 0;
      for (const auto& w : live) found += pids_.count(w.id);
      if (found == pids_.size()) return;
      for (const auto& [id, pid] : pids_) {
        if (waitpid(pid, nullptr, WNOHANG) == pid)
          Die("worker " + id + " exited: see " + (logs_ / id).string() + ".log");
      }
      if (std::chrono::steady_clock::now() > deadline) Die("workers did not register within 30 s");
      std::this_thread::sleep_for(milliseconds(20));
    }
  }

  // SIGTERM (finish running jobs, leave), then SIGKILL after 10 s.
  void StopAll() {
    for (const auto& [id, pid] : pids_) kill(pid, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (const auto& [id, pid] : pids_) {
      while (waitpid(pid, nullptr, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
          kill(pid, SIGKILL);
          waitpid(pid, nullptr, 0);
          break;
        }
        std::this_thread::sleep_for(milliseconds(20));
      }
    }
    pids_.clear();
  }

 private:
  const Options& o_;
  fs::path logs_;
  int next_ = 0;
  std::map<std::string, pid_t> pids_;
};

// Polls the job every 2 ms until `until` holds; Die after 30 s.
template <typename F>
skein::queue::Job Await(skein::queue::Queue& q, int64_t job, const std::string& what, F until) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    auto found = OrDie(q.FindJob(job), "FindJob");
    if (!found) Die("job " + std::to_string(job) + " vanished");
    if (until(*found)) return *found;
    if (std::chrono::steady_clock::now() > deadline)
      Die("job " + std::to_string(job) + ": " + what + " within 30 s");
    std::this_thread::sleep_for(milliseconds(2));
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--skein") {
      o.skein = value();
    } else if (a == "--store") {
      o.store = value();
    } else if (a == "--runs") {
      o.runs = std::atoi(value().c_str());
    } else if (a == "--workers") {
      o.workers = std::atoi(value().c_str());
    } else if (a == "--ttl") {
      o.ttl = value();
    } else if (a == "--sweep") {
      o.sweep = value();
    } else {
      Die("usage: skein-bench-reclaim --skein PATH --store URL [--runs N] [--workers N] [--ttl D] [--sweep "
          "D]");
    }
  }
  if (o.skein.empty() || o.store.empty()) Die("--skein and --store are needed");
  if (o.workers < 2) Die("--workers must be at least 2: one to kill, one to take over");
  double ttl_ms = DurationMs(o.ttl, "--ttl");
  double sweep_ms = DurationMs(o.sweep, "--sweep");
  const double poll_ms = 250;

  auto q = OrDie(skein::queue::Queue::Open(o.store), "open " + o.store);
  for (const auto& c : OrDie(q->ListCampaigns(), "ListCampaigns")) {
    if (!skein::queue::IsEnded(c.state))
      Die("campaign " + c.id + " is active in this store: use a store of its own");
  }
  fs::path logs = fs::temp_directory_path() / ("skein-bench-reclaim-" + std::to_string(getpid()));
  fs::create_directories(logs);
  Fleet fleet(o, logs);
  for (int i = 0; i < o.workers; ++i) fleet.Start();
  fleet.AwaitLive(*q);

  std::mt19937 random(1);
  std::vector<double> total, to_expiry, to_claim;
  std::printf(
      "skein worker --slots 1 --lease-ttl %s --sweep %s, %d workers; bound ttl + sweep + poll = %.0f ms\n",
      o.ttl.c_str(), o.sweep.c_str(), o.workers, ttl_ms + sweep_ms + poll_ms);
  std::printf("%4s %10s %12s %12s\n", "run", "reclaim_ms", "kill->expiry", "expiry->claim");
  for (int run = 0; run < o.runs; ++run) {
    skein::queue::CampaignSpec spec;
    spec.id = "bench-reclaim-" + std::to_string(getpid()) + "-" + std::to_string(run);
    spec.manifest_file = "bench";
    spec.manifest = "bench";
    spec.workdir = logs.string();
    skein::queue::NewJob job;
    job.kind = "noop";
    job.target = "sleep";
    job.payload = R"({"sleep_ms": 5000})";
    auto now = static_cast<int64_t>(NowMs());
    OrDie(q->CreateCampaign(spec, {job}, now), "CreateCampaign");
    OrDie(q->Start(spec.id, now), "Start");
    auto jobs = OrDie(q->ListJobs(spec.id), "ListJobs");
    if (jobs.size() != 1) Die("expected one job");
    int64_t id = jobs[0].id;
    skein::queue::Job held = Await(*q, id, "no worker took it", [](const skein::queue::Job& j) {
      return j.state == skein::queue::JobState::kRunning;
    });
    std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(0, 1000)(random)));
    double killed_at = NowMs();
    fleet.Kill(held.lease_worker);
    skein::queue::Job again = Await(*q, id, "not reclaimed", [&](const skein::queue::Job& j) {
      return j.state == skein::queue::JobState::kRunning && j.lease_token != held.lease_token;
    });
    double reclaimed_at = NowMs();
    if (again.lease_worker == held.lease_worker) Die("reclaimed by the killed worker");
    double expiry = 0, started = 0;
    for (const auto& a : OrDie(q->ListAttempts(id), "ListAttempts")) {
      if (a.token == held.lease_token) expiry = static_cast<double>(a.lease_expires_ms);
      if (a.token == again.lease_token) started = static_cast<double>(a.started_ms);
    }
    total.push_back(reclaimed_at - killed_at);
    to_expiry.push_back(expiry - killed_at);
    to_claim.push_back(started - expiry);
    std::printf("%4d %10.0f %12.0f %12.0f\n", run + 1, total.back(), to_expiry.back(), to_claim.back());
    std::fflush(stdout);
    fleet.Start();
    fleet.AwaitLive(*q);
  }
  fleet.StopAll();
  fs::remove_all(logs);
  double bound = ttl_ms + sweep_ms + poll_ms;
  std::printf("reclaim after kill -9, %d runs: p50 %.0f ms, p99 %.0f ms, max %.0f ms; bound %.0f ms\n",
              o.runs, Percentile(total, 0.5), Percentile(total, 0.99), Percentile(total, 1.0), bound);
  std::printf("  kill -> lease expiry: p50 %.0f ms, max %.0f ms (ttl %.0f ms)\n", Percentile(to_expiry, 0.5),
              Percentile(to_expiry, 1.0), ttl_ms);
  std::printf("  lease expiry -> new claim: p50 %.0f ms, max %.0f ms (sweep %.0f ms + poll %.0f ms)\n",
              Percentile(to_claim, 0.5), Percentile(to_claim, 1.0), sweep_ms, poll_ms);
  std::printf("  within the bound: %s\n", Percentile(total, 1.0) <= bound ? "every run" : "NOT every run");
  return 0;
}
