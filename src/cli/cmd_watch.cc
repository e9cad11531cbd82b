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
  std::string lease_ttl = "30s";
  std::string sweep = "5s";
  bool once = false;
  bool json = false;
};

// What a tick did, for people (stderr) or scripts (a JSON line on stdout).
void PrintReport(const watch::TickReport& report, bool as_json) {
  if (as_json) {
    json joined = json::array();
    for (const auto& j : report.joined)
      joined.push_back({{"campaign", j.campaign}, {"consumer", j.consumer}});
    json requests = json::array();
    for (const auto& r : report.requests)
      requests.push_back(
          {{"campaign", r.campaign}, {"consumer", r.consumer}, {"kind", r.kind}, {"url", r.url}});
    json notices = json::array();
    for (const auto& n : report.notices) {
      notices.push_back({{"kind", n.kind},
                         {"subject", n.subject},
                         {"alert", n.alert},
                         {"message", n.message},
                         {"detail", json::parse(n.detail, nullptr, false)}});
    }
    json line = {{"planned", report.planned},
                 {"started", report.started},
                 {"joined", joined},
                 {"requests", requests},
                 {"notices", notices},
                 {"retired", report.retired},
                 {"alerts_sent", report.alerts_sent},
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
  for (const auto& r : report.requests) {
    std::cerr << "skein watch: campaign " << r.campaign << ": " << r.consumer << ": " << r.url << " "
              << (r.kind == "declined"         ? "was closed by a person: declined, not reopened"
                  : r.kind == "rebasing"       ? "conflicts with its base: made again on it"
                  : r.kind == "checks-failing" ? "has failing checks after its merge"
                  : r.kind == "closed"         ? "is gone: its branch was deleted (merged or abandoned)"
                  : r.kind == "merged"         ? "was merged"
                                               : r.kind)
              << "\n";
  }
  for (const auto& n : report.notices) {
    std::cerr << "skein watch: " << n.kind << (n.alert ? " (alert)" : "") << ": " << n.message << "\n";
  }
  for (const auto& p : report.problems) std::cerr << p << "\n";
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
    wo.ttl = DurationOrFail(options.lease_ttl, "--lease-ttl");
    wo.sweep_interval = DurationOrFail(options.sweep, "--sweep");
    wo.stop_flag = &g_stop;
    wo.handlers = [&] { return std::make_unique<JobRunner>(runner, forges, clock); };
    worker = std::make_unique<Worker>(wo, clock);
    worker_thread = std::thread([&] { worker_status = worker->Run(); });
  }
  if (!options.json) {
    std::cerr << "skein watch: " << (options.once ? "one pass" : "watching") << ", "
              << DescribeWatch(options.source);
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

std::string DescribeWatch(const WatchFlags& f) {
  std::string out = !f.manifests_repo.empty() ? "manifests merged in " + f.manifests_repo +
                                                    (f.manifests.empty() ? "" : " (" + f.manifests + ")")
                    : f.manifests.empty() ? "no manifests folder"
                                          : "manifests in " + f.manifests;
  if (f.catalog.empty() && f.backstage_url.empty()) {
    out += ", the store's catalog";
  } else {
    out += ", catalog every " + f.catalog_every;
  }
  return out + ", discovery every " + f.discovery_every;
}

watch::WatchOptions WatchOptionsOrFail(const WatchFlags& flags) {
  if (!flags.catalog.empty() && !flags.backstage_url.empty())
    Fail(Status::InvalidInput("--catalog PATH and --backstage URL: one or the other, not both"));
  watch::WatchOptions w;
  for (const std::string& p : flags.catalog) w.catalog_paths.emplace_back(p);
  w.backstage_url = flags.backstage_url;
  if (const char* token = std::getenv(flags.token_env.c_str())) w.backstage_token = token;
  if (!flags.manifests_repo.empty()) {
    if (flags.manifests_repo.starts_with("-"))
      Fail(Status::InvalidInput("--manifests-repo " + flags.manifests_repo + ": not a repository"));
    if (fs::path(flags.manifests).is_absolute() || flags.manifests.find("..") != std::string::npos)
      Fail(Status::InvalidInput(
          "--manifests " + flags.manifests +
          ": with --manifests-repo, a folder inside the repository (relative, no '..')"));
    w.manifests_repo = flags.manifests_repo;
    w.manifests_branch = flags.manifests_branch;
    w.manifests = flags.manifests;
  } else if (!flags.manifests.empty()) {
    std::error_code ec;
    if (!fs::is_directory(flags.manifests, ec))
      Fail(Status::InvalidInput("--manifests " + flags.manifests + ": not a folder"));
    w.manifests = flags.manifests;
  }
  w.workdir = fs::current_path();
  w.catalog_every = DurationOrFail(flags.catalog_every, "--catalog-every");
  w.discovery_every = DurationOrFail(flags.discovery_every, "--discovery-every");
  w.requests_every = DurationOrFail(flags.requests_every, "--requests-every");
  if (flags.requests_per_pass < 1) Fail(Status::InvalidInput("--requests-per-pass must be at least 1"));
  w.requests_per_pass = flags.requests_per_pass;
  w.schemas_every = DurationOrFail(flags.schemas_every, "--schemas-every");
  w.decommission_every = DurationOrFail(flags.decommission_every, "--decommission-every");
  for (const std::string& p : flags.code) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) Fail(Status::InvalidInput("--code " + p + ": not a folder"));
    w.code_roots.emplace_back(p);
  }
  if (!flags.alert_webhook_env.empty()) {
    const char* url = std::getenv(flags.alert_webhook_env.c_str());
    if (url == nullptr || *url == '\0')
      Fail(Status::InvalidInput("--alert-webhook-env " + flags.alert_webhook_env +
                                ": the variable is not set"));
    w.alert_webhook = url;
  }
  return w;
}

void AddWatchFlags(CLI::App* cmd, WatchFlags& flags) {
  cmd->add_option("--catalog", flags.catalog, "Descriptor files or folders to re-import (repeatable)");
  cmd->add_option("--backstage", flags.backstage_url, "Or a Backstage backend to re-import from");
  cmd->add_option("--token-env", flags.token_env, "Environment variable holding the Backstage token")
      ->capture_default_str();
  cmd->add_option(
      "--manifests", flags.manifests,
      "A folder of migration manifests (*.yaml, *.yml); with --manifests-repo, the folder inside it");
  cmd->add_option("--manifests-repo", flags.manifests_repo,
                  "Or a git repository of manifests (URL or path): what is merged on its branch is read, "
                  "fetched every --catalog-every");
  cmd->add_option("--manifests-branch", flags.manifests_branch,
                  "The branch of --manifests-repo (default: its default branch)");
  cmd->add_option("--catalog-every", flags.catalog_every, "How often to re-import the catalog")
      ->capture_default_str();
  cmd->add_option("--discovery-every", flags.discovery_every,
                  "How often each running campaign looks for new consumers")
      ->capture_default_str();
  cmd->add_option("--requests-every", flags.requests_every,
                  "How often to read campaigns' change requests from their forges (merged, declined, "
                  "conflicting, checks)")
      ->capture_default_str();
  cmd->add_option("--requests-per-pass", flags.requests_per_pass,
                  "Change requests read from their forges per pass at most, least recently read first")
      ->capture_default_str();
  cmd->add_option("--schemas-every", flags.schemas_every,
                  "How often to read each dataset's schema from its location (drift)")
      ->capture_default_str();
  cmd->add_option("--decommission-every", flags.decommission_every,
                  "How often to look for datasets whose decommission date has come")
      ->capture_default_str();
  cmd->add_option("--code", flags.code,
                  "More folders of repositories for code search at decommission (repeatable); every "
                  "catalog component's skein.dev/repo is searched anyway");
  cmd->add_option("--alert-webhook-env", flags.alert_webhook_env,
                  "Environment variable holding the webhook URL for drift and decommission notices");
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
  cmd->add_option("--lease-ttl", options->lease_ttl,
                  "How long a worker thread's claim on a job lasts without renewal (a killed watcher's jobs "
                  "are taken up again after it)")
      ->capture_default_str();
  cmd->add_option("--sweep", options->sweep, "How often expired leases are returned to the queue")
      ->capture_default_str();
  cmd->add_flag("--once", options->once, "One pass, then exit (1 when it found problems); runs no jobs");
  cmd->add_flag("--json", options->json, "One JSON line per pass on stdout");
  cmd->callback([options, &global] { RunWatch(*options, global); });
}

}  // namespace skein
