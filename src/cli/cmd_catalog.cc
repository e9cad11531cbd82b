// `skein catalog import|ls|show`: reads Backstage descriptors (files, folders, Locations, or a
// running Backstage backend) into the store, and shows what the store's catalog holds.
//
// Import is all or nothing: every input is read and validated first; one problem anywhere and
// nothing is imported (exit 2, every problem listed as file:line:col). Then one
// Store::ImportEntities call with one batch per path argument (or the URL).
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>

#include "base/text.h"
#include "catalog/backstage_client.h"
#include "catalog/descriptor_reader.h"
#include "catalog/lineage.h"
#include "catalog/validate.h"
#include "cli/cli.h"

namespace skein {
namespace {

using nlohmann::json;

constexpr size_t kMaxErrorsShown = 50;

// Prints rows under a header, each column as wide as its widest cell.
void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t i = 0; i < header.size(); ++i) widths[i] = header[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  auto print = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) line += std::string(widths[i] - cells[i].size() + 2, ' ');
    }
    std::cout << std::string(Trim(line)) << "\n";
  };
  print(header);
  for (const auto& row : rows) print(row);
}

// Prints each problem on its own line (no prefix, so editors can jump to file:line:col), then
// ends the command with the status's exit code.
[[noreturn]] void FailWithProblems(const Status& status, const std::string& what) {
  std::vector<std::string> lines = Split(status.message(), '\n');
  for (const std::string& line : lines) std::cerr << line << "\n";
  std::cerr << "skein: " << what << "\n";
  throw CommandExit{status.ExitCode()};
}

// ----- import -----

struct ImportOptions {
  std::vector<std::string> paths;
  std::string backstage_url;
  std::vector<std::string> filters;
  std::string token_env = "SKEIN_BACKSTAGE_TOKEN";
  int page_size = 200;
  bool json = false;
};

std::vector<ImportBatch> ReadPathBatches(const ImportOptions& options) {
  std::vector<std::filesystem::path> paths(options.paths.begin(), options.paths.end());
  CatalogRead read = ReadCatalogPaths(paths);
  for (const std::string& warning : read.warnings) std::cerr << "skein: warning: " << warning << "\n";
  if (!read.ok()) {
    FailWithProblems(
        read.status(kMaxErrorsShown),
        std::to_string(read.errors.size()) + " problem(s) in the catalog files; nothing was imported");
  }
  std::vector<ImportBatch> batches;
  for (DescriptorSet& set : read.sets) batches.push_back({set.root, std::move(set.entities)});
  return batches;
}

std::vector<ImportBatch> ReadBackstageBatch(const ImportOptions& options) {
  BackstageQuery query;
  query.base_url = options.backstage_url;
  query.filters = options.filters;
  query.page_size = options.page_size;
  if (const char* token = std::getenv(options.token_env.c_str())) query.token = token;
  auto entities = FetchBackstageEntities(query);
  if (!entities.ok()) {
    std::string what = "could not import from " + options.backstage_url + "; nothing was imported";
    if (entities.status().message().find("token rejected") != std::string::npos) {
      what +=
          " (the token comes from $" + options.token_env + (query.token.empty() ? ", which is unset)" : ")");
    }
    FailWithProblems(entities.status(), what);
  }
  while (!query.base_url.empty() && query.base_url.back() == '/') query.base_url.pop_back();
  return {ImportBatch{query.base_url, std::move(entities).value()}};
}

void PrintImportSummary(const std::vector<ImportBatch>& batches, const ImportSummary& summary, bool as_json) {
  std::map<std::string, int> kinds;
  size_t total = 0;
  for (const auto& batch : batches) {
    for (const auto& entity : batch.entities) kinds[entity.kind]++;
    total += batch.entities.size();
  }
  if (as_json) {
    json locations = json::array();
    for (const auto& batch : batches)
      locations.push_back({{"location", batch.location}, {"entities", batch.entities.size()}});
    PrintJson({{"added", summary.added},
               {"updated", summary.updated},
               {"removed", summary.removed},
               {"unchanged", summary.unchanged},
               {"kinds", kinds},
               {"locations", locations}});
    return;
  }
  std::cout << "Imported " << total << " entities from " << batches.size()
            << (batches.size() == 1 ? " location: " : " locations: ") << summary.added << " added, "
            << summary.updated << " updated, " << summary.removed << " removed, " << summary.unchanged
            << " unchanged\n";
  std::vector<std::string> parts;
  for (const auto& [kind, count] : kinds) parts.push_back(kind + " " + std::to_string(count));
  if (!parts.empty()) std::cout << "  " << Join(parts, ", ") << "\n";
}

void RunImport(const ImportOptions& options, const GlobalOptions& global) {
  if (options.paths.empty() == options.backstage_url.empty()) {
    Fail(Status::InvalidInput("catalog import takes PATH... or --backstage URL (one of the two)"));
  }
  if (!options.filters.empty() && options.backstage_url.empty()) {
    Fail(Status::InvalidInput("--filter applies to --backstage only"));
  }
  std::vector<ImportBatch> batches =
      options.backstage_url.empty() ? ReadPathBatches(options) : ReadBackstageBatch(options);
  std::unique_ptr<Store> store = OpenStoreOrFail(global);
  ImportSummary summary = OrFail(store->ImportEntities(batches));
  PrintImportSummary(batches, summary, options.json);
}

void AddImport(CLI::App& catalog, GlobalOptions& global) {
  auto options = std::make_shared<ImportOptions>();
  CLI::App* cmd = catalog.add_subcommand(
      "import",
      "Read Backstage descriptors (files, folders, Location targets) or a running Backstage, validate them, "
      "and "
      "replace what each location brought before. Nothing is imported when anything is invalid.");
  cmd->add_option("paths", options->paths, "Descriptor files or folders (folders are walked recursively)");
  cmd->add_option("--backstage", options->backstage_url,
                  "Base URL of a Backstage backend, e.g. http://localhost:7007");
  cmd->add_option("--filter", options->filters,
                  "Backstage by-query filter, e.g. kind=component (repeatable)");
  cmd->add_option("--token-env", options->token_env, "Environment variable holding the Backstage token")
      ->capture_default_str();
  cmd->add_option("--page-size", options->page_size, "Entities per Backstage page")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd->add_flag("--json", options->json, "Print the summary as JSON");
  cmd->callback([options, &global] { RunImport(*options, global); });
}

// ----- ls -----

json ListItem(const Entity& e) {
  return {{"ref", e.Ref().Key()},       {"kind", e.kind},     {"owner", e.Owner()},
          {"lifecycle", e.Lifecycle()}, {"tier", e.Tier()},   {"dataset_id", e.DatasetId()},
          {"repo", e.Repo()},           {"origin", e.origin}, {"entity", e.ToJson()}};
}

void RunList(const std::string& kind, bool as_json, const GlobalOptions& global) {
  std::unique_ptr<Store> store = OpenStoreOrFail(global);
  std::vector<Entity> entities = OrFail(store->ListEntities(kind));
  if (as_json) {
    json items = json::array();
    for (const Entity& e : entities) items.push_back(ListItem(e));
    return PrintJson(items);
  }
  if (entities.empty()) {
    std::cout << (kind.empty()
                      ? "The catalog is empty; import descriptors with 'skein catalog import PATH'.\n"
                      : "No " + kind + " entities in the catalog.\n");
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const Entity& e : entities) {
    std::string what = !e.DatasetId().empty() ? e.DatasetId() : e.Repo();
    rows.push_back({ShortRef(e.Ref().Key()), OrDash(ShortRef(e.Owner())), OrDash(e.Lifecycle()),
                    OrDash(e.Tier()), OrDash(what)});
  }
  PrintTable({"REF", "OWNER", "LIFECYCLE", "TIER", "DATASET/REPO"}, rows);
}

void AddList(CLI::App& catalog, GlobalOptions& global) {
  auto kind = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  CLI::App* cmd = catalog.add_subcommand("ls", "List the catalog's entities");
  cmd->add_option("--kind", *kind, "Only this kind (Component, Resource, Group, ...)");
  cmd->add_flag("--json", *as_json, "Print JSON");
  cmd->callback([kind, as_json, &global] { RunList(*kind, *as_json, global); });
}

// ----- show -----

// The entity that `text` names: a ref ("component:default/x", "resource:x"), a dataset id, or a
// bare name that only one entity has. NotFound with a suggestion otherwise.
const Entity& ResolveEntity(const CatalogGraph& graph, const std::string& text) {
  if (text.find(':') != std::string::npos) {
    auto ref = EntityRef::Parse(text, "component");
    if (ref.ok()) {
      if (const Entity* e = graph.FindEntity(*ref)) return *e;
    }
  }
  for (const Entity& e : graph.entities()) {
    if (!e.DatasetId().empty() && EqualsIgnoreCase(e.DatasetId(), text)) return e;
  }
  std::vector<const Entity*> named;
  std::vector<std::string> candidates;
  for (const Entity& e : graph.entities()) {
    if (EqualsIgnoreCase(e.name, text)) named.push_back(&e);
    candidates.push_back(e.Ref().Key());
    candidates.push_back(e.name);
    if (!e.DatasetId().empty()) candidates.push_back(e.DatasetId());
  }
  if (named.size() == 1) return *named[0];
  if (named.size() > 1) {
    std::vector<std::string> refs;
    for (const Entity* e : named) refs.push_back(e->Ref().Key());
    Fail(Status::InvalidInput("'" + text + "' names several entities; say which: " + Join(refs, ", ")));
  }
  auto as_ref = EntityRef::Parse(text, "component");
  bool is_ref = text.find(':') != std::string::npos && as_ref.ok();
  std::string guess = ClosestMatch(is_ref ? as_ref->Key() : text, candidates);
  Fail(Status::NotFound("no entity '" + text + "' in the catalog" +
                        (guess.empty() ? "" : "; did you mean '" + guess + "'?")));
}

json ConsumerJson(const Entity& e) {
  return {{"ref", e.Ref().Key()}, {"owner", e.Owner()}, {"tier", e.Tier()}, {"lifecycle", e.Lifecycle()}};
}

json Relations(const CatalogGraph& graph, const Entity& e) {
  json relations = json::object();
  if (!e.DatasetId().empty() || EqualsIgnoreCase(e.kind, "Resource")) {
    relations["consumers"] = json::array();
    for (const Entity* c : graph.DirectConsumers(e)) relations["consumers"].push_back(ConsumerJson(*c));
  }
  if (EqualsIgnoreCase(e.kind, "Component")) {
    relations["reads"] = json::array();
    for (const Entity* d : graph.DatasetsReadBy(e)) {
      relations["reads"].push_back({{"ref", d->Ref().Key()}, {"dataset_id", d->DatasetId()}});
    }
    relations["produces"] = e.Produces();
  }
  return relations;
}

void PrintField(const std::string& name, const std::string& value) {
  if (!value.empty())
    std::cout << "  " << name << std::string(13 - std::min<size_t>(12, name.size()), ' ') << value << "\n";
}

void PrintEntity(const Entity& e, const json& relations) {
  std::cout << e.Ref().Key() << "\n";
  PrintField("kind", e.kind + (e.SpecString("type").empty() ? "" : " (" + e.SpecString("type") + ")"));
  PrintField("title", e.title);
  PrintField("description", e.description);
  PrintField("owner", e.Owner());
  PrintField("lifecycle", e.Lifecycle());
  PrintField("tier", e.Tier());
  PrintField("dataset id", e.DatasetId());
  PrintField("location", e.Location());
  PrintField("repo", e.Repo());
  PrintField("framework", e.Framework());
  PrintField("tags", Join(e.tags, ", "));
  PrintField("origin", e.origin + (e.origin_line > 0 ? ":" + std::to_string(e.origin_line) : ""));
  if (relations.contains("consumers")) {
    if (relations["consumers"].empty()) PrintField("consumers", "none (nobody reads it)");
    for (const json& c : relations["consumers"]) {
      PrintField("consumer", c["ref"].get<std::string>() + " (owner " +
                                 OrDash(ShortRef(c["owner"].get<std::string>())) + ", " +
                                 OrDash(c["tier"].get<std::string>()) + ")");
    }
  }
  if (relations.contains("reads")) {
    for (const json& d : relations["reads"]) {
      std::string id = d["dataset_id"].get<std::string>();
      PrintField("reads",
                 id.empty() ? d["ref"].get<std::string>() : id + " (" + d["ref"].get<std::string>() + ")");
    }
    for (const json& id : relations["produces"]) PrintField("produces", id.get<std::string>());
  }
}

void RunShow(const std::string& text, bool as_json, const GlobalOptions& global) {
  std::unique_ptr<Store> store = OpenStoreOrFail(global);
  CatalogGraph graph(OrFail(store->ListEntities()));
  const Entity& e = ResolveEntity(graph, text);
  json relations = Relations(graph, e);
  if (!as_json) return PrintEntity(e, relations);
  PrintJson({{"ref", e.Ref().Key()},
             {"origin", e.origin},
             {"origin_line", e.origin_line},
             {"entity", e.ToJson()},
             {"relations", relations}});
}

void AddShow(CLI::App& catalog, GlobalOptions& global) {
  auto ref = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  CLI::App* cmd = catalog.add_subcommand("show", "Show one entity and its relations");
  cmd->add_option("ref", *ref, "Entity ref (kind:namespace/name), dataset id, or a unique name")->required();
  cmd->add_flag("--json", *as_json, "Print JSON");
  cmd->callback([ref, as_json, &global] { RunShow(*ref, *as_json, global); });
}

}  // namespace

void AddCatalogCommands(CLI::App& app, GlobalOptions& global) {
  CLI::App* catalog =
      app.add_subcommand("catalog", "Import and inspect the catalog of datasets and consumers");
  catalog->require_subcommand(1);
  AddImport(*catalog, global);
  AddList(*catalog, global);
  AddShow(*catalog, global);
}

}  // namespace skein
