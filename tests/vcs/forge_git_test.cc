// The git forge against a real bare repository used as a file remote: read and written in
// process (a plain repository on this machine), and through git (the remote has a hook, so only
// git may write to it) — the same answers either way.
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

// An executable hook `name` in `remote` running `script`.
void WriteHook(const testing::TempDir& dir, const fs::path& remote, const std::string& name,
               const std::string& script) {
  fs::path hook = dir.Write((remote / "hooks" / name).lexically_relative(dir.path()).string(), script);
  fs::permissions(hook, fs::perms::owner_all, fs::perm_options::add);
}

// With `through_git`, the remote has a (do-nothing) hook a push runs: then every read and write
// of it goes through git, as for any remote skein cannot vouch for.
Repos MakeRepos(const testing::TempDir& dir, bool through_git = false) {
  Repos repos{dir.path() / "work", dir.path() / "remote.git"};
  fs::create_directories(repos.work);
  fs::create_directories(repos.remote);
  EXPECT_TRUE(Git(repos.remote, {"init", "--quiet", "--bare"}).ok());
  EXPECT_TRUE(Git(repos.work, {"init", "--quiet", "-b", "main"}).ok());
  dir.Write("work/q.sql", "SELECT * FROM orders_v2\n");
  EXPECT_TRUE(Git(repos.work, {"add", "--all"}).ok());
  EXPECT_TRUE(Git(repos.work, {"-c", "commit.gpgsign=false", "commit", "--quiet", "-m", "migrate"}).ok());
  if (through_git) WriteHook(dir, repos.remote, "post-update", "#!/bin/sh\nexit 0\n");
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

class GitForge : public ::testing::TestWithParam<bool> {};

TEST_P(GitForge, OpenOrUpdateCreatesOnceForAPushedBranch) {
  testing::TempDir dir;
  Repos repos = MakeRepos(dir, GetParam());
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

TEST_P(GitForge, OpenOrUpdateRefusesABranchThatWasNotPushed) {
  testing::TempDir dir;
  Repos repos = MakeRepos(dir, GetParam());
  std::unique_ptr<Forge> forge = MakeGitForge(repos.work, repos.remote.string());
  Result<ChangeRequest> request = forge->OpenOrUpdate(Spec());
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.status().code(), StatusCode::kNotFound);
  EXPECT_NE(request.status().message().find(kBranch), std::string::npos) << request.status().message();
}

TEST_P(GitForge, OpensFromARepositoryThatDoesNotHoldTheCommit) {
  testing::TempDir dir;
  Repos repos = MakeRepos(dir, GetParam());
  ASSERT_TRUE(PushBranch(repos.work, repos.remote.string(), "HEAD", kBranch, false).ok());
  fs::path elsewhere = dir.path() / "elsewhere";
  fs::create_directories(elsewhere);
  ASSERT_TRUE(Git(elsewhere, {"init", "--quiet"}).ok());
  Result<ChangeRequest> request = MakeGitForge(elsewhere, repos.remote.string())->OpenOrUpdate(Spec());
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_TRUE(request->created);
}

TEST_P(GitForge, FindByBranchSeesOnlyPushedBranches) {
  testing::TempDir dir;
  Repos repos = MakeRepos(dir, GetParam());
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

TEST_P(GitForge, CloseDeletesTheBranchAndTheMarker) {
  testing::TempDir dir;
  Repos repos = MakeRepos(dir, GetParam());
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

TEST_P(GitForge, SyncSaysClosedWhenSomeoneElseDeletedTheBranch) {
  testing::TempDir dir;
  Repos repos = MakeRepos(dir, GetParam());
  ASSERT_TRUE(PushBranch(repos.work, repos.remote.string(), "HEAD", kBranch, false).ok());
  std::unique_ptr<Forge> forge = MakeGitForge(repos.work, repos.remote.string());
  ASSERT_TRUE(forge->OpenOrUpdate(Spec()).ok());
  ASSERT_TRUE(DeleteRemoteBranch(repos.work, repos.remote.string(), kBranch).ok());
  Result<ChangeRequest> synced = forge->Sync("", kBranch);
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_EQ(synced->state, "closed");
}

TEST_P(GitForge, NothingIsEverDeclinedAndSyncKnowsNoPeople) {
  // A plain git remote has no requests for a person to close, merge or find conflicting.
  testing::TempDir dir;
  Repos repos = MakeRepos(dir, GetParam());
  std::unique_ptr<Forge> forge = MakeGitForge(repos.work, repos.remote.string());
  Result<std::optional<ChangeRequest>> none = forge->FindDeclined("", kBranch);
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(PushBranch(repos.work, repos.remote.string(), "HEAD", kBranch, false).ok());
  ASSERT_TRUE(forge->OpenOrUpdate(Spec()).ok());
  ASSERT_TRUE(DeleteRemoteBranch(repos.work, repos.remote.string(), kBranch).ok());
  Result<ChangeRequest> synced = forge->Sync("", kBranch);
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_EQ(synced->state, "closed");
  EXPECT_EQ(synced->closed_by, "");
  EXPECT_EQ(synced->closed_at_ms, 0);
  EXPECT_EQ(synced->merged_by, "");
  EXPECT_EQ(synced->merged_at_ms, 0);
  EXPECT_FALSE(synced->conflicting);
  Result<std::optional<ChangeRequest>> closed = forge->FindDeclined("", kBranch);
  ASSERT_TRUE(closed.ok()) << closed.status().message();
  EXPECT_FALSE(closed->has_value()) << "the remote cannot say a person closed it";
}

TEST_P(GitForge, AFileUrlNamesTheSameRemote) {
  testing::TempDir dir;
  Repos repos = MakeRepos(dir, GetParam());
  std::string url = "file://" + repos.remote.string();
  ASSERT_TRUE(PushBranch(repos.work, url, "HEAD", kBranch, false).ok());
  std::unique_ptr<Forge> forge = MakeGitForge(repos.work, url);
  Result<ChangeRequest> first = forge->OpenOrUpdate(Spec());
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->url, url + "#" + kBranch);
  EXPECT_TRUE(RemoteHasRef(repos.remote, std::string("refs/skein/requests/") + kBranch));
  EXPECT_FALSE(forge->OpenOrUpdate(Spec())->created);
}

TEST_P(GitForge, OnlyTheExactRefsCount) {
  // ls-remote matches patterns by their tail: refs/heads/x/skein/orders-v2 is not the branch.
  testing::TempDir dir;
  Repos repos = MakeRepos(dir, GetParam());
  std::string remote = repos.remote.string();
  ASSERT_TRUE(PushBranch(repos.work, remote, "HEAD", std::string("x/") + kBranch, false).ok());
  ASSERT_TRUE(
      Git(repos.work, {"push", "--quiet", remote, std::string("HEAD:refs/skein/requests/x/") + kBranch})
          .ok());
  std::unique_ptr<Forge> forge = MakeGitForge(repos.work, remote);
  Result<std::optional<ChangeRequest>> found = forge->FindByBranch("", kBranch);
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_FALSE(found->has_value());
  EXPECT_EQ(forge->Sync("", kBranch).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(forge->OpenOrUpdate(Spec()).status().code(), StatusCode::kNotFound);
  Result<std::vector<std::string>> commits = RemoteRefCommits(
      repos.work, remote, {"refs/heads/" + std::string(kBranch), "refs/heads/x/" + std::string(kBranch)});
  ASSERT_TRUE(commits.ok()) << commits.status().message();
  EXPECT_EQ(*commits, (std::vector<std::string>{"", *ResolveCommit(repos.work, "HEAD")}));
}

INSTANTIATE_TEST_SUITE_P(InProcessAndThroughGit, GitForge, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "ThroughGit" : "InProcess";
                         });

TEST(GitForgeHooks, ARemotesHooksRunWhenTheMarkerIsWritten) {
  // A remote whose pre-receive hook refuses refs/skein/*: the marker must go through git, which
  // runs the hook, and the refusal is the forge's error.
  testing::TempDir dir;
  Repos repos = MakeRepos(dir);
  WriteHook(
      dir, repos.remote, "pre-receive",
      "#!/bin/sh\nwhile read old new ref; do\n  case \"$ref\" in refs/skein/*) echo \"no markers here\" >&2; "
      "exit 1;; esac\ndone\nexit 0\n");
  ASSERT_TRUE(PushBranch(repos.work, repos.remote.string(), "HEAD", kBranch, false).ok());
  Result<ChangeRequest> request = MakeGitForge(repos.work, repos.remote.string())->OpenOrUpdate(Spec());
  ASSERT_FALSE(request.ok());
  EXPECT_NE(request.status().message().find("no markers here"), std::string::npos)
      << request.status().message();
  EXPECT_FALSE(RemoteHasRef(repos.remote, std::string("refs/skein/requests/") + kBranch));
}

TEST(GitForgeHooks, HiddenRefsAreLeftToGit) {
  // transfer.hideRefs hides the markers from ls-remote and refuses pushes to them: the forge
  // sees what git sees.
  testing::TempDir dir;
  Repos repos = MakeRepos(dir);
  ASSERT_TRUE(Git(repos.remote, {"config", "transfer.hideRefs", "refs/skein"}).ok());
  ASSERT_TRUE(PushBranch(repos.work, repos.remote.string(), "HEAD", kBranch, false).ok());
  Result<ChangeRequest> request = MakeGitForge(repos.work, repos.remote.string())->OpenOrUpdate(Spec());
  EXPECT_FALSE(request.ok()) << "git refuses to update a hidden ref";
  EXPECT_FALSE(RemoteHasRef(repos.remote, std::string("refs/skein/requests/") + kBranch));
}

}  // namespace
}  // namespace skein::vcs
