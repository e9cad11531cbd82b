// agent/: what produces a consumer's change in its workspace.
//
//   builtin   the rewriters (rewrite/) over every file of the checkout that discovery finds
//             referring to the from-dataset; what they cannot prove stays a finding
//   command   any CLI coding agent (Claude Code, Codex, Aider, qwen-code, ...), run in the checkout
//             with a prompt skein writes (WritePrompt), a time limit (its process group is killed
//             on timeout), its output captured into the attempt's log, and an environment
//             scrubbed down to PATH, LANG, HOME/TMPDIR (the job's own) and the names the manifest
//             lists in consumers.agent.env
//   chain     builtin first, then the command agent only when findings remain or the previous
//             attempt failed verification
//
// Contracts:
// - An agent writes only inside task.workspace.repo. After a command agent, RunCommandAgent
//   checks the job folder, the source repository and the checkout's .git: anything written
//   outside the checkout is a violation, reported in the outcome (and fails the attempt).
// - Agents never commit, push or talk to a forge; the job does that after verification.
// - Version() identifies the agent for every attempt's provenance: skein's version for the
//   rewriters, the executable /bin/sh would run and its sha256 for a command.
//
// Calls: rewrite, discover, manifest, vcs (workspace layout), base.
// Thread-safety: an Agent object runs one task at a time; distinct objects run in parallel.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "data/warehouse.h"
#include "manifest/migration.h"
#include "rewrite/rewrite.h"
#include "vcs/workspace.h"

namespace skein::agent {

// A place in a file: a reference to the dataset, or something a rewriter could not prove.
struct FileNote {
  std::string file;  // relative to the checkout
  int line = 0;
  int col = 0;
  std::string text;  // the reference as written, or the finding's reason
};

struct AgentTask {
  const Migration* migration = nullptr;
  const RewriteSpec* spec = nullptr;
  const Schema* v1_schema = nullptr;
  const Schema* v2_schema = nullptr;
  vcs::Workspace workspace;
  std::string consumer;                 // the consumer's ref key
  int attempt = 1;                      // 1-based
  std::vector<std::string> feedback;    // the previous attempt's verifier failures, trimmed
  std::vector<FileNote> references;     // where the checkout refers to the from-dataset
  std::vector<FileNote> open_findings;  // what the built-in rewriters could not resolve
  RewriteOptions rewrite_options;       // the consumer's SQL dialect, for the built-in rewriters
};

struct AgentOutcome {
  std::string agent;                    // "builtin", "command" or "chain"
  std::vector<std::string> edited;      // files the agent changed this attempt
  std::vector<FileNote> findings;       // left unresolved (builtin); empty after a command agent
  std::vector<std::string> violations;  // writes outside the checkout, deleted tests, ...
  std::string prompt;                   // what a command agent was told ("" for builtin)
  std::string log;                      // captured output / what the agent did
  bool timed_out = false;
  int exit_code = 0;
  bool ran_command = false;  // a command agent ran this attempt
};

// What identifies an agent, so a change it made can be made again: recorded with every attempt
// (fleet/consumer_job.h, Provenance).
struct AgentVersion {
  std::string kind;  // "builtin", "command" or "chain"
  // builtin: skein's own (the rewriters); command: the first line of consumers.agent.version_command's
  // output ("" without one, or when it fails: `problem` says why); chain: skein's own, then
  // " + " and the command's when it has one.
  std::string version;
  // command and chain: the command's first word resolved as /bin/sh would run it (on PATH when it
  // has no slash) and the sha256 of that file, so the exact binary is known. "" when it cannot be
  // resolved or read; `problem` then says why.
  std::string executable;
  std::string executable_sha256;
  std::string problem;
};

class Agent {
 public:
  virtual ~Agent() = default;
  virtual std::string Name() const = 0;
  // What identifies this agent. A command agent works it out on the first call (it reads and
  // hashes its executable) and answers the same afterwards, whatever later attempts do.
  virtual AgentVersion Version() const = 0;
  // Makes (or continues) the change in task.workspace.repo. An error Status means the agent could
  // not run at all (bad command, I/O); an agent that ran and failed is an outcome.
  virtual Result<AgentOutcome> Run(const AgentTask& task) = 0;
};

// Every place in the checkout that refers to the from-dataset (discovery's matcher).
Result<std::vector<FileNote>> FindReferences(const vcs::Workspace& workspace, const Migration& migration);

// The prompt for a command agent: the end state wanted, the column mapping table (types and
// `reverse`), the files and lines found, the unresolved findings, the previous attempt's
// verifier failures, and the rule to change nothing the migration does not need.
std::string WritePrompt(const AgentTask& task);

// How a command agent is confined. The checks after the run (job folder, source repository,
// .git, tests) happen either way; a sandbox turns a write outside the job folder into a failed
// write instead of a violation found afterwards.
enum class Sandbox {
  kNone,   // run the command as skein's own user, unconfined (the default)
  kAuto,   // under bubblewrap when BwrapPath() is usable, else unconfined
  kBwrap,  // under bubblewrap; Run fails (IoError) when it is not usable
};

struct CommandAgentOptions {
  Sandbox sandbox = Sandbox::kNone;
};

// The executable /bin/sh runs for `command` with skein's PATH (the agent inherits it): its first
// word after any NAME=value assignments and `exec`, searched on PATH unless it holds a slash. An
// error says why it cannot be known: a word the shell expands, a name not on PATH, a path relative
// to the checkout.
Result<std::string> CommandExecutable(const std::string& command);

// The bwrap binary when it is installed and can build a sandbox here (probed once: a container
// without user namespaces has bwrap but cannot use it); "" otherwise.
std::string BwrapPath();

std::unique_ptr<Agent> MakeBuiltinAgent();
// The command agent of consumers.agent (command, timeout, env).
std::unique_ptr<Agent> MakeCommandAgent(const AgentSpec& spec, const CommandAgentOptions& options = {});
// Builtin, then the command agent for what is left.
std::unique_ptr<Agent> MakeChainAgent(const AgentSpec& spec, const CommandAgentOptions& options = {});
// The agent consumers.agent names (kChain without a command is the builtin agent).
std::unique_ptr<Agent> MakeAgent(const AgentSpec& spec, const CommandAgentOptions& options = {});

}  // namespace skein::agent
