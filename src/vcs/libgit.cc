// libgit2 for the workspace's local questions (see libgit.h).
#include "vcs/libgit.h"
#include <cctype>

#include <git2.h>

#include <cstring>
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
using Remote = Owned<git_remote, git_remote_free>;
using Odb = Owned<git_odb, git_odb_free>;
using Config = Owned<git_config, git_config_free>;
using ConfigIterator = Owned<git_config_iterator, git_config_iterator_free>;

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

// The path a remote names when it is an absolute path or a file:/// URL; "" otherwise. git decodes
// %XX escapes and reads hosts in file URLs: such URLs are left to git.
std::string LocalPathOf(std::string_view remote) {
  constexpr std::string_view kFileUrl = "file://";
  if (remote.starts_with(kFileUrl)) {
    remote.remove_prefix(kFileUrl.size());
    if (!remote.starts_with('/') || remote.find_first_of("%?#") != std::string_view::npos) return "";
  }
  return fs::path(remote).is_absolute() ? std::string(remote) : "";
}

// Whether a fetch or push with `repo` could do more than read its refs, write objects and move
// refs: hooks to run (where git looks for them unless core.hooksPath moves them), or settings of
// what upload-pack and receive-pack do (hidden refs, fsck, denials, shared permissions).
bool PushRunsMoreThanRefUpdates(git_repository* repo) {
  git_config* raw_config = nullptr;
  if (git_repository_config_snapshot(&raw_config, repo) != 0) return true;
  Config config(raw_config);
  // Every entry, filtered here: libgit2 1.5's regex iterator leaks PCRE2 match data on each entry
  // that does not match (a worker would lose memory on every job).
  git_config_iterator* raw_iterator = nullptr;
  if (git_config_iterator_new(&raw_iterator, config.get()) != 0) return true;
  ConfigIterator iterator(raw_iterator);
  git_config_entry* entry = nullptr;
  int rc = 0;
  while ((rc = git_config_next(&entry, iterator.get())) == 0) {
    std::string name = entry->name;  // section and key lowercase, as libgit2 normalises them
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "core.hookspath" || name == "core.sharedrepository" || name.starts_with("transfer.") ||
        name.starts_with("uploadpack.") || name.starts_with("receive."))
      return true;
  }
  if (rc != GIT_ITEROVER) return true;
  fs::path hooks = fs::path(git_repository_commondir(repo)) / "hooks";
  for (const char* hook : {"pre-receive", "update", "post-receive", "post-update", "reference-transaction",
                           "proc-receive", "push-to-checkout"}) {
    std::error_code ec;
    if (fs::exists(hooks / hook, ec) || ec) return true;
  }
  return false;
}

}  // namespace

Status CloneLocal(const fs::path& source, const fs::path& target) {
  {
    // What git clones otherwise than a copy of the object files: a shallow source (git fetches
    // it, keeping it shallow), one that borrows objects (alternates, grafts), a linked worktree.
    ASSIGN_OR_RETURN(Repo repo, Open(source));
    fs::path common = git_repository_commondir(repo.get());
    std::error_code ec;
    if (git_repository_is_shallow(repo.get()) != 0 || git_repository_is_worktree(repo.get()) != 0 ||
        fs::exists(common / "objects/info/alternates", ec) || fs::exists(common / "info/grafts", ec) || ec)
      return Status::InvalidInput(source.string() + " is not cloned in process: git clones it");
  }
  git_clone_options options = GIT_CLONE_OPTIONS_INIT;
  options.local = GIT_CLONE_LOCAL_NO_LINKS;  // a copy: nothing done here reaches the source's files
  options.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE;
  // "origin" made without url.*.insteadOf (a local path needs none): libgit2 1.5 reads those with a
  // regex iterator that leaks PCRE2 match data on every clone.
  options.remote_cb = [](git_remote** out, git_repository* repo, const char* name, const char* url,
                         void*) -> int {
    git_remote_create_options create = GIT_REMOTE_CREATE_OPTIONS_INIT;
    create.repository = repo;
    create.name = name;
    create.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
    return git_remote_create_with_opts(out, url, &create);
  };
  git_repository* raw_repo = nullptr;
  if (int rc = git_clone(&raw_repo, source.c_str(), target.c_str(), &options); rc != 0)
    return Failed("cannot clone " + source.string(), rc);
  Repo repo(raw_repo);
  git_config* raw_config = nullptr;
  if (int rc = git_repository_config(&raw_config, repo.get()); rc != 0)
    return Failed("cannot configure " + target.string(), rc);
  Config config(raw_config);
  // A workspace lives for one job: no automatic gc or maintenance.
  if (int rc = git_config_set_int32(config.get(), "gc.auto", 0); rc != 0)
    return Failed("cannot configure " + target.string(), rc);
  if (int rc = git_config_set_bool(config.get(), "maintenance.auto", 0); rc != 0)
    return Failed("cannot configure " + target.string(), rc);
  return Status::Ok();
}

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

Result<std::string> RemoteUrl(const fs::path& path, const std::string& name) {
  Init();
  git_repository* raw_repo = nullptr;
  // As `git -C PATH`: PATH may lie inside the repository's checkout.
  if (int rc = git_repository_open_ext(&raw_repo, path.c_str(), 0, nullptr); rc != 0)
    return Failed("cannot open the git repository " + path.string(), rc);
  Repo repo(raw_repo);
  // Read from the configuration, not with git_remote_lookup: libgit2 1.5 matches url.*.insteadOf
  // with a regex iterator that leaks PCRE2 match data on every call.
  git_config* raw_config = nullptr;
  if (int rc = git_repository_config_snapshot(&raw_config, repo.get()); rc != 0)
    return Failed("cannot read the configuration of " + path.string(), rc);
  Config config(raw_config);
  std::string key = "remote." + name + ".url";
  std::optional<std::string> url;
  std::string best_prefix;
  std::string best_base;
  git_config_iterator* raw_iterator = nullptr;
  if (int rc = git_config_iterator_new(&raw_iterator, config.get()); rc != 0)
    return Failed("cannot read the configuration of " + path.string(), rc);
  ConfigIterator iterator(raw_iterator);
  std::vector<std::pair<std::string, std::string>> instead_of;  // (prefix, base)
  git_config_entry* entry = nullptr;
  while (git_config_next(&entry, iterator.get()) == 0) {
    std::string entry_name = entry->name;
    if (entry_name == key) url = entry->value;  // the last one wins, as for git
    constexpr std::string_view kUrl = "url.", kInsteadOf = ".insteadof";
    if (entry_name.size() > kUrl.size() + kInsteadOf.size() && entry_name.starts_with(kUrl) &&
        entry_name.ends_with(kInsteadOf)) {
      instead_of.emplace_back(
          entry->value, entry_name.substr(kUrl.size(), entry_name.size() - kUrl.size() - kInsteadOf.size()));
    }
  }
  if (!url) return Status::NotFound("no remote '" + name + "' in " + path.string());
  // url.<base>.insteadOf: the longest matching prefix is replaced by its base.
  for (const auto& [prefix, base] : instead_of) {
    if (url->starts_with(prefix) && prefix.size() > best_prefix.size()) {
      best_prefix = prefix;
      best_base = base;
    }
  }
  if (!best_prefix.empty()) return best_base + url->substr(best_prefix.size());
  return *url;
}

bool HasObject(const fs::path& path, const std::string& id) {
  Result<Repo> repo = Open(path);
  git_oid oid;
  if (!repo.ok() || git_oid_fromstr(&oid, id.c_str()) != 0) return false;
  git_odb* raw_odb = nullptr;
  if (git_repository_odb(&raw_odb, repo->get()) != 0) return false;
  Odb odb(raw_odb);
  return git_odb_exists(odb.get(), &oid) == 1;
}

std::optional<fs::path> InProcessRemote(std::string_view remote) {
  std::string path = LocalPathOf(remote);
  std::error_code ec;
  if (path.empty() || !fs::is_directory(path, ec)) return std::nullopt;
  Result<Repo> repo = Open(path);
  if (!repo.ok() || PushRunsMoreThanRefUpdates(repo->get())) return std::nullopt;
  return fs::path(path);
}

Result<std::vector<std::string>> RefCommits(const fs::path& path, const std::vector<std::string>& refs) {
  ASSIGN_OR_RETURN(Repo repo, Open(path));
  std::vector<std::string> out;
  for (const std::string& ref : refs) {
    git_oid oid;
    int rc = git_reference_name_to_id(&oid, repo.get(), ref.c_str());
    if (rc == GIT_ENOTFOUND) {
      out.emplace_back();
      continue;
    }
    if (rc != 0) return Failed("cannot read " + ref + " in " + path.string(), rc);
    out.push_back(Hex(&oid));
  }
  return out;
}

Result<bool> CreateRefIfMissing(const fs::path& path, const std::string& ref, const std::string& commit,
                                std::string_view log_message) {
  ASSIGN_OR_RETURN(Repo repo, Open(path));
  ASSIGN_OR_RETURN(Commit target, LookupCommit(repo.get(), commit));
  git_reference* raw_ref = nullptr;
  std::string message(log_message);
  int rc = git_reference_create(&raw_ref, repo.get(), ref.c_str(), git_commit_id(target.get()), /*force=*/0,
                                message.c_str());
  if (rc == GIT_EEXISTS) return false;
  if (rc != 0) return Failed("cannot create " + ref + " in " + path.string(), rc);
  Reference owned(raw_ref);
  return true;
}

namespace {

// The remote's ref tip that is `commit`, if any: then the remote holds all `commit` reaches.
bool IsRefTip(git_repository* repo, const git_oid* commit) {
  git_reference_iterator* raw_iterator = nullptr;
  if (git_reference_iterator_new(&raw_iterator, repo) != 0) return false;
  Owned<git_reference_iterator, git_reference_iterator_free> iterator(raw_iterator);
  git_reference* raw_ref = nullptr;
  while (git_reference_next(&raw_ref, iterator.get()) == 0) {
    Reference ref(raw_ref);
    git_object* peeled = nullptr;
    if (git_reference_peel(&peeled, ref.get(), GIT_OBJECT_COMMIT) != 0) continue;
    Object owned(peeled);
    if (git_oid_equal(git_object_id(peeled), commit)) return true;
  }
  return false;
}

// The objects `commit` reaches that its parent's tree does not: the commit, its tree, the trees
// on the path to every changed file and the files' new blobs (a submodule's commit is not an
// object of this repository). What is left is the parent's, entry for entry.
Result<std::vector<git_oid>> NewObjects(git_repository* repo, git_commit* commit, git_commit* parent) {
  git_tree *raw_tree = nullptr, *raw_parent_tree = nullptr;
  if (int rc = git_commit_tree(&raw_tree, commit); rc != 0) return Failed("no tree for the commit", rc);
  Tree tree(raw_tree);
  if (int rc = git_commit_tree(&raw_parent_tree, parent); rc != 0)
    return Failed("no tree for its parent", rc);
  Tree parent_tree(raw_parent_tree);
  git_diff* raw_diff = nullptr;
  if (int rc = git_diff_tree_to_tree(&raw_diff, repo, parent_tree.get(), tree.get(), nullptr); rc != 0)
    return Failed("cannot compare the commit with its parent", rc);
  Diff diff(raw_diff);
  std::vector<git_oid> out = {*git_commit_id(commit), *git_tree_id(tree.get())};
  auto add_trees_above = [&](std::string_view path) {
    for (size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', slash + 1)) {
      git_tree_entry* raw_entry = nullptr;
      std::string folder(path.substr(0, slash));
      if (git_tree_entry_bypath(&raw_entry, tree.get(), folder.c_str()) != 0) continue;  // gone in the commit
      Owned<git_tree_entry, git_tree_entry_free> entry(raw_entry);
      if (git_tree_entry_type(entry.get()) == GIT_OBJECT_TREE) out.push_back(*git_tree_entry_id(entry.get()));
    }
  };
  for (size_t i = 0, n = git_diff_num_deltas(diff.get()); i < n; ++i) {
    const git_diff_delta* d = git_diff_get_delta(diff.get(), i);
    if (d->status != GIT_DELTA_DELETED && d->new_file.mode != GIT_FILEMODE_COMMIT)
      out.push_back(d->new_file.id);
    add_trees_above(d->old_file.path != nullptr ? d->old_file.path : "");
    add_trees_above(d->new_file.path != nullptr ? d->new_file.path : "");
  }
  return out;
}

}  // namespace

Result<bool> PushWithLease(const fs::path& repo_path, const fs::path& remote_path,
                           const std::string& commit_id, std::string_view branch,
                           const std::string& expected_old) {
  ASSIGN_OR_RETURN(Repo repo, Open(repo_path));
  ASSIGN_OR_RETURN(Repo remote, Open(remote_path));
  std::string ref = "refs/heads/" + std::string(branch);
  if (git_repository_is_shallow(remote.get()) != 0) return false;
  git_strarray worktrees = {nullptr, 0};
  if (git_worktree_list(&worktrees, remote.get()) != 0) return false;
  size_t linked = worktrees.count;
  git_strarray_dispose(&worktrees);
  if (linked > 0) return false;  // git refuses a branch checked out in any of them
  if (git_repository_is_bare(remote.get()) == 0) {
    // receive.denyCurrentBranch: git refuses to move the branch checked out there.
    git_reference* raw_head = nullptr;
    if (git_reference_lookup(&raw_head, remote.get(), "HEAD") != 0) return false;
    Reference head(raw_head);
    if (git_reference_type(head.get()) == GIT_REFERENCE_SYMBOLIC &&
        git_reference_symbolic_target(head.get()) == ref)
      return false;
  }
  ASSIGN_OR_RETURN(Commit commit, LookupCommit(repo.get(), commit_id));
  if (git_commit_parentcount(commit.get()) != 1 ||
      !IsRefTip(remote.get(), git_commit_parent_id(commit.get(), 0)))
    return false;
  git_commit* raw_parent = nullptr;
  if (int rc = git_commit_parent(&raw_parent, commit.get(), 0); rc != 0)
    return Failed("no parent of " + commit_id, rc);
  Commit parent(raw_parent);
  ASSIGN_OR_RETURN(std::vector<git_oid> objects, NewObjects(repo.get(), commit.get(), parent.get()));

  git_odb *raw_from = nullptr, *raw_to = nullptr;
  if (int rc = git_repository_odb(&raw_from, repo.get()); rc != 0) return Failed("cannot read objects", rc);
  Odb from(raw_from);
  if (int rc = git_repository_odb(&raw_to, remote.get()); rc != 0) return Failed("cannot write objects", rc);
  Odb to(raw_to);
  // Objects first, the branch last: a reader of the remote never sees the branch before all it
  // reaches.
  for (const git_oid& id : objects) {
    if (git_odb_exists(to.get(), &id) == 1) continue;
    git_odb_object* raw_object = nullptr;
    if (int rc = git_odb_read(&raw_object, from.get(), &id); rc != 0)
      return Failed("no object " + Hex(&id), rc);
    Owned<git_odb_object, git_odb_object_free> object(raw_object);
    git_oid written;
    if (int rc = git_odb_write(&written, to.get(), git_odb_object_data(object.get()),
                               git_odb_object_size(object.get()), git_odb_object_type(object.get()));
        rc != 0)
      return Failed("cannot write object " + Hex(&id) + " to " + remote_path.string(), rc);
  }
  git_oid expected;
  if (expected_old.empty()) {
    std::memset(&expected, 0, sizeof expected);  // the zero id: the branch must not exist
  } else if (int rc = git_oid_fromstr(&expected, expected_old.c_str()); rc != 0) {
    return Failed("not a commit id '" + expected_old + "'", rc);
  }
  git_reference* raw_ref = nullptr;
  int rc = git_reference_create_matching(&raw_ref, remote.get(), ref.c_str(), git_commit_id(commit.get()),
                                         /*force=*/1, &expected, "push");
  if (rc == GIT_EMODIFIED || rc == GIT_ENOTFOUND || rc == GIT_EEXISTS) {
    return Status::Conflict(ref + " is no longer at " + (expected_old.empty() ? "nothing" : expected_old));
  }
  if (rc != 0) return Failed("cannot move " + ref + " in " + remote_path.string(), rc);
  Reference moved(raw_ref);
  return true;
}

}  // namespace skein::vcs::libgit
