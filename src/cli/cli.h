// The command line: one file per command group (cmd_*.cc), each registering its subcommands on
// the CLI11 app. `cli` calls every other module; nothing calls `cli`.
//
// Exit codes: 0 ok, 1 findings or failures, 2 bad input or usage (Status::ExitCode()).
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/lineage.h"
#include "data/warehouse.h"
#include "manifest/migration.h"
#include "queue/queue.h"
#include "store/store.h"
#include "watch/watch.h"

namespace skein {

struct GlobalOptions {
  std::string store;  // --store, else $SKEIN_STORE, else the embedded SQLite under .skein/
};

// Thrown from a command's callback to end the command with an exit code; caught in main.
struct CommandExit {
  int code;
};

// Prints "skein: <message>" to stderr and ends the command with the status's exit code.
[[noreturn]] void Fail(const Status& status);
// The value of `result`, or Fail(result.status()).
template <typename T>
T OrFail(Result<T> result) {
  if (!result.ok()) Fail(result.status());
  return std::move(result).value();
}
inline void OrFail(const Status& status) {
  if (!status.ok()) Fail(status);
}
// Opens the store named by --store / $SKEIN_STORE, or Fail()s.
std::unique_ptr<Store> OpenStoreOrFail(const GlobalOptions& global);
// The from-dataset's catalog entity, or Fail() at spec.from naming it (with a did-you-mean).
const Entity& RequireDataset(const Migration& m, const CatalogGraph& graph);
// The from-dataset's schema after checking the manifest against it, or Fail().
Schema CheckAgainstData(const Migration& m, const Entity& dataset);
// "-" for an empty field in a table.
inline std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }
// Pretty-prints JSON to stdout with a final newline.
void PrintJson(const nlohmann::json& json);

void AddCatalogCommands(CLI::App& app, GlobalOptions& global);         // cmd_catalog.cc
void AddLineageCommand(CLI::App& app, GlobalOptions& global);          // cmd_lineage.cc
void AddDiscoverCommand(CLI::App& app, GlobalOptions& global);         // cmd_discover.cc
void AddPlanCommands(CLI::App& app, GlobalOptions& global);            // cmd_plan.cc (plan, manifest check)
void AddRewriteCommand(CLI::App& app, GlobalOptions& global);          // cmd_rewrite.cc
void AddDataCommands(CLI::App& app, GlobalOptions& global);            // cmd_data.cc
void AddDataDiffCommand(CLI::App& data, GlobalOptions& global);        // cmd_data_diff.cc (`data diff`)
void AddMigrateConsumerCommand(CLI::App& app, GlobalOptions& global);  // cmd_migrate_consumer.cc
// serve, token (create, list, revoke)
void AddServeCommands(CLI::App& app, GlobalOptions& global);  // cmd_serve.cc
// Starts the portal for `skein run` (port 0: any free one) and prints where it is; the caller
// keeps the handle alive while it runs. Null when it could not start (said on stderr).
std::shared_ptr<void> StartPortal(const GlobalOptions& global, const std::string& bind, int port);
// run, worker, status, approve, pause, resume, cancel, rollback, retry
void AddCampaignCommands(CLI::App& app, GlobalOptions& global);  // cmd_campaign.cc
// watch
void AddWatchCommand(CLI::App& app, GlobalOptions& global);  // cmd_watch.cc
// What to watch, as `skein watch` and `skein serve` take it.
struct WatchFlags {
  std::vector<std::string> catalog;
  std::string backstage_url;
  std::string token_env = "SKEIN_BACKSTAGE_TOKEN";
  std::string manifests;
  std::string manifests_repo;
  std::string manifests_branch;
  std::string catalog_every = "5m";
  std::string discovery_every = "15m";
  std::string requests_every = "5m";
  int requests_per_pass = 60;
  std::string schemas_every = "15m";
  std::string decommission_every = "1h";
  std::vector<std::string> code;
  std::string alert_webhook_env;
  std::string tick = "10s";
  bool configured() const {
    return !catalog.empty() || !backstage_url.empty() || !manifests.empty() || !manifests_repo.empty();
  }
};
void AddWatchFlags(CLI::App* cmd, WatchFlags& flags);
// "manifests in DIR, catalog every 5m, discovery every 15m", for the start line.
std::string DescribeWatch(const WatchFlags& flags);
// The watcher's options from the flags, or Fail() naming the flag.
watch::WatchOptions WatchOptionsOrFail(const WatchFlags& flags);
// Ticks (printing each report on stderr, or a JSON line on stdout) until `stop`, or once; whether
// any tick found problems. With `once`, a tick that failed (the store away) is the error.
Result<bool> WatchUntil(watch::Watcher& watcher, std::chrono::milliseconds tick,
                        const std::atomic<bool>& stop, bool json, bool once);

// Shared by the long-running commands (cmd_campaign.cc): SIGTERM/SIGINT set g_stop.
extern std::atomic<bool> g_stop;
void InstallStopHandlers();
// A flag's duration: "500ms", or ParseDuration's "30s", "2m", ...; Fail()s naming the flag.
std::chrono::milliseconds DurationOrFail(const std::string& text, const std::string& flag);
// Opens the queue on --store / $SKEIN_STORE, or Fail()s.
std::unique_ptr<queue::Queue> OpenQueueOrFail(const GlobalOptions& global);

}  // namespace skein
