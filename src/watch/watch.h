// watch/: background mode — what `skein watch` reconciles, one tick at a time, so a data team
// does not have to remember to run anything.
//
// Each Tick() does what is due at the clock's time:
//   catalog     re-imports the catalog from its files or Backstage backend (every catalog_every);
//               a source that fails to read or validate imports nothing and is reported
//   manifests   reads every migration manifest in the folder (each tick): a manifest whose
//               from-dataset the catalog marks deprecated (skein.dev/lifecycle: deprecated, or
//               skein.dev/deprecated-by naming the manifest's spec.to) gets its campaign planned,
//               and started when the manifest says `start: auto`; a planned one that says so is
//               started. A manifest that does not read, or a replacement that disagrees with the
//               catalog, is reported at its file:line:col and skipped; the others go on.
//   discovery   for each campaign not ended (every discovery_every per campaign): the consumers
//               the catalog now gives its from-dataset that the campaign lacks join it
//               (queue::Queue::AddJobs), each reported as new.
//
// Contracts: every step is idempotent — a restarted watcher, or two sharing a store, plan each
// campaign once, start it once and add each consumer once (the queue's unique keys and state
// checks decide, in transactions). The catalog and the manifests are only read.
//
// Calls: catalog, manifest, fleet (DraftCampaign, CampaignJobs), queue, store, base.
// Called by: cli (skein watch). Thread-safety: a Watcher is used by one thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "catalog/lineage.h"
#include "queue/queue.h"
#include "store/store.h"

namespace skein::watch {

struct WatchOptions {
  // Where the catalog is re-imported from: descriptor files or folders, or a Backstage backend's
  // base URL (then `backstage_token`). Neither: the store's catalog as it is.
  std::vector<std::filesystem::path> catalog_paths;
  std::string backstage_url;
  std::string backstage_token;
  std::filesystem::path manifests;  // a folder of manifests (*.yaml, *.yml); empty: none
  std::filesystem::path workdir;    // where campaigns run: consumers' relative repos resolve here
  std::chrono::milliseconds catalog_every = std::chrono::minutes(5);
  std::chrono::milliseconds discovery_every = std::chrono::minutes(15);
};

struct Joined {
  std::string campaign;
  std::string consumer;  // ref key
};

struct TickReport {
  std::optional<ImportSummary> catalog;  // when it was re-imported this tick
  std::vector<std::string> planned;      // campaign ids
  std::vector<std::string> started;
  std::vector<Joined> joined;
  // Problems found this tick, each naming its place (file:line:col, dataset, campaign); a problem
  // repeated from the previous tick is left out.
  std::vector<std::string> problems;
};

class Watcher {
 public:
  Watcher(WatchOptions options, Store& store, queue::Queue& queue, Clock& clock);
  Result<TickReport> Tick();

 private:
  Status ImportCatalog(TickReport& report);
  Status ReconcileManifests(const CatalogGraph& graph, TickReport& report);
  Status DiscoverConsumers(const CatalogGraph& graph, TickReport& report);
  void Problem(const std::string& where, const std::string& message, TickReport& report);
  int64_t NowMs();

  WatchOptions options_;
  Store& store_;
  queue::Queue& queue_;
  Clock& clock_;
  std::optional<Clock::time_point> catalog_at_;  // the last re-import
  std::unique_ptr<CatalogGraph> graph_;          // the store's catalog, as last read
  Clock::time_point graph_at_;
  std::map<std::string, Clock::time_point> discovered_at_;  // by campaign
  std::map<std::string, std::string> problems_;             // by place: the last one reported
  std::map<std::string, std::string> seen_problems_;        // this tick's
};

}  // namespace skein::watch
