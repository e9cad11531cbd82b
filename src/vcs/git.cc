#include "vcs/git.h"

#include "base/subprocess.h"
#include "base/text.h"
#include "vcs/libgit.h"

#include <string_view>

namespace skein::vcs {
namespace {

// Every git call: no user or system configuration, no prompts, a fixed identity.
std::vector<std::string> GitEnv(const std::vector<std::string>& extra) {
  std::vector<std::string> env = {"GIT_CONFIG_GLOBAL=/dev/null",
                                  "GIT_CONFIG_NOSYSTEM=1",
                                  "GIT_TERMINAL_PROMPT=0",
                                  "GIT_ASKPASS=true",
                                  "GIT_AUTHOR_NAME=skein",
                                  "GIT_AUTHOR_EMAIL=skein@localhost",
                                  "GIT_COMMITTER_NAME=skein",
                                  "GIT_COMMITTER_EMAIL=skein@localhost",
                                  "LC_ALL=C"};
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::string TrimmedLine(const std::string& text) { return std::string(Trim(text)); }
bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace

Result<std::string> Git(const std::filesystem::path& repo, const std::vector<std::string>& args,
                        const GitOptions& options) {
  std::vector<std::string> argv = {"git", "-C", repo.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions process;
  process.env = GitEnv(options.env);
  process.timeout = options.timeout;
  process.stdin_text = options.stdin_text;
  process.max_output = 256 << 20;
  Result<ProcessResult> r = RunProcess(argv, process);
  if (!r.ok()) return r.status();
  if (r->timed_out) {
    return Status::IoError("git " + Join(args, " ") + " in " + repo.string() + ": timed out after " +
                           std::to_string(options.timeout.count() / 1000) + "s");
  }
  if (r->exit_code != 0) {
    std::string err = TrimmedLine(r->err.empty() ? r->out : r->err);
    // push --porcelain says on stdout why each ref failed ("[rejected] (stale info)").
    if (!r->err.empty() && !Trim(r->out).empty()) err += "; " + TrimmedLine(r->out);
    return Status::IoError("git " + (args.empty() ? std::string() : args[0]) + " in " + repo.string() +
                           " failed: " + err);
  }
  return std::move(r->out);
}

Result<std::string> ResolveCommit(const std::filesystem::path& repo, std::string_view ref) {
  Result<std::string> out = Git(repo, {"rev-parse", "--verify", "--quiet", std::string(ref) + "^{commit}"});
  if (!out.ok()) return Status::NotFound("no commit '" + std::string(ref) + "' in " + repo.string());
  return TrimmedLine(*out);
}

Result<std::string> CurrentBranch(const std::filesystem::path& repo) {
  Result<std::string> out = Git(repo, {"symbolic-ref", "--quiet", "--short", "HEAD"});
  if (!out.ok()) return std::string();
  return TrimmedLine(*out);
}

bool IsValidBranchName(std::string_view name) {
  if (name.empty() || name.size() > 200 || name.front() == '-' || name.front() == '/' || name.back() == '/' ||
      name.back() == '.')
    return false;
  if (name.find("..") != std::string_view::npos || name.find("//") != std::string_view::npos ||
      name.find("@{") != std::string_view::npos || name == "@")
    return false;
  for (std::string_view part : Split(name, '/', false)) {
    if (part.empty() || part.front() == '.' || (part.size() >= 5 && part.substr(part.size() - 5) == ".lock"))
      return false;
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' ||
        c == '[' || c == '\\')
      return false;
  }
  return true;
}

Status PushBranch(const std::filesystem::path& repo, std::string_view remote, std::string_view local_ref,
                  std::string_view branch, bool force, const std::string* expected_old) {
  if (!IsValidBranchName(branch))
    return Status::InvalidInput("'" + std::string(branch) + "' is not a valid branch name");
  std::string target = "refs/heads/" + std::string(branch);
  auto moved = [&](const std::string& message) {
    return Status::Conflict("branch " + std::string(branch) + " on " + std::string(remote) +
                            " moved since skein last pushed it; " + message);
  };
  if (expected_old != nullptr) {
    if (std::optional<std::filesystem::path> local = libgit::InProcessRemote(remote)) {
      Result<std::string> commit = libgit::ResolveCommit(repo, local_ref);
      Result<bool> pushed =
          commit.ok() ? libgit::PushWithLease(repo, *local, *commit, branch, *expected_old) : commit.status();
      if (pushed.ok() && *pushed) return Status::Ok();
      if (!pushed.ok() && pushed.status().code() == StatusCode::kConflict)
        return moved(pushed.status().message());
      // Not the simple case, or libgit2 could not: git pushes, or says why.
    }
  }
  std::vector<std::string> args = {"push", "--quiet", "--porcelain"};
  if (expected_old != nullptr) {
    args.push_back("--force-with-lease=" + target + ":" + *expected_old);
  } else if (force) {
    args.push_back("--force");
  }
  args.push_back(std::string(remote));
  args.push_back(std::string(local_ref) + ":" + target);
  Result<std::string> out = Git(repo, args);
  if (!out.ok()) {
    if (Contains(out.status().message(), "stale info") || Contains(out.status().message(), "rejected"))
      return moved(out.status().message());
    return out.status();
  }
  return Status::Ok();
}

Result<std::vector<std::string>> RemoteRefCommits(const std::filesystem::path& repo, std::string_view remote,
                                                  const std::vector<std::string>& refs) {
  if (std::optional<std::filesystem::path> local = libgit::InProcessRemote(remote)) {
    Result<std::vector<std::string>> commits = libgit::RefCommits(*local, refs);
    if (commits.ok()) return commits;
    // libgit2 could not read them: git says why, in its words.
  }
  std::vector<std::string> args = {"ls-remote", std::string(remote)};
  args.insert(args.end(), refs.begin(), refs.end());
  ASSIGN_OR_RETURN(std::string out, Git(repo, args));
  std::vector<std::string> commits(refs.size());
  // ls-remote matches patterns by their tail; only the exact ref counts.
  for (const std::string& line : Split(out, '\n')) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    std::string_view name = std::string_view(line).substr(tab + 1);
    for (size_t i = 0; i < refs.size(); ++i) {
      if (name == refs[i] && commits[i].empty()) commits[i] = line.substr(0, tab);
    }
  }
  return commits;
}

Result<std::string> RemoteBranchCommit(const std::filesystem::path& repo, std::string_view remote,
                                       std::string_view branch) {
  ASSIGN_OR_RETURN(std::vector<std::string> commits,
                   RemoteRefCommits(repo, remote, {"refs/heads/" + std::string(branch)}));
  return commits[0];
}

Result<std::string> RemoteUrl(const std::filesystem::path& repo, const std::string& name) {
  return libgit::RemoteUrl(repo, name);
}

Status DeleteRemoteBranch(const std::filesystem::path& repo, std::string_view remote,
                          std::string_view branch) {
  Result<std::string> current = RemoteBranchCommit(repo, remote, branch);
  if (!current.ok()) return current.status();
  if (current->empty()) return Status::Ok();
  Result<std::string> out =
      Git(repo, {"push", "--quiet", std::string(remote), "--delete", "refs/heads/" + std::string(branch)});
  return out.ok() ? Status::Ok() : out.status();
}

}  // namespace skein::vcs
