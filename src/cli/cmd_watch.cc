// `skein watch`: background mode (watch/watch.h) — re-imports the catalog, plans and starts the
// campaigns the catalog's deprecations call for, adds consumers that appear mid-campaign, and
// (unless --workers 0) runs the jobs on worker threads, until SIGTERM or Ctrl-C; or one pass with
// --once.
#include <cstdlib>
#include <iostream>
#include <thread>

#include "base/log.h"
#include "cli/cli.h"
#include "fleet/campaign.h"
#include "watch/watch.h"
#include "worker/worker.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;

struct WatchCliOptions {
  WatchFlags source;
  int workers = 4;
  bool once = false;
  bool json = false;
};

// What a tick did, for people (stderr) or scripts (a JSON line on stdout).
void PrintReport(const watch::TickReport& report, bool as_json) {
  if (as_json) {
    json joined = json::array();
    for (const auto& j : report.joined)
      joined.push_back({{"campaign", j.campaign}, {"consumer", j.consumer}});
    json line = {{"planned", report.planned},
                 {"started", report.started},
                 {"joined", joined},
                 {"problems", report.problems}};
    if (report.catalog) {
      line["catalog"] = {{"added", report.catalog->added},
                         {"updated", report.catalog->updated},
                         {"removed", report.catalog->removed},
                         {"unchanged", report.catalog->unchanged}};
    }
    std::cout << line.dump() << std::endl;
    return;
  }
  if (report.catalog && (report.catalog->added + report.catalog->updated + report.catalog->removed) > 0) {
    std::cerr << "skein watch: catalog re-imported: " << report.catalog->added << " added, "
              << report.catalog->updated << " updated, " << report.catalog->removed << " removed\n";
  }
  for (const auto& id : report.planned) std::cerr << "skein watch: campaign " << id << " planned\n";
  for (const auto& id : report.started) std::cerr << "skein watch: campaign " << id << " started\n";
  for (const auto& j : report.joined) {
    std::cerr << "skein watch: campaign " << j.campaign << ": new consumer " << j.consumer
              << " joined (it reads the old dataset and was not in the campaign)\n";
  }
  for (const auto& p : report.problems) std::cerr << p << "\n";
}

std::string Describe(const WatchFlags& f) {
  std::string out = f.manifests.empty() ? "no manifests folder" : "manifests in " + f.manifests;
  if (f.catalog.empty() && f.backstage_url.empty()) {
    out += ", the store's catalog";
  } else {
    out += ", catalog every " + f.catalog_every;
  }
  return out + ", discovery every " + f.discovery_every;
}

void RunWatch(const WatchCliOptions& options, const GlobalOptions& global) {
  if (options.workers < 0) Fail(Status::InvalidInput("--workers must be 0 or more"));
  watch::WatchOptions w = WatchOptionsOrFail(options.source);
  milliseconds tick = DurationOrFail(options.source.tick, "--tick");
  std::string url = StoreUrlFrom(global.store);
  std::unique_ptr<Store> store = OpenStoreOrFail(global);
  std::unique_ptr<queue::Queue> q = OpenQueueOrFail(global);
  SystemClock clock;
  watch::Watcher watcher(w, *store, *q, clock);
  InstallStopHandlers();

  // The jobs of the campaigns it starts run here too, unless workers elsewhere run them.
  std::unique_ptr<Worker> worker;
  std::thread worker_thread;
  Status worker_status;
  StoreRateLedger ledger(url);
  ForgePool forges(clock, &ledger);
  RunnerOptions runner;
  runner.store_url = url;
  runner.log = [](const JobLogLine& line) {
    std::cerr << "skein watch: job " << line.job << " (" << line.campaign << ", attempt " << line.attempt
              << ") " << line.target << ": " << line.message << "\n";
  };
  if (!options.once && options.workers > 0) {
    WorkerOptions wo;
    wo.store_url = url;
    wo.slots = options.workers;
    wo.stop_flag = &g_stop;
    wo.handlers = [&] { return std::make_unique<JobRunner>(runner, forges, clock); };
    worker = std::make_unique<Worker>(wo, clock);
    worker_thread = std::thread([&] { worker_status = worker->Run(); });
  }
  if (!options.json) {
    std::cerr << "skein watch: " << (options.once ? "one pass" : "watching") << ", "
              << Describe(options.source);
    if (!options.once)
      std::cerr << ", " << (worker ? std::to_string(options.workers) : "no") << " worker thread(s)";
    std::cerr << "\n";
  }
  Result<bool> problems = WatchUntil(watcher, tick, g_stop, options.json, options.once);
  g_stop = true;
  if (worker_thread.joinable()) worker_thread.join();
  OrFail(problems.status());
  OrFail(worker_status);
  if (options.once && *problems) throw CommandExit{1};
}

}  // namespace

watch::WatchOptions WatchOptionsOrFail(const WatchFlags& flags) {
  if (!flags.catalog.empty() && !flags.backstage_url.empty())
    Fail(Status::InvalidInput("--catalog PATH and --backstage URL: one or the other, not both"));
  watch::WatchOptions w;
  for (const std::string& p : flags.catalog) w.catalog_paths.emplace_back(p);
  w.backstage_url = flags.backstage_url;
  if (const char* token = std::getenv(flags.token_env.c_str())) w.backstage_token = token;
  if (!flags.manifests.empty()) {
    std::error_code ec;
    if (!fs::is_directory(flags.manifests, ec))
      Fail(Status::InvalidInput("--manifests " + flags.manifests + ": not a folder"));
    w.manifests = flags.manifests;
  }
  w.workdir = fs::current_path();
  w.catalog_every = DurationOrFail(flags.catalog_every, "--catalog-every");
  w.discovery_every = DurationOrFail(flags.discovery_every, "--discovery-every");
  return w;
}

void AddWatchFlags(CLI::App* cmd, WatchFlags& flags) {
  cmd->add_option("--catalog", flags.catalog, "Descriptor files or folders to re-import (repeatable)");
  cmd->add_option("--backstage", flags.backstage_url, "Or a Backstage backend to re-import from");
  cmd->add_option("--token-env", flags.token_env, "Environment variable holding the Backstage token")
      ->capture_default_str();
  cmd->add_option("--manifests", flags.manifests, "A folder of migration manifests (*.yaml, *.yml)");
  cmd->add_option("--catalog-every", flags.catalog_every, "How often to re-import the catalog")
      ->capture_default_str();
  cmd->add_option("--discovery-every", flags.discovery_every,
                  "How often each running campaign looks for new consumers")
      ->capture_default_str();
  cmd->add_option("--tick", flags.tick, "How often to look at the manifests")->capture_default_str();
}

Result<bool> WatchUntil(watch::Watcher& watcher, std::chrono::milliseconds tick,
                        const std::atomic<bool>& stop, bool json, bool once) {
  bool problems = false;
  while (!stop) {
    Result<watch::TickReport> report = watcher.Tick();
    if (report.ok()) {
      PrintReport(*report, json);
      problems = problems || !report->problems.empty();
    } else {
      // The store is away (restarting): the next tick tries again; nothing was half-done.
      std::cerr << "skein watch: this pass stopped: " << report.status().message() << "\n";
      if (once) return report.status();
    }
    if (once) break;
    for (milliseconds slept(0); slept < tick && !stop; slept += milliseconds(100)) {
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
  return problems;
}

void AddWatchCommand(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<WatchCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "watch",
      "Keep watch: re-import the catalog, plan (and with `start: auto` start) the campaign of each manifest "
      "whose from-dataset the catalog marks deprecated, add consumers that appear mid-campaign, and run "
      "the jobs");
  AddWatchFlags(cmd, options->source);
  cmd->add_option("--workers", options->workers, "Worker threads running jobs here (0: workers elsewhere)")
      ->capture_default_str();
  cmd->add_flag("--once", options->once, "One pass, then exit (1 when it found problems); runs no jobs");
  cmd->add_flag("--json", options->json, "One JSON line per pass on stdout");
  cmd->callback([options, &global] { RunWatch(*options, global); });
}

}  // namespace skein
