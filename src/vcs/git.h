// vcs/: git repositories, per-job workspaces and forges (git remotes, GitHub, GitLab).
//
// git.h: skein's few git operations, through the git command line (the same git a user has, so
// remotes, credentials helpers and `git http-backend` behave as they do for the user). Every call
// runs with a fixed identity and no user configuration (GIT_CONFIG_GLOBAL=/dev/null), never
// prompts, and has a time limit.
//
// A workspace's local questions (what changed, its diff, its commit) go through libgit2 instead
// (vcs/libgit.h, internal), with the same no-user-configuration rule; so do the reads of, and a
// consumer job's push with lease to, a remote that is a plain repository on this machine (an
// absolute path or a file:/// URL with no hooks and no settings of what receive-pack does:
// libgit::InProcessRemote), where git would start processes to read the same refs and copy the
// same objects. Any other remote goes through git.
//
// Thread-safety: free functions; two calls on one repository must not overlap.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "base/status.h"

namespace skein::vcs {

struct GitOptions {
  std::chrono::milliseconds timeout{120000};
  std::string stdin_text;
  std::vector<std::string> env;  // extra "NAME=value" entries (e.g. GIT_AUTHOR_DATE)
};

// Runs `git -C repo args...`; returns stdout. IoError with git's stderr and the command when git
// exits non-zero.
Result<std::string> Git(const std::filesystem::path& repo, const std::vector<std::string>& args,
                        const GitOptions& options = {});

// The commit `ref` names in `repo` (40 hex digits).
Result<std::string> ResolveCommit(const std::filesystem::path& repo, std::string_view ref);

// The branch HEAD points at ("main"), or "" when HEAD is detached.
Result<std::string> CurrentBranch(const std::filesystem::path& repo);

// Whether `name` is a valid branch name (git check-ref-format --branch rules).
bool IsValidBranchName(std::string_view name);

// Pushes `local_ref` (a commit or ref in `repo`) to `remote` (a URL, path or remote name) as
// refs/heads/`branch`. With force, the branch is replaced (a re-run rebased on a new base);
// `expected_old` (a commit, or "" for "must not exist") guards against overwriting what someone
// else pushed since (--force-with-lease). Conflict when that guard fails.
Status PushBranch(const std::filesystem::path& repo, std::string_view remote, std::string_view local_ref,
                  std::string_view branch, bool force, const std::string* expected_old = nullptr);

// The commits `refs` (full ref names) have on `remote`, in order, "" for a ref it does not have:
// one `git ls-remote`, or in process for a repository on this machine.
Result<std::vector<std::string>> RemoteRefCommits(const std::filesystem::path& repo, std::string_view remote,
                                                  const std::vector<std::string>& refs);

// The commit refs/heads/`branch` has on `remote`, or "" when it has no such branch.
Result<std::string> RemoteBranchCommit(const std::filesystem::path& repo, std::string_view remote,
                                       std::string_view branch);

// The URL of `repo`'s remote `name`, as `git remote get-url NAME` prints it; NotFound when it has
// no such remote. Read in process (libgit2): no git command.
Result<std::string> RemoteUrl(const std::filesystem::path& repo, const std::string& name);

// Deletes refs/heads/`branch` on `remote`; Ok when it did not exist.
Status DeleteRemoteBranch(const std::filesystem::path& repo, std::string_view remote,
                          std::string_view branch);

}  // namespace skein::vcs
