#include "vcs/workspace.h"

#include <algorithm>
#include <system_error>

#include "base/text.h"
#include "vcs/git.h"
#include "vcs/libgit.h"

namespace skein::vcs {
namespace {

namespace fs = std::filesystem;

bool IsPlainFolderName(std::string_view name) {
  if (name.empty() || name.size() > 200 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '@' || c == '+';
  });
}

}  // namespace

Result<Workspace> CreateWorkspace(const fs::path& source, const fs::path& root, std::string_view job_id,
                                  std::string_view base_ref) {
  if (!IsPlainFolderName(job_id))
    return Status::InvalidInput("workspace id '" + std::string(job_id) + "' is not a plain folder name");
  std::error_code ec;
  if (!fs::is_directory(source, ec))
    return Status::NotFound("repository " + source.string() + " does not exist");
  Result<std::string> base = libgit::ResolveCommit(source, base_ref);
  if (!base.ok()) {
    return Status::NotFound(source.string() + " is not a git repository with a commit '" +
                            std::string(base_ref) + "': " + base.status().message());
  }
  fs::create_directories(root, ec);
  if (ec) return Status::IoError("cannot create " + root.string() + ": " + ec.message());
  Workspace w;
  // Absolute, since git runs inside the job folder and the agent inside the checkout.
  w.job = fs::absolute(root) / std::string(job_id);
  // Creating the job folder is the lock: fs::create_directory fails when it exists.
  if (!fs::create_directory(w.job, ec)) {
    if (ec) return Status::IoError("cannot create " + w.job.string() + ": " + ec.message());
    return Status::Conflict("workspace " + w.job.string() + " is held by another job");
  }
  w.repo = w.job / "repo";
  w.home = w.job / "home";
  w.log = w.job / "log";
  w.source = fs::absolute(source);
  w.base_commit = *base;
  Result<std::string> branch = libgit::CurrentBranch(source);
  w.base_branch = branch.ok() ? *branch : "";
  fs::create_directories(w.home, ec);
  fs::create_directories(w.log, ec);
  // In process (libgit2), as the git command below would: three processes fewer per job. What
  // libgit2 cannot clone (a shallow source, say), git does.
  Status cloned = libgit::CloneLocal(w.source, w.repo);
  if (!cloned.ok()) {
    fs::remove_all(w.repo, ec);
    cloned =
        // --no-hardlinks: a copy of the object files, not links to the source's, so nothing done in
        // the workspace can reach the source repository; cheaper than --no-local's repacking.
        // No automatic gc or maintenance: a workspace lives for one job.
        Git(w.job, {"clone", "--quiet", "--local", "--no-hardlinks", "--no-checkout", "--config", "gc.auto=0",
                    "--config", "maintenance.auto=false", w.source.string(), w.repo.string()})
            .status();
  }
  Status checked_out = cloned.ok() ? libgit::CheckoutDetached(w.repo, w.base_commit) : cloned;
  if (!checked_out.ok()) {
    fs::remove_all(w.job, ec);
    return checked_out;
  }
  return w;
}

Result<bool> RebaseOnRemote(Workspace& w, const std::string& remote) {
  std::string branch = w.base_branch.empty() ? "main" : w.base_branch;
  RETURN_IF_ERROR(
      Git(w.repo, {"fetch", "--quiet", "--no-tags", "--", remote, "refs/heads/" + branch}).status());
  ASSIGN_OR_RETURN(std::string tip, ResolveCommit(w.repo, "FETCH_HEAD"));
  if (tip == w.base_commit) return false;
  RETURN_IF_ERROR(libgit::CheckoutDetached(w.repo, tip));
  w.base_commit = tip;
  return true;
}

Status RemoveWorkspace(const Workspace& workspace) {
  std::error_code ec;
  fs::remove_all(workspace.job, ec);
  if (ec) return Status::IoError("cannot remove workspace " + workspace.job.string() + ": " + ec.message());
  return Status::Ok();
}

uintmax_t DiskUsage(const fs::path& path) {
  uintmax_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) total += it->file_size(ec);
  }
  return total;
}

Result<std::vector<FileChange>> ChangedFiles(const Workspace& w) {
  ASSIGN_OR_RETURN(std::vector<libgit::Delta> deltas, libgit::Changes(w.repo, w.base_commit));
  std::vector<FileChange> changes;
  for (const libgit::Delta& d : deltas) {
    FileChange c;
    c.path = d.path;
    c.kind = d.status == 'D'   ? FileChange::Kind::kDeleted
             : d.status == 'A' ? FileChange::Kind::kAdded
                               : FileChange::Kind::kModified;
    if (c.kind != FileChange::Kind::kAdded) {
      ASSIGN_OR_RETURN(c.before, libgit::ReadBlob(w.repo, d.old_blob));
    }
    if (c.kind != FileChange::Kind::kDeleted) {
      ASSIGN_OR_RETURN(c.after, ReadFile(w.repo / c.path));
    }
    changes.push_back(std::move(c));
  }
  std::sort(changes.begin(), changes.end(),
            [](const FileChange& a, const FileChange& b) { return a.path < b.path; });
  return changes;
}

Result<std::string> WorkspaceDiff(const Workspace& w) { return libgit::Patch(w.repo, w.base_commit); }

Status ResetWorkspace(const Workspace& w) {
  Result<std::string> r = Git(w.repo, {"reset", "--quiet", "--hard", w.base_commit});
  if (r.ok()) r = Git(w.repo, {"clean", "--quiet", "-fdx"});
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::string> CommitWorkspace(const Workspace& w, std::string_view branch, std::string_view message,
                                    const CommitIdentity& identity) {
  if (!IsValidBranchName(branch))
    return Status::InvalidInput("'" + std::string(branch) + "' is not a valid branch name");
  return libgit::CommitAll(w.repo, w.base_commit, branch, message, identity.name, identity.email);
}

}  // namespace skein::vcs
