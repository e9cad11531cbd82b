// `skein data diff A B --key K[,K2...] [--columns-map old=new ...] [--columns c1,c2]
//  [--tolerance col=X ...] [--examples N] [--json] [--method auto|join|checksum]`:
// a key-based diff of two datasets (data/diff.h), printed for people or as JSON.
//
// A and B are dataset locations (parquet:PATH, csv:PATH, json:PATH, avro:PATH, duckdb:FILE#schema.table,
// postgresql://...#schema.table, or a path with a known extension) or dataset ids of the catalog,
// whose skein.dev/location is diffed. Exit codes: 0 equal, 1 different, 2 bad input (a location
// or column that does not resolve, a NULL or duplicate key).
#include <filesystem>
#include <iostream>
#include <memory>

#include "base/text.h"
#include "catalog/lineage.h"
#include "cli/cli.h"
#include "data/diff.h"

namespace skein {
namespace {

using nlohmann::json;

struct DiffCommandOptions {
  std::string a;
  std::string b;
  std::vector<std::string> key;
  std::vector<std::string> columns_map;
  std::vector<std::string> columns;
  std::vector<std::string> tolerances;
  size_t examples = 10;
  std::string method = "auto";
  bool json = false;
};

// Resolves A and B: a location as written, else a catalog dataset's location. The catalog is
// read once, and only when a side is not a location.
class DatasetResolver {
 public:
  explicit DatasetResolver(const GlobalOptions& global) : global_(global) {}

  DatasetLocation Resolve(const std::string& text, const std::string& side) {
    Result<DatasetLocation> location = DatasetLocation::Parse(text);
    if (location.ok()) return *location;
    const Entity* dataset = Catalog(text, side, location.status()).FindDataset(text);
    if (dataset == nullptr) {
      Fail(Status::InvalidInput(side + ": '" + text + "' is neither a dataset location (" +
                                location.status().message() + ") nor a dataset id in the catalog"));
    }
    if (dataset->Location().empty()) {
      Fail(Status::InvalidInput(side + ": dataset " + text + " has no skein.dev/location annotation"));
    }
    Result<DatasetLocation> where = DatasetLocation::Parse(dataset->Location());
    if (!where.ok()) Fail(where.status().WithContext(side + ": dataset " + text + ": skein.dev/location"));
    return *where;
  }

 private:
  const CatalogGraph& Catalog(const std::string& text, const std::string& side,
                              const Status& not_a_location) {
    if (graph_ == nullptr) {
      // Without --store, $SKEIN_STORE or an existing .skein/, there is no catalog: say so rather
      // than create an empty store.
      if (StoreUrlFrom(global_.store).empty() && !std::filesystem::exists(".skein/skein.db")) {
        Fail(Status::InvalidInput(side + ": '" + text + "' is not a dataset location (" +
                                  not_a_location.message() +
                                  "), and there is no catalog to look a dataset id up in (--store)"));
      }
      std::unique_ptr<Store> store = OpenStoreOrFail(global_);
      graph_ = std::make_unique<CatalogGraph>(OrFail(store->ListEntities()));
    }
    return *graph_;
  }

  const GlobalOptions& global_;
  std::unique_ptr<CatalogGraph> graph_;
};

// "name=value" -> {name, value}; the option is named in the error.
std::pair<std::string, std::string> SplitAssignment(const std::string& text, const std::string& option) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || Trim(text.substr(0, eq)).empty() || Trim(text.substr(eq + 1)).empty()) {
    Fail(Status::InvalidInput(option + ": expected NAME=VALUE, not '" + text + "'"));
  }
  return {std::string(Trim(text.substr(0, eq))), std::string(Trim(text.substr(eq + 1)))};
}

DiffOptions ToDiffOptions(const DiffCommandOptions& options) {
  DiffOptions out;
  for (const auto& name : options.key) out.key.push_back(std::string(Trim(name)));
  for (const auto& name : options.columns) out.columns.push_back(std::string(Trim(name)));
  for (const auto& item : options.columns_map)
    out.columns_map.push_back(SplitAssignment(item, "--columns-map"));
  for (const auto& item : options.tolerances) {
    auto [column, value] = SplitAssignment(item, "--tolerance");
    out.tolerances.push_back({column, value});
  }
  out.examples = options.examples;
  if (options.method == "join") {
    out.method = DiffMethod::kJoin;
  } else if (options.method == "checksum") {
    out.method = DiffMethod::kChecksum;
  } else if (options.method != "auto") {
    Fail(Status::InvalidInput("--method: expected auto, join or checksum, not '" + options.method + "'"));
  }
  return out;
}

std::string Show(const Value& value) { return value ? *value : "NULL"; }

std::string KeyText(const std::vector<std::string>& names, const DiffExample& example) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < names.size() && i < example.key.size(); ++i)
    parts.push_back(names[i] + "=" + Show(example.key[i]));
  return Join(parts, ", ");
}

json ValueJson(const Value& value) { return value ? json(*value) : json(nullptr); }

json ExamplesJson(const DiffResult& r, const std::vector<DiffExample>& examples) {
  json out = json::array();
  for (const auto& example : examples) {
    json key = json::object();
    for (size_t i = 0; i < r.key.size() && i < example.key.size(); ++i)
      key[r.key[i]] = ValueJson(example.key[i]);
    json item = {{"key", key}};
    if (!example.changes.empty()) {
      json changes = json::object();
      for (const auto& change : example.changes) {
        changes[change.column] = {{"a", ValueJson(change.a)}, {"b", ValueJson(change.b)}};
      }
      item["changes"] = changes;
    }
    out.push_back(item);
  }
  return out;
}

json ResultJson(const DiffResult& r) {
  json columns = json::array();
  for (const auto& c : r.columns) {
    columns.push_back({{"column", c.name},
                       {"a_column", c.a_name},
                       {"a_type", c.a_type},
                       {"b_type", c.b_type},
                       {"changed", c.changed}});
  }
  auto side = [](const DiffSide& s) {
    return json{{"location", s.location}, {"engine", s.engine}, {"rows", s.rows}};
  };
  int64_t rows = r.a.rows + r.b.rows;
  return {{"equal", r.equal()},
          {"a", side(r.a)},
          {"b", side(r.b)},
          {"key", r.key},
          {"columns", columns},
          {"schema", {{"only_in_a", r.only_in_a}, {"only_in_b", r.only_in_b}}},
          {"missing_in_b", r.missing_in_b},
          {"extra_in_b", r.extra_in_b},
          {"changed", r.changed},
          {"examples",
           {{"missing_in_b", ExamplesJson(r, r.missing_examples)},
            {"extra_in_b", ExamplesJson(r, r.extra_examples)},
            {"changed", ExamplesJson(r, r.changed_examples)}}},
          {"method", r.method},
          {"rows_transferred", r.rows_transferred},
          {"rows_transferred_share", rows > 0 ? static_cast<double>(r.rows_transferred) / rows : 0.0},
          {"checksum_queries", r.checksum_queries}};
}

void PrintExamples(const std::string& title, int64_t total, const DiffResult& r,
                   const std::vector<DiffExample>& examples) {
  if (total == 0) return;
  std::cout << "\n" << title << " (" << examples.size() << " of " << total << "):\n";
  for (const auto& example : examples) {
    std::cout << "  " << KeyText(r.key, example) << "\n";
    for (const auto& change : example.changes) {
      std::cout << "    " << change.column << ": " << Show(change.a) << " -> " << Show(change.b) << "\n";
    }
  }
}

void PrintResult(const DiffResult& r) {
  std::cout << "A: " << r.a.location << " (" << r.a.engine << ", " << r.a.rows << " rows)\n";
  std::cout << "B: " << r.b.location << " (" << r.b.engine << ", " << r.b.rows << " rows)\n";
  std::vector<std::string> compared;
  for (const auto& c : r.columns) compared.push_back(c.a_name == c.name ? c.name : c.a_name + "->" + c.name);
  std::cout << "key: " << Join(r.key, ", ")
            << "; compared: " << (compared.empty() ? "(no columns)" : Join(compared, ", ")) << "\n";
  if (r.method == "checksum") {
    int64_t rows = r.a.rows + r.b.rows;
    std::cout << "method: checksum across engines, " << r.checksum_queries << " bucket queries, "
              << r.rows_transferred << " rows transferred";
    if (rows > 0)
      std::cout << " (" << (100.0 * static_cast<double>(r.rows_transferred) / rows) << "% of the rows)";
    std::cout << "\n";
  } else {
    std::cout << "method: join in DuckDB\n";
  }
  if (!r.only_in_a.empty()) std::cout << "only in A: " << Join(r.only_in_a, ", ") << "\n";
  if (!r.only_in_b.empty()) std::cout << "only in B: " << Join(r.only_in_b, ", ") << "\n";
  std::cout << "missing in B: " << r.missing_in_b << "\nextra in B: " << r.extra_in_b
            << "\nchanged: " << r.changed << "\n";
  for (const auto& c : r.columns) {
    if (c.changed > 0) std::cout << "  " << c.name << ": " << c.changed << "\n";
  }
  PrintExamples("missing in B", r.missing_in_b, r, r.missing_examples);
  PrintExamples("extra in B", r.extra_in_b, r, r.extra_examples);
  PrintExamples("changed", r.changed, r, r.changed_examples);
  std::cout << "\nresult: " << (r.equal() ? "equal" : "different") << "\n";
}

void RunDiff(const DiffCommandOptions& options, const GlobalOptions& global) {
  DiffOptions diff_options = ToDiffOptions(options);
  DatasetResolver resolver(global);
  DatasetLocation a = resolver.Resolve(options.a, "A");
  DatasetLocation b = resolver.Resolve(options.b, "B");
  DiffResult result = OrFail(DiffDatasets(a, b, diff_options));
  if (options.json) {
    PrintJson(ResultJson(result));
  } else {
    PrintResult(result);
  }
  if (!result.equal()) throw CommandExit{1};
}

}  // namespace

void AddDataDiffCommand(CLI::App& data, GlobalOptions& global) {
  auto options = std::make_shared<DiffCommandOptions>();
  CLI::App* cmd =
      data.add_subcommand("diff", "diff two datasets row by row on a key (exit 1 when they differ)");
  cmd->add_option("A", options->a,
                  "the old dataset: a location (parquet:PATH, duckdb:FILE#schema.table, "
                  "postgresql://...#schema.table, ...) or a catalog dataset id")
      ->required();
  cmd->add_option("B", options->b, "the new dataset, likewise")->required();
  cmd->add_option("--key", options->key, "key columns, comma-separated (A's or B's names)")
      ->required()
      ->allow_extra_args(false)
      ->delimiter(',');
  cmd->add_option("--columns-map", options->columns_map,
                  "a renamed column: A's name=B's name (repeat, or commas)")
      ->allow_extra_args(false)  // each takes one value: the positionals after it stay A and B
      ->delimiter(',');
  cmd->add_option("--columns", options->columns, "compare only these columns (default: all both sides have)")
      ->allow_extra_args(false)
      ->delimiter(',');
  cmd->add_option("--tolerance", options->tolerances,
                  "COLUMN=X: numbers equal within X; timestamps within X microseconds or an interval "
                  "such as 500us, 1ms, 2s, 1min, 1h, 1d (repeat, or commas; default exact)")
      ->allow_extra_args(false)
      ->delimiter(',');
  cmd->add_option("--examples", options->examples, "example rows per kind of difference")
      ->capture_default_str();
  cmd->add_flag("--json", options->json, "print the result as JSON");
  cmd->add_option("--method", options->method,
                  "auto (a join when DuckDB reads both sides, else checksums), join, or checksum")
      ->capture_default_str();
  cmd->callback([options, &global] { RunDiff(*options, global); });
}

}  // namespace skein
