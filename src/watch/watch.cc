#include "watch/watch.h"

#include <algorithm>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "base/hash.h"
#include "base/text.h"
#include "catalog/backstage_client.h"
#include "catalog/descriptor_reader.h"
#include "data/engine.h"
#include "dataset/dataset.h"
#include "discover/scanner.h"
#include "fleet/alerts.h"
#include "fleet/campaign.h"
#include "fleet/consumer_job.h"
#include "fleet/draft.h"
#include "fleet/plan.h"
#include "fleet/targets.h"
#include "manifest/migration.h"
#include "vcs/git.h"
#include "watch/usage.h"

namespace skein::watch {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool IsManifestFile(const fs::path& path) {
  std::string ext = path.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

// A schema as the store keeps it: [[name, type], ...] in the location's order.
std::string ColumnsJson(const Schema& schema) {
  json out = json::array();
  for (const Column& c : schema.columns) out.push_back({c.name, c.type});
  return out.dump();
}

Schema SchemaFromJson(const std::string& text) {
  Schema out;
  json parsed = json::parse(text, nullptr, false);
  if (!parsed.is_array()) return out;
  for (const json& c : parsed) {
    if (c.is_array() && c.size() == 2 && c[0].is_string() && c[1].is_string())
      out.columns.push_back(Column{c[0].get<std::string>(), c[1].get<std::string>()});
  }
  return out;
}

// Today's date at the clock's time, UTC: "2026-12-03".
std::string Today(Clock::time_point now) {
  return UtcText(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count())
      .substr(0, 10);
}

// The newest campaign whose manifest moves `dataset` off, not rolled back or cancelled.
std::optional<queue::Campaign> CampaignFrom(const std::vector<queue::Campaign>& campaigns,
                                            const std::string& dataset) {
  std::optional<queue::Campaign> out;
  for (const queue::Campaign& c : campaigns) {
    if (c.state == queue::CampaignState::kRolledBack || c.state == queue::CampaignState::kRollingBack ||
        c.state == queue::CampaignState::kCancelled)
      continue;
    Result<Migration> m = ParseMigration(c.manifest, c.manifest_file);
    if (!m.ok() || !EqualsIgnoreCase(m->from, dataset)) continue;
    if (!out || c.created_ms > out->created_ms) out = c;
  }
  return out;
}

}  // namespace

Watcher::Watcher(WatchOptions options, Store& store, queue::Queue& queue, Clock& clock)
    : options_(std::move(options)),
      store_(store),
      queue_(queue),
      clock_(clock),
      forges_(std::make_unique<ForgePool>(clock)) {}

bool Watcher::Due(std::optional<Clock::time_point>& last, std::chrono::milliseconds every) {
  Clock::time_point now = clock_.Now();
  if (last && now - *last < every) return false;
  last = now;
  return true;
}

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
  RETURN_IF_ERROR(ReconcileRequests(*graph_, report));
  RETURN_IF_ERROR(CheckSchemas(*graph_, report));
  RETURN_IF_ERROR(Decommission(*graph_, report));
  RETURN_IF_ERROR(SendNotices(report));
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

fs::path Watcher::ManifestsCheckout() const {
  return options_.workdir / ".skein" / "manifests" / Sha256Hex(options_.manifests_repo).substr(0, 16);
}

Status Watcher::FetchManifests(TickReport& report) {
  if (options_.manifests_repo.empty() || !Due(manifests_at_, options_.catalog_every)) return Status::Ok();
  fs::path checkout = ManifestsCheckout();
  std::error_code ec;
  Status fetched;
  if (!fs::exists(checkout / ".git", ec)) {
    fs::remove_all(checkout, ec);  // a clone that stopped halfway
    fs::create_directories(checkout.parent_path(), ec);
    std::vector<std::string> args = {"clone", "--quiet", "--no-tags", "--single-branch"};
    if (!options_.manifests_branch.empty()) args.insert(args.end(), {"--branch", options_.manifests_branch});
    args.insert(args.end(), {"--", options_.manifests_repo, checkout.string()});
    fetched = vcs::Git(checkout.parent_path(), args).status();
  } else {
    std::string ref = options_.manifests_branch.empty() ? "HEAD" : options_.manifests_branch;
    fetched = vcs::Git(checkout, {"fetch", "--quiet", "--no-tags", "origin", ref}).status();
    if (fetched.ok()) fetched = vcs::Git(checkout, {"reset", "--quiet", "--hard", "FETCH_HEAD"}).status();
    if (fetched.ok()) fetched = vcs::Git(checkout, {"clean", "--quiet", "-fdx"}).status();
  }
  if (!fetched.ok()) {
    Problem("manifests",
            "manifests: could not fetch " + options_.manifests_repo + " (" + fetched.message() + ")" +
                (fs::exists(checkout / ".git", ec) ? "; the last fetched manifests stand" : ""),
            report);
  }
  return Status::Ok();
}

Status Watcher::ReconcileManifests(const CatalogGraph& graph, TickReport& report) {
  if (options_.manifests.empty() && options_.manifests_repo.empty()) return Status::Ok();
  RETURN_IF_ERROR(FetchManifests(report));
  fs::path folder = options_.manifests;
  if (!options_.manifests_repo.empty()) {
    // Only what is merged on the branch: the checkout is reset to it on every fetch.
    fs::path checkout = ManifestsCheckout();
    std::error_code exists_ec;
    if (!fs::exists(checkout / ".git", exists_ec)) return Status::Ok();  // not fetched yet
    folder = options_.manifests.empty() ? checkout : checkout / options_.manifests;
  }
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file() && IsManifestFile(it->path())) files.push_back(it->path());
  }
  if (ec) {
    Problem("manifests", "manifests: " + folder.string() + ": " + ec.message(), report);
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
  std::optional<CodeSearch> code;
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
    // Code search: what reads the old dataset without the catalog saying so cannot join; its
    // owners are told. The repositories are resolved once a pass, for every campaign due.
    if (!code) {
      ASSIGN_OR_RETURN(CodeSearch found, CodeRepositories(graph));
      code = std::move(found);
    }
    RETURN_IF_ERROR(ReportUndeclaredReaders(graph, c, *m, *code, report));
  }
  return Status::Ok();
}

Result<Watcher::CodeSearch> Watcher::CodeRepositories(const CatalogGraph& graph) {
  CodeSearch out;
  ASSIGN_OR_RETURN(out.repos, ResolveRepositories(options_.code_roots));
  std::set<std::string> seen;
  for (const Repository& r : out.repos) seen.insert(r.path);
  for (const Entity& e : graph.entities()) {
    if (!EqualsIgnoreCase(e.kind, "Component") || e.Annotation("skein.dev/repo").empty()) continue;
    Result<fs::path> repo = ConsumerRepo(e, options_.workdir);
    std::error_code ec;
    fs::path canonical = repo.ok() ? fs::canonical(*repo, ec) : fs::path();
    if (!repo.ok() || ec) continue;
    out.component_of.emplace(canonical.string(), &e);
    if (seen.insert(canonical.string()).second)
      out.repos.push_back(Repository{canonical.filename().string(), canonical.string()});
  }
  return out;
}

Status Watcher::ReportUndeclaredReaders(const CatalogGraph& graph, const queue::Campaign& campaign,
                                        const Migration& m, const CodeSearch& code, TickReport& report) {
  const Entity* dataset = graph.FindDataset(m.from);
  if (dataset == nullptr) return Status::Ok();
  const std::map<std::string, const Entity*>& component_of = code.component_of;
  Result<std::vector<CodeReference>> references = FindCodeReferences(code.repos, m.from);
  if (!references.ok()) {
    Problem("code search " + campaign.id,
            "campaign " + campaign.id + ": code search: " + references.status().message(), report);
    return Status::Ok();
  }
  std::set<const Entity*> declared;
  for (const Entity* consumer : graph.DirectConsumers(*dataset)) declared.insert(consumer);
  std::map<std::string, const CodeReference*> first;  // by repository
  for (const CodeReference& r : *references) first.emplace(r.repository, &r);
  for (const auto& [repository, r] : first) {
    auto component = component_of.find(repository);
    if (component != component_of.end() && declared.count(component->second) > 0)
      continue;  // a known consumer
    std::string at = r->file + ":" + std::to_string(r->line) + ":" + std::to_string(r->col);
    queue::Notice n;
    n.kind = "undeclared-consumer";
    n.subject = m.from;
    n.at_ms = NowMs();
    n.alert = true;
    n.key = "undeclared-consumer:" + campaign.id + ":" + repository;
    json detail = {{"campaign", campaign.id}, {"repository", repository}, {"at", at}};
    if (component != component_of.end()) {
      const Entity& e = *component->second;
      detail["component"] = e.Ref().Key();
      detail["owner"] = e.Owner();
      n.message = e.Ref().Key() + " reads " + m.from + " (" + repository + "/" + at +
                  ") but its catalog entry does not say so (spec.dependsOn), so campaign " + campaign.id +
                  " cannot migrate it; owner " + (e.Owner().empty() ? std::string("unknown") : e.Owner()) +
                  ".";
    } else {
      n.message = repository + " reads " + m.from + " (" + at +
                  ") but no catalog component is its repository, so campaign " + campaign.id +
                  " cannot migrate it: `skein discover --emit-catalog` writes its descriptor.";
    }
    n.detail = detail.dump();
    ASSIGN_OR_RETURN(bool added, queue_.AddNotice(n));
    if (added) report.notices.push_back(n);
  }
  return Status::Ok();
}

Status Watcher::ReconcileRequests(const CatalogGraph& graph, TickReport& report) {
  if (!Due(requests_at_, options_.requests_every)) return Status::Ok();
  // Every request not settled yet, least recently read first; a pass reads at most
  // requests_per_pass of them, so a fleet's requests are read in turn within the forges' limits.
  struct Candidate {
    const queue::Campaign* campaign;
    std::shared_ptr<const Migration> migration;
    queue::Job job;
    std::string url, branch;
    int64_t synced_ms = 0;
  };
  std::vector<Candidate> candidates;
  ASSIGN_OR_RETURN(std::vector<queue::Campaign> campaigns, queue_.ListCampaigns());
  for (const queue::Campaign& c : campaigns) {
    if (c.state == queue::CampaignState::kRollingBack || c.state == queue::CampaignState::kRolledBack ||
        c.state == queue::CampaignState::kCancelled)
      continue;
    ASSIGN_OR_RETURN(std::vector<queue::Job> jobs,
                     queue_.ListJobs(c.id, queue::JobFilter{queue::JobState::kDone, "consumer", -1, 0}));
    if (jobs.empty()) continue;
    Result<Migration> m = ParseMigration(c.manifest, c.manifest_file);
    if (!m.ok()) {
      Problem("campaign " + c.id,
              "campaign " + c.id + ": its manifest no longer reads: " + m.status().message(), report);
      continue;
    }
    auto migration = std::make_shared<const Migration>(std::move(m).value());
    ASSIGN_OR_RETURN(std::vector<queue::ChangeRequestRecord> records, queue_.ListChangeRequests(c.id));
    std::map<std::string, queue::ChangeRequestRecord> known;
    for (queue::ChangeRequestRecord& r : records) known[r.consumer] = std::move(r);
    for (queue::Job& job : jobs) {
      json result = json::parse(job.result, nullptr, false);
      if (!result.is_object()) continue;
      std::string url = result.value("request", "");
      std::string branch = result.value("branch", "");
      if (url.empty() || branch.empty()) continue;  // a dry run, or nothing to change
      int64_t synced = 0;
      auto was = known.find(job.target);
      if (was != known.end()) {
        const queue::ChangeRequestRecord& r = was->second;
        // Settled: a person said no, the branch is gone, or it merged and its checks ended.
        if (r.state == "declined" || r.state == "closed") continue;
        if (r.state == "merged" && (r.checks == "success" || r.checks_failed_ms != 0)) continue;
        synced = r.synced_ms;
      }
      candidates.push_back(Candidate{&c, migration, std::move(job), url, branch, synced});
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.synced_ms < b.synced_ms; });
  if (candidates.size() > static_cast<size_t>(std::max(0, options_.requests_per_pass)))
    candidates.resize(static_cast<size_t>(std::max(0, options_.requests_per_pass)));
  for (const Candidate& k : candidates) {
    const queue::Campaign& c = *k.campaign;
    std::string where = "request " + k.url;
    Result<EntityRef> ref = EntityRef::Parse(k.job.target, "component");
    const Entity* consumer = ref.ok() ? graph.FindEntity(*ref) : nullptr;
    if (consumer == nullptr) continue;  // gone from the catalog: nothing to read it with
    Result<fs::path> repo = ConsumerRepo(*consumer, c.workdir);
    if (!repo.ok()) {
      Problem(where, "campaign " + c.id + ": " + repo.status().message(), report);
      continue;
    }
    std::string remote = RemoteOf(*consumer, *repo);
    std::unique_ptr<vcs::Forge> owned;
    Result<vcs::Forge*> forge = forges_->For(*k.migration, *consumer, *repo, remote, owned);
    if (!forge.ok()) {
      Problem(where, "campaign " + c.id + ": " + forge.status().message(), report);
      continue;
    }
    Result<vcs::ChangeRequest> seen = (*forge)->Sync(ProjectOf(*consumer, (*forge)->kind()), k.branch);
    if (!seen.ok()) {
      if (seen.status().code() == StatusCode::kUnavailable) {
        // The forge is away or out of requests: the rest wait for the next pass.
        Problem("requests", "change requests: " + seen.status().message() + "; the next pass reads them",
                report);
        break;
      }
      Problem(where, "campaign " + c.id + ": " + seen.status().message(), report);
      continue;
    }
    queue::ChangeRequestSeen s;
    s.campaign = c.id;
    s.consumer = k.job.target;
    s.job = k.job.id;
    s.forge = seen->forge;
    s.url = k.url;
    s.branch = k.branch;
    s.state = seen->state;
    s.checks = seen->checks;
    s.closed_by = seen->state == "merged" ? seen->merged_by : seen->closed_by;
    s.closed_ms = seen->state == "merged" ? seen->merged_at_ms : seen->closed_at_ms;
    s.conflicting = seen->conflicting;
    ASSIGN_OR_RETURN(std::string recorded, queue_.RecordChangeRequest(s, NowMs()));
    if (!recorded.empty()) report.requests.push_back(RequestOutcome{c.id, k.job.target, recorded, k.url});
  }
  return Status::Ok();
}

Status Watcher::CheckSchemas(const CatalogGraph& graph, TickReport& report) {
  if (!Due(schemas_at_, options_.schemas_every)) return Status::Ok();
  for (const Entity& dataset : graph.entities()) {
    std::string id = dataset.DatasetId();
    std::string location_text = dataset.Annotation("skein.dev/location");
    if (id.empty() || location_text.empty()) continue;
    std::string where = "dataset " + id;
    Result<DatasetLocation> location = DatasetLocation::Parse(location_text);
    if (!location.ok()) {
      Problem(where, where + ": " + location.status().message(), report);
      continue;
    }
    if (!warehouse_) {
      ASSIGN_OR_RETURN(warehouse_, OpenDuckDbWarehouse());
    }
    Result<Schema> now_schema = warehouse_->ReadSchema(*location);
    if (!now_schema.ok()) {
      // Not there yet (a v2 before its first publish) is no drift and no problem.
      if (now_schema.status().code() != StatusCode::kNotFound)
        Problem(where, where + ": its schema could not be read: " + now_schema.status().message(), report);
      continue;
    }
    std::string columns = ColumnsJson(*now_schema);
    ASSIGN_OR_RETURN(auto last, queue_.FindDatasetSchema(id));
    if (last && last->second == columns) continue;
    std::optional<queue::Notice> notice;
    if (last) {
      Schema before = SchemaFromJson(last->second);
      SchemaDrift drift = DiffSchemas(before, *now_schema);
      json consumers = json::array();
      std::vector<std::string> named;
      std::set<std::string> owners;
      if (drift.breaking()) {
        for (const Entity* consumer : graph.DirectConsumers(dataset)) {
          json entry = {{"consumer", consumer->Ref().Key()}, {"owner", consumer->Owner()}};
          Result<fs::path> repo = ConsumerRepo(*consumer, options_.workdir);
          std::vector<ColumnUse> uses;
          if (repo.ok()) {
            Result<std::vector<ColumnUse>> found = FindColumnUses(*repo, id, before, drift);
            if (!found.ok()) {
              entry["unchecked"] = found.status().message();
            } else {
              uses = std::move(found).value();
            }
          } else {
            entry["unchecked"] = repo.status().message();
          }
          if (uses.empty() && !entry.contains("unchecked")) continue;  // reads only other columns
          json places = json::array();
          std::string first;
          for (const ColumnUse& use : uses) {
            std::string at = use.file + ":" + std::to_string(use.line) + ":" + std::to_string(use.col);
            places.push_back({{"at", at}, {"column", use.column}, {"reason", use.reason}});
            if (first.empty()) first = at + " (" + use.column + ")";
          }
          entry["uses"] = places;
          consumers.push_back(entry);
          if (!consumer->Owner().empty()) owners.insert(consumer->Owner());
          named.push_back(consumer->Ref().Key() +
                          (entry.contains("unchecked") ? " (its code could not be read)" : " at " + first));
        }
      }
      queue::Notice n;
      n.kind = "drift";
      n.subject = id;
      n.at_ms = NowMs();
      n.key = "drift:" + id + ":" + Sha256Hex(last->second + "\n" + columns);
      n.alert = !named.empty();
      n.message = id + " changed at " + location->ToString() + ": " + drift.Describe() + ". ";
      n.message +=
          named.empty()
              ? std::string("No consumer uses what changed.")
              : std::to_string(named.size()) + " consumer(s) use what changed: " + Join(named, "; ") +
                    ". Owners: " + Join(std::vector<std::string>(owners.begin(), owners.end()), ", ") + ".";
      n.detail = json({{"location", location->ToString()},
                       {"before", json::parse(last->second)},
                       {"after", json::parse(columns)},
                       {"consumers", consumers},
                       {"owners", owners}})
                     .dump();
      notice = n;
    }
    ASSIGN_OR_RETURN(bool added, queue_.PutDatasetSchema(id, location->ToString(), columns, notice, NowMs()));
    if (added && notice) report.notices.push_back(*notice);
  }
  return Status::Ok();
}

Status Watcher::Decommission(const CatalogGraph& graph, TickReport& report) {
  if (!Due(decommission_at_, options_.decommission_every)) return Status::Ok();
  std::string today = Today(clock_.Now());
  std::vector<const Entity*> due;
  for (const Entity& e : graph.entities()) {
    std::string date = e.DecommissionDate();
    if (!e.DatasetId().empty() && !date.empty() && date <= today) due.push_back(&e);
  }
  if (due.empty()) return Status::Ok();
  ASSIGN_OR_RETURN(CodeSearch code, CodeRepositories(graph));
  ASSIGN_OR_RETURN(std::vector<queue::Campaign> campaigns, queue_.ListCampaigns());
  for (const Entity* dataset : due) {
    std::string id = dataset->DatasetId();
    ASSIGN_OR_RETURN(std::optional<queue::Notice> retired, queue_.FindNotice("retired:" + id));
    if (retired) continue;
    std::vector<std::string> remaining;  // sorted, one line each
    std::set<std::string> owners;
    json detail_remaining = json::array();
    for (const Entity* consumer : graph.DirectConsumers(*dataset)) {
      remaining.push_back(consumer->Ref().Key() + " (catalog: dependsOn)");
      if (!consumer->Owner().empty()) owners.insert(consumer->Owner());
      detail_remaining.push_back(
          {{"consumer", consumer->Ref().Key()}, {"owner", consumer->Owner()}, {"source", "catalog"}});
    }
    ASSIGN_OR_RETURN(std::vector<CodeReference> references, FindCodeReferences(code.repos, id));
    std::map<std::string, const CodeReference*> by_repository;  // the first reference of each
    for (const CodeReference& r : references) by_repository.emplace(r.repository, &r);
    for (const auto& [repository, r] : by_repository) {
      std::string at = r->file + ":" + std::to_string(r->line) + ":" + std::to_string(r->col);
      remaining.push_back(repository + " (code: " + at + ")");
      detail_remaining.push_back({{"repository", repository}, {"at", at}, {"source", "code search"}});
      auto component = code.component_of.find(repository);
      if (component != code.component_of.end() && !component->second->Owner().empty())
        owners.insert(component->second->Owner());
    }
    std::sort(remaining.begin(), remaining.end());
    if (!remaining.empty()) {
      queue::Notice n;
      n.kind = "decommission-waiting";
      n.subject = id;
      n.at_ms = NowMs();
      n.alert = true;
      n.key = "decommission-waiting:" + id + ":" + dataset->DecommissionDate() + ":" +
              Sha256Hex(Join(remaining, "\n"));
      n.message =
          id + ": its decommission date " + dataset->DecommissionDate() + " has come, but " +
          std::to_string(remaining.size()) + " consumer(s) still read it: " + Join(remaining, "; ") +
          ". Nothing is dropped." +
          (owners.empty()
               ? std::string()
               : " Owners: " + Join(std::vector<std::string>(owners.begin(), owners.end()), ", ") + ".");
      n.detail = json({{"decommission_date", dataset->DecommissionDate()},
                       {"remaining", detail_remaining},
                       {"owners", owners}})
                     .dump();
      ASSIGN_OR_RETURN(bool added, queue_.AddNotice(n));
      if (added) report.notices.push_back(n);
      continue;
    }
    // None remains: the compatibility view goes, v1 is marked retired.
    std::string what = "No consumer remains (the catalog and code search agree).";
    json detail = {{"decommission_date", dataset->DecommissionDate()}};
    std::optional<queue::Campaign> campaign = CampaignFrom(campaigns, id);
    if (campaign) {
      Result<Migration> m = ParseMigration(campaign->manifest, campaign->manifest_file);
      if (!m.ok()) {
        Problem("decommission " + id, "decommission " + id + ": " + m.status().message(), report);
        continue;
      }
      ASSIGN_OR_RETURN(std::string data_state, dataset::RunState(*m, store_));
      detail["campaign"] = campaign->id;
      if (data_state == "none") {
        what += " Its data was never written by skein (campaign " + campaign->id +
                "), so there is no compatibility view to drop.";
      } else if (data_state != "published" && data_state != "retired") {
        Problem("decommission " + id,
                "decommission " + id + ": campaign " + campaign->id + "'s data is " + data_state +
                    ", not published; the decommission waits for it",
                report);
        continue;
      } else {
        Result<dataset::Locations> locations = ResolveLocations(*m, graph);
        if (!locations.ok()) {
          Problem("decommission " + id, "decommission " + id + ": " + locations.status().message(), report);
          continue;
        }
        ASSIGN_OR_RETURN(std::unique_ptr<SqlEngine> engine, OpenEngineFor(locations->v1));
        Result<dataset::RetireReport> retired_now =
            dataset::Retire(*m, *locations, *engine, store_, "skein watch", NowMs());
        if (!retired_now.ok()) {
          Problem("decommission " + id, "decommission " + id + ": " + retired_now.status().message(), report);
          continue;
        }
        what += " " + retired_now->message;
        detail["dropped_view"] = retired_now->dropped_view;
        detail["kept_table"] = retired_now->kept_table;
      }
    } else {
      what += " No campaign moved it, so there is no compatibility view to drop.";
    }
    queue::Notice n;
    n.kind = "retired";
    n.subject = id;
    n.at_ms = NowMs();
    n.alert = true;
    n.key = "retired:" + id;
    n.message = id + " is retired (decommission date " + dataset->DecommissionDate() + "). " + what;
    n.detail = detail.dump();
    ASSIGN_OR_RETURN(bool added, queue_.AddNotice(n));
    if (added) {
      report.notices.push_back(n);
      report.retired.push_back(id);
    }
  }
  return Status::Ok();
}

Status Watcher::SendCampaignAlerts(TickReport& report) {
  ASSIGN_OR_RETURN(std::vector<queue::Event> events, queue_.EventsAfter(alert_cursor_, 200));
  std::map<std::string, std::string> webhooks;  // by campaign
  for (const queue::Event& e : events) {
    if (IsAlertKind(e.kind)) {
      if (!webhooks.count(e.campaign)) {
        ASSIGN_OR_RETURN(std::optional<queue::Campaign> c, queue_.FindCampaign(e.campaign));
        webhooks[e.campaign] = c ? AlertWebhook(c->policy_json) : "";
      }
      const std::string& url = webhooks[e.campaign];
      bool mine = false;
      if (!url.empty()) {
        ASSIGN_OR_RETURN(mine, queue_.ClaimAlert(e.id, NowMs()));  // once across every sender
      }
      if (mine) {
        Status sent = SendAlert(url, e);
        if (!sent.ok()) {
          RETURN_IF_ERROR(queue_.UnclaimAlert(e.id));
          Problem("alerts " + e.campaign, "campaign " + e.campaign + ": alert not sent: " + sent.message(),
                  report);
          return Status::Ok();  // this event again on the next tick
        }
        ++report.alerts_sent;
      }
    }
    alert_cursor_ = e.id;
  }
  return Status::Ok();
}

Status Watcher::SendNotices(TickReport& report) {
  if (!options_.send_alerts) return Status::Ok();
  RETURN_IF_ERROR(SendCampaignAlerts(report));
  if (options_.alert_webhook.empty()) return Status::Ok();
  ASSIGN_OR_RETURN(std::vector<queue::Notice> unsent, queue_.UnsentNotices(50));
  for (const queue::Notice& n : unsent) {
    ASSIGN_OR_RETURN(bool mine, queue_.ClaimNotice(n.id, NowMs()));
    if (!mine) continue;  // another watcher sends it
    Status sent = SendNotice(options_.alert_webhook, n);
    if (!sent.ok()) {
      RETURN_IF_ERROR(queue_.UnclaimNotice(n.id));
      Problem("alerts", "alerts: " + sent.message() + "; will try again", report);
      break;
    }
    ++report.alerts_sent;
  }
  return Status::Ok();
}

}  // namespace skein::watch
