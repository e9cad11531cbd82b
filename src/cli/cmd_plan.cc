// `skein plan MIGRATION` (the dry run: who is affected, how, and in which waves) and
// `skein manifest check MIGRATION` (is the manifest right, before anything runs).
//
// Both read the manifest, find its from-dataset in the store's catalog and check the manifest
// against that dataset's schema (annotation or location, through DuckDB). A plan is only as good
// as that check, so an unreadable schema ends the command (exit 2) unless --schema-from none says
// to go without it.
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "base/text.h"
#include "catalog/lineage.h"
#include "catalog/validate.h"
#include "cli/cli.h"
#include "data/warehouse.h"
#include "fleet/plan.h"
#include "manifest/migration.h"

namespace skein {
namespace {

using nlohmann::json;

struct PlanOptions {
  std::string manifest;
  bool json = false;
  std::string schema_from = "catalog";
};

std::string Count(size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

void PrintColumnOps(const Migration& m) {
  int provable = 0;
  for (const auto& op : m.columns) provable += op.kind != ColumnOpKind::kAdd && op.Provable() ? 1 : 0;
  int changed = static_cast<int>(std::count_if(
      m.columns.begin(), m.columns.end(), [](const ColumnOp& op) { return op.kind != ColumnOpKind::kAdd; }));
  std::cout << "\nColumn changes (" << m.columns.size() << "): " << provable << " of " << changed
            << " v1 columns provable by rename or reverse\n";
  for (const auto& op : m.columns) {
    std::string what = op.kind == ColumnOpKind::kDrop ? op.from
                       : op.kind == ColumnOpKind::kAdd
                           ? op.to + " " + op.type
                           : op.from + " -> " + op.to + (op.type.empty() ? "" : " " + op.type);
    std::string proof = op.kind == ColumnOpKind::kAdd ? "new column"
                        : !op.Provable()              ? "no reverse: needs judgement"
                        : op.reverse.empty()          ? "provable (rename)"
                                                      : "provable (reverse)";
    std::printf("  %-14s %-40s %s\n", op.Describe().c_str(), what.c_str(), proof.c_str());
  }
}

void PrintConsumerLine(const PlannedConsumer& p, bool direct) {
  std::string name = ShortRef(p.key);
  if (!direct) {
    std::printf("      %-36s depth %d via %s\n", name.c_str(), p.consumer.depth, p.consumer.reads.c_str());
    return;
  }
  std::string wave = p.wave > 0 ? "wave " + std::to_string(p.wave) : "no wave";
  std::string handler = !p.needs_change                                 ? "-"
                        : p.estimate.handler == ConsumerHandler::kAgent ? "agent"
                                                                        : "builtin";
  char line[512];
  std::snprintf(line, sizeof line, "      %-36s %-8s %-8s %-8s %s", name.c_str(),
                OrDash(p.consumer.framework).c_str(), handler.c_str(), wave.c_str(),
                p.needs_approval ? "approval required" : "");
  std::string text(line);
  std::cout << text.substr(0, text.find_last_not_of(' ') + 1) << "\n";
  if (p.needs_change) std::cout << "        " << p.estimate.reason << "\n";
  if (!p.note.empty()) std::cout << "        " << p.note << "\n";
}

void PrintGroups(const std::vector<PlannedConsumer>& consumers, const RolloutPlan& plan, bool direct) {
  for (const auto& owner : GroupByOwnerAndTier(consumers)) {
    std::cout << "  " << (owner.owner.empty() ? "(no owner)" : ShortRef(owner.owner)) << "\n";
    for (const auto& tier : owner.tiers) {
      std::cout << "    " << (tier.tier.empty() ? "(no tier)" : tier.tier) << "\n";
      for (const auto& key : tier.consumers) PrintConsumerLine(*plan.Find(key), direct);
    }
  }
}

void PrintWaves(const Migration& m, const RolloutPlan& plan) {
  std::cout << "\nWaves (canary " << m.rollout.canary << ", growth " << m.rollout.growth << ", at most "
            << m.rollout.max_parallel << " at a time):\n";
  if (plan.waves.empty()) std::cout << "  none: no consumer needs a change\n";
  for (const auto& wave : plan.waves) {
    std::vector<std::string> names;
    for (const auto& key : wave.consumers) names.push_back(ShortRef(key));
    std::cout << "  wave " << wave.number << " (" << wave.consumers.size() << "): " << Join(names, ", ");
    if (wave.approvals > 0) std::cout << "  [approval required for " << wave.approvals << "]";
    std::cout << "\n";
  }
}

void PrintPlan(const Migration& m, const RolloutPlan& plan, bool schema_checked) {
  std::cout << "Migration " << m.name << " (" << m.file << ")\n  " << m.from << " -> " << m.to;
  if (!m.owner.empty()) std::cout << ", owner " << ShortRef(m.owner);
  std::cout << "\n";
  PrintColumnOps(m);
  if (plan.target_schema) {
    std::cout << "\nTarget schema of " << m.to << " (" << plan.target_schema->columns.size()
              << " columns):\n";
    for (const auto& c : plan.target_schema->columns) std::cout << "  " << c.name << " " << c.type << "\n";
  } else if (!schema_checked) {
    std::cout << "\nNot checked against " << m.from << "'s schema (--schema-from none).\n";
  }
  int builtin = plan.CountHandler(ConsumerHandler::kBuiltin),
      agent = plan.CountHandler(ConsumerHandler::kAgent);
  std::cout << "\nDirect consumers (" << plan.direct.size() << "): " << builtin << " builtin, " << agent
            << " agent (first estimate)\n";
  PrintGroups(plan.direct, plan, true);
  std::cout << "\nTransitive consumers (" << plan.transitive.size() << "): "
            << (m.consumers.preserve_output
                    ? "no change needed, consumers keep their outputs (preserve_output)"
                    : "review: preserve_output is false, their inputs may change")
            << "\n";
  PrintGroups(plan.transitive, plan, false);
  PrintWaves(m, plan);
  std::cout << "\nTotal: " << plan.direct.size() << " direct (" << builtin << " builtin, " << agent
            << " agent), " << plan.transitive.size() << " transitive, " << Count(plan.waves.size(), "wave")
            << ", " << Count(plan.CountApprovals(), "approval") << "\n";
  if (plan.lineage_truncated) std::cout << "(the lineage walk was cut short)\n";
}

void RunPlan(const PlanOptions& options, const GlobalOptions& global) {
  Migration m = OrFail(ReadMigrationFile(options.manifest));
  std::unique_ptr<Store> store = OpenStoreOrFail(global);
  CatalogGraph graph(OrFail(store->ListEntities()));
  const Entity& dataset = RequireDataset(m, graph);
  std::optional<Schema> schema;
  if (options.schema_from == "catalog") schema = CheckAgainstData(m, dataset);
  if (!schema) std::cerr << "skein: warning: the manifest is not checked against " << m.from << "'s schema\n";
  RolloutPlan plan = OrFail(PlanRollout(m, graph, schema ? &*schema : nullptr));
  if (!options.json) return PrintPlan(m, plan, schema.has_value());
  json out = RolloutPlanToJson(m, plan);
  out["schema_checked"] = schema.has_value();
  PrintJson(out);
}

struct CheckOptions {
  std::string manifest;
  bool json = false;
  std::string schema_from = "catalog";
};

// Checks the manifest against its from-dataset when a catalog holds it; returns what was
// checked, for the report. Fail()s on a problem.
std::string CheckWithCatalog(const Migration& m, const CheckOptions& options, const GlobalOptions& global) {
  if (options.schema_from == "none") return "not checked against data (--schema-from none)";
  if (StoreUrlFrom(global.store).empty() && !std::filesystem::exists(".skein/skein.db")) {
    return "not checked against data: no catalog here (run 'skein catalog import' or pass --store)";
  }
  std::unique_ptr<Store> store = OpenStoreOrFail(global);
  CatalogGraph graph(OrFail(store->ListEntities()));
  const Entity* dataset = graph.FindDataset(m.from);
  if (dataset == nullptr) return "not checked against data: " + m.from + " is not in the catalog";
  Schema schema = CheckAgainstData(m, *dataset);
  return "checked against " + m.from + " (" + std::to_string(schema.columns.size()) + " columns)";
}

void RunCheck(const CheckOptions& options, const GlobalOptions& global) {
  Migration m = OrFail(ReadMigrationFile(options.manifest));
  std::string checked = CheckWithCatalog(m, options, global);
  if (options.json) {
    return PrintJson({{"ok", true},
                      {"file", m.file},
                      {"data_checked", checked.rfind("checked against ", 0) == 0},
                      {"note", checked},
                      {"manifest", MigrationToJson(m)}});
  }
  std::cout << "OK: " << m.file << ": " << m.name << ", " << m.from << " -> " << m.to << ", "
            << m.columns.size() << " column ops; " << checked << "\n";
}

}  // namespace

void AddPlanCommands(CLI::App& app, GlobalOptions& global) {
  auto plan = std::make_shared<PlanOptions>();
  CLI::App* plan_cmd =
      app.add_subcommand("plan", "Dry run of a migration: affected consumers, estimates, waves");
  plan_cmd->add_option("migration", plan->manifest, "Migration manifest (YAML)")->required();
  plan_cmd->add_flag("--json", plan->json, "Print JSON");
  plan_cmd
      ->add_option("--schema-from", plan->schema_from,
                   "Where the from-dataset's schema comes from: catalog (annotation or location) or none")
      ->capture_default_str()
      ->check(CLI::IsMember({"catalog", "none"}));
  plan_cmd->callback([plan, &global] { RunPlan(*plan, global); });

  auto check = std::make_shared<CheckOptions>();
  CLI::App* manifest_cmd = app.add_subcommand("manifest", "Migration manifests");
  manifest_cmd->require_subcommand(1);
  CLI::App* check_cmd = manifest_cmd->add_subcommand(
      "check", "Check a manifest: on its own, then against its from-dataset's schema");
  check_cmd->add_option("migration", check->manifest, "Migration manifest (YAML)")->required();
  check_cmd->add_flag("--json", check->json, "Print the manifest with every default as JSON");
  check_cmd
      ->add_option("--schema-from", check->schema_from, "catalog (when the catalog has the dataset) or none")
      ->capture_default_str()
      ->check(CLI::IsMember({"catalog", "none"}));
  check_cmd->callback([check, &global] { RunCheck(*check, global); });
}

}  // namespace skein
