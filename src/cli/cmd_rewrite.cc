// `skein rewrite MIGRATION FILE... [--in-place] [--json] [--dialect D] [--schema "col TYPE, ..."]`:
// rewrites files onto the migration's new dataset version and prints unified diffs and findings.
//
// The from-dataset's schema comes from --schema when given (no catalog needed), else from the
// store's catalog as `skein plan` finds it. Exit codes: 0 no findings, 1 findings remain, 2 bad
// input (manifest, schema, unreadable file, unknown dialect).
#include <iostream>
#include <memory>

#include "base/text.h"
#include "catalog/lineage.h"
#include "cli/cli.h"
#include "data/warehouse.h"
#include "manifest/migration.h"
#include "rewrite/rewrite.h"

namespace skein {
namespace {

using nlohmann::json;

struct RewriteCommandOptions {
  std::string manifest;
  std::vector<std::string> files;
  bool in_place = false;
  bool json = false;
  std::string dialect = "ansi";
  std::string schema;
};

Schema FromSchema(const Migration& m, const RewriteCommandOptions& options, const GlobalOptions& global) {
  if (!options.schema.empty()) {
    Result<Schema> schema = ParseSchemaAnnotation(options.schema);
    if (!schema.ok()) Fail(schema.status().WithContext("--schema"));
    return *schema;
  }
  std::unique_ptr<Store> store = OpenStoreOrFail(global);
  CatalogGraph graph(OrFail(store->ListEntities()));
  const Entity* dataset = graph.FindDataset(m.from);
  if (dataset == nullptr) {
    Fail(m.ErrorAt("/spec/from", "dataset " + m.from +
                                     " is not in the catalog; import it with 'skein catalog import' or pass "
                                     "--schema \"col TYPE, ...\""));
  }
  std::unique_ptr<Warehouse> warehouse = OrFail(OpenDuckDbWarehouse());
  Result<Schema> schema = DatasetSchema(*dataset, *warehouse);
  if (!schema.ok())
    Fail(Status::InvalidInput(schema.status().message() + " (or pass --schema \"col TYPE, ...\")"));
  return *schema;
}

json ResultToJson(const std::string& file, const RewriteResult& r) {
  json edits = json::array(), findings = json::array();
  for (const Edit& e : r.edits)
    edits.push_back(
        {{"begin", e.begin}, {"end", e.end}, {"before", e.before}, {"after", e.after}, {"why", e.why}});
  for (const RewriteFinding& f : r.findings) {
    findings.push_back(
        {{"begin", f.begin}, {"end", f.end}, {"line", f.line}, {"col", f.col}, {"reason", f.reason}});
  }
  return {{"file", file}, {"changed", r.changed()}, {"edits", edits}, {"findings", findings}};
}

void RunRewrite(const RewriteCommandOptions& options, const GlobalOptions& global) {
  Migration m = OrFail(ReadMigrationFile(options.manifest));
  std::optional<sql::Dialect> dialect = sql::ParseDialect(options.dialect);
  if (!dialect) Fail(Status::InvalidInput("--dialect: unknown dialect '" + options.dialect + "'"));
  RewriteSpec spec = OrFail(RewriteSpec::FromMigration(m, FromSchema(m, options, global)));
  RewriteOptions rewrite_options;
  rewrite_options.dialect = *dialect;
  // Read every file first, so a missing one fails the command before anything is written.
  std::vector<std::string> texts;
  for (const auto& file : options.files) texts.push_back(OrFail(ReadFile(file)));
  size_t findings = 0;
  json out = json::array();
  for (size_t i = 0; i < options.files.size(); ++i) {
    const std::string& file = options.files[i];
    RewriteResult r = RewriteFile(file, texts[i], spec, rewrite_options);
    findings += r.findings.size();
    if (options.in_place && r.changed()) OrFail(WriteFileAtomically(file, r.text));
    if (options.json) {
      out.push_back(ResultToJson(file, r));
      continue;
    }
    std::cout << UnifiedDiff(file, texts[i], r.text);
    for (const RewriteFinding& f : r.findings)
      std::cout << file << ":" << f.line << ":" << f.col << ": " << f.reason << "\n";
  }
  if (options.json) PrintJson({{"migration", m.name}, {"files", out}, {"findings", findings}});
  if (findings > 0) throw CommandExit{1};
}

}  // namespace

void AddRewriteCommand(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<RewriteCommandOptions>();
  CLI::App* cmd = app.add_subcommand("rewrite", "Rewrite files onto the migration's new dataset version");
  cmd->add_option("MIGRATION", options->manifest, "the migration manifest")->required();
  cmd->add_option("FILE", options->files, "files to rewrite (SQL, dbt, code, configs)")->required();
  cmd->add_flag("--in-place", options->in_place, "write the rewritten files back (atomically)");
  cmd->add_flag("--json", options->json, "print edits and findings as JSON instead of diffs");
  cmd->add_option("--dialect", options->dialect, "SQL dialect: ansi, bigquery, snowflake, spark")
      ->capture_default_str();
  cmd->add_option("--schema", options->schema,
                  "the from-dataset's columns, \"name TYPE, ...\" (default: from the catalog)");
  cmd->callback([options, &global] { RunRewrite(*options, global); });
}

}  // namespace skein
