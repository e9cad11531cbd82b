// One consumer end to end with the built-in agent, in process: workspace (clone), rewrite, the
// verifiers except `build` (parse, residual, equivalence, scope), commit — what
// `skein migrate-consumer --dry-run` does after reading the catalog. Reports the median and p95
// per example consumer, and the same for a plain `git clone` of the repository (the
// reference: the floor any job that clones pays).
//
//   skein-bench-consumer ORG_DIR [RUNS]     (ORG_DIR: examples/setup-workspace's folder, catalog imported)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/subprocess.h"
#include "bench_util.h"
#include "catalog/lineage.h"
#include "data/warehouse.h"
#include "fleet/consumer_job.h"
#include "fleet/plan.h"
#include "manifest/migration.h"
#include "store/store.h"

namespace fs = std::filesystem;
using skein::bench::Ms;

namespace {

using skein::bench::Percentile;

[[noreturn]] void Die(const std::string& message) { skein::bench::Die("skein-bench-consumer", message); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Die("usage: skein-bench-consumer ORG_DIR [RUNS]");
  int runs = argc > 2 ? std::atoi(argv[2]) : 20;
  fs::current_path(argv[1]);
  auto migration = skein::ReadMigrationFile("migrations/user-profile-v2.yaml");
  if (!migration.ok()) Die(migration.status().message());
  skein::Migration m = *migration;
  m.consumers.verifiers = {"parse", "residual", "equivalence", "scope"};
  auto store = skein::OpenStore(skein::StoreUrlFrom(""));
  if (!store.ok()) Die(store.status().message());
  auto entities = (*store)->ListEntities();
  if (!entities.ok()) Die(entities.status().message());
  skein::CatalogGraph graph(*entities);
  const skein::Entity* dataset = graph.FindDataset(m.from);
  if (dataset == nullptr) Die("import the example catalog first");
  auto warehouse = skein::OpenDuckDbWarehouse();
  auto schema = skein::DatasetSchema(*dataset, **warehouse);
  if (!schema.ok()) Die(schema.status().message());
  auto plan = skein::PlanRollout(m, graph, &*schema);
  if (!plan.ok()) Die(plan.status().message());

  skein::ConsumerJobOptions options;
  options.dry_run = true;
  options.workspaces = fs::temp_directory_path() / ("skein-bench-consumer-" + std::to_string(getpid()));
  options.evidence_root = options.workspaces / "evidence";
  options.v1_location = *skein::DatasetLocation::Parse(dataset->Location());

  std::vector<double> all_jobs, all_clones;
  std::printf("%-22s %-9s %10s %10s %12s %12s  %s\n", "consumer", "state", "median_ms", "p95_ms",
              "clone_med_ms", "clone_p95_ms", "median ms per verifier");
  for (const auto& planned : plan->direct) {
    if (!planned.needs_change || planned.estimate.handler != skein::ConsumerHandler::kBuiltin) continue;
    const skein::Entity* consumer = graph.FindEntity(planned.consumer.ref);
    fs::path repo = consumer->Repo();
    std::vector<double> jobs, clones;
    std::map<std::string, std::vector<double>> verifiers;
    std::string state;
    for (int i = 0; i < runs; ++i) {
      auto start = std::chrono::steady_clock::now();
      auto report = skein::MigrateConsumer(m, *schema, *consumer, repo, nullptr, options);
      jobs.push_back(Ms(std::chrono::steady_clock::now() - start).count());
      if (!report.ok()) Die(report.status().message());
      state = std::string(skein::JobStateName(report->state));
      if (!report->attempts.empty()) {
        for (const auto& r : report->attempts.back().results)
          verifiers[r.verifier].push_back(static_cast<double>(r.elapsed.count()));
      }
      // A finished job leaves its log folder; a failed one its whole job folder (log's parent).
      fs::remove_all(report->ok() ? report->evidence : report->evidence.parent_path());
      fs::path clone = options.workspaces / ("clone-" + std::to_string(i));
      start = std::chrono::steady_clock::now();
      auto cloned = skein::RunProcess({"git", "clone", "--quiet", repo.string(), clone.string()});
      clones.push_back(Ms(std::chrono::steady_clock::now() - start).count());
      if (!cloned.ok() || cloned->exit_code != 0) Die("git clone failed");
      fs::remove_all(clone);
    }
    std::string split;
    for (const auto& [name, ms] : verifiers)
      split += " " + name + "=" + std::to_string(static_cast<int>(Percentile(ms, 0.5)));
    std::printf("%-22s %-9s %10.1f %10.1f %12.1f %12.1f %s\n", consumer->name.c_str(), state.c_str(),
                Percentile(jobs, 0.5), Percentile(jobs, 0.95), Percentile(clones, 0.5),
                Percentile(clones, 0.95), split.c_str());
    all_jobs.insert(all_jobs.end(), jobs.begin(), jobs.end());
    all_clones.insert(all_clones.end(), clones.begin(), clones.end());
  }
  if (all_jobs.empty()) Die("no builtin consumer in the plan");
  std::printf("%-22s %-9s %10.1f %10.1f %12.1f %12.1f\n", "all", "", Percentile(all_jobs, 0.5),
              Percentile(all_jobs, 0.95), Percentile(all_clones, 0.5), Percentile(all_clones, 0.95));
  std::printf("ratio job/clone (median): %.2f\n", Percentile(all_jobs, 0.5) / Percentile(all_clones, 0.5));
  fs::remove_all(options.workspaces);
  return 0;
}
