// Internal to vcs/: the workspace operations that run in process through libgit2 rather than
// as `git` commands. A workspace job asks git a dozen questions (what changed, the diff, the
// commit); each `git` process costs milliseconds, which add up to most of a job. Network
// operations (clone from the source, push, ls-remote) stay with the git command line, which owns
// credentials and transports.
//
// Thread-safety: every call opens its own repository handle; libgit2 is initialised once.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace skein::vcs::libgit {

struct Delta {
  char status = 'M';     // 'M' modified (or type changed), 'A' added or untracked, 'D' deleted
  std::string path;      // '/'-separated, relative to the checkout
  std::string old_blob;  // the base commit's blob id ("" when added)
};

// The commit `ref` names in `repo` (full hex id); NotFound when there is none.
Result<std::string> ResolveCommit(const std::filesystem::path& repo, std::string_view ref);
// HEAD's branch name ("main"), or "" when HEAD is detached or unborn.
Result<std::string> CurrentBranch(const std::filesystem::path& repo);
// Detaches HEAD at `commit` and makes the checkout match it (forced).
Status CheckoutDetached(const std::filesystem::path& repo, const std::string& commit);
// The checkout against `base_commit`: modified, added (tracked or untracked, not ignored) and
// deleted files, without rename detection, in path order.
Result<std::vector<Delta>> Changes(const std::filesystem::path& repo, const std::string& base_commit);
// A blob's content.
Result<std::string> ReadBlob(const std::filesystem::path& repo, const std::string& blob_id);
// The same as a unified diff, as `git diff BASE` prints it with untracked files shown as added.
Result<std::string> Patch(const std::filesystem::path& repo, const std::string& base_commit);
// Stages everything (additions, changes, removals), commits it with `base_commit` as the only
// parent and points refs/heads/`branch` (forced) and HEAD at it. Conflict when the tree equals
// the base commit's. The message is cleaned as `git commit -F` does (whitespace only).
Result<std::string> CommitAll(const std::filesystem::path& repo, const std::string& base_commit,
                              std::string_view branch, std::string_view message, const std::string& name,
                              const std::string& email);

}  // namespace skein::vcs::libgit
