// The GitLab forge against the local stand-in for GitLab's REST API (v4).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "tests/support/forge_standin.h"
#include "vcs/forge.h"

namespace skein::vcs {
namespace {

// A policy with only the fields `set` changes from their defaults.
template <typename Set>
RateLimitPolicy Policy(Set set) {
  RateLimitPolicy policy;
  set(policy);
  return policy;
}

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::ForgeStandin;

constexpr const char* kTokenEnv = "SKEIN_TEST_GITLAB_TOKEN";
constexpr const char* kToken = "glpat-standinSecret987";
constexpr const char* kMergeRequests = "/api/v4/projects/data%2Fshop/merge_requests";

class GitLabForgeTest : public ::testing::Test {
 protected:
  GitLabForgeTest() : gitlab_(ForgeStandin::Api::kGitLab, kToken) { setenv(kTokenEnv, kToken, 1); }

  std::unique_ptr<Forge> Make(RateLimitPolicy limits = {}) {
    ForgeConfig config{ForgeKind::kGitLab, gitlab_.api_url(), kTokenEnv, std::move(limits)};
    Result<std::unique_ptr<Forge>> forge = MakeForge(config, clock_);
    EXPECT_TRUE(forge.ok()) << forge.status().message();
    return forge.ok() ? std::move(forge).value() : nullptr;
  }

  static ChangeRequestSpec Spec(std::string title = "Migrate orders to orders_v2") {
    ChangeRequestSpec spec;
    spec.project = "data/shop";
    spec.branch = "skein/orders-v2";
    spec.base_branch = "main";
    spec.title = std::move(title);
    spec.body = "Moves every query to orders_v2.";
    spec.labels = {"skein", "migration"};
    return spec;
  }

  ManualClock clock_;
  ForgeStandin gitlab_;
};

TEST_F(GitLabForgeTest, CreateThenUpdateGivesOneMergeRequestAddressedByProjectPath) {
  auto forge = Make();
  Result<ChangeRequest> first = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->forge, "gitlab");
  EXPECT_EQ(first->state, "open");
  EXPECT_EQ(first->url, "https://gitlab.standin/data/shop/-/merge_requests/" + first->id);

  ChangeRequestSpec changed = Spec("Migrate orders to orders_v2 (rebased)");
  changed.labels = {"skein"};
  Result<ChangeRequest> second = forge->OpenOrUpdate(changed);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->id, first->id);

  ASSERT_EQ(gitlab_.requests().size(), 1u);
  testing::StandinRequest mr = gitlab_.requests()[0];
  EXPECT_EQ(mr.title, "Migrate orders to orders_v2 (rebased)");
  EXPECT_EQ(mr.labels, std::vector<std::string>{"skein"});
  EXPECT_EQ(mr.base, "main");
  EXPECT_EQ(gitlab_.CountRecorded("POST", kMergeRequests), 1);
  EXPECT_EQ(gitlab_.CountRecorded("PUT", std::string(kMergeRequests) + "/" + first->id), 1);
  EXPECT_EQ(gitlab_.CountRecorded(
                "GET", std::string(kMergeRequests) + "?state=opened&source_branch=skein%2Forders-v2"),
            2);
  for (const testing::RecordedRequest& r : gitlab_.recorded()) EXPECT_EQ(r.Header("PRIVATE-TOKEN"), kToken);
}

TEST_F(GitLabForgeTest, DraftIsATitlePrefixAndReviewersAreMentionedInTheDescription) {
  auto forge = Make();
  ChangeRequestSpec spec = Spec();
  spec.draft = true;
  spec.reviewers = {"group:default/growth", "user:default/alice"};
  ASSERT_TRUE(forge->OpenOrUpdate(spec).ok());
  testing::StandinRequest mr = *gitlab_.Find("data/shop", "skein/orders-v2");
  EXPECT_EQ(mr.title, "Draft: Migrate orders to orders_v2");
  EXPECT_TRUE(mr.draft);
  EXPECT_EQ(mr.labels, (std::vector<std::string>{"skein", "migration"}));
  EXPECT_EQ(mr.body, "Moves every query to orders_v2.\n\nReviewers: @growth @alice");

  spec.draft = false;  // ready for review: the prefix goes, the description stays the same
  ASSERT_TRUE(forge->OpenOrUpdate(spec).ok());
  mr = *gitlab_.Find("data/shop", "skein/orders-v2");
  EXPECT_EQ(mr.title, "Migrate orders to orders_v2");
  EXPECT_FALSE(mr.draft);
  EXPECT_EQ(mr.body, "Moves every query to orders_v2.\n\nReviewers: @growth @alice");
}

TEST_F(GitLabForgeTest, AutoMergeAsksToMergeWhenThePipelineSucceeds) {
  auto forge = Make();
  ChangeRequestSpec spec = Spec();
  ASSERT_TRUE(forge->OpenOrUpdate(spec).ok());
  EXPECT_FALSE(gitlab_.Find("data/shop", "skein/orders-v2")->auto_merge);
  spec.auto_merge = true;
  Result<ChangeRequest> mr = forge->OpenOrUpdate(spec);
  ASSERT_TRUE(mr.ok()) << mr.status().message();
  EXPECT_TRUE(gitlab_.Find("data/shop", "skein/orders-v2")->auto_merge);
  EXPECT_EQ(gitlab_.CountRecorded("PUT", std::string(kMergeRequests) + "/" + mr->id + "/merge"), 1);
}

TEST_F(GitLabForgeTest, CloseClosesTheMergeRequestAndDeletesItsBranch) {
  auto forge = Make();
  ASSERT_TRUE(forge->OpenOrUpdate(Spec()).ok());
  ASSERT_TRUE(forge->Close("data/shop", "skein/orders-v2").ok());
  EXPECT_EQ(gitlab_.Find("data/shop", "skein/orders-v2")->state, "closed");
  EXPECT_EQ(gitlab_.deleted_branches(), std::vector<std::string>{"data/shop:skein/orders-v2"});
  EXPECT_EQ(
      gitlab_.CountRecorded("DELETE", "/api/v4/projects/data%2Fshop/repository/branches/skein%2Forders-v2"),
      1);
  EXPECT_FALSE(forge->FindByBranch("data/shop", "skein/orders-v2")->has_value());
  EXPECT_TRUE(forge->Close("data/shop", "skein/orders-v2").ok());  // again: nothing left to do
  Result<ChangeRequest> synced = forge->Sync("data/shop", "skein/orders-v2");
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_EQ(synced->state, "closed");
}

TEST_F(GitLabForgeTest, SyncReadsStateAndPipelineStatus) {
  auto forge = Make();
  ASSERT_TRUE(forge->OpenOrUpdate(Spec()).ok());
  Result<ChangeRequest> synced = forge->Sync("data/shop", "skein/orders-v2");
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_EQ(synced->state, "open");
  EXPECT_EQ(synced->checks, "");
  gitlab_.SetChecks("data/shop", "skein/orders-v2", "running");
  EXPECT_EQ(forge->Sync("data/shop", "skein/orders-v2")->checks, "pending");
  gitlab_.SetChecks("data/shop", "skein/orders-v2", "failed");
  EXPECT_EQ(forge->Sync("data/shop", "skein/orders-v2")->checks, "failure");
  gitlab_.SetChecks("data/shop", "skein/orders-v2", "success");
  gitlab_.SetState("data/shop", "skein/orders-v2", "merged");
  synced = forge->Sync("data/shop", "skein/orders-v2");
  EXPECT_EQ(synced->state, "merged");
  EXPECT_EQ(synced->checks, "success");
}

// 2026-12-03T10:00:00Z and 2026-12-04T08:30:15Z in epoch ms.
constexpr int64_t kDecember3At10 = 1796292000000;
constexpr int64_t kDecember4At083015 = 1796373015000;

TEST_F(GitLabForgeTest, SyncReportsWhoMergedItAndWhen) {
  auto forge = Make();
  Result<ChangeRequest> opened = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  gitlab_.Merge("data/shop", std::stoi(opened->id), "carol", "2026-12-03T10:00:00.000Z");
  Result<ChangeRequest> synced = forge->Sync("data/shop", "skein/orders-v2");
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_EQ(synced->state, "merged");
  EXPECT_EQ(synced->merged_by, "carol");
  EXPECT_EQ(synced->merged_at_ms, kDecember3At10);
  EXPECT_EQ(synced->closed_at_ms, kDecember3At10);
  EXPECT_EQ(synced->closed_by, "") << "merged is not closed by a person";
}

TEST_F(GitLabForgeTest, SyncReportsWhoClosedItWithoutMergingAndWhen) {
  auto forge = Make();
  Result<ChangeRequest> opened = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  gitlab_.CloseByPerson("data/shop", std::stoi(opened->id), "dave", "2026-12-04T08:30:15.000Z");
  Result<ChangeRequest> synced = forge->Sync("data/shop", "skein/orders-v2");
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_EQ(synced->state, "closed");
  EXPECT_EQ(synced->closed_by, "dave");
  EXPECT_EQ(synced->closed_at_ms, kDecember4At083015);
  EXPECT_EQ(synced->merged_by, "");
  EXPECT_EQ(synced->merged_at_ms, 0);
}

TEST_F(GitLabForgeTest, SyncReportsAConflictWithTheTargetBranch) {
  auto forge = Make();
  Result<ChangeRequest> opened = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_FALSE(forge->Sync("data/shop", "skein/orders-v2")->conflicting);
  gitlab_.SetConflicting("data/shop", std::stoi(opened->id), true);
  Result<ChangeRequest> synced = forge->Sync("data/shop", "skein/orders-v2");
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_TRUE(synced->conflicting);
  EXPECT_EQ(synced->state, "open");
  gitlab_.SetConflicting("data/shop", std::stoi(opened->id), false);
  EXPECT_FALSE(forge->Sync("data/shop", "skein/orders-v2")->conflicting);
}

TEST_F(GitLabForgeTest, FindDeclinedFindsTheRequestAPersonClosedWhenNoneIsOpen) {
  auto forge = Make();
  Result<std::optional<ChangeRequest>> none = forge->FindDeclined("data/shop", "skein/orders-v2");
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_FALSE(none->has_value()) << "no request at all";

  Result<ChangeRequest> opened = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  Result<std::optional<ChangeRequest>> open = forge->FindDeclined("data/shop", "skein/orders-v2");
  ASSERT_TRUE(open.ok()) << open.status().message();
  EXPECT_FALSE(open->has_value()) << "an open request is not declined";

  gitlab_.CloseByPerson("data/shop", std::stoi(opened->id), "dave", "2026-12-03T10:00:00.000Z");
  Result<std::optional<ChangeRequest>> declined = forge->FindDeclined("data/shop", "skein/orders-v2");
  ASSERT_TRUE(declined.ok()) << declined.status().message();
  ASSERT_TRUE(declined->has_value());
  EXPECT_EQ((*declined)->id, opened->id);
  EXPECT_EQ((*declined)->url, opened->url);
  EXPECT_EQ((*declined)->state, "closed");
  EXPECT_EQ((*declined)->closed_by, "dave");
  EXPECT_EQ((*declined)->closed_at_ms, kDecember3At10);

  // OpenOrUpdate looks only at open requests: it would open a second one, which is why callers
  // ask FindDeclined first. Once one is open again, nothing is declined.
  Result<ChangeRequest> second = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_TRUE(second->created);
  EXPECT_EQ(gitlab_.requests().size(), 2u);
  EXPECT_FALSE(forge->FindDeclined("data/shop", "skein/orders-v2")->has_value());
}

TEST_F(GitLabForgeTest, AMergedRequestIsNotDeclined) {
  auto forge = Make();
  Result<ChangeRequest> opened = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  gitlab_.Merge("data/shop", std::stoi(opened->id), "carol", "2026-12-03T10:00:00.000Z");
  Result<std::optional<ChangeRequest>> declined = forge->FindDeclined("data/shop", "skein/orders-v2");
  ASSERT_TRUE(declined.ok()) << declined.status().message();
  EXPECT_FALSE(declined->has_value());
}

TEST_F(GitLabForgeTest, ARequestSkeinClosedItselfIsNotDeclined) {
  auto forge = Make();
  ASSERT_TRUE(forge->OpenOrUpdate(Spec()).ok());
  ASSERT_TRUE(forge->Close("data/shop", "skein/orders-v2").ok());  // a campaign's rollback
  Result<std::optional<ChangeRequest>> declined = forge->FindDeclined("data/shop", "skein/orders-v2");
  ASSERT_TRUE(declined.ok()) << declined.status().message();
  EXPECT_FALSE(declined->has_value()) << "closed by " << (*declined)->closed_by;
}

TEST_F(GitLabForgeTest, TooManyRequestsIsWaitedOutThenRetried) {
  auto forge = Make();
  auto now = std::chrono::duration_cast<seconds>(clock_.Now().time_since_epoch()).count();
  gitlab_.AnswerGitLabRateLimit(2, 20, now + 20);
  Result<ChangeRequest> mr = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(mr.ok()) << mr.status().message();
  EXPECT_GE(clock_.slept(), seconds(40));
  EXPECT_EQ(gitlab_.requests().size(), 1u);
}

TEST_F(GitLabForgeTest, TooManyRequestsGivesUpAfterMaxRetries) {
  auto forge = Make(Policy([](RateLimitPolicy& p) { p.max_retries = 1; }));
  gitlab_.AnswerGitLabRateLimit(5, 20, 0);
  Result<ChangeRequest> mr = forge->OpenOrUpdate(Spec());
  ASSERT_FALSE(mr.ok());
  EXPECT_EQ(mr.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(mr.status().message().find("gitlab"), std::string::npos) << mr.status().message();
  EXPECT_NE(mr.status().message().find("20s"), std::string::npos) << mr.status().message();
  EXPECT_EQ(gitlab_.recorded().size(), 2u);
}

TEST_F(GitLabForgeTest, TheTokenNeverAppearsInErrorMessages) {
  ForgeStandin other(ForgeStandin::Api::kGitLab, "another-token");
  ForgeConfig config{ForgeKind::kGitLab, other.api_url(), kTokenEnv, {}};
  Result<std::unique_ptr<Forge>> forge = MakeForge(config, clock_);
  ASSERT_TRUE(forge.ok());
  other.AnswerStatus(1, 500, std::string("upstream rejected PRIVATE-TOKEN ") + kToken);
  Result<ChangeRequest> failed = (*forge)->OpenOrUpdate(Spec());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(failed.status().message().find(kToken), std::string::npos) << failed.status().message();
  Result<ChangeRequest> rejected = (*forge)->OpenOrUpdate(Spec());
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(rejected.status().message().find(kTokenEnv), std::string::npos) << rejected.status().message();
  EXPECT_EQ(rejected.status().message().find(kToken), std::string::npos) << rejected.status().message();
}

}  // namespace
}  // namespace skein::vcs
