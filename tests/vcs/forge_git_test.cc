// The git forge against a real bare repository used as a file remote.
#include <gtest/gtest.h>

#include "tests/support/test_support.h"
#include "vcs/forge.h"
#include "vcs/git.h"

namespace skein::vcs {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBranch = "skein/orders-v2";

// A working repository with one commit, and an empty bare remote beside it.
struct Repos {
  fs::path work;
  fs::path remote;
};

Repos MakeRepos(const testing::TempDir& dir) {
  Repos repos{dir.path() / "work", dir.path() / "remote.git"};
  fs::create_directories(repos.work);
  fs::create_directories(repos.remote);
  EXPECT_TRUE(Git(repos.remote, {"init", "--quiet", "--bare"}).ok());
  EXPECT_TRUE(Git(repos.work, {"init", "--quiet", "-b", "main"}).ok());
  dir.Write("work/q.sql", "SELECT * FROM orders_v2\n");
  EXPECT_TRUE(Git(repos.work, {"add", "--all"}).ok());
  EXPECT_TRUE(Git(repos.work, {"-c", "commit.gpgsign=false", "commit", "--quiet", "-m", "migrate"}).ok());
  return repos;
}

ChangeRequestSpec Spec() {
  ChangeRequestSpec spec;
  spec.branch = kBranch;
  spec.base_branch = "main";
  spec.title = "Migrate orders to orders_v2";
  return spec;
}

bool RemoteHasRef(const fs::path& remote, const std::string& ref) {
  return Git(remote, {"rev-parse", "--verify", "--quiet", ref}).ok();
}

TEST(GitForge, OpenOrUpdateCreatesOnceForAPushedBranch) {
  testing::TempDir dir;
  Repos repos = MakeRepos(dir);
  ASSERT_TRUE(PushBranch(repos.work, repos.remote.string(), "HEAD", kBranch, false).ok());
  std::unique_ptr<Forge> forge = MakeGitForge(repos.work, repos.remote.string());
  EXPECT_EQ(forge->kind(), ForgeKind::kGit);

  Result<ChangeRequest> first = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->forge, "git");
  EXPECT_EQ(first->id, kBranch);
  EXPECT_EQ(first->url, repos.remote.string() + "#" + kBranch);
  EXPECT_EQ(first->state, "open");
  EXPECT_TRUE(RemoteHasRef(repos.remote, std::string("refs/skein/requests/") + kBranch));

  Result<ChangeRequest> second = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->id, first->id);
}

TEST(GitForge, OpenOrUpdateRefusesABranchThatWasNotPushed) {
  testing::TempDir dir;
  Repos repos = MakeRepos(dir);
  std::unique_ptr<Forge> forge = MakeGitForge(repos.work, repos.remote.string());
  Result<ChangeRequest> request = forge->OpenOrUpdate(Spec());
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.status().code(), StatusCode::kNotFound);
  EXPECT_NE(request.status().message().find(kBranch), std::string::npos) << request.status().message();
}

TEST(GitForge, OpensFromARepositoryThatDoesNotHoldTheCommit) {
  testing::TempDir dir;
  Repos repos = MakeRepos(dir);
  ASSERT_TRUE(PushBranch(repos.work, repos.remote.string(), "HEAD", kBranch, false).ok());
  fs::path elsewhere = dir.path() / "elsewhere";
  fs::create_directories(elsewhere);
  ASSERT_TRUE(Git(elsewhere, {"init", "--quiet"}).ok());
  Result<ChangeRequest> request = MakeGitForge(elsewhere, repos.remote.string())->OpenOrUpdate(Spec());
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_TRUE(request->created);
}

TEST(GitForge, FindByBranchSeesOnlyPushedBranches) {
  testing::TempDir dir;
  Repos repos = MakeRepos(dir);
  std::unique_ptr<Forge> forge = MakeGitForge(repos.work, repos.remote.string());
  Result<std::optional<ChangeRequest>> missing = forge->FindByBranch("", kBranch);
  ASSERT_TRUE(missing.ok()) << missing.status().message();
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(PushBranch(repos.work, repos.remote.string(), "HEAD", kBranch, false).ok());
  Result<std::optional<ChangeRequest>> found = forge->FindByBranch("", kBranch);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->state, "open");
}

TEST(GitForge, CloseDeletesTheBranchAndTheMarker) {
  testing::TempDir dir;
  Repos repos = MakeRepos(dir);
  ASSERT_TRUE(PushBranch(repos.work, repos.remote.string(), "HEAD", kBranch, false).ok());
  std::unique_ptr<Forge> forge = MakeGitForge(repos.work, repos.remote.string());
  ASSERT_TRUE(forge->OpenOrUpdate(Spec()).ok());
  EXPECT_EQ(forge->Sync("", kBranch)->state, "open");

  ASSERT_TRUE(forge->Close("", kBranch).ok());
  EXPECT_FALSE(RemoteHasRef(repos.remote, std::string("refs/heads/") + kBranch));
  EXPECT_FALSE(RemoteHasRef(repos.remote, std::string("refs/skein/requests/") + kBranch));
  EXPECT_EQ(forge->Sync("", kBranch).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(forge->Close("", kBranch).ok());  // again: nothing left to do
}

TEST(GitForge, SyncSaysClosedWhenSomeoneElseDeletedTheBranch) {
  testing::TempDir dir;
  Repos repos = MakeRepos(dir);
  ASSERT_TRUE(PushBranch(repos.work, repos.remote.string(), "HEAD", kBranch, false).ok());
  std::unique_ptr<Forge> forge = MakeGitForge(repos.work, repos.remote.string());
  ASSERT_TRUE(forge->OpenOrUpdate(Spec()).ok());
  ASSERT_TRUE(DeleteRemoteBranch(repos.work, repos.remote.string(), kBranch).ok());
  Result<ChangeRequest> synced = forge->Sync("", kBranch);
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_EQ(synced->state, "closed");
}

}  // namespace
}  // namespace skein::vcs
