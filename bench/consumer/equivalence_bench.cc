// The equivalence verifier on 10,000 sample rows (docs/benchmarks.md): the example fleet's
// daily-active-users consumer, changed by the built-in agent, verified on rows generated from
// v1's schema (the sample every consumer gets when real v1 is out of reach). Reports the median
// and p95 of the verifier, and the same for its floor in the same run: a fresh in-memory DuckDB
// that builds the same v1 and v2 samples and reads each back once — what any equivalence check
// on this sample pays before it runs a consumer's query.
//
//   skein-bench-equivalence ORG_DIR [RUNS] [ROWS]   (ORG_DIR as for skein-bench-consumer)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "bench_util.h"
#include "catalog/lineage.h"
#include "data/engine.h"
#include "data/warehouse.h"
#include "dataset/result_compare.h"
#include "manifest/migration.h"
#include "store/store.h"
#include "vcs/workspace.h"
#include "verify/sample_data.h"
#include "verify/verifier.h"

namespace fs = std::filesystem;
using skein::bench::Ms;

namespace {

using skein::bench::Percentile;

[[noreturn]] void Die(const std::string& message) { skein::bench::Die("skein-bench-equivalence", message); }

template <typename T>
T Must(skein::Result<T> result, const char* what) {
  if (!result.ok()) Die(std::string(what) + ": " + result.status().message());
  return std::move(*result);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Die("usage: skein-bench-equivalence ORG_DIR [RUNS] [ROWS]");
  int runs = argc > 2 ? std::atoi(argv[2]) : 20;
  int rows = argc > 3 ? std::atoi(argv[3]) : 10000;
  fs::current_path(argv[1]);
  skein::Migration m = Must(skein::ReadMigrationFile("migrations/user-profile-v2.yaml"), "manifest");
  auto store = Must(skein::OpenStore(skein::StoreUrlFrom("")), "store");
  skein::CatalogGraph graph(Must(store->ListEntities(), "catalog"));
  const skein::Entity* dataset = graph.FindDataset(m.from);
  const skein::Entity* consumer =
      graph.FindEntity(skein::EntityRef::Parse("component:default/daily-active-users", "component").value());
  if (dataset == nullptr || consumer == nullptr) Die("import the example catalog first");
  auto warehouse = Must(skein::OpenDuckDbWarehouse(), "warehouse");
  skein::Schema v1_schema = Must(skein::DatasetSchema(*dataset, *warehouse), "v1 schema");
  skein::Schema v2_schema = Must(skein::TargetSchema(m, v1_schema), "v2 schema");
  skein::RewriteSpec spec = Must(skein::RewriteSpec::FromMigration(m, v1_schema), "rewrite spec");
  spec.preserve_output = m.consumers.preserve_output;

  fs::path root = fs::temp_directory_path() / ("skein-bench-equivalence-" + std::to_string(getpid()));
  skein::vcs::Workspace w = Must(skein::vcs::CreateWorkspace(consumer->Repo(), root, "job"), "workspace");
  skein::agent::AgentTask task;
  task.migration = &m;
  task.spec = &spec;
  task.v1_schema = &v1_schema;
  task.v2_schema = &v2_schema;
  task.workspace = w;
  task.consumer = consumer->Ref().Key();
  Must(skein::agent::MakeBuiltinAgent()->Run(task), "builtin agent");

  skein::verify::VerifyContext context;
  context.migration = &m;
  context.spec = &spec;
  context.v1_schema = &v1_schema;
  context.v2_schema = &v2_schema;
  context.consumer = consumer;
  context.workspace = w;
  context.changes = Must(skein::vcs::ChangedFiles(w), "changed files");
  context.diff = Must(skein::vcs::WorkspaceDiff(w), "diff");
  context.agent = "builtin";
  context.settings.sample_rows = rows;
  context.settings.sample_seed = m.consumers.equivalence.seed;

  std::unique_ptr<skein::verify::Verifier> verifier = skein::verify::MakeVerifier("equivalence");
  std::vector<double> checks, floors;
  std::string summary;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    skein::verify::VerifierResult result = verifier->Verify(context);
    checks.push_back(Ms(std::chrono::steady_clock::now() - start).count());
    if (result.outcome != skein::verify::Outcome::kPass) {
      for (const std::string& line : result.lines) std::fprintf(stderr, "  %s\n", line.c_str());
      Die("the verifier did not pass: " + result.summary);
    }
    summary = result.summary;

    start = std::chrono::steady_clock::now();
    auto engine = Must(skein::OpenDuckDbEngine(), "engine");
    auto samples = Must(skein::verify::LoadSampleTables(*engine, m, v1_schema, std::nullopt, rows,
                                                        context.settings.sample_seed),
                        "samples");
    auto v1 =
        Must(skein::dataset::RunForComparison(*engine, "SELECT * FROM " + samples.v1, 1000000), "read v1");
    auto v2 =
        Must(skein::dataset::RunForComparison(*engine, "SELECT * FROM " + samples.v2, 1000000), "read v2");
    floors.push_back(Ms(std::chrono::steady_clock::now() - start).count());
    if (v1.rows.empty() || v2.rows.empty()) Die("empty sample");
  }
  (void)skein::vcs::RemoveWorkspace(w);
  fs::remove_all(root);
  std::printf("equivalence on %d generated rows: %s\n", rows, summary.c_str());
  std::printf("%-34s %10s %10s\n", "", "median_ms", "p95_ms");
  std::printf("%-34s %10.1f %10.1f\n", "equivalence verifier", Percentile(checks, 0.5),
              Percentile(checks, 0.95));
  std::printf("%-34s %10.1f %10.1f\n", "floor: build samples, read back", Percentile(floors, 0.5),
              Percentile(floors, 0.95));
  std::printf("ratio verifier/floor (median): %.2f\n", Percentile(checks, 0.5) / Percentile(floors, 0.5));
  return 0;
}
