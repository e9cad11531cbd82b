// Internal to vcs/: the operations that run in process through libgit2 rather than as `git`
// commands. A workspace job asks git a dozen questions (what changed, the diff, the commit); each
// `git` process costs milliseconds, which add up to most of a job. Operations that cross
// repositories (clone from the source, push, ls-remote) stay with the git command line, which
// owns credentials and transports — except with a repository on this machine: a workspace's
// clone of its source (CloneLocal), and a remote that is a plain repository (InProcessRemote),
// where git's transport would only start processes (a clone: three; a push: eight) to read refs,
// copy objects and move a ref, which is done here instead.
//
// Thread-safety: every call opens its own repository handle; libgit2 is initialised once.
#pragma once

#include <filesystem>
#include <optional>
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

// `git clone --local --no-hardlinks --no-checkout --config gc.auto=0 --config maintenance.auto=false
// SOURCE TARGET` without git's three processes: objects copied (never linked), the source's
// branches as origin's, HEAD at the source's branch, nothing checked out. InvalidInput for a
// source git clones otherwise (shallow, borrowing objects, a linked worktree). TARGET must not
// exist; on an error, what was made of it is left for the caller to remove.
Status CloneLocal(const std::filesystem::path& source, const std::filesystem::path& target);
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

// The URL of remote `name` of the repository at `repo` (or the one it lies in), as `git remote
// get-url NAME` prints it (url.<base>.insteadOf applied). NotFound when there is no such remote.
Result<std::string> RemoteUrl(const std::filesystem::path& repo, const std::string& name);

// Whether the repository at `repo` holds object `id` (full hex); false when it cannot be opened.
bool HasObject(const std::filesystem::path& repo, const std::string& id);

// The repository `remote` (as git takes a remote: URL, path or name) names when skein may stand in
// for git's transport in process: an absolute path or a file:/// URL of a repository on this
// machine that has none of the hooks a push runs and configures nothing of what a fetch or push
// does there (no receive.*, transfer.* or uploadpack.* setting: hidden refs, fsck, denials; no
// core.hooksPath, no core.sharedRepository). nullopt otherwise: then only the git command line
// answers as git does (a remote name, another transport, hooks to run, refs to hide).
std::optional<std::filesystem::path> InProcessRemote(std::string_view remote);

// The commits `refs` (full ref names) point at in `repo`, in order; "" for a ref it does not have.
// A symbolic ref is followed, as ls-remote does.
Result<std::vector<std::string>> RefCommits(const std::filesystem::path& repo,
                                            const std::vector<std::string>& refs);

// Creates `ref` at `commit` in `repo` unless the ref exists: true when it made it, false when it
// was there already (wherever it points). NotFound when `repo` does not hold the commit.
Result<bool> CreateRefIfMissing(const std::filesystem::path& repo, const std::string& ref,
                                const std::string& commit, std::string_view log_message);

// `git push --force-with-lease=refs/heads/BRANCH:EXPECTED REMOTE COMMIT:refs/heads/BRANCH` into
// `remote` (an InProcessRemote) without git's eight processes, for the one case a consumer job
// has: COMMIT, in `repo`, has one parent, and that parent is a ref tip of the remote. Copies the
// objects the remote lacks (the commit, and the trees and blobs that differ from its parent's:
// everything else the commit reaches, the remote has, since it has all a ref tip reaches), then
// moves the branch from `expected_old` ("" = absent) to COMMIT in one compare-and-swap.
// Conflict when the branch is not at `expected_old`. false, with nothing written, when the push
// is not that case or the remote would refuse or do more (the branch checked out there, linked
// worktrees, a shallow remote): the caller pushes with git.
Result<bool> PushWithLease(const std::filesystem::path& repo, const std::filesystem::path& remote,
                           const std::string& commit, std::string_view branch,
                           const std::string& expected_old);

}  // namespace skein::vcs::libgit
