// The consumer job against a GitHub stand-in (a local HTTP server answering in GitHub's API
// shapes; GitHub itself cannot run here): a verified change is pushed and opened as one pull
// request whose body carries the evidence; a re-run updates nothing and opens no second one;
// a consumer that moves on gets the same request, rebased; a request a person closed is neither
// reopened nor followed by a new one. Every attempt records its provenance, and a campaign's
// consumer job (JobRunner) records the campaign's manifest hash.
#include "fleet/consumer_job.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>

#include "base/version.h"
#include "catalog/lineage.h"
#include "data/warehouse.h"
#include "fleet/campaign.h"
#include "queue/queue.h"
#include "store/store.h"
#include "tests/support/forge_standin.h"
#include "tests/support/test_support.h"
#include "vcs/git.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Contains;
using testing::ForgeStandin;

constexpr const char* kTokenEnv = "SKEIN_TEST_GITHUB_TOKEN";
constexpr const char* kToken = "ghp_standinSecret0123456789";

// A file's sha256 by coreutils' sha256sum (not skein's code: the reference to compare with).
std::string Sha256SumOf(const fs::path& file) {
  testing::CommandResult sum = testing::RunProgram({"sha256sum", file.string()}, file.parent_path());
  if (sum.exit_code != 0 || sum.out.size() < 64) return "";
  return sum.out.substr(0, 64);
}

class ConsumerJobOnGitHub : public ::testing::Test {
 protected:
  ConsumerJobOnGitHub() : github_(ForgeStandin::Api::kGitHub, kToken) { setenv(kTokenEnv, kToken, 1); }

  void SetUp() override {
    ASSERT_EQ(testing::LayOutExampleOrg(org()), "");

    Result<Migration> m = ReadMigrationFile(org() / "migrations/user-profile-v2.yaml");
    ASSERT_TRUE(m.ok()) << m.status().message();
    migration_ = *m;
    migration_.consumers.verifiers = {"parse", "residual", "equivalence", "scope"};
    // The example catalog's locations are relative to the organisation's folder, as skein runs there.
    previous_cwd_ = fs::current_path();
    fs::current_path(org());
    Result<std::unique_ptr<Store>> store = OpenStore(StoreUrlFrom(""));
    ASSERT_TRUE(store.ok()) << store.status().message();
    Result<std::vector<Entity>> entities = (*store)->ListEntities();
    ASSERT_TRUE(entities.ok());
    CatalogGraph graph(*entities);
    const Entity* dataset = graph.FindDataset(migration_.from);
    ASSERT_NE(dataset, nullptr);
    location_ = *DatasetLocation::Parse(dataset->Location());
    auto warehouse = OpenDuckDbWarehouse();
    ASSERT_TRUE(warehouse.ok());
    Result<Schema> schema = DatasetSchema(*dataset, **warehouse);
    ASSERT_TRUE(schema.ok()) << schema.status().message();
    v1_schema_ = *schema;
    const Entity* consumer = graph.FindEntity(*EntityRef::Parse("daily-active-users", "component"));
    ASSERT_NE(consumer, nullptr);
    consumer_ = *consumer;
    consumer_.annotations["github.com/project-slug"] = "acme/daily-active-users";
    repo_ = org() / consumer_.Repo();
  }

  void TearDown() override {
    if (!previous_cwd_.empty()) fs::current_path(previous_cwd_);
  }

  fs::path org() const { return dir_.path() / "org"; }

  Result<ConsumerJobReport> Run() {
    vcs::ForgeConfig config{vcs::ForgeKind::kGitHub, github_.api_url(), kTokenEnv, {}};
    Result<std::unique_ptr<vcs::Forge>> forge = vcs::MakeForge(config, clock_);
    if (!forge.ok()) return forge.status();
    ConsumerJobOptions options;
    options.workspaces = dir_.path() / "workspaces";
    options.evidence_root = dir_.path() / "evidence";
    options.v1_location = location_;
    options.manifest_sha256 = manifest_sha256_;
    options.remote = remote_;
    options.rebase_on_remote = rebase_on_remote_;
    return MigrateConsumer(migration_, v1_schema_, consumer_, repo_, forge->get(), options);
  }

  testing::TempDir dir_;
  ManualClock clock_;
  ForgeStandin github_;
  Migration migration_;
  DatasetLocation location_;
  Schema v1_schema_;
  Entity consumer_;
  fs::path repo_;
  fs::path previous_cwd_;
  std::string manifest_sha256_;
  std::string remote_;  // "" = the repository itself
  bool rebase_on_remote_ = false;
};

TEST_F(ConsumerJobOnGitHub, OpensOnePullRequestCarryingTheEvidence) {
  manifest_sha256_ = Sha256SumOf(org() / "migrations/user-profile-v2.yaml");
  ASSERT_EQ(manifest_sha256_.size(), 64u);
  Result<std::string> head = vcs::ResolveCommit(repo_, "HEAD");
  ASSERT_TRUE(head.ok()) << head.status().message();
  Result<ConsumerJobReport> first = Run();
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_EQ(first->state, JobState::kOpened) << first->reason;
  // The provenance: what made the change (the builtin agent is skein's own), on which commit,
  // from which manifest; with the job and with each attempt, in the report, its JSON and on disk.
  const Provenance& made = first->provenance;
  EXPECT_EQ(made.skein_version, SKEIN_VERSION);
  EXPECT_EQ(made.manifest_sha256, manifest_sha256_);
  EXPECT_EQ(made.base_commit, *head);
  EXPECT_EQ(made.agent.kind, "builtin");
  EXPECT_EQ(made.agent.version, SKEIN_VERSION);
  json evidence = ConsumerJobToJson(*first);
  json expected = {{"skein_version", SKEIN_VERSION},
                   {"manifest_sha256", manifest_sha256_},
                   {"base_commit", *head},
                   {"agent", {{"kind", "builtin"}, {"version", SKEIN_VERSION}}}};
  EXPECT_EQ(evidence["provenance"], expected);
  ASSERT_FALSE(evidence["attempts"].empty());
  for (const json& attempt : evidence["attempts"])
    EXPECT_EQ(attempt["provenance"], expected) << attempt.dump();
  json on_disk =
      json::parse(testing::ReadFile(first->evidence / "attempt-1" / "attempt.json"), nullptr, false);
  ASSERT_TRUE(on_disk.is_object()) << first->evidence;
  EXPECT_EQ(on_disk["provenance"], expected);
  std::optional<testing::StandinRequest> pr =
      github_.Find("acme/daily-active-users", "skein/user-profile-v2");
  ASSERT_TRUE(pr.has_value());
  EXPECT_EQ(pr->base, "main");
  EXPECT_EQ(pr->title, "Move to core.user_profile_v2");
  EXPECT_EQ(pr->labels, std::vector<std::string>{"skein"});
  EXPECT_EQ(pr->team_reviewers, std::vector<std::string>{"growth"}) << "the catalog owner reviews";
  // The body: what changed and why, each verifier's result, equivalence row counts and checksums.
  EXPECT_TRUE(Contains(pr->body, "`queries/daily_active_users.sql`")) << pr->body;
  EXPECT_TRUE(Contains(pr->body, "| `user_id` | `account_id` | rename |")) << pr->body;
  for (const char* verifier :
       {"| parse | pass |", "| residual | pass |", "| equivalence | pass |", "| scope | pass |"})
    EXPECT_TRUE(Contains(pr->body, verifier)) << verifier << "\n" << pr->body;
  EXPECT_TRUE(Contains(pr->body, "| rows v1 | rows v2 | checksum v1 | checksum v2 |")) << pr->body;
  EXPECT_TRUE(Contains(pr->body, "`queries/daily_active_users.sql:3`")) << pr->body;
  EXPECT_TRUE(Contains(
      pr->body, "Made by skein " SKEIN_VERSION " from the manifest with sha256 `" + manifest_sha256_ + "`"))
      << pr->body;
  // The branch reached the repository's remote (the repository itself here).
  Result<std::string> pushed = vcs::ResolveCommit(repo_, "refs/heads/skein/user-profile-v2");
  ASSERT_TRUE(pushed.ok());
  EXPECT_EQ(*pushed, first->commit);

  Result<ConsumerJobReport> again = Run();
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->state, JobState::kUnchanged) << again->reason;
  EXPECT_EQ(github_.requests().size(), 1u) << "a re-run never opens a second pull request";
}

TEST_F(ConsumerJobOnGitHub, AConsumerThatMovesOnGetsTheSameRequestRebased) {
  ASSERT_TRUE(Run().ok());
  std::ofstream(repo_ / "README.md", std::ios::app) << "More docs.\n";
  ASSERT_TRUE(
      vcs::Git(repo_, {"-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-am", "docs"}).ok());
  Result<ConsumerJobReport> rebased = Run();
  ASSERT_TRUE(rebased.ok()) << rebased.status().message();
  EXPECT_EQ(rebased->state, JobState::kUpdated) << rebased->reason;
  EXPECT_EQ(github_.requests().size(), 1u);
  EXPECT_EQ(*vcs::ResolveCommit(repo_, "refs/heads/skein/user-profile-v2^"),
            *vcs::ResolveCommit(repo_, "main"));
}

TEST_F(ConsumerJobOnGitHub, MadeAgainAfterAConflictItLandsOnTheRemotesBaseNotTheStaleSource) {
  // The remote moved on (someone merged there); the source repository skein reads has not.
  fs::path remote = dir_.path() / "remote.git";
  ASSERT_TRUE(vcs::Git(dir_.path(), {"clone", "-q", "--bare", repo_.string(), remote.string()}).ok());
  fs::path other = dir_.path() / "other";
  ASSERT_TRUE(vcs::Git(dir_.path(), {"clone", "-q", remote.string(), other.string()}).ok());
  std::ofstream(other / "NOTES.md") << "Merged elsewhere.\n";
  ASSERT_TRUE(vcs::Git(other, {"add", "NOTES.md"}).ok());
  ASSERT_TRUE(
      vcs::Git(other, {"-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "notes"}).ok());
  ASSERT_TRUE(vcs::Git(other, {"push", "-q", "origin", "HEAD:main"}).ok());
  std::string remote_main = *vcs::ResolveCommit(remote, "main");
  ASSERT_NE(remote_main, *vcs::ResolveCommit(repo_, "main"));
  remote_ = remote.string();

  Result<ConsumerJobReport> plain = Run();
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_EQ(*vcs::ResolveCommit(remote, "refs/heads/skein/user-profile-v2^"),
            *vcs::ResolveCommit(repo_, "main"))
      << "a first run bases the change on the source repository's HEAD";

  rebase_on_remote_ = true;
  Result<ConsumerJobReport> rebased = Run();
  ASSERT_TRUE(rebased.ok()) << rebased.status().message();
  EXPECT_EQ(rebased->state, JobState::kUpdated) << rebased->reason;
  EXPECT_EQ(*vcs::ResolveCommit(remote, "refs/heads/skein/user-profile-v2^"), remote_main)
      << "made again on the base it must merge into";
  EXPECT_EQ(rebased->provenance.base_commit, remote_main);
  EXPECT_EQ(github_.requests().size(), 1u) << "the same pull request, updated";
}

TEST_F(ConsumerJobOnGitHub, ARequestAPersonClosedIsNeitherReopenedNorFollowedByANewOne) {
  Result<ConsumerJobReport> first = Run();
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_EQ(first->state, JobState::kOpened) << first->reason;
  std::optional<testing::StandinRequest> pr =
      github_.Find("acme/daily-active-users", "skein/user-profile-v2");
  ASSERT_TRUE(pr.has_value());
  github_.CloseByPerson("acme/daily-active-users", pr->number, "dave", "2026-12-03T10:00:00Z");
  Result<std::string> pushed = vcs::ResolveCommit(repo_, "refs/heads/skein/user-profile-v2");
  ASSERT_TRUE(pushed.ok()) << pushed.status().message();
  ASSERT_EQ(*pushed, first->commit);

  size_t calls = github_.recorded().size();

  // The consumer moves on: without the guard, the job would push a new commit and, finding no
  // open request, open a second one.
  std::ofstream(repo_ / "README.md", std::ios::app) << "More docs.\n";
  ASSERT_TRUE(
      vcs::Git(repo_, {"-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-am", "docs"}).ok());
  Result<ConsumerJobReport> again = Run();
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->state, JobState::kDeclined) << again->reason;
  EXPECT_FALSE(again->ok()) << "declined is a verdict against the job";
  EXPECT_EQ(again->reason, "declined: https://github.standin/acme/daily-active-users/pull/" +
                               std::to_string(pr->number) +
                               " was closed by dave at 2026-12-03T10:00:00Z; skein does not reopen it");
  ASSERT_TRUE(again->request.has_value());
  EXPECT_EQ(again->request->state, "closed");
  EXPECT_EQ(again->request->closed_by, "dave");
  json evidence = ConsumerJobToJson(*again);
  EXPECT_EQ(evidence["state"], "declined");
  EXPECT_EQ(evidence["reason"], again->reason);

  // Exactly one pull request, still closed, only read since; the branch where it was.
  std::vector<testing::StandinRequest> requests = github_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].state, "closed");
  EXPECT_EQ(requests[0].closed_by, "dave");
  std::vector<testing::RecordedRequest> recorded = github_.recorded();
  ASSERT_GT(recorded.size(), calls) << "the job asked the forge";
  for (size_t i = calls; i < recorded.size(); ++i)
    EXPECT_EQ(recorded[i].method, "GET") << recorded[i].method << " " << recorded[i].target;
  Result<std::string> after = vcs::ResolveCommit(repo_, "refs/heads/skein/user-profile-v2");
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(*after, first->commit) << "nothing was pushed";
}

TEST_F(ConsumerJobOnGitHub, ClosingTheCampaignClosesItsRequestsAndDeletesTheirBranches) {
  ASSERT_EQ(Run()->state, JobState::kOpened);
  vcs::ForgeConfig config{vcs::ForgeKind::kGitHub, github_.api_url(), kTokenEnv, {}};
  std::unique_ptr<vcs::Forge> forge = std::move(vcs::MakeForge(config, clock_)).value();
  // A second consumer the campaign never reached: nothing to close, and no error.
  Entity untouched = consumer_;
  untouched.name = "revenue-by-plan";
  untouched.annotations["github.com/project-slug"] = "acme/revenue-by-plan";
  ForgeFor forge_for = [&](const Entity&) -> Result<vcs::Forge*> { return forge.get(); };
  std::vector<ClosedRequest> closed = CloseCampaignRequests(migration_, {&consumer_, &untouched}, forge_for);
  ASSERT_EQ(closed.size(), 2u);
  EXPECT_TRUE(closed[0].status.ok()) << closed[0].status.message();
  EXPECT_TRUE(closed[1].status.ok()) << closed[1].status.message();
  EXPECT_EQ(github_.Find("acme/daily-active-users", "skein/user-profile-v2")->state, "closed");
  EXPECT_EQ(github_.deleted_branches(),
            std::vector<std::string>{"acme/daily-active-users:skein/user-profile-v2"});
  // Again: nothing left to do, still no error.
  closed = CloseCampaignRequests(migration_, {&consumer_}, forge_for);
  EXPECT_TRUE(closed[0].status.ok()) << closed[0].status.message();
  // A consumer whose forge cannot be had is named, and the others still close.
  ForgeFor broken = [&](const Entity& c) -> Result<vcs::Forge*> {
    if (c.name == "revenue-by-plan") return Status::InvalidInput("no token");
    return forge.get();
  };
  closed = CloseCampaignRequests(migration_, {&untouched, &consumer_}, broken);
  EXPECT_FALSE(closed[0].status.ok());
  EXPECT_TRUE(Contains(closed[0].status.message(), "component:default/revenue-by-plan"))
      << closed[0].status.message();
  EXPECT_TRUE(closed[1].status.ok());
}

TEST_F(ConsumerJobOnGitHub, AWrongChangeOpensNothing) {
  migration_.consumers.max_attempts = 2;
  migration_.consumers.agent.kind = AgentKind::kCommand;
  migration_.consumers.agent.sandbox = "none";
  // Stand-in agent: renames the table only, so the renamed and retyped columns are left behind.
  fs::path script = dir_.Write("agents/rename-table",
                               "#!/bin/sh\nsed -i 's/core.user_profile_v1/core.user_profile_v2/' "
                               "queries/daily_active_users.sql\n");
  fs::permissions(script, fs::perms::owner_all);
  migration_.consumers.agent.command = "'" + script.string() + "' --prompt-file \"$SKEIN_PROMPT_FILE\"";
  Result<ConsumerJobReport> report = Run();
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->state, JobState::kFailed);
  EXPECT_TRUE(github_.requests().empty());
  EXPECT_FALSE(vcs::ResolveCommit(repo_, "refs/heads/skein/user-profile-v2").ok());
  // A failed job's evidence names the exact agent binary that made the wrong change, every attempt.
  std::string script_sha256 = Sha256SumOf(script);
  ASSERT_EQ(script_sha256.size(), 64u);
  EXPECT_EQ(report->provenance.agent.kind, "command");
  EXPECT_EQ(report->provenance.agent.executable, script.string());
  EXPECT_EQ(report->provenance.agent.executable_sha256, script_sha256);
  json evidence = ConsumerJobToJson(*report);
  EXPECT_EQ(evidence["provenance"]["agent"]["executable_sha256"], script_sha256);
  EXPECT_EQ(evidence["provenance"]["manifest_sha256"], "") << "run outside a campaign";
  ASSERT_EQ(evidence["attempts"].size(), 2u);
  for (const json& attempt : evidence["attempts"]) {
    EXPECT_EQ(attempt["provenance"]["agent"]["kind"], "command");
    EXPECT_EQ(attempt["provenance"]["agent"]["executable"], script.string());
    EXPECT_EQ(attempt["provenance"]["agent"]["executable_sha256"], script_sha256);
    EXPECT_EQ(attempt["provenance"]["base_commit"], report->base_commit);
  }
}

// A consumer job as a campaign's worker runs it (JobRunner over the queue in the store).
class CampaignConsumerJob : public ConsumerJobOnGitHub {};

TEST_F(CampaignConsumerJob, RecordsTheCampaignsManifestHashWithTheJobAndEachAttempt) {
  std::string text = testing::ReadFile(org() / "migrations/user-profile-v2.yaml");
  size_t build = text.find("build, ");  // no build verifier: the example's repositories have none to run fast
  ASSERT_NE(build, std::string::npos) << text;
  text.erase(build, 7);
  Result<Migration> m = ParseMigration(text, "migrations/user-profile-v2.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  Result<std::unique_ptr<queue::Queue>> q = queue::Queue::Open(StoreUrlFrom(""), std::chrono::seconds(30));
  ASSERT_TRUE(q.ok()) << q.status().message();
  queue::NewJob job;
  job.kind = "consumer";
  job.target = consumer_.Ref().Key();
  job.wave = 1;
  job.stage = queue::StageOfWave(1);
  ASSERT_TRUE((*q)->CreateCampaign(CampaignSpecFor(*m, text, org()), {job}, now_ms()).ok());
  ASSERT_TRUE((*q)->Start(m->name, now_ms()).ok());
  Result<std::vector<queue::Lease>> leases = (*q)->Claim("w1", "", 1, std::chrono::minutes(5), now_ms());
  ASSERT_TRUE(leases.ok()) << leases.status().message();
  ASSERT_EQ(leases->size(), 1u);
  Result<std::optional<queue::Campaign>> campaign = (*q)->FindCampaign(m->name);
  ASSERT_TRUE(campaign.ok() && campaign->has_value());
  const std::string& manifest_hash = (*campaign)->manifest_hash;
  // The campaign's hash is the sha256 of the manifest it was started with.
  fs::path as_run = dir_.Write("manifest-as-run.yaml", text);
  ASSERT_EQ(manifest_hash, Sha256SumOf(as_run));
  Result<std::string> head = vcs::ResolveCommit(repo_, "HEAD");
  ASSERT_TRUE(head.ok()) << head.status().message();

  RunnerOptions options;
  options.store_url = StoreUrlFrom("");
  options.workspaces = dir_.path() / "workspaces";
  options.evidence_root = dir_.path() / "evidence";
  ForgePool forges(clock_);
  JobRunner runner(options, forges, clock_);
  Result<JobOutcome> out = runner.Run(**campaign, leases->at(0), [] { return Status::Ok(); });
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(out->ok) << out->outcome;

  json expected = {{"skein_version", SKEIN_VERSION},
                   {"manifest_sha256", manifest_hash},
                   {"base_commit", *head},
                   {"agent", {{"kind", "builtin"}, {"version", SKEIN_VERSION}}}};
  EXPECT_EQ(out->evidence["provenance"], expected) << out->evidence["provenance"].dump();
  EXPECT_EQ(out->result["provenance"], expected) << out->result.dump();
  ASSERT_FALSE(out->evidence["attempts"].empty());
  for (const json& attempt : out->evidence["attempts"]) EXPECT_EQ(attempt["provenance"], expected);
}

}  // namespace
}  // namespace skein
