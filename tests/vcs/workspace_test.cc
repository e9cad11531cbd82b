#include "vcs/workspace.h"

#include <gtest/gtest.h>

#include "base/text.h"
#include "tests/support/test_support.h"
#include "vcs/git.h"

namespace skein::vcs {
namespace {

namespace fs = std::filesystem;
using testing::Contains;

// A repository with one commit on main holding `files`.
fs::path MakeRepo(const testing::TempDir& dir,
                  const std::vector<std::pair<std::string, std::string>>& files) {
  fs::path repo = dir.path() / "source";
  fs::create_directories(repo);
  EXPECT_TRUE(Git(repo, {"init", "--quiet", "-b", "main"}).ok());
  for (const auto& [name, content] : files) dir.Write("source/" + name, content);
  EXPECT_TRUE(Git(repo, {"add", "--all"}).ok());
  EXPECT_TRUE(Git(repo, {"-c", "commit.gpgsign=false", "commit", "--quiet", "-m", "initial"}).ok());
  return repo;
}

TEST(Workspace, ClonesAtTheBaseCommitAndNeverSharesAJobFolder) {
  testing::TempDir dir;
  fs::path source = MakeRepo(dir, {{"q.sql", "SELECT 1\n"}});
  Result<Workspace> w = CreateWorkspace(source, dir.path() / "ws", "job-1");
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(w->base_commit, *ResolveCommit(source, "HEAD"));
  EXPECT_EQ(w->base_branch, "main");
  EXPECT_EQ(*ReadFile(w->repo / "q.sql"), "SELECT 1\n");
  Result<Workspace> again = CreateWorkspace(source, dir.path() / "ws", "job-1");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kConflict);
  EXPECT_FALSE(CreateWorkspace(source, dir.path() / "ws", "../escape").ok());
  ASSERT_TRUE(RemoveWorkspace(*w).ok());
  EXPECT_FALSE(fs::exists(w->job));
}

TEST(Workspace, ARelativeRootIsMadeAbsolute) {
  // `skein` passes .skein/workspaces relative to the working folder; git runs inside the job folder.
  testing::TempDir dir;
  fs::path source = MakeRepo(dir, {{"q.sql", "SELECT 1\n"}});
  fs::path before = fs::current_path();
  fs::current_path(dir.path());
  Result<Workspace> w = CreateWorkspace("source", "rel/ws", "job");
  fs::current_path(before);
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_TRUE(w->repo.is_absolute());
  EXPECT_EQ(*ReadFile(dir.path() / "rel/ws/job/repo/q.sql"), "SELECT 1\n");
}

TEST(Workspace, ChangesInTheCheckoutNeverReachTheSource) {
  testing::TempDir dir;
  fs::path source = MakeRepo(dir, {{"q.sql", "SELECT 1\n"}, {"old.txt", "x\n"}});
  Result<Workspace> w = CreateWorkspace(source, dir.path() / "ws", "job");
  ASSERT_TRUE(w.ok());
  dir.Write("ws/job/repo/q.sql", "SELECT 2\n");
  dir.Write("ws/job/repo/new.sql", "SELECT 3\n");
  fs::remove(w->repo / "old.txt");
  Result<std::vector<FileChange>> changes = ChangedFiles(*w);
  ASSERT_TRUE(changes.ok()) << changes.status().message();
  ASSERT_EQ(changes->size(), 3u);
  EXPECT_EQ((*changes)[0].path, "new.sql");
  EXPECT_EQ((*changes)[0].kind, FileChange::Kind::kAdded);
  EXPECT_EQ((*changes)[1].path, "old.txt");
  EXPECT_EQ((*changes)[1].kind, FileChange::Kind::kDeleted);
  EXPECT_EQ((*changes)[1].before, "x\n");
  EXPECT_EQ((*changes)[2].before, "SELECT 1\n");
  EXPECT_EQ((*changes)[2].after, "SELECT 2\n");
  Result<std::string> diff = WorkspaceDiff(*w);
  ASSERT_TRUE(diff.ok());
  EXPECT_TRUE(Contains(*diff, "+SELECT 3")) << *diff;
  EXPECT_TRUE(Contains(*diff, "-SELECT 1")) << *diff;
  Result<std::string> commit = CommitWorkspace(*w, "skein/test", "Move\n\nSkein-Campaign: test\n");
  ASSERT_TRUE(commit.ok()) << commit.status().message();
  EXPECT_EQ(*ReadFile(source / "q.sql"), "SELECT 1\n");
  EXPECT_FALSE(ResolveCommit(source, "skein/test").ok());
  ASSERT_TRUE(PushBranch(w->repo, source.string(), "HEAD", "skein/test", true).ok());
  EXPECT_EQ(*RemoteBranchCommit(w->repo, source.string(), "skein/test"), *commit);
  EXPECT_EQ(*ReadFile(source / "q.sql"), "SELECT 1\n");  // the source's checkout is untouched
  ASSERT_TRUE(DeleteRemoteBranch(w->repo, source.string(), "skein/test").ok());
  EXPECT_EQ(*RemoteBranchCommit(w->repo, source.string(), "skein/test"), "");
}

TEST(Workspace, IgnoredFilesAreNoChangeAndTheCommitIsWhatGitReads) {
  testing::TempDir dir;
  fs::path source = MakeRepo(dir, {{".gitignore", "target/\n*.log\n"},
                                   {"q.sql", "SELECT 1\n"},
                                   {"run.sh", "#!/bin/sh\n"},
                                   {"gone/old.sql", "SELECT 0\n"}});
  ASSERT_TRUE(Git(source, {"update-index", "--chmod=+x", "run.sh"}).ok());
  ASSERT_TRUE(Git(source, {"-c", "commit.gpgsign=false", "commit", "--quiet", "-m", "exec"}).ok());
  Result<Workspace> w = CreateWorkspace(source, dir.path() / "ws", "job");
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_TRUE(fs::status(w->repo / "run.sh").permissions() != fs::perms::none &&
              (fs::status(w->repo / "run.sh").permissions() & fs::perms::owner_exec) != fs::perms::none)
      << "the checkout keeps the executable bit";
  // A build's output and logs are ignored: neither a change nor committed.
  dir.Write("ws/job/repo/target/classes/A.class", "bytes");
  dir.Write("ws/job/repo/build.log", "ok");
  dir.Write("ws/job/repo/q.sql", "SELECT 2\n");
  fs::remove_all(w->repo / "gone");
  Result<std::vector<FileChange>> changes = ChangedFiles(*w);
  ASSERT_TRUE(changes.ok()) << changes.status().message();
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].path, "gone/old.sql");
  EXPECT_EQ((*changes)[0].kind, FileChange::Kind::kDeleted);
  EXPECT_EQ((*changes)[1].path, "q.sql");
  Result<std::string> commit = CommitWorkspace(*w, "skein/x", "  Move\n\n\nSkein-Campaign: x  \n\n");
  ASSERT_TRUE(commit.ok()) << commit.status().message();
  // git itself reads the commit: the files it holds, its parent, its cleaned message, HEAD on the branch.
  EXPECT_EQ(*Git(w->repo, {"ls-tree", "-r", "--name-only", *commit}), ".gitignore\nq.sql\nrun.sh\n");
  EXPECT_EQ(*Git(w->repo, {"rev-parse", *commit + "^"}), w->base_commit + "\n");
  EXPECT_EQ(*Git(w->repo, {"log", "-1", "--format=%B", *commit}), "  Move\n\nSkein-Campaign: x\n\n");
  EXPECT_EQ(*Git(w->repo, {"symbolic-ref", "HEAD"}), "refs/heads/skein/x\n");
  EXPECT_TRUE(Contains(*Git(w->repo, {"ls-tree", *commit, "run.sh"}), "100755")) << "the mode is kept";
  EXPECT_EQ(*Git(w->repo, {"status", "--porcelain"}), "") << "index and checkout agree with the commit";
}

TEST(Workspace, TheCloneIsACopyGitReadsAsItsOwn) {
  // As `git clone --local --no-hardlinks --no-checkout` leaves it (in process now): origin is the
  // source with its branches and tags, the object files are copies, no automatic gc.
  testing::TempDir dir;
  fs::path source = MakeRepo(dir, {{"q.sql", "SELECT 1\n"}, {"models/daily/a.sql", "SELECT 2\n"}});
  ASSERT_TRUE(Git(source, {"branch", "feature"}).ok());
  ASSERT_TRUE(Git(source, {"tag", "v1"}).ok());
  Result<Workspace> w = CreateWorkspace(source, dir.path() / "ws", "job");
  ASSERT_TRUE(w.ok()) << w.status().message();
  std::string base = w->base_commit + "\n";
  EXPECT_EQ(*Git(w->repo, {"config", "remote.origin.url"}), fs::absolute(source).string() + "\n");
  EXPECT_EQ(*Git(w->repo, {"rev-parse", "origin/main", "origin/feature", "v1"}), base + base + base);
  EXPECT_EQ(*Git(w->repo, {"config", "gc.auto"}), "0\n");
  EXPECT_EQ(*Git(w->repo, {"config", "maintenance.auto"}), "false\n");
  EXPECT_FALSE(fs::exists(w->repo / ".git/objects/info/alternates"));
  size_t objects = 0;
  for (const auto& entry : fs::recursive_directory_iterator(w->repo / ".git/objects")) {
    if (!entry.is_regular_file()) continue;
    ++objects;
    EXPECT_EQ(fs::hard_link_count(entry.path()), 1u) << entry.path() << " is linked to the source's";
  }
  EXPECT_GE(objects, 5u) << "a commit, three trees and two blobs";
  EXPECT_EQ(*Git(w->repo, {"fsck", "--strict", "--no-dangling", "--no-progress"}), "");
  EXPECT_EQ(*Git(w->repo, {"status", "--porcelain"}), "") << "checked out at the base";
  EXPECT_EQ(*Git(w->repo, {"rev-parse", "HEAD"}), base);
}

TEST(Workspace, ClonesAShallowSource) {
  testing::TempDir dir;
  fs::path source = MakeRepo(dir, {{"q.sql", "SELECT 1\n"}});
  dir.Write("source/q.sql", "SELECT 2\n");
  ASSERT_TRUE(Git(source, {"-c", "commit.gpgsign=false", "commit", "--quiet", "-am", "second"}).ok());
  fs::path shallow = dir.path() / "shallow";
  ASSERT_TRUE(
      Git(dir.path(), {"clone", "--quiet", "--depth", "1", "file://" + source.string(), shallow.string()})
          .ok());
  Result<Workspace> w = CreateWorkspace(shallow, dir.path() / "ws", "job");
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(w->base_commit, *ResolveCommit(source, "HEAD"));
  EXPECT_EQ(*ReadFile(w->repo / "q.sql"), "SELECT 2\n");
  // Shallow too, as git clones it: git reads it whole, never a commit whose parent is missing.
  Result<std::string> fsck = Git(w->repo, {"fsck", "--no-dangling", "--no-progress"});
  EXPECT_TRUE(fsck.ok()) << fsck.status().message();
  EXPECT_EQ(*Git(w->repo, {"rev-parse", "--is-shallow-repository"}), "true\n");
}

TEST(Workspace, ClonesASourceThatBorrowsObjects) {
  testing::TempDir dir;
  fs::path origin = MakeRepo(dir, {{"q.sql", "SELECT 1\n"}});
  fs::path borrowing = dir.path() / "borrowing";
  ASSERT_TRUE(Git(dir.path(), {"clone", "--quiet", "--shared", origin.string(), borrowing.string()}).ok());
  Result<Workspace> w = CreateWorkspace(borrowing, dir.path() / "ws", "job");
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(*ReadFile(w->repo / "q.sql"), "SELECT 1\n");
  Result<std::string> fsck = Git(w->repo, {"fsck", "--no-dangling", "--no-progress"});
  EXPECT_TRUE(fsck.ok()) << fsck.status().message();
}

TEST(Workspace, ResetDropsEverythingTheAgentDid) {
  testing::TempDir dir;
  fs::path source = MakeRepo(dir, {{"q.sql", "SELECT 1\n"}});
  Result<Workspace> w = CreateWorkspace(source, dir.path() / "ws", "job");
  ASSERT_TRUE(w.ok());
  dir.Write("ws/job/repo/q.sql", "SELECT 2\n");
  dir.Write("ws/job/repo/extra/new.sql", "x\n");
  ASSERT_TRUE(ResetWorkspace(*w).ok());
  EXPECT_TRUE(ChangedFiles(*w)->empty());
  EXPECT_EQ(CommitWorkspace(*w, "b", "m").status().code(), StatusCode::kConflict);
}

TEST(Git, BranchNamesFollowGitsRules) {
  EXPECT_TRUE(IsValidBranchName("skein/user-profile-v2"));
  EXPECT_FALSE(IsValidBranchName("a..b"));
  EXPECT_FALSE(IsValidBranchName("-x"));
  EXPECT_FALSE(IsValidBranchName("a b"));
  EXPECT_FALSE(IsValidBranchName("x.lock"));
  EXPECT_FALSE(IsValidBranchName("a/.hidden"));
}

}  // namespace
}  // namespace skein::vcs
