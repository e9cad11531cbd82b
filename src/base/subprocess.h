// Running a child process: argv (no shell unless the caller asks for one), a working folder, an
// explicit environment, stdin text, a time limit, and output captured up to a cap.
//
// Contracts:
// - The child runs in its own process group. On timeout the whole group gets SIGTERM, then
//   SIGKILL after a grace period; when the child exits, whatever it left running in its group is
//   killed too, so nothing an agent or a build started outlives its step.
// - The environment is exactly `env` when `replace_env` (a scrubbed environment: nothing of
//   skein's own leaks into the child), else skein's plus `env`.
// - Output beyond `max_output` bytes is dropped (and `truncated` set) while the child keeps
//   running: a chatty child cannot exhaust memory.
//
// Thread-safety: RunProcess may be called from many threads at once.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "base/status.h"

namespace skein {

struct ProcessOptions {
  std::filesystem::path cwd;              // "" = the current folder
  std::vector<std::string> env;           // "NAME=value" entries
  bool replace_env = false;               // true: the child's environment is `env` only
  std::string stdin_text;                 // written to the child's stdin, then closed
  std::chrono::milliseconds timeout{0};   // 0 = no limit
  size_t max_output = 8 << 20;            // per stream
  bool merge_stderr = false;              // stderr into `out`, interleaved as written
};

struct ProcessResult {
  int exit_code = -1;      // the exit status, or 128+signal when killed by a signal
  bool timed_out = false;  // killed because the time limit passed
  bool truncated = false;  // some output was dropped (max_output)
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};
  bool ok() const { return exit_code == 0 && !timed_out; }
};

// Runs argv[0] (searched on PATH, the child's PATH when `replace_env`) with `argv`. IoError only
// when the process cannot be started at all (no such program, fork failure); a failing child is a
// result with its exit code.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// The values of these variables from skein's own environment as "NAME=value", skipping unset
// ones: to build a scrubbed environment from an allow-list.
std::vector<std::string> InheritedEnv(const std::vector<std::string>& names);

}  // namespace skein
