// The GitHub forge against the local stand-in for GitHub's REST and GraphQL APIs.
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

constexpr const char* kTokenEnv = "SKEIN_TEST_GITHUB_TOKEN";
constexpr const char* kToken = "ghp_standinSecret0123456789";

class GitHubForgeTest : public ::testing::Test {
 protected:
  GitHubForgeTest() : github_(ForgeStandin::Api::kGitHub, kToken) { setenv(kTokenEnv, kToken, 1); }

  std::unique_ptr<Forge> Make(RateLimitPolicy limits = {}) {
    ForgeConfig config{ForgeKind::kGitHub, github_.api_url(), kTokenEnv, std::move(limits)};
    Result<std::unique_ptr<Forge>> forge = MakeForge(config, clock_);
    EXPECT_TRUE(forge.ok()) << forge.status().message();
    return forge.ok() ? std::move(forge).value() : nullptr;
  }

  static ChangeRequestSpec Spec(std::string title = "Migrate orders to orders_v2") {
    ChangeRequestSpec spec;
    spec.project = "acme/shop";
    spec.branch = "skein/orders-v2";
    spec.base_branch = "main";
    spec.title = std::move(title);
    spec.body = "Moves every query to orders_v2.";
    return spec;
  }

  ManualClock clock_;
  ForgeStandin github_;
};

TEST_F(GitHubForgeTest, CreateThenUpdateGivesOnePullRequest) {
  auto forge = Make();
  Result<ChangeRequest> first = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->forge, "github");
  EXPECT_EQ(first->state, "open");
  EXPECT_EQ(first->url, "https://github.standin/acme/shop/pull/" + first->id);

  Result<ChangeRequest> second = forge->OpenOrUpdate(Spec("Migrate orders to orders_v2 (rebased)"));
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->id, first->id);
  ASSERT_EQ(github_.requests().size(), 1u);
  EXPECT_EQ(github_.requests()[0].title, "Migrate orders to orders_v2 (rebased)");
  EXPECT_EQ(github_.CountRecorded("POST", "/repos/acme/shop/pulls"), 1);
  EXPECT_EQ(github_.CountRecorded("GET", "/repos/acme/shop/pulls?state=open&head=acme%3Askein%2Forders-v2"),
            2);
}

TEST_F(GitHubForgeTest, SendsLabelsReviewersAndDraft) {
  auto forge = Make();
  ChangeRequestSpec spec = Spec();
  spec.draft = true;
  spec.labels = {"skein", "data-migration"};
  spec.reviewers = {"group:default/growth", "user:default/alice"};
  ASSERT_TRUE(forge->OpenOrUpdate(spec).ok());
  std::optional<testing::StandinRequest> pr = github_.Find("acme/shop", "skein/orders-v2");
  ASSERT_TRUE(pr.has_value());
  EXPECT_TRUE(pr->draft);
  EXPECT_EQ(pr->labels, (std::vector<std::string>{"skein", "data-migration"}));
  EXPECT_EQ(pr->reviewers, std::vector<std::string>{"alice"});
  EXPECT_EQ(pr->team_reviewers, std::vector<std::string>{"growth"});
  EXPECT_EQ(pr->base, "main");
  EXPECT_EQ(pr->body, "Moves every query to orders_v2.");
}

TEST_F(GitHubForgeTest, UpdateChangesTheDraftFlagThroughGraphQl) {
  auto forge = Make();
  ChangeRequestSpec spec = Spec();
  spec.draft = true;
  ASSERT_TRUE(forge->OpenOrUpdate(spec).ok());
  spec.draft = false;
  ASSERT_TRUE(forge->OpenOrUpdate(spec).ok());
  EXPECT_FALSE(github_.Find("acme/shop", "skein/orders-v2")->draft);
  EXPECT_EQ(github_.CountRecorded("POST", "/graphql"), 1);
}

TEST_F(GitHubForgeTest, AutoMergeIsRequestedOnlyWhenAsked) {
  auto forge = Make();
  ChangeRequestSpec spec = Spec();
  ASSERT_TRUE(forge->OpenOrUpdate(spec).ok());
  EXPECT_FALSE(github_.Find("acme/shop", "skein/orders-v2")->auto_merge);
  EXPECT_EQ(github_.CountRecorded("POST", "/graphql"), 0);
  spec.auto_merge = true;
  ASSERT_TRUE(forge->OpenOrUpdate(spec).ok());
  EXPECT_TRUE(github_.Find("acme/shop", "skein/orders-v2")->auto_merge);
  for (const testing::RecordedRequest& r : github_.recorded()) {
    if (r.target == "/graphql") {
      EXPECT_NE(r.body.find("enablePullRequestAutoMerge"), std::string::npos) << r.body;
    }
  }
}

TEST_F(GitHubForgeTest, SendsTheTokenAndApiVersionHeaders) {
  auto forge = Make();
  ASSERT_TRUE(forge->OpenOrUpdate(Spec()).ok());
  std::vector<testing::RecordedRequest> recorded = github_.recorded();
  ASSERT_FALSE(recorded.empty());
  for (const testing::RecordedRequest& r : recorded) {
    EXPECT_EQ(r.Header("Authorization"), std::string("Bearer ") + kToken);
    EXPECT_EQ(r.Header("Accept"), "application/vnd.github+json");
    EXPECT_EQ(r.Header("X-GitHub-Api-Version"), "2022-11-28");
    EXPECT_FALSE(r.Header("User-Agent").empty());
  }
}

TEST_F(GitHubForgeTest, SecondaryRateLimitIsWaitedOutThenRetried) {
  auto forge = Make();
  github_.AnswerSecondaryRateLimit(1, 30);
  Result<ChangeRequest> pr = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(pr.ok()) << pr.status().message();
  EXPECT_GE(clock_.slept(), seconds(30));
  EXPECT_LT(clock_.slept(), seconds(60));
  EXPECT_EQ(github_.requests().size(), 1u);
}

TEST_F(GitHubForgeTest, SecondaryRateLimitGivesUpWithUnavailableAfterMaxRetries) {
  auto forge = Make(Policy([](RateLimitPolicy& p) { p.max_retries = 2; }));
  github_.AnswerSecondaryRateLimit(10, 5);
  Result<ChangeRequest> pr = forge->OpenOrUpdate(Spec());
  ASSERT_FALSE(pr.ok());
  EXPECT_EQ(pr.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(pr.status().message().find("github"), std::string::npos) << pr.status().message();
  EXPECT_NE(pr.status().message().find("5s"), std::string::npos) << pr.status().message();
  EXPECT_EQ(github_.recorded().size(), 3u);  // the first try and two retries
  EXPECT_GE(clock_.slept(), seconds(10));
  EXPECT_TRUE(github_.requests().empty());
}

TEST_F(GitHubForgeTest, AWaitLongerThanMaxWaitIsRefusedAtOnce) {
  auto forge = Make(Policy([](RateLimitPolicy& p) { p.max_wait = seconds(900); }));
  github_.AnswerSecondaryRateLimit(1, 3600);
  Result<ChangeRequest> pr = forge->OpenOrUpdate(Spec());
  ASSERT_FALSE(pr.ok());
  EXPECT_EQ(pr.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(pr.status().message().find("3600s"), std::string::npos) << pr.status().message();
  EXPECT_EQ(clock_.slept(), milliseconds(0));
}

TEST_F(GitHubForgeTest, PrimaryRateLimitIsWaitedOutUntilItsReset) {
  auto forge = Make();
  auto now = std::chrono::duration_cast<seconds>(clock_.Now().time_since_epoch()).count();
  github_.AnswerPrimaryRateLimit(1, 403, now + 120);
  github_.AnswerPrimaryRateLimit(1, 429, now + 180);
  Result<ChangeRequest> pr = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(pr.ok()) << pr.status().message();
  EXPECT_GE(clock_.slept(), seconds(180));
  EXPECT_LT(clock_.slept(), seconds(190));
}

TEST_F(GitHubForgeTest, TheTokenNeverAppearsInErrorMessages) {
  auto forge = Make();
  // A proxy that echoes the credentials back must not leak them through skein's message.
  github_.AnswerStatus(1, 401, std::string(R"({"message":"Bad credentials: Bearer )") + kToken + "\"}");
  Result<ChangeRequest> pr = forge->OpenOrUpdate(Spec());
  ASSERT_FALSE(pr.ok());
  EXPECT_EQ(pr.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(pr.status().message().find(kToken), std::string::npos) << pr.status().message();
  EXPECT_NE(pr.status().message().find(kTokenEnv), std::string::npos) << pr.status().message();

  ForgeStandin other(ForgeStandin::Api::kGitHub, "another-token");
  ForgeConfig config{ForgeKind::kGitHub, other.api_url(), kTokenEnv, {}};
  Result<std::unique_ptr<Forge>> wrong = MakeForge(config, clock_);
  ASSERT_TRUE(wrong.ok());
  Result<ChangeRequest> rejected = (*wrong)->OpenOrUpdate(Spec());
  ASSERT_FALSE(rejected.ok());
  EXPECT_NE(rejected.status().message().find("HTTP 401"), std::string::npos) << rejected.status().message();
  EXPECT_EQ(rejected.status().message().find(kToken), std::string::npos) << rejected.status().message();
}

TEST_F(GitHubForgeTest, AForbiddenAnswerThatIsNoRateLimitFailsAtOnce) {
  auto forge = Make();
  github_.AnswerStatus(1, 403, R"({"message":"Resource not accessible by personal access token"})");
  Result<ChangeRequest> pr = forge->OpenOrUpdate(Spec());
  ASSERT_FALSE(pr.ok());
  EXPECT_EQ(pr.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(pr.status().message().find("Resource not accessible"), std::string::npos)
      << pr.status().message();
  EXPECT_EQ(clock_.slept(), milliseconds(0));
}

TEST_F(GitHubForgeTest, SyncReadsStateAndCheckStatus) {
  auto forge = Make();
  ASSERT_TRUE(forge->OpenOrUpdate(Spec()).ok());
  Result<ChangeRequest> synced = forge->Sync("acme/shop", "skein/orders-v2");
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_EQ(synced->state, "open");
  EXPECT_EQ(synced->checks, "");  // nothing reported yet

  github_.SetChecks("acme/shop", "skein/orders-v2", "pending");
  EXPECT_EQ(forge->Sync("acme/shop", "skein/orders-v2")->checks, "pending");
  github_.SetChecks("acme/shop", "skein/orders-v2", "error");
  EXPECT_EQ(forge->Sync("acme/shop", "skein/orders-v2")->checks, "failure");
  github_.SetChecks("acme/shop", "skein/orders-v2", "success");
  github_.SetState("acme/shop", "skein/orders-v2", "merged");
  synced = forge->Sync("acme/shop", "skein/orders-v2");
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_EQ(synced->state, "merged");
  EXPECT_EQ(synced->checks, "success");

  EXPECT_EQ(forge->Sync("acme/shop", "no-such-branch").status().code(), StatusCode::kNotFound);
}

// 2026-12-03T10:00:00Z and 2026-12-04T08:30:15Z in epoch ms.
constexpr int64_t kDecember3At10 = 1796292000000;
constexpr int64_t kDecember4At083015 = 1796373015000;

TEST_F(GitHubForgeTest, SyncReportsWhoMergedItAndWhen) {
  auto forge = Make();
  Result<ChangeRequest> opened = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  github_.Merge("acme/shop", std::stoi(opened->id), "carol", "2026-12-03T10:00:00Z");
  Result<ChangeRequest> synced = forge->Sync("acme/shop", "skein/orders-v2");
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_EQ(synced->state, "merged");
  EXPECT_EQ(synced->merged_by, "carol");
  EXPECT_EQ(synced->merged_at_ms, kDecember3At10);
  EXPECT_EQ(synced->closed_at_ms, kDecember3At10);
  EXPECT_EQ(synced->closed_by, "") << "merged is not closed by a person";
  EXPECT_EQ(github_.CountRecorded("GET", "/repos/acme/shop/issues/"), 0)
      << "only a closed one needs its issue";
}

TEST_F(GitHubForgeTest, SyncReportsWhoClosedItWithoutMergingAndWhen) {
  auto forge = Make();
  Result<ChangeRequest> opened = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  Result<ChangeRequest> synced = forge->Sync("acme/shop", "skein/orders-v2");
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_EQ(synced->closed_by, "");
  EXPECT_EQ(synced->closed_at_ms, 0);

  github_.CloseByPerson("acme/shop", std::stoi(opened->id), "dave", "2026-12-04T08:30:15Z");
  synced = forge->Sync("acme/shop", "skein/orders-v2");
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_EQ(synced->state, "closed");
  EXPECT_EQ(synced->closed_by, "dave");
  EXPECT_EQ(synced->closed_at_ms, kDecember4At083015);
  EXPECT_EQ(synced->merged_by, "");
  EXPECT_EQ(synced->merged_at_ms, 0);
  // GitHub says who closed a pull request only on its issue.
  EXPECT_EQ(github_.CountRecorded("GET", "/repos/acme/shop/issues/" + opened->id), 1);
}

TEST_F(GitHubForgeTest, SyncReportsAConflictOnceGitHubHasWorkedItOut) {
  auto forge = Make();
  Result<ChangeRequest> opened = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  int number = std::stoi(opened->id);
  // mergeable: null while GitHub computes it.
  EXPECT_FALSE(github_.Find("acme/shop", "skein/orders-v2")->mergeable.has_value());
  EXPECT_FALSE(forge->Sync("acme/shop", "skein/orders-v2")->conflicting);
  github_.SetConflicting("acme/shop", number, true);
  Result<ChangeRequest> synced = forge->Sync("acme/shop", "skein/orders-v2");
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_TRUE(synced->conflicting);
  EXPECT_EQ(synced->state, "open");
  github_.SetConflicting("acme/shop", number, false);
  EXPECT_FALSE(forge->Sync("acme/shop", "skein/orders-v2")->conflicting);
}

TEST_F(GitHubForgeTest, FindDeclinedFindsTheRequestAPersonClosedWhenNoneIsOpen) {
  auto forge = Make();
  Result<std::optional<ChangeRequest>> none = forge->FindDeclined("acme/shop", "skein/orders-v2");
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_FALSE(none->has_value()) << "no request at all";

  Result<ChangeRequest> opened = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  Result<std::optional<ChangeRequest>> open = forge->FindDeclined("acme/shop", "skein/orders-v2");
  ASSERT_TRUE(open.ok()) << open.status().message();
  EXPECT_FALSE(open->has_value()) << "an open request is not declined";

  github_.CloseByPerson("acme/shop", std::stoi(opened->id), "dave", "2026-12-03T10:00:00Z");
  Result<std::optional<ChangeRequest>> declined = forge->FindDeclined("acme/shop", "skein/orders-v2");
  ASSERT_TRUE(declined.ok()) << declined.status().message();
  ASSERT_TRUE(declined->has_value());
  EXPECT_EQ((*declined)->id, opened->id);
  EXPECT_EQ((*declined)->url, opened->url);
  EXPECT_EQ((*declined)->state, "closed");
  EXPECT_EQ((*declined)->closed_by, "dave");
  EXPECT_EQ((*declined)->closed_at_ms, kDecember3At10);
  EXPECT_FALSE(forge->FindByBranch("acme/shop", "skein/orders-v2")->has_value());

  // OpenOrUpdate looks only at open requests: it would open a second one, which is why callers
  // ask FindDeclined first. Once one is open again, nothing is declined.
  Result<ChangeRequest> second = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_TRUE(second->created);
  EXPECT_EQ(github_.requests().size(), 2u);
  EXPECT_FALSE(forge->FindDeclined("acme/shop", "skein/orders-v2")->has_value());

  // Of two declined requests, the newest.
  github_.CloseByPerson("acme/shop", std::stoi(second->id), "erin", "2026-12-04T08:30:15Z");
  declined = forge->FindDeclined("acme/shop", "skein/orders-v2");
  ASSERT_TRUE(declined.ok() && declined->has_value());
  EXPECT_EQ((*declined)->id, second->id);
  EXPECT_EQ((*declined)->closed_by, "erin");
  EXPECT_EQ((*declined)->closed_at_ms, kDecember4At083015);
}

TEST_F(GitHubForgeTest, AMergedRequestIsNotDeclined) {
  auto forge = Make();
  Result<ChangeRequest> opened = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  github_.Merge("acme/shop", std::stoi(opened->id), "carol", "2026-12-03T10:00:00Z");
  Result<std::optional<ChangeRequest>> declined = forge->FindDeclined("acme/shop", "skein/orders-v2");
  ASSERT_TRUE(declined.ok()) << declined.status().message();
  EXPECT_FALSE(declined->has_value());
  EXPECT_EQ(github_.CountRecorded("GET", "/repos/acme/shop/pulls?state=all&head=acme%3Askein%2Forders-v2"),
            1);
}

TEST_F(GitHubForgeTest, ARequestSkeinClosedItselfIsNotDeclined) {
  auto forge = Make();
  ASSERT_TRUE(forge->OpenOrUpdate(Spec()).ok());
  ASSERT_TRUE(forge->Close("acme/shop", "skein/orders-v2").ok());  // a campaign's rollback
  Result<std::optional<ChangeRequest>> declined = forge->FindDeclined("acme/shop", "skein/orders-v2");
  ASSERT_TRUE(declined.ok()) << declined.status().message();
  EXPECT_FALSE(declined->has_value()) << "closed by " << (*declined)->closed_by;
  EXPECT_EQ(github_.CountRecorded("GET", "/user"), 1);
}

TEST_F(GitHubForgeTest, ChecksIncludeCheckRunsAsGitHubActionsReportThem) {
  auto forge = Make();
  ASSERT_TRUE(forge->OpenOrUpdate(Spec()).ok());
  github_.AddCheckRun("acme/shop", "skein/orders-v2", "in_progress", "");
  EXPECT_EQ(forge->Sync("acme/shop", "skein/orders-v2")->checks, "pending");
  github_.AddCheckRun("acme/shop", "skein/orders-v2", "completed", "failure");
  EXPECT_EQ(forge->Sync("acme/shop", "skein/orders-v2")->checks, "failure");
  // A passing commit status does not hide a failed check run.
  github_.SetChecks("acme/shop", "skein/orders-v2", "success");
  EXPECT_EQ(forge->Sync("acme/shop", "skein/orders-v2")->checks, "failure");
}

TEST_F(GitHubForgeTest, ChecksAreSuccessWhenEveryCheckRunPassed) {
  auto forge = Make();
  ASSERT_TRUE(forge->OpenOrUpdate(Spec()).ok());
  github_.AddCheckRun("acme/shop", "skein/orders-v2", "completed", "success");
  github_.AddCheckRun("acme/shop", "skein/orders-v2", "completed", "skipped");
  EXPECT_EQ(forge->Sync("acme/shop", "skein/orders-v2")->checks, "success");
}

TEST_F(GitHubForgeTest, CloseClosesThePullRequestAndDeletesItsBranch) {
  auto forge = Make();
  ASSERT_TRUE(forge->OpenOrUpdate(Spec()).ok());
  ASSERT_TRUE(forge->Close("acme/shop", "skein/orders-v2").ok());
  EXPECT_EQ(github_.Find("acme/shop", "skein/orders-v2")->state, "closed");
  EXPECT_EQ(github_.deleted_branches(), std::vector<std::string>{"acme/shop:skein/orders-v2"});
  EXPECT_EQ(github_.CountRecorded("DELETE", "/repos/acme/shop/git/refs/heads/skein/orders-v2"), 1);
  Result<std::optional<ChangeRequest>> found = forge->FindByBranch("acme/shop", "skein/orders-v2");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  // Closing again is harmless: nothing open, the branch already gone.
  EXPECT_TRUE(forge->Close("acme/shop", "skein/orders-v2").ok());
  // A later run opens a fresh request.
  Result<ChangeRequest> reopened = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE(reopened->created);
  EXPECT_EQ(github_.requests().size(), 2u);
}

TEST_F(GitHubForgeTest, TheRateLimiterPacesRequestsAcrossRepositories) {
  auto forge = Make(Policy([](RateLimitPolicy& p) { p.per_minute = 1; }));
  ChangeRequestSpec shop = Spec();
  ChangeRequestSpec billing = Spec();
  billing.project = "acme/billing";
  ASSERT_TRUE(forge->OpenOrUpdate(shop).ok());
  ASSERT_TRUE(forge->OpenOrUpdate(billing).ok());
  EXPECT_GE(clock_.slept(), seconds(60));
  EXPECT_EQ(github_.requests().size(), 2u);
}

TEST(MakeForge, RejectsAnIncompleteConfiguration) {
  ManualClock clock;
  unsetenv("SKEIN_TEST_UNSET_TOKEN");
  Result<std::unique_ptr<Forge>> no_token =
      MakeForge({ForgeKind::kGitHub, "https://api.github.com", "SKEIN_TEST_UNSET_TOKEN", {}}, clock);
  ASSERT_FALSE(no_token.ok());
  EXPECT_EQ(no_token.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(no_token.status().message().find("SKEIN_TEST_UNSET_TOKEN"), std::string::npos);

  setenv(kTokenEnv, kToken, 1);
  EXPECT_EQ(MakeForge({ForgeKind::kGitLab, "", kTokenEnv, {}}, clock).status().code(),
            StatusCode::kInvalidInput);
  EXPECT_EQ(MakeForge({ForgeKind::kGitHub, "ftp://x", kTokenEnv, {}}, clock).status().code(),
            StatusCode::kInvalidInput);
  EXPECT_EQ(MakeForge({ForgeKind::kGitHub, "https://api.github.com", kTokenEnv,
                       Policy([](RateLimitPolicy& p) { p.windows = {"9-5"}; })},
                      clock)
                .status()
                .code(),
            StatusCode::kInvalidInput);
  EXPECT_TRUE(MakeForge({ForgeKind::kGitHub, "https://api.github.com", kTokenEnv, {}}, clock).ok());
}

TEST(ParseForgeTime, ReadsTheTimesGitHubAndGitLabWrite) {
  EXPECT_EQ(*ParseForgeTime("2026-12-03T10:00:00Z"), kDecember3At10);
  EXPECT_EQ(*ParseForgeTime("2026-12-03T10:00:00.250Z"), kDecember3At10 + 250);  // GitLab's fractions
  EXPECT_EQ(*ParseForgeTime("2026-12-03T11:00:00+01:00"), kDecember3At10);
  EXPECT_EQ(*ParseForgeTime("2026-12-03T04:30:00-05:30"), kDecember3At10);
  EXPECT_EQ(*ParseForgeTime("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseForgeTime("2024-02-29T00:00:00Z"), 1709164800000);
  for (const char* bad :
       {"", "2026-12-03", "2026-12-03T10:00:00", "2026-13-03T10:00:00Z", "2026-02-30T10:00:00Z",
        "2026-12-03T10:00:00Zjunk", "2026-12-03 10:00:00Z", "2026-12-03T10:00:00.Z"}) {
    EXPECT_EQ(ParseForgeTime(bad).status().code(), StatusCode::kInvalidInput) << bad;
  }
}

TEST(ForgeKindName, NamesEveryKind) {
  EXPECT_EQ(ForgeKindName(ForgeKind::kGit), "git");
  EXPECT_EQ(ForgeKindName(ForgeKind::kGitHub), "github");
  EXPECT_EQ(ForgeKindName(ForgeKind::kGitLab), "gitlab");
}

}  // namespace
}  // namespace skein::vcs
