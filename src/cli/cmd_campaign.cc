// The campaign commands, over the job queue (queue/) and the workers (fleet/worker.h):
//
//   skein run MIGRATION [--workers N] [--lease-ttl D] [--json]
//       plans the campaign (once: a second run continues it), runs its data jobs and its consumer
//       waves on N worker threads here (0: only watch, workers elsewhere do the work), shows
//       progress, ends with a summary. Ends when the campaign has ended, is paused, or has
//       nothing left to do here but jobs awaiting approval.
//   skein worker [--slots N] [--group LABEL] [--lease-ttl D] [--sweep D] [--batch N]
//       a worker process; SIGTERM or SIGINT: finish running jobs, release the rest, leave.
//   skein status [CAMPAIGN] [--json]        campaigns, or one campaign's waves, jobs, workers
//   skein approve [JOB...] [--wave N] [--all] [--campaign C] [--by NAME]
//   skein pause|resume|cancel CAMPAIGN;  skein retry JOB;  skein rollback CAMPAIGN
//
// CAMPAIGN is a campaign's name (the migration's metadata.name) or its manifest file.
// Exit codes: 0 done (or waiting for an approval), 1 failures (failed or dead jobs, a paused or
// failed campaign), 2 bad input (an invalid manifest enqueues nothing).
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "base/log.h"
#include "base/text.h"
#include "catalog/validate.h"
#include "cli/cli.h"
#include "data/engine.h"
#include "dataset/dataset.h"
#include "fleet/alerts.h"
#include "fleet/campaign.h"
#include "fleet/draft.h"
#include "fleet/plan.h"
#include "fleet/targets.h"
#include "queue/queue.h"
#include "worker/worker.h"

namespace skein {

std::atomic<bool> g_stop{false};
extern "C" void OnStopSignal(int) { g_stop = true; }

void InstallStopHandlers() {
  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

std::chrono::milliseconds DurationOrFail(const std::string& text, const std::string& flag) {
  using std::chrono::milliseconds;
  if (text.size() > 2 && text.ends_with("ms") && text.find_first_not_of("0123456789") == text.size() - 2) {
    milliseconds ms(std::stoll(text.substr(0, text.size() - 2)));
    if (ms.count() <= 0) Fail(Status::InvalidInput(flag + " must be more than 0s"));
    return ms;
  }
  Result<std::chrono::seconds> d = ParseDuration(text);
  if (!d.ok()) Fail(Status::InvalidInput(flag + ": " + d.status().message()));
  if (d->count() <= 0) Fail(Status::InvalidInput(flag + " must be more than 0s"));
  return std::chrono::duration_cast<milliseconds>(*d);
}

std::unique_ptr<queue::Queue> OpenQueueOrFail(const GlobalOptions& global) {
  return OrFail(queue::Queue::Open(StoreUrlFrom(global.store), std::chrono::seconds(30)));
}

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;

int64_t NowMs(Clock& clock) {
  return std::chrono::duration_cast<milliseconds>(clock.Now().time_since_epoch()).count();
}

// A campaign by name, or by its manifest file (its metadata.name).
queue::Campaign RequireCampaign(queue::Queue& q, const std::string& name_or_file) {
  std::string id = name_or_file;
  if (name_or_file.find('/') != std::string::npos || name_or_file.ends_with(".yaml") ||
      name_or_file.ends_with(".yml")) {
    Migration m = OrFail(ReadMigrationFile(name_or_file));
    id = m.name;
  }
  std::optional<queue::Campaign> c = OrFail(q.FindCampaign(id));
  if (c) return *c;
  std::vector<std::string> names;
  for (const auto& other : OrFail(q.ListCampaigns())) names.push_back(other.id);
  std::string guess = ClosestMatch(id, names);
  Fail(
      Status::NotFound("no campaign '" + id + "'" +
                       (guess.empty() ? "" : " (did you mean '" + guess + "'?)") + "; campaigns: " +
                       (names.empty() ? std::string("none (start one with skein run)") : Join(names, ", "))));
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// --- status rendering ---

json CountsJson(const queue::Counts& c) {
  json out = json::object();
  for (int s = 0; s <= static_cast<int>(queue::JobState::kRolledBack); ++s) {
    auto state = static_cast<queue::JobState>(s);
    out[std::string(queue::JobStateName(state))] = c.of(state);
  }
  out["total"] = c.total;
  return out;
}

json JobJson(const queue::Job& j) {
  json result = json::parse(j.result.empty() ? "{}" : j.result, nullptr, false);
  return {{"id", j.id},
          {"kind", j.kind},
          {"target", j.target},
          {"wave", j.wave},
          {"state", std::string(queue::JobStateName(j.state))},
          {"attempts", j.attempts},
          {"owner", j.owner},
          {"tier", j.tier},
          {"repo", j.repo},
          {"group", j.group},
          {"approved_by", j.approved_by},
          {"outcome", j.outcome},
          {"result", result.is_discarded() ? json(j.result) : result}};
}

json CampaignJson(queue::Queue& q, const queue::Campaign& c, bool with_jobs) {
  json out = {{"id", c.id},
              {"state", std::string(queue::CampaignStateName(c.state))},
              {"reason", c.reason},
              {"manifest", c.manifest_file},
              {"manifest_sha256", c.manifest_hash},
              {"open_stage", c.open_stage},
              {"jobs", CountsJson(OrFail(q.CountJobs(c.id)))}};
  if (with_jobs) {
    json jobs = json::array();
    for (const auto& j : OrFail(q.ListJobs(c.id))) jobs.push_back(JobJson(j));
    out["job_list"] = jobs;
    json events = json::array();
    for (const auto& e : OrFail(q.ListEvents(c.id))) {
      events.push_back({{"id", e.id}, {"at_ms", e.at_ms}, {"kind", e.kind}, {"message", e.message}});
    }
    out["events"] = events;
  }
  return out;
}

std::string Bar(int64_t done, int64_t total, int width) {
  int filled = total > 0 ? static_cast<int>(done * width / total) : width;
  return "[" + std::string(static_cast<size_t>(filled), '#') +
         std::string(static_cast<size_t>(width - filled), '.') + "]";
}

std::string CountsLine(const queue::Counts& c) {
  using S = queue::JobState;
  int64_t ended =
      c.of(S::kDone) + c.of(S::kFailed) + c.of(S::kDead) + c.of(S::kCancelled) + c.of(S::kRolledBack);
  std::string line = Bar(ended, c.total, 24) + " " + std::to_string(ended) + "/" + std::to_string(c.total) +
                     " ended: " + std::to_string(c.of(S::kDone)) + " done";
  if (c.of(S::kRunning) > 0) line += ", " + std::to_string(c.of(S::kRunning)) + " running";
  if (c.of(S::kPending) > 0) line += ", " + std::to_string(c.of(S::kPending)) + " pending";
  if (c.of(S::kAwaitingApproval) > 0)
    line += ", " + std::to_string(c.of(S::kAwaitingApproval)) + " awaiting approval";
  if (c.of(S::kWaiting) > 0) line += ", " + std::to_string(c.of(S::kWaiting)) + " in later waves";
  if (c.of(S::kFailed) > 0) line += ", " + std::to_string(c.of(S::kFailed)) + " failed";
  if (c.of(S::kDead) > 0) line += ", " + std::to_string(c.of(S::kDead)) + " dead";
  return line;
}

void PrintSummary(queue::Queue& q, const queue::Campaign& c) {
  using S = queue::JobState;
  std::vector<queue::Job> jobs = OrFail(q.ListJobs(c.id));
  int migrated = 0, nothing = 0;
  std::vector<const queue::Job*> waiting, failed, requests;
  for (const auto& j : jobs) {
    json result = json::parse(j.result.empty() ? "{}" : j.result, nullptr, false);
    if (j.kind == "consumer" && j.state == S::kDone) {
      bool no_change = result.is_object() && result.value("state", "") == "no-change";
      (no_change ? nothing : migrated)++;
      if (result.is_object() && !result.value("request", "").empty()) requests.push_back(&j);
    }
    if (j.state == S::kAwaitingApproval ||
        (j.needs_approval && j.approved_by.empty() && j.state == S::kWaiting))
      waiting.push_back(&j);
    if (j.state == S::kFailed || j.state == S::kDead) failed.push_back(&j);
  }
  std::cout << "\nCampaign " << c.id << ": " << queue::CampaignStateName(c.state)
            << (c.reason.empty() ? "" : " — " + c.reason) << "\n";
  std::cout << "  migrated:          " << migrated << " consumer(s)"
            << (nothing > 0 ? " (" + std::to_string(nothing) + " needed no change)" : "") << "\n";
  std::cout << "  requests:          " << requests.size() << "\n";
  for (const auto* j : requests) {
    json result = json::parse(j->result, nullptr, false);
    std::cout << "    " << ShortRef(j->target) << "  " << result.value("request", "") << "\n";
  }
  std::cout << "  awaiting approval: " << waiting.size() << "\n";
  for (const auto* j : waiting) {
    std::cout << "    job " << j->id << "  "
              << (j->kind == "consumer" ? ShortRef(j->target) : j->kind + " " + j->target)
              << (j->tier.empty() ? "" : " (" + j->tier + ")")
              << (j->wave > 0 ? ", wave " + std::to_string(j->wave) : "") << "\n";
  }
  std::cout << "  failed:            " << failed.size() << "\n";
  for (const auto* j : failed) {
    std::cout << "    job " << j->id << "  "
              << (j->kind == "consumer" ? ShortRef(j->target) : j->kind + " " + j->target) << " ("
              << queue::JobStateName(j->state) << "): " << j->outcome << "\n";
  }
  if (!waiting.empty()) {
    std::cout << "\nApprove with: skein approve " << (waiting.size() <= 5 ? "" : "--campaign " + c.id + " ");
    if (waiting.size() <= 5) {
      for (const auto* j : waiting) std::cout << j->id << " ";
    } else {
      std::cout << "--wave " << waiting.front()->wave;
    }
    std::cout << "--by NAME, then skein run " << c.manifest_file << " again.\n";
  }
  if (c.state == queue::CampaignState::kPaused) std::cout << "\nResume with: skein resume " << c.id << "\n";
}

// --- run ---

struct RunOptions {
  std::string manifest;
  int workers = -1;  // -1: rollout.max_parallel
  std::string lease_ttl = "30s";
  std::string sweep = "5s";
  bool json = false;
  bool no_ui = false;
  std::string bind = "127.0.0.1";
  int port = 0;
};

// Follows the campaign's events: progress lines (or a bar on a terminal) and alerts.
class Follower {
 public:
  Follower(queue::Queue& q, const queue::Campaign& c, bool quiet) : q_(q), c_(c), quiet_(quiet) {
    tty_ = ::isatty(STDERR_FILENO) == 1 && !quiet;
    webhook_ = AlertWebhook(c.policy_json);
    // Alerts for what happened before this run have been sent (or missed) already.
    std::vector<queue::Event> seen = OrFail(q.ListEvents(c.id));
    if (!seen.empty()) last_ = seen.back().id;
  }

  void Poll() {
    Result<std::vector<queue::Event>> events = q_.ListEvents(c_.id, last_);
    if (events.ok()) {
      for (const auto& e : *events) {
        last_ = e.id;
        if (!quiet_) {
          if (tty_) std::cerr << "\r\033[K";
          std::cerr << "skein: " << e.kind << ": " << e.message << "\n";
        }
        // Claimed first: a `skein serve` on the same store sends each event at most once too.
        if (!webhook_.empty() && IsAlertKind(e.kind)) {
          Result<bool> claimed = q_.ClaimAlert(e.id, e.at_ms);
          if (claimed.ok() && *claimed) {
            Status sent = SendAlert(webhook_, e);
            if (!sent.ok()) {
              (void)q_.UnclaimAlert(e.id);
              if (!quiet_) std::cerr << "skein: alert not sent: " << sent.message() << "\n";
            }
          }
        }
      }
    }
    Result<queue::Counts> counts = q_.CountJobs(c_.id);
    if (!counts.ok() || quiet_) return;
    std::string line = CountsLine(*counts);
    if (tty_) {
      std::cerr << "\r\033[K" << line << std::flush;
    } else if (line != last_line_) {
      std::cerr << "skein: " << line << "\n";
    }
    last_line_ = line;
  }
  void End() {
    if (tty_) std::cerr << "\n";
  }

 private:
  queue::Queue& q_;
  queue::Campaign c_;
  bool quiet_;
  bool tty_ = false;
  std::string webhook_;
  int64_t last_ = 0;
  std::string last_line_;
};

// Nothing left for this process to do: the campaign ended or paused, or every job left waits
// for an approval (or a later wave behind one).
bool Settled(queue::Queue& q, const std::string& id, Clock& clock) {
  // An Advance that did not happen (the store restarting) may owe the next stage: not settled.
  Result<queue::Advanced> advanced = q.Advance(id, NowMs(clock));
  if (!advanced.ok() && advanced.status().code() != StatusCode::kNotFound) return false;
  Result<std::optional<queue::Campaign>> c = q.FindCampaign(id);
  if (!c.ok()) return false;  // the store is away (restarting): keep waiting, it reconnects
  if (!c->has_value()) return true;
  queue::CampaignState state = (*c)->state;
  if (state != queue::CampaignState::kMigratingData && state != queue::CampaignState::kMigratingConsumers)
    return true;
  Result<queue::Counts> counts = q.CountJobs(id);
  if (!counts.ok()) return false;
  return counts->of(queue::JobState::kPending) == 0 && counts->of(queue::JobState::kRunning) == 0;
}

void RunRun(const RunOptions& options, const GlobalOptions& global) {
  // Everything that can be wrong with the input is found before anything is enqueued.
  milliseconds ttl = DurationOrFail(options.lease_ttl, "--lease-ttl");
  milliseconds sweep = DurationOrFail(options.sweep, "--sweep");
  Migration m = OrFail(ReadMigrationFile(options.manifest));
  std::string text = ReadText(options.manifest);
  std::string url = StoreUrlFrom(global.store);
  std::unique_ptr<Store> store = OpenStoreOrFail(global);
  CatalogGraph graph(OrFail(store->ListEntities()));
  CampaignDraft draft = OrFail(DraftCampaign(m, text, graph, fs::current_path()));
  std::unique_ptr<queue::Queue> q = OpenQueueOrFail(global);
  SystemClock clock;
  auto [campaign, created] = OrFail(q->CreateCampaign(draft.spec, draft.jobs, NowMs(clock)));
  if (!options.json) {
    std::cerr << "skein: campaign " << campaign.id << (created ? " planned" : " continued") << " ("
              << OrFail(q->CountJobs(campaign.id)).total << " jobs)\n";
    if (!created && campaign.manifest != text) {
      std::cerr
          << "skein: note: the manifest changed since the campaign started; it continues with the manifest "
             "it was started with (a new campaign needs a new metadata.name)\n";
    }
  }
  Follower follower(*q, campaign, options.json);
  std::shared_ptr<void> portal;
  if (!options.no_ui) portal = StartPortal(global, options.bind, options.port);
  OrFail(q->Start(campaign.id, NowMs(clock)).status());

  InstallStopHandlers();
  int slots = options.workers >= 0 ? options.workers : m.rollout.max_parallel;
  if (slots > 0) {
    WorkerOptions w;
    w.store_url = url;
    w.slots = slots;
    w.group = "";
    w.ttl = ttl;
    w.sweep_interval = sweep;
    w.stop_flag = &g_stop;
    StoreRateLedger ledger(url);
    ForgePool forges(clock, &ledger);
    RunnerOptions runner;
    runner.store_url = url;
    w.handlers = [&] { return std::make_unique<JobRunner>(runner, forges, clock); };
    std::string id = campaign.id;
    std::unique_ptr<queue::Queue> watch = OpenQueueOrFail(global);
    std::mutex watch_mutex;
    w.done_when_idle = [&] {
      std::lock_guard lock(watch_mutex);
      return Settled(*watch, id, clock);
    };
    Worker worker(w, clock);
    Status ran;
    std::thread thread([&] { ran = worker.Run(); });
    while (!g_stop) {
      follower.Poll();
      std::this_thread::sleep_for(milliseconds(300));
      std::lock_guard lock(watch_mutex);
      if (Settled(*watch, id, clock)) break;
    }
    worker.Stop();
    thread.join();
    follower.Poll();
    OrFail(ran);
  } else {
    while (!g_stop && !Settled(*q, campaign.id, clock)) {
      follower.Poll();
      std::this_thread::sleep_for(milliseconds(500));
    }
    follower.Poll();
  }
  follower.End();
  queue::Campaign now = *OrFail(q->FindCampaign(campaign.id));
  queue::Counts counts = OrFail(q->CountJobs(campaign.id));
  if (options.json) {
    PrintJson(CampaignJson(*q, now, true));
  } else {
    PrintSummary(*q, now);
  }
  if (g_stop) {
    std::cerr << "skein: stopped; run it again to continue the campaign\n";
    throw CommandExit{1};
  }
  bool bad = counts.of(queue::JobState::kFailed) + counts.of(queue::JobState::kDead) > 0 ||
             now.state == queue::CampaignState::kPaused || now.state == queue::CampaignState::kFailed;
  if (bad) throw CommandExit{1};
}

// --- worker ---

struct WorkerCliOptions {
  int slots = 4;
  std::string group;
  std::string lease_ttl = "30s";
  std::string sweep = "5s";
  int batch = 1;
  std::string id;
  std::string log_format = "text";
};

void RunWorker(const WorkerCliOptions& options, const GlobalOptions& global) {
  if (!options.group.empty()) OrFail(CheckGroupLabel(options.group));
  if (options.slots < 1) Fail(Status::InvalidInput("--slots must be at least 1"));
  if (options.log_format != "text" && options.log_format != "json")
    Fail(Status::InvalidInput("--log-format must be text or json, not '" + options.log_format + "'"));
  WorkerOptions w;
  w.store_url = StoreUrlFrom(global.store);
  w.id = options.id;
  w.slots = options.slots;
  w.group = options.group;
  w.ttl = DurationOrFail(options.lease_ttl, "--lease-ttl");
  w.sweep_interval = DurationOrFail(options.sweep, "--sweep");
  w.batch = options.batch;
  w.stop_flag = &g_stop;
  InstallStopHandlers();
  // Fail fast when the store cannot be reached at all; later outages are waited for.
  { std::unique_ptr<queue::Queue> probe = OpenQueueOrFail(global); }
  SystemClock clock;
  StoreRateLedger ledger(w.store_url);
  ForgePool forges(clock, &ledger);
  RunnerOptions runner;
  runner.store_url = w.store_url;
  std::string worker_id = w.id.empty() ? queue::NewWorkerId() : w.id;
  w.id = worker_id;
  if (options.log_format == "json") {
    runner.log = [worker_id](const JobLogLine& line) {
      WriteLogLine(JsonLogLine("info", line.message,
                               {{"worker", worker_id},
                                {"campaign", line.campaign},
                                {"job", line.job},
                                {"attempt", line.attempt},
                                {"target", line.target}}));
    };
  } else {
    runner.log = [](const JobLogLine& line) {
      std::cerr << "skein worker: job " << line.job << " (" << line.campaign << ", attempt " << line.attempt
                << ") " << line.target << ": " << line.message << "\n";
    };
  }
  w.handlers = [&] { return std::make_unique<JobRunner>(runner, forges, clock); };
  Worker worker(w, clock);
  bool json_log = options.log_format == "json";
  if (json_log) {
    WriteLogLine(JsonLogLine("info", "worker started",
                             {{"worker", worker.id()}, {"slots", w.slots}, {"group", w.group}}));
  } else {
    std::cerr << "skein worker " << worker.id() << ": " << w.slots << " slot(s)"
              << (w.group.empty() ? "" : ", group " + w.group) << ", lease " << options.lease_ttl << "\n";
  }
  OrFail(worker.Run());
  const WorkerStats& s = worker.stats();
  if (json_log) {
    WriteLogLine(JsonLogLine("info", "worker left",
                             {{"worker", worker.id()},
                              {"done", s.done.load()},
                              {"failed", s.failed.load()},
                              {"errors", s.errors.load()},
                              {"released", s.released.load()}}));
  } else {
    std::cerr << "skein worker " << worker.id() << ": left (" << s.done << " done, " << s.failed
              << " failed, " << s.errors << " errors, " << s.released << " released)\n";
  }
}

// --- status and actions ---

void RunStatus(const std::string& name, bool as_json, const GlobalOptions& global) {
  std::unique_ptr<queue::Queue> q = OpenQueueOrFail(global);
  SystemClock clock;
  if (name.empty()) {
    std::vector<queue::Campaign> campaigns = OrFail(q->ListCampaigns());
    if (as_json) {
      json out = json::array();
      for (const auto& c : campaigns) out.push_back(CampaignJson(*q, c, false));
      PrintJson(out);
      return;
    }
    if (campaigns.empty()) std::cout << "No campaigns yet: skein run MIGRATION starts one.\n";
    for (const auto& c : campaigns) {
      std::printf("%-28s %-20s %s\n", c.id.c_str(), std::string(queue::CampaignStateName(c.state)).c_str(),
                  CountsLine(OrFail(q->CountJobs(c.id))).c_str());
    }
    std::vector<queue::WorkerInfo> workers = OrFail(q->LiveWorkers(NowMs(clock) - 60000));
    std::cout << "\n" << workers.size() << " live worker(s)\n";
    for (const auto& w : workers) {
      std::cout << "  " << w.id << "  " << w.slots << " slot(s)"
                << (w.group.empty() ? "" : "  group " + w.group) << "\n";
    }
    return;
  }
  queue::Campaign c = RequireCampaign(*q, name);
  if (as_json) {
    PrintJson(CampaignJson(*q, c, true));
    return;
  }
  std::cout << "Campaign " << c.id << " (" << c.manifest_file << "): " << queue::CampaignStateName(c.state)
            << (c.reason.empty() ? "" : " — " + c.reason) << "\n  " << CountsLine(OrFail(q->CountJobs(c.id)))
            << "\n";
  std::vector<queue::Job> jobs = OrFail(q->ListJobs(c.id));
  std::map<int, std::map<queue::JobState, int>> waves;
  std::set<std::string> groups;
  for (const auto& j : jobs) {
    waves[j.kind == "consumer" ? j.wave : 0][j.state]++;
    if (!j.group.empty() && !queue::IsTerminal(j.state)) groups.insert(j.group);
  }
  for (const auto& [wave, states] : waves) {
    std::cout << "  " << (wave == 0 ? std::string("data   ") : "wave " + std::to_string(wave) + " ") << ":";
    for (const auto& [state, n] : states) std::cout << " " << n << " " << queue::JobStateName(state);
    std::cout << "\n";
  }
  PrintSummary(*q, c);
  std::vector<queue::WorkerInfo> workers = OrFail(q->LiveWorkers(NowMs(clock) - 60000));
  for (const std::string& group : groups) {
    bool served =
        std::any_of(workers.begin(), workers.end(), [&](const auto& w) { return w.group == group; });
    if (!served)
      std::cout << "\nNote: jobs routed to worker group '" << group
                << "' wait: no live worker of that group (skein worker --group " << group << ")\n";
  }
}

void RunApprove(const std::vector<int64_t>& jobs, int wave, bool all, const std::string& campaign_name,
                std::string by, const GlobalOptions& global) {
  if (jobs.empty() && wave <= 0 && !all)
    Fail(Status::InvalidInput("name the jobs to approve, or --wave N, or --all"));
  if (int(!jobs.empty()) + int(wave > 0) + int(all) > 1)
    Fail(Status::InvalidInput("give job ids, --wave or --all, one of them"));
  if (by.empty()) {
    const char* user = std::getenv("USER");
    by = user != nullptr && *user != '\0' ? user : "unknown";
  }
  std::unique_ptr<queue::Queue> q = OpenQueueOrFail(global);
  SystemClock clock;
  std::string campaign;
  if (!campaign_name.empty()) {
    campaign = RequireCampaign(*q, campaign_name).id;
  } else if (!jobs.empty()) {
    std::optional<queue::Job> first = OrFail(q->FindJob(jobs.front()));
    if (!first) Fail(Status::NotFound("no job " + std::to_string(jobs.front())));
    campaign = first->campaign;
  } else {
    std::vector<std::string> active;
    for (const auto& c : OrFail(q->ListCampaigns())) {
      if (!queue::IsEnded(c.state)) active.push_back(c.id);
    }
    if (active.size() != 1) {
      Fail(Status::InvalidInput(
          std::string(all ? "--all" : "--wave") + " needs --campaign: " + std::to_string(active.size()) +
          " campaigns are running" + (active.empty() ? "" : " (" + Join(active, ", ") + ")")));
    }
    campaign = active.front();
  }
  int approved = OrFail(q->Approve(campaign, jobs, all ? -1 : wave, by, NowMs(clock)));
  OrFail(q->Advance(campaign, NowMs(clock)).status());
  std::cout << "approved " << approved << " job(s) of " << campaign << " (by " << by << ")"
            << (approved == 0 ? ": nothing was waiting for an approval" : "") << "\n";
}

void AddCampaignAction(CLI::App& app, GlobalOptions& global, const std::string& name, const std::string& help,
                       std::function<void(queue::Queue&, const queue::Campaign&, Clock&)> action) {
  auto campaign = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->add_option("campaign", *campaign, "The campaign: its name or its manifest file")->required();
  cmd->callback([campaign, &global, action] {
    std::unique_ptr<queue::Queue> q = OpenQueueOrFail(global);
    SystemClock clock;
    action(*q, RequireCampaign(*q, *campaign), clock);
  });
}

}  // namespace

void AddCampaignCommands(CLI::App& app, GlobalOptions& global) {
  auto run = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run a migration's campaign: data jobs, then consumer waves; run again to continue");
  cmd->add_option("migration", run->manifest, "Migration manifest (YAML)")->required();
  cmd->add_option("--workers", run->workers,
                  "Worker threads here (default: rollout.max_parallel; 0: only watch)");
  cmd->add_option("--lease-ttl", run->lease_ttl,
                  "How long a job's lease lasts without a heartbeat (default 30s)");
  cmd->add_option("--sweep", run->sweep, "How often expired leases are reclaimed (default 5s)");
  cmd->add_flag("--json", run->json, "Print the campaign, its jobs and events as JSON at the end");
  cmd->add_flag("--no-ui", run->no_ui, "Do not serve the dashboard while it runs");
  cmd->add_option("--bind", run->bind, "The dashboard's address (default 127.0.0.1)");
  cmd->add_option("--port", run->port, "The dashboard's port (default 0: a free one, printed)");
  cmd->callback([run, &global] { RunRun(*run, global); });

  auto worker = std::make_shared<WorkerCliOptions>();
  cmd = app.add_subcommand("worker", "Run jobs of every campaign in the store until SIGTERM (fleet mode)");
  cmd->add_option("--slots", worker->slots, "Jobs run at once (default 4)");
  cmd->add_option("--group", worker->group, "Take jobs routed to this worker group too");
  cmd->add_option("--lease-ttl", worker->lease_ttl, "Lease length without a heartbeat (default 30s)");
  cmd->add_option("--sweep", worker->sweep, "How often expired leases are reclaimed (default 5s)");
  cmd->add_option("--batch", worker->batch, "Jobs claimed at once per slot (default 1)");
  cmd->add_option("--id", worker->id, "Worker id (default host-pid-random)");
  cmd->add_option("--log-format", worker->log_format,
                  "text (default) or json: one JSON object per line with campaign, job and attempt ids");
  cmd->callback([worker, &global] { RunWorker(*worker, global); });

  auto status = std::make_shared<std::pair<std::string, bool>>();
  cmd = app.add_subcommand("status", "Show campaigns, or one campaign's waves, jobs and workers");
  cmd->add_option("campaign", status->first, "The campaign: its name or its manifest file");
  cmd->add_flag("--json", status->second, "Print JSON");
  cmd->callback([status, &global] { RunStatus(status->first, status->second, global); });

  struct ApproveOptions {
    std::vector<int64_t> jobs;
    int wave = 0;
    bool all = false;
    std::string campaign;
    std::string by;
  };
  auto approve = std::make_shared<ApproveOptions>();
  cmd =
      app.add_subcommand("approve", "Approve jobs waiting at an approval gate (consumers, data publishing)");
  cmd->add_option("jobs", approve->jobs, "Job ids");
  cmd->add_option("--wave", approve->wave, "Approve every job of this wave");
  cmd->add_flag("--all", approve->all, "Approve every job of the campaign that waits for an approval");
  cmd->add_option("--campaign", approve->campaign,
                  "The campaign (needed with --wave or --all when several run)");
  cmd->add_option("--by", approve->by, "Who approves (default: $USER)");
  cmd->callback([approve, &global] {
    RunApprove(approve->jobs, approve->wave, approve->all, approve->campaign, approve->by, global);
  });

  AddCampaignAction(
      app, global, "pause", "Pause a campaign: no new jobs start; running ones finish",
      [](queue::Queue& q, const queue::Campaign& c, Clock& clock) {
        OrFail(q.Pause(c.id, "paused by " + std::string(std::getenv("USER") ? std::getenv("USER") : "a user"),
                       NowMs(clock)));
        std::cout << "paused " << c.id << "\n";
      });
  AddCampaignAction(app, global, "resume", "Resume a paused campaign (after a breaker trip, too)",
                    [](queue::Queue& q, const queue::Campaign& c, Clock& clock) {
                      OrFail(q.Resume(c.id, NowMs(clock)));
                      OrFail(q.Advance(c.id, NowMs(clock)).status());
                      std::cout << "resumed " << c.id << "; skein run " << c.manifest_file
                                << " (or running workers) carry it on\n";
                    });
  AddCampaignAction(app, global, "cancel", "Cancel a campaign: jobs not yet running are cancelled",
                    [](queue::Queue& q, const queue::Campaign& c, Clock& clock) {
                      OrFail(q.Cancel(c.id, "cancelled", NowMs(clock)));
                      std::cout << "cancelled " << c.id << "\n";
                    });
  auto rollback = std::make_shared<std::pair<std::string, std::string>>("", "60s");
  cmd = app.add_subcommand(
      "rollback",
      "Roll a campaign back: close its change requests, delete its branches, remove what it "
      "published; resumable");
  cmd->add_option("campaign", rollback->first, "The campaign: its name or its manifest file")->required();
  cmd->add_option("--drain", rollback->second, "How long to wait for running jobs to end (default 60s)");
  cmd->callback([rollback, &global] {
    std::unique_ptr<queue::Queue> q = OpenQueueOrFail(global);
    std::unique_ptr<Store> store = OpenStoreOrFail(global);
    SystemClock clock;
    queue::Campaign c = RequireCampaign(*q, rollback->first);
    ForgePool forges(clock);
    RollbackReport report = OrFail(
        RollbackCampaign(*q, c.id, *store, forges, clock, DurationOrFail(rollback->second, "--drain")));
    for (const auto& key : report.closed) std::cout << "closed  " << ShortRef(key) << "\n";
    if (report.data_removed) std::cout << "removed what " << c.id << " staged or published\n";
    for (const auto& [what, message] : report.problems)
      std::cerr << "skein: " << what << ": " << message << "\n";
    if (!report.problems.empty()) {
      std::cerr << "skein: rollback of " << c.id << " is not finished; run it again to continue\n";
      throw CommandExit{1};
    }
    std::cout << "rolled back " << c.id << "\n";
  });
  auto retry = std::make_shared<int64_t>(0);
  cmd = app.add_subcommand("retry", "Run a failed or dead job again");
  cmd->add_option("job", *retry, "Job id")->required();
  cmd->callback([retry, &global] {
    std::unique_ptr<queue::Queue> q = OpenQueueOrFail(global);
    SystemClock clock;
    std::optional<queue::Job> job = OrFail(q->FindJob(*retry));
    if (!job) Fail(Status::NotFound("no job " + std::to_string(*retry)));
    OrFail(q->Retry(job->campaign, job->id, NowMs(clock)));
    std::cout << "job " << job->id << " of " << job->campaign << " will run again\n";
  });
}

}  // namespace skein
