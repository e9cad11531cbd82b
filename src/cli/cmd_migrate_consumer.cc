// `skein migrate-consumer MIGRATION CONSUMER [--dry-run] [--json] [--keep-workspace]`: one
// consumer in the foreground. Clones the consumer's repository into a workspace, lets the
// manifest's agent change it, runs the verifiers (feeding failures back to the agent), then
// commits, pushes the campaign's branch and opens or updates the change request. Prints the
// diff, each verifier's result and the request it opened (or, with --dry-run, would open).
//
// The consumer's repository is its skein.dev/repo annotation (relative to the working folder).
// The forge is consumers.change.forge.kind, or by the consumer's annotations when "auto":
// github.com/project-slug → GitHub, gitlab.com/project-slug → GitLab, else git. The branch goes
// to skein.dev/remote, else the repository's `origin`, else (git forge only) the repository
// itself.
//
// Exit codes: 0 verified (and opened, updated or already up to date) or nothing to change;
// 1 the job failed (evidence kept, its folder printed); 2 bad input.
#include <filesystem>
#include <iostream>

#include "base/hash.h"
#include "base/text.h"
#include "catalog/validate.h"
#include "cli/cli.h"
#include "fleet/consumer_job.h"
#include "fleet/plan.h"
#include "fleet/targets.h"
#include "vcs/git.h"

namespace skein {
namespace {

namespace fs = std::filesystem;

struct MigrateConsumerOptions {
  std::string manifest;
  std::string consumer;
  bool dry_run = false;
  bool json = false;
  bool keep_workspace = false;
};

// The direct consumer named `name` (a name or a ref key), or Fail() listing them.
const PlannedConsumer& RequireConsumer(const Migration& m, const RolloutPlan& plan, const std::string& name) {
  std::vector<std::string> names;
  for (const auto& p : plan.direct) {
    if (p.key == name || ShortRef(p.key) == name || p.consumer.ref.name == name) {
      if (!p.needs_change) Fail(Status::InvalidInput("consumer " + name + " needs no change: " + p.note));
      return p;
    }
    names.push_back(p.consumer.ref.name);
  }
  for (const auto& p : plan.transitive) {
    if (p.key == name || ShortRef(p.key) == name || p.consumer.ref.name == name) {
      Fail(Status::InvalidInput(
          "consumer " + name + " reads " + m.from + " only through " + p.consumer.reads + " (depth " +
          std::to_string(p.consumer.depth) + "); " +
          (m.consumers.preserve_output ? "preserve_output keeps its input unchanged" : "review it by hand")));
    }
  }
  std::string guess = ClosestMatch(name, names);
  Fail(Status::NotFound(
      "no direct consumer '" + name + "' of " + m.from +
      (guess.empty() ? "" : " (did you mean '" + guess + "'?)") +
      "; its direct consumers: " + (names.empty() ? std::string("none") : Join(names, ", "))));
}

void PrintReport(const ConsumerJobReport& r, bool dry_run) {
  std::cout << "Consumer " << ShortRef(r.consumer) << " (" << r.repo << " at " << r.base_commit.substr(0, 12)
            << ")\n";
  for (const auto& a : r.attempts) {
    std::cout << "\nAttempt " << a.number << " (" << a.agent.agent << " agent"
              << (a.agent.ran_command ? ", command ran" : "")
              << "): " << (a.passed ? "verified" : "not verified") << "\n";
    for (const auto& problem : a.problems) std::cout << "  problem: " << problem << "\n";
    for (const auto& v : a.results) {
      std::printf("  %-12s %-15s %s\n", v.verifier.c_str(),
                  std::string(verify::OutcomeName(v.outcome)).c_str(), v.summary.c_str());
      size_t shown = 0;
      for (const auto& line : v.lines) {
        if (v.outcome != verify::Outcome::kFail || ++shown > 12) break;
        std::cout << "      " << line << "\n";
      }
    }
  }
  if (!r.diff.empty()) std::cout << "\n" << r.diff;
  std::cout << "\n";
  switch (r.state) {
    case JobState::kVerified:
      std::cout << "Verified. Would push branch " << r.branch << " and open a change request \"" << r.title
                << "\" (dry run: nothing pushed).\n";
      break;
    case JobState::kOpened:
      std::cout << "Opened " << r.request->url << " (branch " << r.branch << ").\n";
      break;
    case JobState::kUpdated:
      std::cout << "Updated " << r.request->url << " (branch " << r.branch << " moved).\n";
      break;
    case JobState::kUnchanged:
      std::cout << "Up to date: " << r.request->url << " already carries this change; nothing pushed.\n";
      break;
    case JobState::kNoChange:
      std::cout << "Nothing to change: " << r.reason << "\n";
      break;
    case JobState::kFailed:
      std::cout << "Failed: " << r.reason << "\nEvidence kept in " << r.evidence.string() << "\n";
      break;
    case JobState::kDeclined:
      std::cout << "Declined: " << r.reason << "\nNothing pushed.\n";
      break;
  }
  (void)dry_run;
}

void RunMigrateConsumer(const MigrateConsumerOptions& options, const GlobalOptions& global) {
  Migration m = OrFail(ReadMigrationFile(options.manifest));
  std::unique_ptr<Store> store = OpenStoreOrFail(global);
  CatalogGraph graph(OrFail(store->ListEntities()));
  const Entity& dataset = RequireDataset(m, graph);
  Schema v1_schema = CheckAgainstData(m, dataset);
  RolloutPlan plan = OrFail(PlanRollout(m, graph, &v1_schema));
  const PlannedConsumer& planned = RequireConsumer(m, plan, options.consumer);
  const Entity* found = graph.FindEntity(planned.consumer.ref);
  if (found == nullptr)
    Fail(Status::Internal("consumer " + planned.key + " is in the plan but not in the catalog"));
  const Entity& consumer = *found;
  fs::path repo = OrFail(ConsumerRepo(consumer, ""));

  ConsumerJobOptions job;
  job.manifest_sha256 = Sha256Hex(OrFail(ReadFile(options.manifest)));  // what made the change
  job.dry_run = options.dry_run;
  job.keep_workspace = options.keep_workspace;
  job.remote = RemoteOf(consumer, repo);
  if (Result<DatasetLocation> location = DatasetLocation::Parse(dataset.Location()); location.ok())
    job.v1_location = *location;
  if (!options.json) job.progress = [](const std::string& line) { std::cerr << "skein: " << line << "\n"; };

  static SystemClock clock;
  std::unique_ptr<vcs::Forge> forge;
  if (!options.dry_run) forge = OrFail(MakeConsumerForge(m, consumer, repo, job.remote, clock));
  ConsumerJobReport report = OrFail(MigrateConsumer(m, v1_schema, consumer, repo, forge.get(), job));
  if (options.json) {
    PrintJson(ConsumerJobToJson(report));
  } else {
    PrintReport(report, options.dry_run);
  }
  if (!report.ok()) throw CommandExit{1};
}

}  // namespace

void AddMigrateConsumerCommand(CLI::App& app, GlobalOptions& global) {
  auto options = std::make_shared<MigrateConsumerOptions>();
  CLI::App* cmd = app.add_subcommand(
      "migrate-consumer",
      "Migrate one consumer in the foreground: workspace, agent, verifiers, commit, change request");
  cmd->add_option("migration", options->manifest, "Migration manifest (YAML)")->required();
  cmd->add_option("consumer", options->consumer, "The consumer: its name or ref (component:default/NAME)")
      ->required();
  cmd->add_flag("--dry-run", options->dry_run, "Verify the change, push nothing, open nothing");
  cmd->add_flag("--json", options->json, "Print the job's report as JSON");
  cmd->add_flag("--keep-workspace", options->keep_workspace,
                "Keep the workspace folder after a successful job");
  cmd->callback([options, &global] { RunMigrateConsumer(*options, global); });
}

}  // namespace skein
