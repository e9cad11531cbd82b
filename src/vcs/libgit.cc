// libgit2 for the workspace's local questions (see libgit.h).
#include "vcs/libgit.h"

#include <git2.h>

#include <memory>
#include <mutex>

namespace skein::vcs::libgit {
namespace {

namespace fs = std::filesystem;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const {
    if (p != nullptr) Free(p);
  }
};
template <typename T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, Deleter<T, Free>>;

using Repo = Owned<git_repository, git_repository_free>;
using Object = Owned<git_object, git_object_free>;
using Commit = Owned<git_commit, git_commit_free>;
using Tree = Owned<git_tree, git_tree_free>;
using Diff = Owned<git_diff, git_diff_free>;
using Index = Owned<git_index, git_index_free>;
using Blob = Owned<git_blob, git_blob_free>;
using Reference = Owned<git_reference, git_reference_free>;
using Signature = Owned<git_signature, git_signature_free>;

void Init() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    // As vcs/git.h's calls (GIT_CONFIG_GLOBAL=/dev/null): no user or system configuration
    // (autocrlf, excludes files, ...) changes what a workspace reads.
    for (git_config_level_t level : {GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG, GIT_CONFIG_LEVEL_GLOBAL,
                                     GIT_CONFIG_LEVEL_PROGRAMDATA})
      git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, level, "");
  });
}

// libgit2's last error for `what`, as a Status.
Status Failed(const std::string& what, int code) {
  const git_error* e = git_error_last();
  std::string message = what + ": " + (e != nullptr && e->message != nullptr ? e->message : "libgit2 error");
  if (code == GIT_ENOTFOUND) return Status::NotFound(message);
  return Status::IoError(message);
}

Result<Repo> Open(const fs::path& path) {
  Init();
  git_repository* repo = nullptr;
  int rc = git_repository_open_ext(&repo, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr);
  if (rc != 0) return Failed("cannot open the git repository " + path.string(), rc);
  return Repo(repo);
}

Result<Commit> LookupCommit(git_repository* repo, const std::string& id) {
  git_oid oid;
  if (int rc = git_oid_fromstr(&oid, id.c_str()); rc != 0) return Failed("not a commit id '" + id + "'", rc);
  git_commit* commit = nullptr;
  if (int rc = git_commit_lookup(&commit, repo, &oid); rc != 0) return Failed("no commit " + id, rc);
  return Commit(commit);
}

Result<Tree> CommitTree(git_repository* repo, const std::string& id) {
  ASSIGN_OR_RETURN(Commit commit, LookupCommit(repo, id));
  git_tree* tree = nullptr;
  if (int rc = git_commit_tree(&tree, commit.get()); rc != 0) return Failed("no tree for " + id, rc);
  return Tree(tree);
}

// The checkout against the base tree, untracked files as additions with their content.
Result<Diff> WorkdirDiff(git_repository* repo, const std::string& base_commit) {
  ASSIGN_OR_RETURN(Tree tree, CommitTree(repo, base_commit));
  git_diff_options options = GIT_DIFF_OPTIONS_INIT;
  options.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS |
                  GIT_DIFF_SHOW_UNTRACKED_CONTENT | GIT_DIFF_INCLUDE_TYPECHANGE;
  git_diff* diff = nullptr;
  // Through the index, as `git diff BASE` reads it: its stat cache spares rereading unchanged files.
  if (int rc = git_diff_tree_to_workdir_with_index(&diff, repo, tree.get(), &options); rc != 0)
    return Failed("cannot compare the checkout with " + base_commit, rc);
  return Diff(diff);
}

std::string Hex(const git_oid* oid) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, oid);
  return hex;
}

}  // namespace

Result<std::string> ResolveCommit(const fs::path& path, std::string_view ref) {
  ASSIGN_OR_RETURN(Repo repo, Open(path));
  git_object* object = nullptr;
  std::string spec = std::string(ref) + "^{commit}";
  if (git_revparse_single(&object, repo.get(), spec.c_str()) != 0)
    return Status::NotFound("no commit '" + std::string(ref) + "' in " + path.string());
  Object owned(object);
  return Hex(git_object_id(object));
}

Result<std::string> CurrentBranch(const fs::path& path) {
  ASSIGN_OR_RETURN(Repo repo, Open(path));
  git_reference* head = nullptr;
  if (git_repository_head_detached(repo.get()) == 1) return std::string();
  if (git_reference_lookup(&head, repo.get(), "HEAD") != 0) return std::string();
  Reference owned(head);
  if (git_reference_type(head) != GIT_REFERENCE_SYMBOLIC) return std::string();
  std::string target = git_reference_symbolic_target(head);
  const std::string prefix = "refs/heads/";
  return target.rfind(prefix, 0) == 0 ? target.substr(prefix.size()) : std::string();
}

Status CheckoutDetached(const fs::path& path, const std::string& commit) {
  ASSIGN_OR_RETURN(Repo repo, Open(path));
  git_oid oid;
  if (int rc = git_oid_fromstr(&oid, commit.c_str()); rc != 0)
    return Failed("not a commit id '" + commit + "'", rc);
  if (int rc = git_repository_set_head_detached(repo.get(), &oid); rc != 0)
    return Failed("cannot detach HEAD at " + commit, rc);
  git_checkout_options options = GIT_CHECKOUT_OPTIONS_INIT;
  options.checkout_strategy = GIT_CHECKOUT_FORCE;
  if (int rc = git_checkout_head(repo.get(), &options); rc != 0)
    return Failed("cannot check out " + commit, rc);
  return Status::Ok();
}

Result<std::vector<Delta>> Changes(const fs::path& path, const std::string& base_commit) {
  ASSIGN_OR_RETURN(Repo repo, Open(path));
  ASSIGN_OR_RETURN(Diff diff, WorkdirDiff(repo.get(), base_commit));
  std::vector<Delta> out;
  size_t n = git_diff_num_deltas(diff.get());
  for (size_t i = 0; i < n; ++i) {
    const git_diff_delta* d = git_diff_get_delta(diff.get(), i);
    Delta delta;
    switch (d->status) {
      case GIT_DELTA_ADDED:
      case GIT_DELTA_UNTRACKED:
        delta.status = 'A';
        delta.path = d->new_file.path;
        break;
      case GIT_DELTA_DELETED:
        delta.status = 'D';
        delta.path = d->old_file.path;
        delta.old_blob = Hex(&d->old_file.id);
        break;
      case GIT_DELTA_MODIFIED:
      case GIT_DELTA_TYPECHANGE:
        delta.status = 'M';
        delta.path = d->new_file.path;
        delta.old_blob = Hex(&d->old_file.id);
        break;
      default:
        continue;  // unmodified, ignored, conflicted: not a change of the checkout
    }
    out.push_back(std::move(delta));
  }
  return out;
}

Result<std::string> ReadBlob(const fs::path& path, const std::string& blob_id) {
  ASSIGN_OR_RETURN(Repo repo, Open(path));
  git_oid oid;
  if (int rc = git_oid_fromstr(&oid, blob_id.c_str()); rc != 0)
    return Failed("not a blob id '" + blob_id + "'", rc);
  git_blob* blob = nullptr;
  if (int rc = git_blob_lookup(&blob, repo.get(), &oid); rc != 0) return Failed("no blob " + blob_id, rc);
  Blob owned(blob);
  return std::string(static_cast<const char*>(git_blob_rawcontent(blob)),
                     static_cast<size_t>(git_blob_rawsize(blob)));
}

Result<std::string> Patch(const fs::path& path, const std::string& base_commit) {
  ASSIGN_OR_RETURN(Repo repo, Open(path));
  ASSIGN_OR_RETURN(Diff diff, WorkdirDiff(repo.get(), base_commit));
  git_buf buf = GIT_BUF_INIT;
  if (int rc = git_diff_to_buf(&buf, diff.get(), GIT_DIFF_FORMAT_PATCH); rc != 0)
    return Failed("cannot print the diff against " + base_commit, rc);
  std::string out(buf.ptr != nullptr ? buf.ptr : "", buf.size);
  git_buf_dispose(&buf);
  return out;
}

Result<std::string> CommitAll(const fs::path& path, const std::string& base_commit, std::string_view branch,
                              std::string_view message, const std::string& name, const std::string& email) {
  ASSIGN_OR_RETURN(Repo repo, Open(path));
  git_index* raw_index = nullptr;
  if (int rc = git_repository_index(&raw_index, repo.get()); rc != 0)
    return Failed("cannot read the index", rc);
  Index index(raw_index);
  // `git add --all`: new and changed files (ignored ones left out), then removals.
  if (int rc = git_index_add_all(index.get(), nullptr, GIT_INDEX_ADD_DEFAULT, nullptr, nullptr); rc != 0)
    return Failed("cannot stage the checkout", rc);
  if (int rc = git_index_update_all(index.get(), nullptr, nullptr, nullptr); rc != 0)
    return Failed("cannot stage removals", rc);
  if (int rc = git_index_write(index.get()); rc != 0) return Failed("cannot write the index", rc);
  git_oid tree_id;
  if (int rc = git_index_write_tree(&tree_id, index.get()); rc != 0)
    return Failed("cannot write the tree", rc);

  ASSIGN_OR_RETURN(Commit parent, LookupCommit(repo.get(), base_commit));
  if (git_oid_equal(&tree_id, git_commit_tree_id(parent.get())))
    return Status::Conflict("nothing to commit in " + path.string());
  git_tree* raw_tree = nullptr;
  if (int rc = git_tree_lookup(&raw_tree, repo.get(), &tree_id); rc != 0) return Failed("no tree", rc);
  Tree tree(raw_tree);
  git_signature* raw_signature = nullptr;
  if (int rc = git_signature_now(&raw_signature, name.c_str(), email.c_str()); rc != 0)
    return Failed("not a commit identity '" + name + " <" + email + ">'", rc);
  Signature signature(raw_signature);
  git_buf cleaned = GIT_BUF_INIT;
  std::string text(message);
  if (int rc = git_message_prettify(&cleaned, text.c_str(), /*strip_comments=*/0, '#'); rc != 0)
    return Failed("cannot clean the commit message", rc);
  std::string clean(cleaned.ptr != nullptr ? cleaned.ptr : "", cleaned.size);
  git_buf_dispose(&cleaned);

  git_oid commit_id;
  const git_commit* parents[] = {parent.get()};
  if (int rc = git_commit_create(&commit_id, repo.get(), nullptr, signature.get(), signature.get(), nullptr,
                                 clean.c_str(), tree.get(), 1, parents);
      rc != 0)
    return Failed("cannot commit", rc);
  std::string ref = "refs/heads/" + std::string(branch);
  git_reference* raw_ref = nullptr;
  if (int rc =
          git_reference_create(&raw_ref, repo.get(), ref.c_str(), &commit_id, /*force=*/1, "skein: commit");
      rc != 0)
    return Failed("cannot point " + ref + " at the commit", rc);
  Reference owned_ref(raw_ref);
  if (int rc = git_repository_set_head(repo.get(), ref.c_str()); rc != 0)
    return Failed("cannot check out " + std::string(branch), rc);
  return Hex(&commit_id);
}

}  // namespace skein::vcs::libgit
