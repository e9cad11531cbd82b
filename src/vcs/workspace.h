// vcs/workspace.h: the place one consumer job works in. A workspace is a fresh clone of the
// consumer's repository at a recorded base commit, inside a job folder of its own:
//
//   ROOT/JOB/            the job folder (JOB is unique; creating it is how two jobs never share)
//   ROOT/JOB/repo/       the checkout: the only place an agent may write
//   ROOT/JOB/home/       HOME and TMPDIR for agents and builds
//   ROOT/JOB/log/        attempt logs, prompts, diffs (kept when the job fails)
//
// The clone copies objects (no hard links, no alternates), so nothing done in the checkout can
// change the source repository. Remove() deletes the job folder; Workspace's destructor does not
// (a failed job keeps its evidence until the caller decides).
//
// Thread-safety: a Workspace belongs to one job; distinct workspaces may be used in parallel.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/status.h"

namespace skein::vcs {

struct FileChange {
  enum class Kind { kModified, kAdded, kDeleted };
  std::string path;  // relative to the checkout, '/'-separated
  Kind kind = Kind::kModified;
  std::string before;  // content at the base commit ("" when added)
  std::string after;   // content in the checkout ("" when deleted)
};

struct Workspace {
  std::filesystem::path job;     // ROOT/JOB
  std::filesystem::path repo;    // ROOT/JOB/repo
  std::filesystem::path home;    // ROOT/JOB/home
  std::filesystem::path log;     // ROOT/JOB/log
  std::filesystem::path source;  // the repository it was cloned from
  std::string base_commit;       // what the checkout started from
  std::string base_branch;       // the source's branch at that commit ("" when detached)
};

// Clones `source` at `base_ref` (default: its HEAD) into ROOT/`job_id`. Conflict when that job
// folder already exists (another job holds it); NotFound when `source` is not a git repository;
// InvalidInput when `job_id` is not a plain folder name.
Result<Workspace> CreateWorkspace(const std::filesystem::path& source, const std::filesystem::path& root,
                                  std::string_view job_id, std::string_view base_ref = "HEAD");

// Deletes the job folder and everything in it.
// Moves the checkout (nothing changed in it yet) to the tip of the base branch as `remote` has it,
// when that differs from the base commit: a change made again after its request conflicted
// lands on the base it must merge into, even when the source repository has not caught up.
// Returns whether it moved. IoError when the remote or its branch cannot be read.
Result<bool> RebaseOnRemote(Workspace& workspace, const std::string& remote);

Status RemoveWorkspace(const Workspace& workspace);

// Bytes used by the files below `path` (not following symbolic links).
uintmax_t DiskUsage(const std::filesystem::path& path);

// What the checkout changes against the base commit: modified, added (untracked, not ignored)
// and deleted files, sorted by path.
Result<std::vector<FileChange>> ChangedFiles(const Workspace& workspace);

// A unified diff of the checkout against the base commit, untracked files included; "" when
// nothing changed.
Result<std::string> WorkspaceDiff(const Workspace& workspace);

// Puts the checkout back to the base commit (changes and untracked files dropped).
Status ResetWorkspace(const Workspace& workspace);

struct CommitIdentity {
  std::string name = "skein";
  std::string email = "skein@localhost";
};

// Commits everything the checkout changes on a new branch `branch` starting at the base commit;
// returns the commit id. Conflict when nothing changed.
Result<std::string> CommitWorkspace(const Workspace& workspace, std::string_view branch,
                                    std::string_view message, const CommitIdentity& identity = {});

}  // namespace skein::vcs
