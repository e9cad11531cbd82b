// `skein data plan|run|verify|approve|publish|rollback MIGRATION` (and `skein data diff`, in
// cmd_data_diff.cc): the data side of a migration
// (dataset/). v1 and v2 are found through the catalog (each dataset's skein.dev/location), or
// given with --from-location / --to-location.
#include <filesystem>
#include <iostream>

#include "base/text.h"
#include "catalog/lineage.h"
#include "cli/cli.h"
#include "data/engine.h"
#include "dataset/dataset.h"
#include "fleet/targets.h"
#include "manifest/migration.h"

namespace skein {
namespace {

struct DataOptions {
  std::string manifest;
  std::string from_location;
  std::string to_location;
  bool json = false;
  int examples = 10;
  std::string approved_by;
  std::vector<std::string> partitions;
  bool keep_failed = false;
};

struct Session {
  Migration migration;
  dataset::Locations locations;
  std::unique_ptr<Store> store;
  std::unique_ptr<SqlEngine> engine;
};

Session Open(const DataOptions& options, const GlobalOptions& global) {
  Session s;
  s.migration = OrFail(ReadMigrationFile(options.manifest));
  s.store = OpenStoreOrFail(global);
  CatalogGraph graph(OrFail(s.store->ListEntities()));
  s.locations = OrFail(ResolveLocations(s.migration, graph, options.from_location, options.to_location));
  s.engine = OrFail(OpenEngineFor(s.locations.v1));
  return s;
}

void AddCommon(CLI::App* cmd, DataOptions& options) {
  cmd->add_option("MIGRATION", options.manifest, "the migration manifest")->required();
  cmd->add_option("--from-location", options.from_location, "where v1 is (default: its catalog location)");
  cmd->add_option("--to-location", options.to_location, "where v2 goes (default: its catalog location)");
}

void RunPlan(const DataOptions& options, const GlobalOptions& global) {
  Session s = Open(options, global);
  std::unique_ptr<Warehouse> warehouse = OrFail(OpenDuckDbWarehouse());
  Schema v1 = OrFail(warehouse->ReadSchema(s.locations.v1));
  dataset::Transform t = OrFail(dataset::PlanTransform(s.migration, v1, s.engine->kind()));
  std::string relation = OrFail(s.engine->Relation(s.locations.v1));
  if (options.json) {
    nlohmann::json columns = nlohmann::json::array();
    for (const auto& c : t.columns)
      columns.push_back({{"name", c.name}, {"type", c.type}, {"expression", c.expression}});
    PrintJson({{"from", s.locations.v1.ToString()},
               {"to", s.locations.v2.ToString()},
               {"partition_by", t.partition_v1},
               {"columns", columns},
               {"sql", t.Select(relation, "")}});
    return;
  }
  std::cout << "v1: " << s.locations.v1.ToString() << "\nv2: " << s.locations.v2.ToString() << "\n";
  std::cout << "partitions: " << (t.partition_v1.empty() ? "one" : "by " + t.partition_v1)
            << "\n\nv2 columns:\n";
  for (const auto& c : t.columns)
    std::cout << "  " << c.name << " " << c.type << " = " << c.expression << "\n";
  std::cout << "\ntransform (per partition, with its filter):\n  " << t.Select(relation, "") << "\n";
}

void RunRun(const DataOptions& options, const GlobalOptions& global) {
  Session s = Open(options, global);
  // Running a finished migration again is a no-op: a scheduler may retry a job that succeeded.
  std::string before = OrFail(dataset::RunState(s.migration, *s.store));
  if ((before == "published" || before == "retired") && options.partitions.empty()) {
    if (options.json) {
      PrintJson({{"state", before}});
    } else if (before == "retired") {
      std::cout << "already published " << s.locations.v2.ToString()
                << ", and v1 is retired (decommissioned): nothing to do\n";
    } else {
      std::cout << "already published " << s.locations.v2.ToString() << "; 'skein data rollback "
                << options.manifest << "' first to write it again\n";
    }
    return;
  }
  dataset::BackfillOptions backfill_options;
  backfill_options.partitions = options.partitions;
  dataset::BackfillReport backfill = OrFail(dataset::Backfill(
      s.migration, s.locations, *s.engine, *s.store,
      [&](const std::string& line) {
        if (!options.json) std::cerr << line << "\n";
      },
      backfill_options));
  if (!options.partitions.empty()) {  // a repair of some partitions: verifying waits for all
    if (options.json) {
      PrintJson({{"state", "staged"}, {"rows", backfill.rows}, {"partitions", backfill.partitions.size()}});
    } else {
      std::cout << "staged " << backfill.rows << " rows in " << backfill.partitions.size()
                << " partition(s); 'skein data verify " << options.manifest << "' checks the whole of v2\n";
    }
    return;
  }
  dataset::VerifyReport report =
      OrFail(dataset::Verify(s.migration, s.locations, *s.engine, *s.store, options.examples));
  bool approval = s.migration.data.publish.approval == PublishApproval::kRequired;
  std::string state = "verified";
  if (report.passed() && !approval) {
    OrFail(dataset::Publish(s.migration, s.locations, *s.engine, *s.store));
    state = "published";
  } else if (!report.passed()) {
    state = "failed";
    // A failed verification publishes nothing and removes what this run staged, unless asked to
    // keep it for a look.
    if (!options.keep_failed) OrFail(dataset::Rollback(s.migration, s.locations, *s.engine, *s.store));
  }
  if (options.json) {
    PrintJson({{"state", state},
               {"rows", backfill.rows},
               {"partitions", backfill.partitions.size()},
               {"partitions_skipped", backfill.skipped},
               {"rolled_back", state == "failed" && !options.keep_failed},
               {"verify", report.ToJson()}});
  } else {
    std::cout << "staged " << backfill.rows << " rows in " << backfill.partitions.size() << " partition(s) ("
              << backfill.skipped << " already staged)\n"
              << report.ToText();
    if (state == "published") std::cout << "published " << s.locations.v2.ToString() << "\n";
    if (state == "verified") {
      std::cout << "waiting for approval: skein data approve " << options.manifest
                << " --by NAME, then skein "
                << "data publish " << options.manifest << "\n";
    }
    if (state == "failed" && options.keep_failed) {
      std::cout << "nothing published; what was staged is kept (--keep-failed): 'skein data rollback "
                << options.manifest << "' removes it\n";
    } else if (state == "failed") {
      std::cout << "nothing published; what was staged is rolled back (--keep-failed keeps it for a look)\n";
    }
  }
  if (state == "failed") throw CommandExit{1};
}

void RunVerify(const DataOptions& options, const GlobalOptions& global) {
  Session s = Open(options, global);
  dataset::VerifyReport report =
      OrFail(dataset::Verify(s.migration, s.locations, *s.engine, *s.store, options.examples));
  if (options.json) {
    PrintJson(report.ToJson());
  } else {
    std::cout << report.ToText();
  }
  if (!report.passed()) throw CommandExit{1};
}

}  // namespace

void AddDataCommands(CLI::App& app, GlobalOptions& global) {
  CLI::App* data = app.add_subcommand("data", "materialize, verify, publish and roll back a migration's v2");
  data->require_subcommand(1);
  auto options = std::make_shared<DataOptions>();

  CLI::App* plan = data->add_subcommand("plan", "show v2's columns and the SQL that computes them from v1");
  AddCommon(plan, *options);
  plan->add_flag("--json", options->json, "print JSON");
  plan->callback([options, &global] { RunPlan(*options, global); });

  CLI::App* run = data->add_subcommand(
      "run",
      "stage v2 from v1 partition by partition (resumable), verify it, and publish it unless an "
      "approval is required");
  AddCommon(run, *options);
  run->add_flag("--json", options->json, "print JSON");
  run->add_option("--examples", options->examples, "example rows per kind of difference (default 10)");
  run->add_flag("--keep-failed", options->keep_failed,
                "when verification fails, keep what was staged (default: roll it back)");
  run->add_option("--partition", options->partitions,
                  "stage only this partition (its value, as 'skein data verify' names it); repeatable");
  run->callback([options, &global] { RunRun(*options, global); });

  CLI::App* verify = data->add_subcommand("verify", "verify the staged v2 against v1 through the transform");
  AddCommon(verify, *options);
  verify->add_flag("--json", options->json, "print JSON");
  verify->add_option("--examples", options->examples, "example rows per kind of difference (default 10)");
  verify->callback([options, &global] { RunVerify(*options, global); });

  CLI::App* approve = data->add_subcommand("approve", "approve publishing a verified v2");
  AddCommon(approve, *options);
  approve->add_option("--by", options->approved_by, "who approves")->required();
  approve->callback([options, &global] {
    Session s = Open(*options, global);
    OrFail(dataset::Approve(s.migration, *s.store, options->approved_by));
    std::cout << "approved by " << options->approved_by << "\n";
  });

  CLI::App* publish = data->add_subcommand("publish", "publish the verified (and approved) v2");
  AddCommon(publish, *options);
  publish->callback([options, &global] {
    Session s = Open(*options, global);
    OrFail(dataset::Publish(s.migration, s.locations, *s.engine, *s.store));
    std::cout << "published " << s.locations.v2.ToString() << "\n";
  });

  CLI::App* rollback =
      data->add_subcommand("rollback", "remove what the migration staged or published; v1 is untouched");
  AddCommon(rollback, *options);
  rollback->callback([options, &global] {
    Session s = Open(*options, global);
    OrFail(dataset::Rollback(s.migration, s.locations, *s.engine, *s.store));
    std::cout << "rolled back " << s.locations.v2.ToString() << "\n";
  });

  AddDataDiffCommand(*data, global);  // cmd_data_diff.cc
}

}  // namespace skein
