#include "tests/support/test_support.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

namespace skein::testing {

std::filesystem::path SourceDir() { return SKEIN_SOURCE_DIR; }

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (int i = 0; i < 100; ++i) {
    auto candidate = base / ("skein-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::error_code ec;
    if (std::filesystem::create_directory(candidate, ec)) {
      path_ = candidate;
      return;
    }
  }
  ADD_FAILURE() << "cannot create a temporary folder";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::Write(const std::string& relative, const std::string& content) const {
  auto full = path_ / relative;
  std::filesystem::create_directories(full.parent_path());
  std::ofstream out(full, std::ios::binary);
  out << content;
  return full;
}

static std::string ReadAll(int fd) {
  std::string text;
  char buffer[65536];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  return text;
}

// Forks and runs `argv` in `cwd` with stdout and stderr to the given files, stdin from /dev/null.
static pid_t Spawn(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                   const std::vector<std::string>& env, int out_fd, int err_fd) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    if (::chdir(cwd.c_str()) != 0) _exit(127);
    for (const auto& entry : env) ::putenv(const_cast<char*>(entry.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

CommandResult RunProgram(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                         const std::vector<std::string>& env) {
  CommandResult result;
  // stdout and stderr go to temporary files, so a chatty child never blocks on a full pipe.
  char out_name[] = "/tmp/skein-out-XXXXXX";
  char err_name[] = "/tmp/skein-err-XXXXXX";
  int out_fd = ::mkstemp(out_name);
  int err_fd = ::mkstemp(err_name);
  pid_t pid = Spawn(argv, cwd, env, out_fd, err_fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  ::lseek(out_fd, 0, SEEK_SET);
  ::lseek(err_fd, 0, SEEK_SET);
  result.out = ReadAll(out_fd);
  result.err = ReadAll(err_fd);
  ::close(out_fd);
  ::close(err_fd);
  ::unlink(out_name);
  ::unlink(err_name);
  return result;
}

CommandResult RunSkein(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                       const std::vector<std::string>& env) {
  std::vector<std::string> argv = {SKEIN_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv, cwd, env);
}

BackgroundProgram::BackgroundProgram(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                                     const std::vector<std::string>& env) {
  char out_name[] = "/tmp/skein-bg-out-XXXXXX";
  char err_name[] = "/tmp/skein-bg-err-XXXXXX";
  int out_fd = ::mkstemp(out_name);
  int err_fd = ::mkstemp(err_name);
  out_name_ = out_name;
  err_name_ = err_name;
  pid_ = Spawn(argv, cwd, env, out_fd, err_fd);
  ::close(out_fd);
  ::close(err_fd);
}

BackgroundProgram::~BackgroundProgram() {
  if (pid_ > 0 && exit_code_ < 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  ::unlink(out_name_.c_str());
  ::unlink(err_name_.c_str());
}

void BackgroundProgram::Signal(int signal) {
  if (pid_ > 0 && exit_code_ < 0) ::kill(pid_, signal);
}

int BackgroundProgram::Wait(int seconds) {
  if (exit_code_ >= 0) return exit_code_;
  for (int i = 0; i <= seconds * 20; ++i) {
    int status = 0;
    pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    ::usleep(50000);
  }
  return -1;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string BackgroundProgram::out() const { return ReadFile(out_name_); }
std::string BackgroundProgram::err() const { return ReadFile(err_name_); }

std::unique_ptr<BackgroundProgram> StartSkein(const std::vector<std::string>& args,
                                              const std::filesystem::path& cwd,
                                              const std::vector<std::string>& env) {
  std::vector<std::string> argv = {SKEIN_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<BackgroundProgram>(argv, cwd, env);
}

std::string PostgresUrl() {
  if (const char* url = std::getenv("SKEIN_TEST_PG_URL"); url != nullptr && *url != '\0') return url;
  std::ifstream in(SKEIN_PG_URL_FILE);
  std::string url;
  if (in && std::getline(in, url) && !url.empty()) return url;
  ADD_FAILURE() << "no test PostgreSQL: run the tests with ctest (its postgres fixture starts one) "
                   "or set SKEIN_TEST_PG_URL";
  return {};
}

std::string LayOutExampleOrg(const std::filesystem::path& org, bool import_catalog) {
  CommandResult setup =
      RunProgram({(SourceDir() / "examples/setup-workspace").string(), org.string(), SKEIN_BINARY_DIR},
                 org.parent_path());
  if (setup.exit_code != 0) return "examples/setup-workspace failed: " + setup.out + setup.err;
  if (!import_catalog) return "";
  CommandResult imported = RunSkein({"catalog", "import", "catalog"}, org);
  if (imported.exit_code != 0) return "skein catalog import failed: " + imported.out + imported.err;
  return "";
}

}  // namespace skein::testing
