// `skein discover DATASET... --repos DIR...`: every reference to the datasets in the code of the
// repositories, which referencing repositories the catalog does not know (shadow consumers),
// which catalog consumers no longer reference them (stale), and, with --emit-catalog, Backstage
// descriptors for the shadow consumers.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <set>

#include "base/text.h"
#include "catalog/lineage.h"
#include "cli/cli.h"
#include "discover/discover.h"

namespace skein {
namespace {

using nlohmann::json;

struct DiscoverOptions {
  std::vector<std::string> datasets;
  std::vector<std::string> repos;
  bool json = false;
  std::string emit_catalog;
  bool force = false;
  int threads = 0;
};

// A reference's text on one line: dbt's source(...) may span several.
std::string OneLine(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    bool is_space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (is_space) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string Summary(size_t references, size_t repositories, size_t shadow) {
  return Plural(references, "reference", "references") + " in " +
         Plural(repositories, "repository", "repositories") + ", " +
         Plural(shadow, "shadow consumer", "shadow consumers");
}

json ReportJson(const std::vector<DatasetPattern>& datasets, const ScanReport& scan,
                const std::vector<DatasetConsumers>& consumers, double seconds,
                const std::vector<std::filesystem::path>& emitted) {
  json out_datasets = json::array();
  for (size_t d = 0; d < datasets.size(); ++d) {
    const DatasetConsumers& c = consumers[d];
    json refs = json::array();
    for (const Reference& r : scan.references) {
      if (r.dataset != d) continue;
      refs.push_back({{"repo", r.repo},
                      {"repo_path", r.repo_path},
                      {"file", r.file},
                      {"line", r.line},
                      {"col", r.col},
                      {"offset", r.offset},
                      {"form", std::string(ReferenceFormName(r.form))},
                      {"text", r.text}});
    }
    json repos = json::array(), shadow = json::array(), stale = json::array();
    for (const ConsumerRepo& repo : c.consumers) {
      json components = json::array();
      for (const EntityRef& ref : repo.components) components.push_back(ref.Key());
      repos.push_back({{"repo", repo.repo},
                       {"repo_path", repo.repo_path},
                       {"references", repo.references},
                       {"known", !repo.shadow()},
                       {"components", components},
                       {"declared", repo.declared}});
      if (repo.shadow()) shadow.push_back(repo.repo);
    }
    for (const StaleConsumer& s : c.stale) {
      stale.push_back({{"component", s.component.Key()}, {"repo", s.repo}, {"repo_path", s.repo_path}});
    }
    out_datasets.push_back({{"dataset", c.dataset_id},
                            {"resource", c.resource ? json(c.resource->Key()) : json(nullptr)},
                            {"references", refs},
                            {"consumers", repos},
                            {"shadow_consumers", shadow},
                            {"stale_consumers", stale},
                            {"summary",
                             {{"references", c.references},
                              {"repositories", c.consumers.size()},
                              {"shadow_consumers", c.ShadowCount()},
                              {"stale_consumers", c.stale.size()}}}});
  }
  json emitted_paths = json::array();
  for (const auto& path : emitted) emitted_paths.push_back(path.string());
  return {{"datasets", out_datasets},
          {"scan",
           {{"repositories", scan.stats.repositories},
            {"files", scan.stats.files_scanned},
            {"bytes", scan.stats.bytes_scanned},
            {"binary_files_skipped", scan.stats.binary_files_skipped},
            {"unreadable", scan.stats.unreadable},
            {"seconds", seconds},
            {"warnings", scan.warnings}}},
          {"emitted", emitted_paths}};
}

void PrintHuman(const std::vector<DatasetPattern>& datasets, const ScanReport& scan,
                const std::vector<DatasetConsumers>& consumers, double seconds) {
  size_t total_refs = 0, total_shadow = 0;
  for (size_t d = 0; d < datasets.size(); ++d) {
    const DatasetConsumers& c = consumers[d];
    std::cout << c.dataset_id
              << (c.resource ? " (" + ShortRef(c.resource->Key()) + ")"
                             : std::string(" (not in the catalog)"))
              << "\n";
    // References are sorted by repository, so each consumer's are contiguous.
    size_t next = 0;
    for (const ConsumerRepo& repo : c.consumers) {
      std::cout << "  " << repo.repo;
      if (repo.shadow()) {
        std::cout << "  shadow consumer: no catalog Component for this repository";
      } else {
        std::vector<std::string> refs;
        for (const EntityRef& ref : repo.components) refs.push_back(ShortRef(ref.Key()));
        std::cout << "  known: " << Join(refs, ", ");
        if (!repo.declared) std::cout << " (does not declare " << c.dataset_id << ")";
      }
      std::cout << "\n";
      for (; next < scan.references.size(); ++next) {
        const Reference& r = scan.references[next];
        if (r.dataset != d) continue;
        if (r.repo_path != repo.repo_path) break;
        std::cout << "    " << r.file << ":" << r.line << ":" << r.col << "  " << ReferenceFormName(r.form)
                  << "  " << OneLine(r.text) << "\n";
      }
    }
    for (const StaleConsumer& s : c.stale) {
      std::cout << "  stale: " << ShortRef(s.component.Key()) << " (repository " << s.repo << ") declares "
                << c.dataset_id << " but no longer references it\n";
    }
    std::cout << c.dataset_id << ": " << Summary(c.references, c.consumers.size(), c.ShadowCount());
    if (!c.stale.empty()) std::cout << ", " << c.stale.size() << " stale";
    std::cout << "\n";
    total_refs += c.references;
    total_shadow += c.ShadowCount();
  }
  if (datasets.size() > 1) {
    std::set<std::string> repos;
    for (const Reference& r : scan.references) repos.insert(r.repo_path);
    std::cout << "total: " << Summary(total_refs, repos.size(), total_shadow) << "\n";
  }
  char line[200];
  std::snprintf(line, sizeof line, "scanned %llu files (%.1f MiB) in %llu repositories in %.2f s\n",
                static_cast<unsigned long long>(scan.stats.files_scanned),
                scan.stats.bytes_scanned / 1048576.0,
                static_cast<unsigned long long>(scan.stats.repositories), seconds);
  std::cout << line;
}

void RunDiscover(const DiscoverOptions& options, const GlobalOptions& global) {
  std::vector<DatasetPattern> datasets = OrFail(ParseDatasetPatterns(options.datasets));
  std::vector<std::filesystem::path> roots(options.repos.begin(), options.repos.end());
  auto repos = ResolveRepositories(roots);
  if (!repos.ok()) Fail(repos.status().WithContext("--repos"));
  std::unique_ptr<Store> store = OpenStoreOrFail(global);
  CatalogGraph catalog(OrFail(store->ListEntities()));

  ScanOptions scan_options;
  scan_options.threads = options.threads;
  bool progress = ::isatty(STDERR_FILENO) == 1;
  if (progress) {
    scan_options.on_progress = [](const ScanProgress& p) {
      std::fprintf(stderr, "\rskein discover: %llu files, %.0f MiB", static_cast<unsigned long long>(p.files),
                   p.bytes / 1048576.0);
    };
  }
  auto start = std::chrono::steady_clock::now();
  ScanReport scan = ScanRepositories(*repos, ReferenceMatcher(datasets), scan_options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (progress) std::fprintf(stderr, "\r\033[K");
  for (const std::string& warning : scan.warnings)
    std::fprintf(stderr, "skein: warning: %s\n", warning.c_str());

  std::vector<DatasetConsumers> consumers =
      ClassifyConsumers(catalog, *repos, datasets, scan.references, std::filesystem::current_path());
  std::vector<std::filesystem::path> emitted;
  if (!options.emit_catalog.empty()) {
    emitted =
        OrFail(WriteShadowDescriptors(options.emit_catalog, ShadowDescriptors(consumers), options.force));
  }
  if (options.json) {
    PrintJson(ReportJson(datasets, scan, consumers, seconds, emitted));
    return;
  }
  PrintHuman(datasets, scan, consumers, seconds);
  if (!options.emit_catalog.empty()) {
    std::cout << "wrote " << Plural(emitted.size(), "descriptor", "descriptors") << " to "
              << options.emit_catalog
              << (emitted.empty() ? ""
                                  : " (import them with: skein catalog import " + options.emit_catalog + ")")
              << "\n";
  }
}

}  // namespace

void AddDiscoverCommand(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<DiscoverOptions>();
  CLI::App* cmd =
      app.add_subcommand("discover", "Find every reference to datasets in the code of repositories");
  cmd->add_option("dataset", options->datasets, "Dataset ids: schema.table or project.schema.table")
      ->required();
  cmd->add_option("--repos", options->repos,
                  "Folders to search: a folder holding .git is one repository, any other folder holds one "
                  "repository per immediate subfolder (give the datasets before --repos)")
      ->required();
  cmd->add_flag("--json", options->json, "Print JSON");
  cmd->add_option("--emit-catalog", options->emit_catalog,
                  "Write a Backstage Component descriptor per shadow consumer into this folder");
  cmd->add_flag("--force", options->force, "With --emit-catalog: replace descriptors that exist already");
  cmd->add_option("--threads", options->threads, "Scanning threads (0: one per core)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->footer(
      "References are found in every form: core.t, proj.core.t, \"core\".\"t\", `core`.`t`, [core].[t],\n"
      "`proj.core.t`, proj:core.t and dbt's source('core', 't'), case-insensitively, in code, strings and\n"
      "comments alike. Hidden files and folders (.git) and binary files are skipped.\n"
      "A shadow consumer references a dataset but no catalog Component's skein.dev/repo names its\n"
      "repository; a stale consumer declares a dataset in the catalog but its code no longer references it.\n"
      "Exit codes: 0 done (whether references were found or not), 1 failure, 2 bad input.");
  cmd->callback([options, &global] { RunDiscover(*options, global); });
}

}  // namespace skein
