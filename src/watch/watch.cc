#include "watch/watch.h"

#include <algorithm>

#include "base/text.h"
#include "catalog/backstage_client.h"
#include "catalog/descriptor_reader.h"
#include "fleet/campaign.h"
#include "fleet/draft.h"
#include "fleet/plan.h"
#include "manifest/migration.h"

namespace skein::watch {
namespace {

namespace fs = std::filesystem;

bool IsManifestFile(const fs::path& path) {
  std::string ext = path.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

}  // namespace

Watcher::Watcher(WatchOptions options, Store& store, queue::Queue& queue, Clock& clock)
    : options_(std::move(options)), store_(store), queue_(queue), clock_(clock) {}

int64_t Watcher::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now().time_since_epoch()).count();
}

void Watcher::Problem(const std::string& where, const std::string& message, TickReport& report) {
  seen_problems_[where] = message;
  auto it = problems_.find(where);
  if (it != problems_.end() && it->second == message) return;  // said already; still true
  report.problems.push_back(message);
}

Result<TickReport> Watcher::Tick() {
  TickReport report;
  seen_problems_.clear();
  RETURN_IF_ERROR(ImportCatalog(report));
  // The catalog is read from the store again after an import here, and on the catalog's schedule
  // (another process may import it); not on every tick.
  Clock::time_point now = clock_.Now();
  if (!graph_ || report.catalog || now - graph_at_ >= options_.catalog_every) {
    ASSIGN_OR_RETURN(std::vector<Entity> entities, store_.ListEntities());
    graph_ = std::make_unique<CatalogGraph>(std::move(entities));
    graph_at_ = now;
  }
  RETURN_IF_ERROR(ReconcileManifests(*graph_, report));
  RETURN_IF_ERROR(DiscoverConsumers(*graph_, report));
  problems_ = std::move(seen_problems_);  // a problem that went away may be reported again later
  seen_problems_.clear();
  return report;
}

Status Watcher::ImportCatalog(TickReport& report) {
  if (options_.catalog_paths.empty() && options_.backstage_url.empty()) return Status::Ok();
  Clock::time_point now = clock_.Now();
  if (catalog_at_ && now - *catalog_at_ < options_.catalog_every) {
    // Not due: keep the problems of the last import standing, unrepeated.
    for (const auto& [where, message] : problems_) {
      if (where.starts_with("catalog")) seen_problems_[where] = message;
    }
    return Status::Ok();
  }
  catalog_at_ = now;
  std::vector<ImportBatch> batches;
  if (!options_.backstage_url.empty()) {
    BackstageQuery query;
    query.base_url = options_.backstage_url;
    query.token = options_.backstage_token;
    Result<std::vector<Entity>> entities = FetchBackstageEntities(query);
    if (!entities.ok()) {
      Problem("catalog",
              "catalog: could not re-import from " + options_.backstage_url + " (" +
                  entities.status().message() + "); the last import stands",
              report);
      return Status::Ok();
    }
    while (!query.base_url.empty() && query.base_url.back() == '/') query.base_url.pop_back();
    batches.push_back(ImportBatch{query.base_url, std::move(entities).value()});
  } else {
    CatalogRead read = ReadCatalogPaths(options_.catalog_paths);
    if (!read.ok()) {
      Problem("catalog",
              "catalog: " + std::to_string(read.errors.size()) +
                  " problem(s) in the catalog files; the last import stands:\n" + read.status(20).message(),
              report);
      return Status::Ok();
    }
    for (DescriptorSet& set : read.sets) batches.push_back(ImportBatch{set.root, std::move(set.entities)});
  }
  Result<ImportSummary> summary = store_.ImportEntities(batches);
  if (!summary.ok()) {
    if (summary.status().code() != StatusCode::kConflict &&
        summary.status().code() != StatusCode::kInvalidInput)
      return summary.status();  // the store is away: the caller retries the tick
    Problem("catalog", "catalog: " + summary.status().message() + "; the last import stands", report);
    return Status::Ok();
  }
  report.catalog = *summary;
  return Status::Ok();
}

Status Watcher::ReconcileManifests(const CatalogGraph& graph, TickReport& report) {
  if (options_.manifests.empty()) return Status::Ok();
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(options_.manifests, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file() && IsManifestFile(it->path())) files.push_back(it->path());
  }
  if (ec) {
    Problem("manifests", "manifests: " + options_.manifests.string() + ": " + ec.message(), report);
    return Status::Ok();
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::string where = file.string();
    Result<std::string> text = ReadFile(file);
    if (!text.ok()) {
      Problem(where, text.status().message(), report);
      continue;
    }
    Result<Migration> parsed = ParseMigration(*text, where);
    if (!parsed.ok()) {
      Problem(where, parsed.status().message(), report);
      continue;
    }
    const Migration& m = *parsed;
    const Entity* dataset = graph.FindDataset(m.from);
    if (dataset == nullptr || !dataset->Deprecated()) continue;  // nothing to do until it is deprecated
    std::string replacement = dataset->DeprecatedBy();
    if (!replacement.empty() && !EqualsIgnoreCase(replacement, m.to)) {
      Problem(where,
              m.ErrorAt("/spec/to", "the catalog says " + m.from + " is deprecated by " + replacement +
                                        " (skein.dev/deprecated-by), not " + m.to + "; not planned")
                  .message(),
              report);
      continue;
    }
    ASSIGN_OR_RETURN(std::optional<queue::Campaign> campaign, queue_.FindCampaign(m.name));
    if (!campaign) {
      Result<CampaignDraft> draft = DraftCampaign(m, *text, graph, options_.workdir);
      if (!draft.ok()) {
        Problem(where, draft.status().message(), report);
        continue;
      }
      ASSIGN_OR_RETURN(auto created, queue_.CreateCampaign(draft->spec, draft->jobs, NowMs()));
      if (created.second) report.planned.push_back(m.name);
      campaign = created.first;
    }
    if (campaign->state == queue::CampaignState::kPlanned && m.start_auto) {
      ASSIGN_OR_RETURN(queue::Advanced started, queue_.Start(m.name, NowMs()));
      if (started.before == queue::CampaignState::kPlanned) report.started.push_back(m.name);
    }
  }
  return Status::Ok();
}

Status Watcher::DiscoverConsumers(const CatalogGraph& graph, TickReport& report) {
  ASSIGN_OR_RETURN(std::vector<queue::Campaign> campaigns, queue_.ListCampaigns());
  Clock::time_point now = clock_.Now();
  for (const queue::Campaign& c : campaigns) {
    if (queue::IsEnded(c.state) || c.state == queue::CampaignState::kRollingBack) continue;
    auto last = discovered_at_.find(c.id);
    if (last != discovered_at_.end() && now - last->second < options_.discovery_every) continue;
    discovered_at_[c.id] = now;
    Result<Migration> m = ParseMigration(c.manifest, c.manifest_file);
    if (!m.ok()) {
      Problem("campaign " + c.id,
              "campaign " + c.id + ": its manifest no longer reads: " + m.status().message(), report);
      continue;
    }
    Result<RolloutPlan> plan = PlanRollout(*m, graph, nullptr);
    if (!plan.ok()) {
      Problem("campaign " + c.id, "campaign " + c.id + ": " + plan.status().message(), report);
      continue;
    }
    std::vector<queue::NewJob> consumers;
    for (queue::NewJob& job : CampaignJobs(*m, *plan, graph, {})) {
      if (job.kind == "consumer") consumers.push_back(std::move(job));
    }
    Result<std::vector<std::string>> added = queue_.AddJobs(c.id, consumers, NowMs());
    if (!added.ok()) {
      if (added.status().code() == StatusCode::kConflict) continue;  // it ended meanwhile
      return added.status();
    }
    for (const std::string& consumer : *added) report.joined.push_back(Joined{c.id, consumer});
  }
  return Status::Ok();
}

}  // namespace skein::watch
