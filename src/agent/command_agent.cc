// The command agent: an external CLI coding agent run in the checkout. skein cannot trust what it
// does, so the run is bounded (time limit, scrubbed environment, optional bubblewrap sandbox) and
// checked afterwards: every write outside the checkout that skein can see is a violation.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include "agent/agent.h"
#include "base/hash.h"
#include "base/subprocess.h"
#include "base/text.h"
#include "vcs/git.h"

namespace skein::agent {
namespace {

namespace fs = std::filesystem;

// A file's identity for change detection: type, size, mode and modification time in ns.
std::string Stamp(const fs::path& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return "missing";
  std::ostringstream out;
  out << (st.st_mode & S_IFMT) << " " << (st.st_mode & 07777) << " " << st.st_size << " " << st.st_mtim.tv_sec
      << "." << st.st_mtim.tv_nsec;
  return out.str();
}

// Every entry below the job folder except the three an agent may write (repo/, home/, log/).
std::map<std::string, std::string> JobFolderEntries(const fs::path& job) {
  std::map<std::string, std::string> entries;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(job, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    fs::path rel = it->path().lexically_relative(job);
    if (it.depth() == 0) {
      std::string top = rel.string();
      if (top == "repo" || top == "home" || top == "log") {
        it.disable_recursion_pending();
        continue;
      }
    }
    entries[rel.string()] = Stamp(it->path());
  }
  return entries;
}

// The files of a folder (sorted, recursively) with their stamps and contents: for .git's config
// and hooks, small and worth comparing byte for byte.
void AppendTree(const fs::path& root, std::string& into) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(root, ec))) {
    into += root.string() + " missing\n";
    return;
  }
  std::vector<fs::path> paths;
  if (fs::is_directory(fs::symlink_status(root, ec))) {
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
      paths.push_back(it->path());
    std::sort(paths.begin(), paths.end());
  } else {
    paths.push_back(root);
  }
  for (const auto& p : paths) {
    into += p.string() + " " + Stamp(p) + "\n";
    if (fs::is_regular_file(fs::symlink_status(p, ec))) {
      Result<std::string> content = ReadFile(p);
      if (content.ok()) into += *content + "\n";
    }
  }
}

// What in a git folder runs code or redirects git: config, hooks, attributes.
std::string GitControlState(const fs::path& git_dir) {
  std::string state;
  for (const char* part : {"config", "hooks", "info/attributes", "commondir"})
    AppendTree(git_dir / part, state);
  return state;
}

// The source repository as an agent could change it: working tree status, HEAD, refs and the
// control files of its git folder. Read-only (--no-optional-locks: status must not refresh the index).
std::string SourceState(const fs::path& source) {
  std::string state;
  auto add = [&state](const char* what, const Result<std::string>& r) {
    state += std::string("## ") + what + "\n" + (r.ok() ? *r : "error: " + r.status().message()) + "\n";
  };
  Result<std::string> status =
      vcs::Git(source, {"--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=all"});
  add("status", status);
  if (status.ok()) {
    // A file already dirty before the run shows the same status line after another write: its
    // stamp tells the difference.
    for (const std::string& entry : Split(*status, '\0')) {
      if (entry.size() > 3) state += entry.substr(3) + " " + Stamp(source / entry.substr(3)) + "\n";
    }
  }
  add("HEAD", vcs::Git(source, {"rev-parse", "HEAD"}));
  add("refs", vcs::Git(source, {"for-each-ref", "--format=%(refname) %(objectname)"}));
  Result<std::string> git_dir = vcs::Git(source, {"rev-parse", "--absolute-git-dir"});
  if (git_dir.ok()) state += GitControlState(fs::path(std::string(Trim(*git_dir))));
  return state;
}

bool IsTestPath(const std::string& path) {
  std::vector<std::string> parts = Split(path, '/');
  if (parts.empty()) return false;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i] == "tests" || parts[i] == "test" || parts[i] == "__tests__") return true;
  }
  const std::string& name = parts.back();
  return name.starts_with("test_") || name.find("_test.") != std::string::npos ||
         name.find("Test.") != std::string::npos || name.find(".spec.") != std::string::npos ||
         name.find(".test.") != std::string::npos;
}

// The test files of the checkout, .git skipped.
std::set<std::string> TestFiles(const fs::path& repo) {
  std::set<std::string> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(repo, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (it.depth() == 0 && it->path().filename() == ".git") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(ec)) continue;
    std::string rel = it->path().lexically_relative(repo).generic_string();
    if (IsTestPath(rel)) files.insert(rel);
  }
  return files;
}

// path -> what the checkout holds there against the base commit ("" when unchanged).
std::map<std::string, std::string> CheckoutChanges(const vcs::Workspace& workspace) {
  std::map<std::string, std::string> out;
  Result<std::vector<vcs::FileChange>> changes = vcs::ChangedFiles(workspace);
  if (!changes.ok()) return out;
  for (auto& c : *changes) out[c.path] = std::to_string(static_cast<int>(c.kind)) + ":" + c.after;
  return out;
}

struct Snapshot {
  std::map<std::string, std::string> job_entries;
  std::string source;
  std::string checkout_git;
  std::set<std::string> tests;
  std::map<std::string, std::string> changes;
};

Snapshot TakeSnapshot(const vcs::Workspace& w) {
  Snapshot s;
  s.job_entries = JobFolderEntries(w.job);
  if (!w.source.empty()) s.source = SourceState(w.source);
  s.checkout_git = GitControlState(w.repo / ".git");
  s.tests = TestFiles(w.repo);
  s.changes = CheckoutChanges(w);
  return s;
}

std::vector<std::string> Violations(const vcs::Workspace& w, const Snapshot& before, const Snapshot& after) {
  std::vector<std::string> out;
  for (const auto& [path, stamp] : after.job_entries) {
    auto it = before.job_entries.find(path);
    if (it == before.job_entries.end()) {
      out.push_back("wrote outside the checkout: created " + (w.job / path).string());
    } else if (it->second != stamp) {
      out.push_back("wrote outside the checkout: changed " + (w.job / path).string());
    }
  }
  for (const auto& [path, stamp] : before.job_entries) {
    if (!after.job_entries.count(path))
      out.push_back("wrote outside the checkout: deleted " + (w.job / path).string());
  }
  if (before.source != after.source) {
    out.push_back("changed the source repository " + w.source.string() +
                  " (working tree, HEAD, refs or .git config/hooks)");
  }
  if (before.checkout_git != after.checkout_git) {
    out.push_back("changed the checkout's .git config, hooks or attributes (they would run at commit time)");
  }
  for (const auto& test : before.tests) {
    if (!after.tests.count(test)) out.push_back("deleted or renamed test file " + test);
  }
  return out;
}

std::vector<std::string> EditedBetween(const Snapshot& before, const Snapshot& after) {
  std::vector<std::string> edited;
  for (const auto& [path, state] : after.changes) {
    auto it = before.changes.find(path);
    if (it == before.changes.end() || it->second != state) edited.push_back(path);
  }
  for (const auto& [path, state] : before.changes) {
    if (!after.changes.count(path)) edited.push_back(path);  // put back to the base content
  }
  std::sort(edited.begin(), edited.end());
  return edited;
}

// An executable file named `name` on skein's PATH, or "". An empty entry (the current folder) is
// skipped: the shell would search the checkout there, not skein's folder.
std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  for (const std::string& dir : Split(path, ':')) {
    if (dir.empty()) continue;
    fs::path candidate = fs::path(dir) / name;
    std::error_code ec;
    if (::access(candidate.c_str(), X_OK) == 0 && fs::is_regular_file(candidate, ec))
      return candidate.string();
  }
  return "";
}

bool IsShellName(const std::string& word) {
  if (word.empty() || std::isdigit(static_cast<unsigned char>(word[0]))) return false;
  return std::all_of(word.begin(), word.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// The name of the command /bin/sh runs for `command`, unquoted: its first word after NAME=value
// assignments and `exec`. Quoting follows sh; a word the shell would expand ($, `, a leading ~)
// is refused, since only the running shell knows what it becomes.
Result<std::string> FirstCommandWord(const std::string& command) {
  const std::string breaks = " \t\n;&|<>()";
  size_t i = 0;
  const size_t n = command.size();
  for (;;) {
    while (i < n && (command[i] == ' ' || command[i] == '\t' || command[i] == '\n')) ++i;
    if (i >= n) return Status::InvalidInput("the command names no program");
    std::string word;
    bool quoted = false;   // quoting before '=' makes it no assignment
    bool expands = false;  // the shell would rewrite the word
    bool assignment = false;
    while (i < n && breaks.find(command[i]) == std::string::npos) {
      char c = command[i];
      if (c == '\'') {
        size_t end = command.find('\'', i + 1);
        if (end == std::string::npos) return Status::InvalidInput("the command has an unterminated ' quote");
        word += command.substr(i + 1, end - i - 1);
        quoted = true;
        i = end + 1;
      } else if (c == '"') {
        quoted = true;
        for (++i; i < n && command[i] != '"'; ++i) {
          if (command[i] == '\\' && i + 1 < n &&
              std::string("$`\"\\").find(command[i + 1]) != std::string::npos) {
            word += command[++i];
            continue;
          }
          if (command[i] == '$' || command[i] == '`') expands = true;
          word += command[i];
        }
        if (i == n) return Status::InvalidInput("the command has an unterminated \" quote");
        ++i;
      } else if (c == '\\') {
        if (i + 1 < n && command[i + 1] != '\n') word += command[i + 1];  // \<newline> joins lines
        quoted = true;
        i = std::min(i + 2, n);
      } else {
        if (c == '$' || c == '`' || (c == '~' && word.empty() && !quoted)) expands = true;
        if (c == '=' && !quoted && !assignment && IsShellName(word)) assignment = true;
        word += c;
        ++i;
      }
    }
    if (word.empty() && !quoted) return Status::InvalidInput("the command starts with a shell operator");
    if (assignment || (word == "exec" && !quoted)) continue;
    if (expands) return Status::InvalidInput("the shell expands the command's first word (" + word + ")");
    if (word.empty()) return Status::InvalidInput("the command's first word is empty");
    return word;
  }
}

class CommandAgent : public Agent {
 public:
  CommandAgent(AgentSpec spec, CommandAgentOptions options) : spec_(std::move(spec)), options_(options) {}
  std::string Name() const override { return "command"; }
  AgentVersion Version() const override;
  Result<AgentOutcome> Run(const AgentTask& task) override;

 private:
  std::vector<std::string> Environment(const AgentTask& task, const fs::path& prompt_file) const;
  Result<std::vector<std::string>> Argv(const AgentTask& task) const;

  AgentSpec spec_;
  CommandAgentOptions options_;
  // Version() reads and hashes the executable once per agent, not once per attempt.
  mutable std::once_flag version_once_;
  mutable AgentVersion version_;
};

AgentVersion CommandAgent::Version() const {
  std::call_once(version_once_, [this] {
    version_.kind = Name();
    Result<std::string> executable = CommandExecutable(spec_.command);
    if (!executable.ok()) {
      version_.problem = executable.status().message();
      return;
    }
    version_.executable = *executable;
    Result<std::string> sha256 = FileSha256Hex(*executable);
    if (sha256.ok()) {
      version_.executable_sha256 = *sha256;
    } else {
      version_.problem = sha256.status().message();
    }
    if (spec_.version_command.empty()) return;
    // The agent's own word for its version, asked with the agent's environment and nothing else.
    ProcessOptions run;
    run.cwd = "/";
    run.env = InheritedEnv({"PATH", "LANG", "LC_ALL"});
    for (const std::string& e : InheritedEnv(spec_.env)) run.env.push_back(e);
    run.replace_env = true;
    run.timeout = std::chrono::seconds(10);
    run.max_output = 64 << 10;
    Result<ProcessResult> asked = RunProcess({"/bin/sh", "-c", spec_.version_command}, run);
    std::string why;
    if (!asked.ok()) {
      why = asked.status().message();
    } else if (!asked->ok()) {
      why = asked->timed_out ? "timed out after 10 s" : "exit " + std::to_string(asked->exit_code);
      std::string err(Trim(asked->err));
      if (!err.empty()) why += ": " + err.substr(0, 200);
    } else {
      for (const std::string& line : Split(asked->out, '\n')) {
        std::string_view trimmed = Trim(line);
        if (trimmed.empty()) continue;
        version_.version = std::string(trimmed.substr(0, 200));
        break;
      }
      if (version_.version.empty()) why = "it printed nothing";
    }
    if (!why.empty()) {
      version_.problem += (version_.problem.empty() ? "" : "; ") + std::string("version_command `") +
                          spec_.version_command + "`: " + why;
    }
  });
  return version_;
}

std::vector<std::string> CommandAgent::Environment(const AgentTask& task, const fs::path& prompt_file) const {
  std::vector<std::string> env = InheritedEnv({"PATH", "LANG", "LC_ALL"});
  for (const std::string& e : InheritedEnv(spec_.env)) env.push_back(e);
  // Last, so a manifest listing HOME or TMPDIR cannot point the agent at skein's own home.
  env.push_back("HOME=" + task.workspace.home.string());
  env.push_back("TMPDIR=" + task.workspace.home.string());
  env.push_back("SKEIN_PROMPT_FILE=" + prompt_file.string());
  env.push_back("SKEIN_WORKSPACE=" + task.workspace.repo.string());
  return env;
}

Result<std::vector<std::string>> CommandAgent::Argv(const AgentTask& task) const {
  std::vector<std::string> shell = {"/bin/sh", "-c", spec_.command};
  bool want = options_.sandbox != Sandbox::kNone;
  std::string bwrap = want ? BwrapPath() : "";
  if (bwrap.empty()) {
    if (options_.sandbox == Sandbox::kBwrap) {
      return Status::IoError(
          "command agent: the bubblewrap sandbox was asked for but bwrap is not usable here");
    }
    return shell;
  }
  // Everything read-only but the job folder (checkout, home = TMPDIR, log); a fresh /dev and
  // /proc; its own PID namespace so nothing it starts outlives it.
  std::string job = task.workspace.job.string();
  std::vector<std::string> argv = {bwrap,
                                   "--ro-bind",
                                   "/",
                                   "/",
                                   "--dev",
                                   "/dev",
                                   "--proc",
                                   "/proc",
                                   "--bind",
                                   job,
                                   job,
                                   "--unshare-pid",
                                   "--die-with-parent",
                                   "--chdir",
                                   task.workspace.repo.string(),
                                   "--"};
  argv.insert(argv.end(), shell.begin(), shell.end());
  return argv;
}

Result<AgentOutcome> CommandAgent::Run(const AgentTask& task) {
  if (spec_.command.empty()) return Status::InvalidInput("consumers.agent.command is empty");
  if (task.migration == nullptr) return Status::Internal("command agent: task without a migration");
  const vcs::Workspace& w = task.workspace;
  AgentOutcome outcome;
  outcome.agent = Name();
  outcome.ran_command = true;
  outcome.prompt = WritePrompt(task);
  std::error_code ec;
  fs::create_directories(w.log, ec);
  fs::create_directories(w.home, ec);
  std::string attempt = std::to_string(task.attempt);
  fs::path prompt_file = w.log / ("prompt-" + attempt + ".md");
  RETURN_IF_ERROR(WriteFileAtomically(prompt_file, outcome.prompt));
  ASSIGN_OR_RETURN(std::vector<std::string> argv, Argv(task));

  Snapshot before = TakeSnapshot(w);
  ProcessOptions options;
  options.cwd = w.repo;
  options.env = Environment(task, prompt_file);
  options.replace_env = true;
  options.stdin_text = outcome.prompt;
  options.timeout = spec_.timeout;
  options.merge_stderr = true;
  Result<ProcessResult> run = RunProcess(argv, options);
  if (!run.ok()) return run.status().WithContext("command agent");
  Snapshot after = TakeSnapshot(w);

  outcome.timed_out = run->timed_out;
  outcome.exit_code = run->exit_code;
  outcome.violations = Violations(w, before, after);
  outcome.edited = EditedBetween(before, after);
  std::ostringstream log;
  log << "$ " << spec_.command << "\n" << run->out;
  if (!run->out.empty() && run->out.back() != '\n') log << "\n";
  if (run->truncated) log << "[output truncated]\n";
  if (run->timed_out) {
    log << "[killed after the time limit of " << spec_.timeout.count() << "s]\n";
  } else {
    log << "[exit " << run->exit_code << " after " << run->elapsed.count() << " ms]\n";
  }
  for (const auto& name : spec_.env) {
    if (std::getenv(name.c_str()) == nullptr)
      log << "[" << name << " (consumers.agent.env) is not set in skein's environment]\n";
  }
  for (const auto& v : outcome.violations) log << "[violation] " << v << "\n";
  outcome.log = log.str();
  RETURN_IF_ERROR(WriteFileAtomically(w.log / ("agent-" + attempt + ".log"), outcome.log));
  return outcome;
}

}  // namespace

Result<std::string> CommandExecutable(const std::string& command) {
  ASSIGN_OR_RETURN(std::string word, FirstCommandWord(command));
  if (word.find('/') != std::string::npos) {
    fs::path path(word);
    // The agent runs in the checkout: a relative path is a file of the consumer's repository,
    // which the base commit already identifies.
    if (path.is_relative()) return Status::InvalidInput(word + " is a path in the consumer's checkout");
    std::error_code ec;
    if (::access(path.c_str(), X_OK) != 0 || !fs::is_regular_file(path, ec))
      return Status::NotFound(word + " is not an executable file");
    return word;
  }
  std::string found = FindOnPath(word);
  if (found.empty()) return Status::NotFound(word + " is not an executable on PATH");
  return found;
}

std::string BwrapPath() {
  static const std::string path = [] {
    std::string bwrap = FindOnPath("bwrap");
    if (bwrap.empty()) return std::string();
    // Being installed is not enough: without user namespaces (many containers) bwrap fails.
    std::error_code ec;
    std::string scratch = fs::temp_directory_path(ec).string();
    if (ec) return std::string();
    ProcessOptions options;
    options.timeout = std::chrono::seconds(10);
    Result<ProcessResult> probe = RunProcess({bwrap, "--ro-bind", "/", "/", "--bind", scratch, scratch,
                                              "--dev", "/dev", "--proc", "/proc", "true"},
                                             options);
    return probe.ok() && probe->ok() ? bwrap : std::string();
  }();
  return path;
}

std::unique_ptr<Agent> MakeCommandAgent(const AgentSpec& spec, const CommandAgentOptions& options) {
  return std::make_unique<CommandAgent>(spec, options);
}

}  // namespace skein::agent
