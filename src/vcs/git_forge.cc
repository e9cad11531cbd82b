// The git forge (see forge.h): no API; the branch pushed to the remote is the request.
//
// To tell "opened now" from "already open" without an API, OpenOrUpdate leaves a marker ref
// refs/skein/requests/<branch> on the remote, pointing at the branch's commit when the request
// was first opened. created is true when that marker did not exist yet. The marker lives outside
// refs/heads and refs/tags, so clones and ordinary fetches never see it. Close deletes the
// branch and the marker; Sync reports "closed" when the branch is gone but the marker remains
// (deleted by someone else: merged or abandoned, the remote alone cannot say which).
#include <mutex>

#include "base/text.h"
#include "vcs/forge.h"
#include "vcs/git.h"

namespace skein::vcs {
namespace {

constexpr std::string_view kMarkerPrefix = "refs/skein/requests/";

// The commit `ref` (a full ref name) has on `remote`, or "" when it has none.
Result<std::string> RemoteRefCommit(const std::filesystem::path& repo, const std::string& remote,
                                    const std::string& ref) {
  ASSIGN_OR_RETURN(std::string out, Git(repo, {"ls-remote", remote, ref}));
  // ls-remote matches patterns by their tail; only the exact ref counts.
  for (const std::string& line : Split(out, '\n')) {
    size_t tab = line.find('\t');
    if (tab != std::string::npos && line.substr(tab + 1) == ref) return line.substr(0, tab);
  }
  return std::string();
}

class GitForge : public Forge {
 public:
  GitForge(std::filesystem::path repo, std::string remote)
      : repo_(std::move(repo)), remote_(std::move(remote)) {}

  ForgeKind kind() const override { return ForgeKind::kGit; }

  Result<ChangeRequest> OpenOrUpdate(const ChangeRequestSpec& spec) override {
    std::lock_guard lock(mutex_);
    RETURN_IF_ERROR(CheckBranch(spec.branch));
    ASSIGN_OR_RETURN(std::string head, RemoteBranchCommit(repo_, remote_, spec.branch));
    if (head.empty())
      return Status::NotFound("git forge: branch " + spec.branch + " is not on " + remote_ +
                              "; push it before opening the request");
    std::string marker = std::string(kMarkerPrefix) + spec.branch;
    ASSIGN_OR_RETURN(std::string marked, RemoteRefCommit(repo_, remote_, marker));
    bool created = marked.empty();
    if (created) {
      // Push needs the commit locally; the caller may have pushed from another clone.
      RETURN_IF_ERROR(
          Git(repo_, {"fetch", "--quiet", "--no-tags", remote_, "refs/heads/" + spec.branch}).status());
      RETURN_IF_ERROR(Git(repo_, {"push", "--quiet", remote_, head + ":" + marker}).status());
    }
    return Request(spec.branch, "open", created);
  }

  Result<std::optional<ChangeRequest>> FindByBranch(const std::string&, const std::string& branch) override {
    std::lock_guard lock(mutex_);
    RETURN_IF_ERROR(CheckBranch(branch));
    ASSIGN_OR_RETURN(std::string head, RemoteBranchCommit(repo_, remote_, branch));
    if (head.empty()) return std::optional<ChangeRequest>();
    return std::optional<ChangeRequest>(Request(branch, "open", false));
  }

  Result<ChangeRequest> Sync(const std::string&, const std::string& branch) override {
    std::lock_guard lock(mutex_);
    RETURN_IF_ERROR(CheckBranch(branch));
    ASSIGN_OR_RETURN(std::string head, RemoteBranchCommit(repo_, remote_, branch));
    if (!head.empty()) return Request(branch, "open", false);
    ASSIGN_OR_RETURN(std::string marked,
                     RemoteRefCommit(repo_, remote_, std::string(kMarkerPrefix) + branch));
    if (!marked.empty()) return Request(branch, "closed", false);
    return Status::NotFound("git forge: no branch " + branch + " on " + remote_);
  }

  Status Close(const std::string&, const std::string& branch) override {
    std::lock_guard lock(mutex_);
    RETURN_IF_ERROR(CheckBranch(branch));
    RETURN_IF_ERROR(DeleteRemoteBranch(repo_, remote_, branch));
    std::string marker = std::string(kMarkerPrefix) + branch;
    ASSIGN_OR_RETURN(std::string marked, RemoteRefCommit(repo_, remote_, marker));
    if (marked.empty()) return Status::Ok();
    return Git(repo_, {"push", "--quiet", remote_, "--delete", marker}).status();
  }

 private:
  static Status CheckBranch(const std::string& branch) {
    if (!IsValidBranchName(branch))
      return Status::InvalidInput("git forge: '" + branch + "' is not a valid branch name");
    return Status::Ok();
  }

  ChangeRequest Request(const std::string& branch, std::string state, bool created) const {
    // checks stay "": a bare remote runs no CI.
    return ChangeRequest{"git", branch, remote_ + "#" + branch, std::move(state), "", created};
  }

  std::filesystem::path repo_;
  std::string remote_;
  std::mutex mutex_;  // two git calls on one repository must not overlap (git.h)
};

}  // namespace

std::unique_ptr<Forge> MakeGitForge(std::filesystem::path repo, std::string remote) {
  return std::make_unique<GitForge>(std::move(repo), std::move(remote));
}

}  // namespace skein::vcs
