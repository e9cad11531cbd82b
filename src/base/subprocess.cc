#include "base/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace skein {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() { CloseBoth(); }
  void CloseBoth() {
    for (int& f : fd) {
      if (f >= 0) close(f);
      f = -1;
    }
  }
  void Close(int end) {
    if (fd[end] >= 0) close(fd[end]);
    fd[end] = -1;
  }
};

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Appends what is readable on `fd` to `into` (up to `cap`); false at end of stream.
bool Drain(int fd, std::string& into, size_t cap, bool& truncated) {
  char buffer[65536];
  ssize_t n = read(fd, buffer, sizeof buffer);
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  if (n == 0) return false;
  size_t room = into.size() < cap ? cap - into.size() : 0;
  if (static_cast<size_t>(n) > room) truncated = true;
  into.append(buffer, std::min(room, static_cast<size_t>(n)));
  return true;
}

void KillGroup(pid_t pid, int sig) { kill(-pid, sig); }

}  // namespace

std::vector<std::string> InheritedEnv(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& name : names) {
    if (const char* value = std::getenv(name.c_str())) out.push_back(name + "=" + value);
  }
  return out;
}

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv_in, const ProcessOptions& options) {
  if (argv_in.empty()) return Status::Internal("RunProcess: empty argv");
  // A child that exits before reading its stdin must not take skein down with SIGPIPE.
  static const bool sigpipe_ignored = [] { return signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)sigpipe_ignored;
  std::vector<std::string> argv_strings = argv_in;
  std::vector<std::string> env_strings;
  if (!options.replace_env) {
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  }
  for (const auto& entry : options.env) {
    std::string name = entry.substr(0, entry.find('='));
    std::erase_if(env_strings, [&](const std::string& e) { return e.compare(0, name.size() + 1, name + "=") == 0; });
    env_strings.push_back(entry);
  }
  std::vector<char*> argv = CStrings(argv_strings);
  std::vector<char*> envp = CStrings(env_strings);
  std::string cwd = options.cwd.string();

  Pipe in, out, err, exec_error;
  if (pipe2(in.fd, O_CLOEXEC) != 0 || pipe2(out.fd, O_CLOEXEC) != 0 || pipe2(err.fd, O_CLOEXEC) != 0 ||
      pipe2(exec_error.fd, O_CLOEXEC) != 0) {
    return Status::IoError(std::string("cannot create pipes: ") + std::strerror(errno));
  }
  Clock::time_point start = Clock::now();
  pid_t pid = fork();
  if (pid < 0) return Status::IoError(std::string("cannot fork: ") + std::strerror(errno));
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    setpgid(0, 0);
    dup2(in.fd[0], 0);
    dup2(out.fd[1], 1);
    dup2(options.merge_stderr ? out.fd[1] : err.fd[1], 2);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) {
      int e = errno;
      (void)!write(exec_error.fd[1], "chdir", 5);
      (void)!write(exec_error.fd[1], &e, sizeof e);
      _exit(127);
    }
    signal(SIGPIPE, SIG_DFL);
    environ = envp.data();
    execvp(argv[0], argv.data());
    int e = errno;
    (void)!write(exec_error.fd[1], "exec ", 5);
    (void)!write(exec_error.fd[1], &e, sizeof e);
    _exit(127);
  }
  setpgid(pid, pid);  // also here, so the group exists before we might signal it
  in.Close(0);
  out.Close(1);
  err.Close(1);
  exec_error.Close(1);

  // Did exec succeed? The pipe closes on exec (CLOEXEC) or carries the failure.
  char what[5 + sizeof(int)];
  size_t n = 0;
  while (n < sizeof what) {
    ssize_t got = read(exec_error.fd[0], what + n, sizeof what - n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    n += static_cast<size_t>(got);
  }
  if (n == sizeof what) {
    int e;
    std::memcpy(&e, what + 5, sizeof e);
    waitpid(pid, nullptr, 0);
    std::string step = std::string(what, 5) == "chdir" ? "cannot enter " + cwd : "cannot run '" + argv_in[0] + "'";
    return Status::IoError(step + ": " + std::strerror(e));
  }

  ProcessResult result;
  for (int fd : {in.fd[1], out.fd[0], err.fd[0]}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  size_t written = 0;
  if (options.stdin_text.empty()) in.Close(1);
  bool out_open = true, err_open = !options.merge_stderr;
  if (options.merge_stderr) err.Close(0);
  bool exited = false, killed = false;
  int status = 0;
  Clock::time_point kill_at{}, drain_until{};
  const auto grace = std::chrono::milliseconds(2000);
  while (true) {
    if (!exited) {
      pid_t w = waitpid(pid, &status, WNOHANG);
      if (w == pid) {
        exited = true;
        // Whatever the child left running in its group goes with it; its pipes then close.
        KillGroup(pid, SIGKILL);
        drain_until = Clock::now() + std::chrono::milliseconds(500);
      }
    }
    if (exited && !out_open && !err_open) break;
    if (exited && Clock::now() > drain_until) break;  // a grandchild escaped the group with our pipes
    Clock::time_point now = Clock::now();
    if (!exited && options.timeout.count() > 0 && now - start > options.timeout) {
      if (!result.timed_out) {
        result.timed_out = true;
        KillGroup(pid, SIGTERM);
        kill_at = now + grace;
      } else if (!killed && now > kill_at) {
        KillGroup(pid, SIGKILL);
        killed = true;
      }
    }
    std::vector<pollfd> fds;
    if (out_open) fds.push_back({out.fd[0], POLLIN, 0});
    if (err_open) fds.push_back({err.fd[0], POLLIN, 0});
    if (in.fd[1] >= 0) fds.push_back({in.fd[1], POLLOUT, 0});
    int ready = poll(fds.data(), fds.size(), 20);
    if (ready < 0 && errno != EINTR) break;
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == out.fd[0]) {
        out_open = Drain(p.fd, result.out, options.max_output, result.truncated);
        if (!out_open) out.Close(0);
      } else if (p.fd == err.fd[0]) {
        err_open = Drain(p.fd, result.err, options.max_output, result.truncated);
        if (!err_open) err.Close(0);
      } else if (p.fd == in.fd[1]) {
        ssize_t w = write(p.fd, options.stdin_text.data() + written, options.stdin_text.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == options.stdin_text.size()) in.Close(1);
      }
    }
  }
  if (!exited) waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return result;
}

}  // namespace skein
