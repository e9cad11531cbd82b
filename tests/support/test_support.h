// Helpers for skein's tests: temporary folders, running the skein binary, the test PostgreSQL.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace skein::testing {

// The source tree (for examples/ and tests/data/).
std::filesystem::path SourceDir();

// A fresh empty folder, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // Writes `content` to path()/relative, creating parent folders; returns the full path.
  std::filesystem::path Write(const std::string& relative, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the built skein binary with `args` in folder `cwd` (environment inherited, plus `env`
// entries "NAME=value"), capturing stdout and stderr.
CommandResult RunSkein(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                       const std::vector<std::string>& env = {});
// Runs any program the same way.
CommandResult RunProgram(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                         const std::vector<std::string>& env = {});

// A program running in the background (its output in files), for tests that stop or kill it.
// The destructor kills it (SIGKILL) if it still runs.
class BackgroundProgram {
 public:
  BackgroundProgram(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                    const std::vector<std::string>& env = {});
  ~BackgroundProgram();
  BackgroundProgram(const BackgroundProgram&) = delete;
  BackgroundProgram& operator=(const BackgroundProgram&) = delete;
  int pid() const { return pid_; }
  void Signal(int signal);
  // Waits up to `seconds` for it to end: its exit code (128 + signal when killed), or -1 when
  // it still runs.
  int Wait(int seconds);
  std::string out() const;
  std::string err() const;

 private:
  int pid_ = -1;
  int exit_code_ = -1;
  std::string out_name_;
  std::string err_name_;
};
// The skein binary in the background.
std::unique_ptr<BackgroundProgram> StartSkein(const std::vector<std::string>& args,
                                              const std::filesystem::path& cwd,
                                              const std::vector<std::string>& env = {});

// Lays out the example organisation (examples/setup-workspace) in `org` and, unless told not to,
// imports its catalog there. "" when it did; else what failed, with the step's output.
std::string LayOutExampleOrg(const std::filesystem::path& org, bool import_catalog = true);

// A file's whole content ("" when it cannot be read).
std::string ReadFile(const std::filesystem::path& path);

// Whether `text` contains `part`: for checking a command's output.
inline bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The URL of the test PostgreSQL: $SKEIN_TEST_PG_URL, else the one the ctest fixture started
// (build/pg/url). Fails the calling test (no silent skip) when there is none.
std::string PostgresUrl();

}  // namespace skein::testing
