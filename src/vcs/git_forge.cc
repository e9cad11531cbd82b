// The git forge (see forge.h): no API; the branch pushed to the remote is the request.
//
// To tell "opened now" from "already open" without an API, OpenOrUpdate leaves a marker ref
// refs/skein/requests/<branch> on the remote, pointing at the branch's commit when the request
// was first opened. created is true when that marker did not exist yet. The marker lives outside
// refs/heads and refs/tags, so clones and ordinary fetches never see it. Close deletes the
// branch and the marker; Sync reports "closed" when the branch is gone but the marker remains
// (deleted by someone else: merged or abandoned, the remote alone cannot say which).
//
// A plain git remote has no requests for a person to close: Sync leaves closed_by, merged_by,
// their times and conflicting empty, and FindDeclined always answers nullopt.
//
// Cost: OpenOrUpdate reads both refs with one ls-remote and, the first time, pushes the marker
// (fetching the commit first only when the local repository lacks it). When the remote is a
// plain repository on this machine (libgit::InProcessRemote: no hooks, no settings of what
// upload-pack or receive-pack do), the reads and the marker's creation happen in process, with no
// git command; a marker someone else made in between is then "already open" (created false),
// never a second request.
#include <mutex>

#include "base/text.h"
#include "vcs/forge.h"
#include "vcs/git.h"
#include "vcs/libgit.h"

namespace skein::vcs {
namespace {

constexpr std::string_view kMarkerPrefix = "refs/skein/requests/";

class GitForge : public Forge {
 public:
  GitForge(std::filesystem::path repo, std::string remote)
      : repo_(std::move(repo)), remote_(std::move(remote)) {}

  ForgeKind kind() const override { return ForgeKind::kGit; }

  Result<ChangeRequest> OpenOrUpdate(const ChangeRequestSpec& spec) override {
    std::lock_guard lock(mutex_);
    RETURN_IF_ERROR(CheckBranch(spec.branch));
    std::string marker = std::string(kMarkerPrefix) + spec.branch;
    ASSIGN_OR_RETURN(std::vector<std::string> commits,
                     RemoteRefCommits(repo_, remote_, {"refs/heads/" + spec.branch, marker}));
    const std::string& head = commits[0];
    if (head.empty())
      return Status::NotFound("git forge: branch " + spec.branch + " is not on " + remote_ +
                              "; push it before opening the request");
    bool created = commits[1].empty();
    if (created) {
      ASSIGN_OR_RETURN(created, CreateMarker(marker, head));
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
    ASSIGN_OR_RETURN(
        std::vector<std::string> commits,
        RemoteRefCommits(repo_, remote_, {"refs/heads/" + branch, std::string(kMarkerPrefix) + branch}));
    if (!commits[0].empty()) return Request(branch, "open", false);
    if (!commits[1].empty()) return Request(branch, "closed", false);
    return Status::NotFound("git forge: no branch " + branch + " on " + remote_);
  }

  Result<std::optional<ChangeRequest>> FindDeclined(const std::string&, const std::string&) override {
    return std::optional<ChangeRequest>();
  }

  Status Close(const std::string&, const std::string& branch) override {
    std::lock_guard lock(mutex_);
    RETURN_IF_ERROR(CheckBranch(branch));
    RETURN_IF_ERROR(DeleteRemoteBranch(repo_, remote_, branch));
    std::string marker = std::string(kMarkerPrefix) + branch;
    ASSIGN_OR_RETURN(std::vector<std::string> marked, RemoteRefCommits(repo_, remote_, {marker}));
    if (marked[0].empty()) return Status::Ok();
    return Git(repo_, {"push", "--quiet", remote_, "--delete", marker}).status();
  }

 private:
  static Status CheckBranch(const std::string& branch) {
    if (!IsValidBranchName(branch))
      return Status::InvalidInput("git forge: '" + branch + "' is not a valid branch name");
    return Status::Ok();
  }

  // Writes the marker at `head`: true when this call made it, false when it appeared meanwhile.
  Result<bool> CreateMarker(const std::string& marker, const std::string& head) {
    if (std::optional<std::filesystem::path> local = libgit::InProcessRemote(remote_)) {
      Result<bool> made = libgit::CreateRefIfMissing(*local, marker, head, "skein: change request opened");
      if (made.ok()) return made;
      // libgit2 could not write it: git pushes it, or says why.
    }
    // Push needs the commit here; the caller may have pushed from another clone. A commit that is
    // here may still lack what it needs (an interrupted fetch): on a failed push, fetch and retry.
    bool fetched = !libgit::HasObject(repo_, head);
    if (fetched) RETURN_IF_ERROR(FetchBranch(marker.substr(kMarkerPrefix.size())));
    Status pushed = Git(repo_, {"push", "--quiet", remote_, head + ":" + marker}).status();
    if (!pushed.ok() && !fetched) {
      RETURN_IF_ERROR(FetchBranch(marker.substr(kMarkerPrefix.size())));
      pushed = Git(repo_, {"push", "--quiet", remote_, head + ":" + marker}).status();
    }
    RETURN_IF_ERROR(pushed);
    return true;
  }

  Status FetchBranch(const std::string& branch) {
    return Git(repo_, {"fetch", "--quiet", "--no-tags", remote_, "refs/heads/" + branch}).status();
  }

  ChangeRequest Request(const std::string& branch, std::string state, bool created) const {
    ChangeRequest request;
    request.forge = "git";
    request.id = branch;
    request.url = remote_ + "#" + branch;
    request.state = std::move(state);
    request.created = created;
    // checks stay "": a bare remote runs no CI; nor does it say who closed or merged what.
    return request;
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
