// `skein lineage DATASET`: the direct and transitive consumers of a dataset from the store's
// catalog, as a table, JSON, or a Graphviz graph (--dot).
#include <iostream>
#include <memory>
#include <set>

#include "base/text.h"
#include "catalog/lineage.h"
#include "catalog/validate.h"
#include "cli/cli.h"

namespace skein {
namespace {

using nlohmann::json;

struct LineageOptions {
  std::string dataset;
  int depth = 0;
  bool json = false;
  bool dot = false;
};

// What a dataset is called in output: its id, else its ref.
std::string DatasetName(const Lineage& lineage) {
  return lineage.dataset_id.empty() ? lineage.dataset.Key() : lineage.dataset_id;
}

json LineageJson(const Lineage& lineage) {
  json consumers = json::array();
  for (const LineageConsumer& c : lineage.consumers) {
    consumers.push_back({{"ref", c.ref.Key()},
                         {"owner", c.owner},
                         {"tier", c.tier},
                         {"lifecycle", c.lifecycle},
                         {"framework", c.framework},
                         {"repo", c.repo},
                         {"depth", c.depth},
                         {"reads", c.reads},
                         {"produces", c.produces}});
  }
  return {{"dataset_id", lineage.dataset_id},
          {"dataset", lineage.dataset.Key()},
          {"truncated", lineage.truncated},
          {"consumers", consumers}};
}

std::string DotQuote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Datasets are cylinders, consumers boxes; an edge for every read and every produce inside the
// lineage, so a consumer reading two datasets of the walk shows both.
void PrintDot(const Lineage& lineage, const CatalogGraph& graph) {
  std::cout << "digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n";
  std::set<std::string> datasets = {DatasetName(lineage)};
  for (const LineageConsumer& c : lineage.consumers) {
    for (const std::string& id : c.produces) datasets.insert(id);
  }
  for (const std::string& d : datasets) std::cout << "  " << DotQuote(d) << " [shape=cylinder];\n";
  for (const LineageConsumer& c : lineage.consumers) {
    std::string label = ShortRef(c.ref.Key()) + "\\n" + OrDash(ShortRef(c.owner)) + " " + OrDash(c.tier);
    std::cout << "  " << DotQuote(c.ref.Key()) << " [shape=box, label=\"" << label << "\"];\n";
    for (const Entity* read : graph.DatasetsReadBy(*graph.FindEntity(c.ref))) {
      std::string name = read->DatasetId().empty() ? read->Ref().Key() : read->DatasetId();
      if (datasets.count(name))
        std::cout << "  " << DotQuote(name) << " -> " << DotQuote(c.ref.Key()) << ";\n";
    }
    for (const std::string& id : c.produces) {
      std::cout << "  " << DotQuote(c.ref.Key()) << " -> " << DotQuote(id) << " [style=dashed];\n";
    }
  }
  std::cout << "}\n";
}

void PrintTable(const Lineage& lineage) {
  int direct = 0;
  for (const LineageConsumer& c : lineage.consumers) direct += c.depth == 1 ? 1 : 0;
  std::cout << DatasetName(lineage) << " (" << lineage.dataset.Key() << "): " << lineage.consumers.size()
            << (lineage.consumers.size() == 1 ? " consumer, " : " consumers, ") << direct << " direct\n";
  std::vector<std::vector<std::string>> rows = {{"DEPTH", "CONSUMER", "OWNER", "TIER", "LIFECYCLE", "VIA"}};
  for (const LineageConsumer& c : lineage.consumers) {
    rows.push_back({std::to_string(c.depth), ShortRef(c.ref.Key()), OrDash(ShortRef(c.owner)), OrDash(c.tier),
                    OrDash(c.lifecycle), c.reads});
  }
  std::vector<size_t> widths(rows[0].size());
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) line += row[i] + std::string(widths[i] - row[i].size() + 2, ' ');
    std::cout << std::string(Trim(line)) << "\n";
  }
}

void RunLineage(const LineageOptions& options, const GlobalOptions& global) {
  if (options.json && options.dot) Fail(Status::InvalidInput("--json and --dot exclude each other"));
  std::unique_ptr<Store> store = OpenStoreOrFail(global);
  CatalogGraph graph(OrFail(store->ListEntities()));
  auto lineage = graph.LineageOf(options.dataset, options.depth);
  if (!lineage.ok()) {
    std::vector<std::string> ids;
    for (const Entity& e : graph.entities()) {
      if (!e.DatasetId().empty()) ids.push_back(e.DatasetId());
    }
    std::string guess = ClosestMatch(options.dataset, ids);
    Fail(Status::NotFound(lineage.status().message() +
                          (guess.empty() ? "" : "; did you mean '" + guess + "'?")));
  }
  if (options.json) return PrintJson(LineageJson(*lineage));
  if (options.dot) return PrintDot(*lineage, graph);
  if (lineage->consumers.empty()) {
    std::cout << "nobody reads " << DatasetName(*lineage) << " (no Component depends on "
              << lineage->dataset.Key() << ")\n";
    return;
  }
  PrintTable(*lineage);
  if (lineage->truncated) {
    std::cout << "(more consumers beyond depth " << options.depth << "; raise --depth or drop it)\n";
  }
}

}  // namespace

void AddLineageCommand(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<LineageOptions>();
  CLI::App* cmd = app.add_subcommand("lineage", "Direct and transitive consumers of a dataset");
  cmd->add_option("dataset", options->dataset, "Dataset id (core.user_profile_v1) or its Resource ref")
      ->required();
  cmd->add_option("--depth", options->depth, "Stop after N levels (0: no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", options->json, "Print JSON");
  cmd->add_flag("--dot", options->dot, "Print a Graphviz graph");
  cmd->callback([options, &global] { RunLineage(*options, global); });
}

}  // namespace skein
