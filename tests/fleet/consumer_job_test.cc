// The consumer job against a GitHub stand-in (a local HTTP server answering in GitHub's API
// shapes; GitHub itself cannot run here): a verified change is pushed and opened as one pull
// request whose body carries the evidence; a re-run updates nothing and opens no second one;
// a consumer that moves on gets the same request, rebased.
#include "fleet/consumer_job.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "catalog/lineage.h"
#include "data/warehouse.h"
#include "store/store.h"
#include "tests/support/forge_standin.h"
#include "tests/support/test_support.h"
#include "vcs/git.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using testing::Contains;
using testing::ForgeStandin;

constexpr const char* kTokenEnv = "SKEIN_TEST_GITHUB_TOKEN";
constexpr const char* kToken = "ghp_standinSecret0123456789";

class ConsumerJobOnGitHub : public ::testing::Test {
 protected:
  ConsumerJobOnGitHub() : github_(ForgeStandin::Api::kGitHub, kToken) { setenv(kTokenEnv, kToken, 1); }

  void SetUp() override {
    auto setup = testing::RunProgram(
        {(testing::SourceDir() / "examples/setup-workspace").string(), org().string(), SKEIN_BINARY_DIR},
        dir_.path());
    ASSERT_EQ(setup.exit_code, 0) << setup.err;
    auto imported = testing::RunSkein({"catalog", "import", "catalog"}, org());
    ASSERT_EQ(imported.exit_code, 0) << imported.err;

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
};

TEST_F(ConsumerJobOnGitHub, OpensOnePullRequestCarryingTheEvidence) {
  Result<ConsumerJobReport> first = Run();
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_EQ(first->state, JobState::kOpened) << first->reason;
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
  migration_.consumers.max_attempts = 1;
  migration_.consumers.agent.kind = AgentKind::kCommand;
  migration_.consumers.agent.sandbox = "none";
  // Stand-in agent: renames the table only, so the renamed and retyped columns are left behind.
  migration_.consumers.agent.command =
      "sed -i 's/core.user_profile_v1/core.user_profile_v2/' queries/daily_active_users.sql";
  Result<ConsumerJobReport> report = Run();
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->state, JobState::kFailed);
  EXPECT_TRUE(github_.requests().empty());
  EXPECT_FALSE(vcs::ResolveCommit(repo_, "refs/heads/skein/user-profile-v2").ok());
}

}  // namespace
}  // namespace skein
