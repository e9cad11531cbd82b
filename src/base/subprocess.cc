#include "base/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
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

  Pipe in, out, err;
  if (pipe2(in.fd, O_CLOEXEC) != 0 || pipe2(out.fd, O_CLOEXEC) != 0 || pipe2(err.fd, O_CLOEXEC) != 0) {
    return Status::IoError(std::string("cannot create pipes: ") + std::strerror(errno));
  }
  // posix_spawn, not fork: glibc starts the child with vfork semantics, so a large parent (DuckDB
  // loaded, many threads) does not pay for copying its page tables on every git call; exec
  // failures come back as its result.
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, in.fd[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, options.merge_stderr ? out.fd[1] : err.fd[1], 2);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  // Its own process group (so a timeout kills everything it started), SIGPIPE back to default.
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
  Clock::time_point start = Clock::now();
  pid_t pid = -1;
  int spawned = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (spawned != 0) {
    if (!cwd.empty() && access(cwd.c_str(), X_OK) != 0)
      return Status::IoError("cannot enter " + cwd + ": " + std::strerror(errno));
    return Status::IoError("cannot run '" + argv_in[0] + "': " + std::strerror(spawned));
  }
  in.Close(0);
  out.Close(1);
  err.Close(1);
  // A descriptor that becomes readable when the child exits, so the loop below wakes at once
  // instead of at its next 20 ms tick (Linux 5.3+; without it the tick remains).
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));

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
    if (!exited && pidfd >= 0) fds.push_back({pidfd, POLLIN, 0});
    int ready = poll(fds.data(), fds.size(), 20);
    if (ready < 0 && errno != EINTR) break;
    for (const pollfd& p : fds) {
      if (p.revents == 0 || p.fd == pidfd) continue;  // an exit is reaped at the top of the loop
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
  if (pidfd >= 0) close(pidfd);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return result;
}

}  // namespace skein
