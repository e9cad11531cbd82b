// A consumer job's push with lease and the remote URL it reads, against real repositories: the
// push into a plain repository on this machine happens in process, into one with a hook through
// git — with the same outcome either way.
#include <gtest/gtest.h>

#include "base/text.h"
#include "tests/support/test_support.h"
#include "vcs/git.h"
#include "vcs/workspace.h"

namespace skein::vcs {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBranch = "skein/orders-v2";

// A source repository with files in nested folders; with `through_git`, it has a (do-nothing)
// hook a push runs, so that only git may push into it.
fs::path MakeSource(const testing::TempDir& dir, bool through_git) {
  fs::path source = dir.path() / "source";
  fs::create_directories(source);
  EXPECT_TRUE(Git(source, {"init", "--quiet", "-b", "main"}).ok());
  dir.Write("source/models/daily/active.sql", "SELECT * FROM orders\n");
  dir.Write("source/models/daily/old.sql", "SELECT 1\n");
  dir.Write("source/docs/README.md", "# reports\n");
  EXPECT_TRUE(Git(source, {"add", "--all"}).ok());
  EXPECT_TRUE(Git(source, {"-c", "commit.gpgsign=false", "commit", "--quiet", "-m", "initial"}).ok());
  if (through_git) {
    fs::path hook = dir.Write("source/.git/hooks/post-update", "#!/bin/sh\nexit 0\n");
    fs::permissions(hook, fs::perms::owner_all, fs::perm_options::add);
  }
  return source;
}

// A workspace of `source` with a change in a nested folder, a removed file and a new folder.
Workspace ChangedWorkspace(const testing::TempDir& dir, const fs::path& source, const std::string& job) {
  Result<Workspace> w = CreateWorkspace(source, dir.path() / "ws", job);
  EXPECT_TRUE(w.ok()) << w.status().message();
  dir.Write("ws/" + job + "/repo/models/daily/active.sql", "SELECT * FROM orders_v2 -- " + job + "\n");
  fs::remove(w->repo / "models/daily/old.sql");
  dir.Write("ws/" + job + "/repo/models/weekly/new.sql", "SELECT 2\n");
  return *w;
}

std::string GitOut(const fs::path& repo, const std::vector<std::string>& args) {
  Result<std::string> out = Git(repo, args);
  return out.ok() ? std::string(Trim(*out)) : "error: " + out.status().message();
}

class PushWithLease : public ::testing::TestWithParam<bool> {};

TEST_P(PushWithLease, CreatesTheBranchWithAllItReaches) {
  testing::TempDir dir;
  fs::path source = MakeSource(dir, GetParam());
  Workspace w = ChangedWorkspace(dir, source, "job-1");
  Result<std::string> commit = CommitWorkspace(w, kBranch, "Move to orders_v2\n");
  ASSERT_TRUE(commit.ok()) << commit.status().message();
  std::string absent;
  Status pushed = PushBranch(w.repo, source.string(), *commit, kBranch, true, &absent);
  ASSERT_TRUE(pushed.ok()) << pushed.message();
  EXPECT_EQ(GitOut(source, {"rev-parse", std::string("refs/heads/") + kBranch}), *commit);
  EXPECT_EQ(GitOut(source, {"fsck", "--strict", "--no-dangling", "--no-progress"}), "");
  EXPECT_EQ(GitOut(source, {"show", std::string(kBranch) + ":models/daily/active.sql"}),
            "SELECT * FROM orders_v2 -- job-1");
  EXPECT_EQ(GitOut(source, {"diff", "--name-status", "main", kBranch}),
            "M\tmodels/daily/active.sql\nD\tmodels/daily/old.sql\nA\tmodels/weekly/new.sql");
  EXPECT_EQ(GitOut(source, {"status", "--porcelain"}), "") << "the source's checkout is untouched";
}

TEST_P(PushWithLease, RefusesABranchThatIsNotWhereTheLeaseSays) {
  testing::TempDir dir;
  fs::path source = MakeSource(dir, GetParam());
  Workspace first = ChangedWorkspace(dir, source, "job-1");
  std::string one = *CommitWorkspace(first, kBranch, "one\n");
  std::string absent;
  ASSERT_TRUE(PushBranch(first.repo, source.string(), one, kBranch, true, &absent).ok());

  Workspace second = ChangedWorkspace(dir, source, "job-2");
  std::string two = *CommitWorkspace(second, kBranch, "two\n");
  Status again = PushBranch(second.repo, source.string(), two, kBranch, true, &absent);
  EXPECT_EQ(again.code(), StatusCode::kConflict) << again.message();
  std::string base = first.base_commit;
  Status stale = PushBranch(second.repo, source.string(), two, kBranch, true, &base);
  EXPECT_EQ(stale.code(), StatusCode::kConflict) << stale.message();
  EXPECT_EQ(GitOut(source, {"rev-parse", std::string("refs/heads/") + kBranch}), one) << "left as it was";

  Status moved = PushBranch(second.repo, source.string(), two, kBranch, true, &one);
  ASSERT_TRUE(moved.ok()) << moved.message();
  EXPECT_EQ(GitOut(source, {"rev-parse", std::string("refs/heads/") + kBranch}), two);
  EXPECT_EQ(GitOut(source, {"fsck", "--strict", "--no-dangling", "--no-progress"}), "");
}

TEST_P(PushWithLease, RefusesTheBranchCheckedOutInTheRemote) {
  // receive.denyCurrentBranch: git never moves the branch a non-bare repository has checked out.
  testing::TempDir dir;
  fs::path source = MakeSource(dir, GetParam());
  Workspace w = ChangedWorkspace(dir, source, "job-1");
  std::string commit = *CommitWorkspace(w, "main", "on main\n");
  Status pushed = PushBranch(w.repo, source.string(), commit, "main", true, &w.base_commit);
  EXPECT_FALSE(pushed.ok());
  EXPECT_EQ(GitOut(source, {"rev-parse", "refs/heads/main"}), w.base_commit);
}

TEST_P(PushWithLease, PushesOnABaseTheRemoteHasMovedOnFrom) {
  // The source's main moved after the workspace was made: its base is no longer a ref tip there.
  testing::TempDir dir;
  fs::path source = MakeSource(dir, GetParam());
  Workspace w = ChangedWorkspace(dir, source, "job-1");
  dir.Write("source/docs/README.md", "# reports, moved on\n");
  ASSERT_TRUE(Git(source, {"-c", "commit.gpgsign=false", "commit", "--quiet", "-am", "moved on"}).ok());
  std::string commit = *CommitWorkspace(w, kBranch, "Move\n");
  std::string absent;
  Status pushed = PushBranch(w.repo, source.string(), commit, kBranch, true, &absent);
  ASSERT_TRUE(pushed.ok()) << pushed.message();
  EXPECT_EQ(GitOut(source, {"rev-parse", std::string("refs/heads/") + kBranch}), commit);
  EXPECT_EQ(GitOut(source, {"fsck", "--strict", "--no-dangling", "--no-progress"}), "");
}

TEST_P(PushWithLease, PushesIntoABareRemoteNamedByAFileUrl) {
  testing::TempDir dir;
  fs::path source = MakeSource(dir, false);
  fs::path bare = dir.path() / "remote.git";
  ASSERT_TRUE(Git(dir.path(), {"clone", "--quiet", "--bare", source.string(), bare.string()}).ok());
  if (GetParam()) {
    fs::path hook = dir.Write("remote.git/hooks/post-update", "#!/bin/sh\nexit 0\n");
    fs::permissions(hook, fs::perms::owner_all, fs::perm_options::add);
  }
  Workspace w = ChangedWorkspace(dir, source, "job-1");
  std::string commit = *CommitWorkspace(w, kBranch, "Move\n");
  std::string absent;
  Status pushed = PushBranch(w.repo, "file://" + bare.string(), commit, kBranch, true, &absent);
  ASSERT_TRUE(pushed.ok()) << pushed.message();
  EXPECT_EQ(GitOut(bare, {"rev-parse", std::string("refs/heads/") + kBranch}), commit);
  EXPECT_EQ(GitOut(bare, {"fsck", "--strict", "--no-dangling", "--no-progress"}), "");
}

INSTANTIATE_TEST_SUITE_P(InProcessAndThroughGit, PushWithLease, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "ThroughGit" : "InProcess";
                         });

TEST(GitRemote, RemoteUrlIsWhatGitRemoteGetUrlPrints) {
  testing::TempDir dir;
  fs::path source = MakeSource(dir, false);
  EXPECT_EQ(RemoteUrl(source, "origin").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(Git(source, {"remote", "add", "origin", "git@example.com:acme/reports.git"}).ok());
  ASSERT_TRUE(
      Git(source, {"config", "url.https://mirror.example/acme/.insteadOf", "git@example.com:acme/"}).ok());
  EXPECT_EQ(GitOut(source, {"remote", "get-url", "origin"}), "https://mirror.example/acme/reports.git");
  Result<std::string> url = RemoteUrl(source, "origin");
  ASSERT_TRUE(url.ok()) << url.status().message();
  EXPECT_EQ(*url, "https://mirror.example/acme/reports.git");
  Result<std::string> inside = RemoteUrl(source / "models", "origin");  // as `git -C models` finds it
  ASSERT_TRUE(inside.ok()) << inside.status().message();
  EXPECT_EQ(*inside, *url);
}

}  // namespace
}  // namespace skein::vcs
