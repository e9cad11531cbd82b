#include "vcs/workspace.h"

#include <algorithm>
#include <system_error>

#include "base/text.h"
#include "vcs/git.h"

namespace skein::vcs {
namespace {

namespace fs = std::filesystem;

bool IsPlainFolderName(std::string_view name) {
  if (name.empty() || name.size() > 200 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '@' || c == '+';
  });
}

// Paths printed by `git ls-files -z` / `git diff -z --name-status`: NUL-separated.
std::vector<std::string> SplitNul(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

Result<Workspace> CreateWorkspace(const fs::path& source, const fs::path& root, std::string_view job_id,
                                  std::string_view base_ref) {
  if (!IsPlainFolderName(job_id))
    return Status::InvalidInput("workspace id '" + std::string(job_id) + "' is not a plain folder name");
  std::error_code ec;
  if (!fs::is_directory(source, ec))
    return Status::NotFound("repository " + source.string() + " does not exist");
  Result<std::string> base = ResolveCommit(source, base_ref);
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
  Result<std::string> branch = CurrentBranch(source);
  w.base_branch = branch.ok() ? *branch : "";
  fs::create_directories(w.home, ec);
  fs::create_directories(w.log, ec);
  Result<std::string> cloned =
      Git(w.job, {"clone", "--quiet", "--no-local", "--no-checkout", w.source.string(), w.repo.string()});
  if (cloned.ok()) cloned = Git(w.repo, {"checkout", "--quiet", "--detach", w.base_commit});
  if (!cloned.ok()) {
    fs::remove_all(w.job, ec);
    return cloned.status();
  }
  return w;
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
  // Tracked changes against the base commit, then untracked files that are not ignored.
  Result<std::string> status = Git(w.repo, {"diff", "--name-status", "-z", "--no-renames", w.base_commit});
  if (!status.ok()) return status.status();
  Result<std::string> untracked = Git(w.repo, {"ls-files", "-z", "--others", "--exclude-standard"});
  if (!untracked.ok()) return untracked.status();
  std::vector<FileChange> changes;
  std::vector<std::string> fields = SplitNul(*status);
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    FileChange c;
    c.path = fields[i + 1];
    c.kind = fields[i] == "D"   ? FileChange::Kind::kDeleted
             : fields[i] == "A" ? FileChange::Kind::kAdded
                                : FileChange::Kind::kModified;
    changes.push_back(std::move(c));
  }
  for (const std::string& path : SplitNul(*untracked)) {
    FileChange c;
    c.path = path;
    c.kind = FileChange::Kind::kAdded;
    changes.push_back(std::move(c));
  }
  for (FileChange& c : changes) {
    if (c.kind != FileChange::Kind::kAdded) {
      Result<std::string> before = Git(w.repo, {"show", w.base_commit + ":" + c.path});
      if (!before.ok()) return before.status();
      c.before = std::move(*before);
    }
    if (c.kind != FileChange::Kind::kDeleted) {
      Result<std::string> after = ReadFile(w.repo / c.path);
      if (!after.ok()) return after.status();
      c.after = std::move(*after);
    }
  }
  std::sort(changes.begin(), changes.end(),
            [](const FileChange& a, const FileChange& b) { return a.path < b.path; });
  return changes;
}

Result<std::string> WorkspaceDiff(const Workspace& w) {
  // `git add -N` makes untracked files show in the diff without staging their content.
  Result<std::string> untracked = Git(w.repo, {"ls-files", "-z", "--others", "--exclude-standard"});
  if (!untracked.ok()) return untracked.status();
  std::vector<std::string> files = SplitNul(*untracked);
  if (!files.empty()) {
    std::vector<std::string> args = {"add", "--intent-to-add", "--"};
    args.insert(args.end(), files.begin(), files.end());
    if (Result<std::string> r = Git(w.repo, args); !r.ok()) return r.status();
  }
  return Git(w.repo, {"diff", "--no-color", "--no-ext-diff", "--no-renames", w.base_commit});
}

Status ResetWorkspace(const Workspace& w) {
  Result<std::string> r = Git(w.repo, {"reset", "--quiet", "--hard", w.base_commit});
  if (r.ok()) r = Git(w.repo, {"clean", "--quiet", "-fdx"});
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::string> CommitWorkspace(const Workspace& w, std::string_view branch, std::string_view message,
                                    const CommitIdentity& identity) {
  if (!IsValidBranchName(branch))
    return Status::InvalidInput("'" + std::string(branch) + "' is not a valid branch name");
  Result<std::string> r = Git(w.repo, {"checkout", "--quiet", "-B", std::string(branch)});
  if (r.ok()) r = Git(w.repo, {"add", "--all"});
  if (!r.ok()) return r.status();
  Result<std::string> staged = Git(w.repo, {"diff", "--cached", "--name-only", w.base_commit});
  if (!staged.ok()) return staged.status();
  if (Trim(*staged).empty()) return Status::Conflict("nothing to commit in " + w.repo.string());
  GitOptions options;
  options.stdin_text = std::string(message);
  options.env = {"GIT_AUTHOR_NAME=" + identity.name, "GIT_AUTHOR_EMAIL=" + identity.email,
                 "GIT_COMMITTER_NAME=" + identity.name, "GIT_COMMITTER_EMAIL=" + identity.email};
  r = Git(w.repo, {"-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "--file=-"}, options);
  if (!r.ok()) return r.status();
  return ResolveCommit(w.repo, "HEAD");
}

}  // namespace skein::vcs
