// watch/: background mode — what `skein watch` reconciles, one tick at a time, so a data team
// does not have to remember to run anything.
//
// Each Tick() does what is due at the clock's time:
//   catalog     re-imports the catalog from its files or Backstage backend (every catalog_every);
//               a source that fails to read or validate imports nothing and is reported
//   manifests   reads every migration manifest in the folder, or merged in the git repository
//               (fetched every catalog_every), each tick: a manifest whose
//               from-dataset the catalog marks deprecated (skein.dev/lifecycle: deprecated, or
//               skein.dev/deprecated-by naming the manifest's spec.to) gets its campaign planned,
//               and started when the manifest says `start: auto`; a planned one that says so is
//               started. A manifest that does not read, or a replacement that disagrees with the
//               catalog, is reported at its file:line:col and skipped; the others go on.
//   discovery   for each campaign not ended (every discovery_every per campaign): the consumers
//               the catalog now gives its from-dataset that the campaign lacks join it
//               (queue::Queue::AddJobs), each reported as new. Code search (every catalog
//               component's repository, plus `code_roots`) finds what reads the from-dataset
//               without the catalog saying so: each such repository is an alerted notice
//               ("undeclared-consumer", once per campaign and repository), since a campaign can
//               migrate only what the catalog names (its repository, owner and forge).
//   requests    (every requests_every) the change requests campaigns' done consumer jobs opened
//               are read from their forge (vcs::Forge::Sync), at most requests_per_pass a pass,
//               least recently read first, and recorded (Queue::RecordChangeRequest):
//               merged; closed by a person -> declined, with who and when, the job failed and the
//               request never reopened; conflicting with its base -> the job made again on the new
//               base and verified again; checks failing after the merge -> reported; a plain git
//               remote's deleted branch -> closed (merged or abandoned: it cannot say which).
//               Campaigns being rolled back, rolled back or cancelled are left alone.
//   schemas     (every schemas_every) each dataset's location is read (its schema, through DuckDB
//               or libpq) and compared with the last reading kept in the store. A change is a
//               drift: the catalog's direct consumers whose code uses a removed or retyped column
//               (watch/usage.h: column-level, through the rewriter's scope resolution) are named
//               in an alerted notice to their owners; a drift that breaks nobody is a quiet notice.
//               The first reading of a dataset is its baseline.
//   decommission (every decommission_every) a dataset whose skein.dev/decommission-date has come:
//               when no consumer remains — none in the catalog, and code search finds its id in no
//               repository (every catalog component's skein.dev/repo, plus `code_roots`) — its
//               campaign's compatibility view is dropped (dataset::Retire; v1's own table is kept)
//               and it is marked retired; otherwise the owners of what remains are alerted and
//               nothing is dropped.
//   alerts      campaigns' alert events (breaker, dead, declined, completed, ...) are POSTed to
//               each campaign's webhook (rollout.alerts), and notices marked for alerting to
//               `alert_webhook` — each once across every watcher, `skein run` and `skein serve`
//               sharing the store (claimed before sending, given back when it fails): at most once,
//               so a process killed between the claim and the POST loses that one alert.
//
// Contracts: every step is idempotent — a restarted watcher, or two sharing a store, plan each
// campaign once, start it once, add each consumer once, record each request's outcome once and
// each notice once (the queue's unique keys and state checks decide, in transactions). The
// catalog and the manifests are only read; a dataset's data is only read, except the compatibility
// view a decommission drops.
//
// Calls: catalog, manifest, fleet (DraftCampaign, CampaignJobs, ForgePool, alerts), dataset
// (Retire), data (Warehouse), discover (code search), rewrite (via watch/usage.h), queue, store,
// vcs, base.
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
#include "data/warehouse.h"
#include "discover/scanner.h"
#include "fleet/campaign.h"
#include "manifest/migration.h"
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
  // Or a git repository of manifests (a URL or a path git can clone): what is merged on
  // `manifests_branch` (default: the repository's default branch) is read, from the folder
  // `manifests` inside it (empty: its root). Fetched on the catalog's schedule into
  // workdir/.skein/manifests/; a fetch that fails is reported and the last fetched stand.
  std::string manifests_repo;
  std::string manifests_branch;
  std::filesystem::path workdir;  // where campaigns run: consumers' relative repos resolve here
  std::chrono::milliseconds catalog_every = std::chrono::minutes(5);
  std::chrono::milliseconds discovery_every = std::chrono::minutes(15);
  std::chrono::milliseconds requests_every = std::chrono::minutes(5);
  // Change requests read per pass at most, least recently read first: GitHub allows 5,000 API
  // calls an hour and a read takes 3 or 4, so 60 every 5 minutes stays well inside it.
  int requests_per_pass = 60;
  std::chrono::milliseconds schemas_every = std::chrono::minutes(15);
  std::chrono::milliseconds decommission_every = std::chrono::hours(1);
  // More folders of repositories for code search at decommission (discover's rules: a folder
  // holding .git is one repository, else each subfolder is one).
  std::vector<std::filesystem::path> code_roots;
  std::string alert_webhook;  // where alerted notices go; "" = recorded only
  bool send_alerts = true;    // false: neither campaigns' alerts nor notices are sent from here
};

struct Joined {
  std::string campaign;
  std::string consumer;  // ref key
};

// What a change request's sync recorded (Queue::RecordChangeRequest's event kind).
struct RequestOutcome {
  std::string campaign;
  std::string consumer;
  std::string kind;  // merged, declined, rebasing, checks-failing
  std::string url;
};

struct TickReport {
  std::optional<ImportSummary> catalog;  // when it was re-imported this tick
  std::vector<std::string> planned;      // campaign ids
  std::vector<std::string> started;
  std::vector<Joined> joined;
  std::vector<RequestOutcome> requests;
  std::vector<queue::Notice> notices;  // recorded this tick (drift, decommission-waiting, retired)
  std::vector<std::string> retired;    // dataset ids
  int alerts_sent = 0;                 // campaign alerts and notices POSTed this tick
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
  Status ReconcileRequests(const CatalogGraph& graph, TickReport& report);
  Status CheckSchemas(const CatalogGraph& graph, TickReport& report);
  Status Decommission(const CatalogGraph& graph, TickReport& report);
  Status SendNotices(TickReport& report);
  Status SendCampaignAlerts(TickReport& report);
  Status FetchManifests(TickReport& report);
  std::filesystem::path ManifestsCheckout() const;
  // Code search's repositories: the folders of `code_roots`, and every catalog component's
  // repository (`component_of`: canonical path -> the component).
  struct CodeSearch {
    std::vector<Repository> repos;
    std::map<std::string, const Entity*> component_of;
  };
  Result<CodeSearch> CodeRepositories(const CatalogGraph& graph);
  Status ReportUndeclaredReaders(const CatalogGraph& graph, const queue::Campaign& campaign,
                                 const Migration& m, const CodeSearch& code, TickReport& report);
  // Whether a step that runs every `every` is due; marks it run when it is.
  bool Due(std::optional<Clock::time_point>& last, std::chrono::milliseconds every);
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
  std::optional<Clock::time_point> requests_at_, schemas_at_, decommission_at_, manifests_at_;
  std::unique_ptr<ForgePool> forges_;
  std::unique_ptr<Warehouse> warehouse_;
  int64_t alert_cursor_ = 0;                          // the last campaign event looked at
  std::map<std::string, std::string> problems_;       // by place: the last one reported
  std::map<std::string, std::string> seen_problems_;  // this tick's
};

}  // namespace skein::watch
