#include "e2e/measured_run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "e2e/interrupt.h"
#include "testnet/subprocess.h"

namespace ptrscan::bench {
namespace {

using clock_type = std::chrono::steady_clock;

// Closes a descriptor on scope exit.
struct owned_fd {
  int fd = -1;
  explicit owned_fd(int f) : fd(f) {}
  owned_fd(const owned_fd&) = delete;
  owned_fd& operator=(const owned_fd&) = delete;
  ~owned_fd() { reset(); }
  void reset() {
    if (fd >= 0) {
      ::close(fd);
      fd = -1;
    }
  }
};

double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

std::runtime_error errno_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

// The child side of fork: only async-signal-safe calls. An exec failure is
// reported to the parent as errno through the close-on-exec `report` pipe.
[[noreturn]] void exec_child(const std::string& path, std::vector<char*>& argv, pid_t parent,
                             int in_fd, int out_fd, int report_fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed harness leaves no scan running
  if (::getppid() != parent) {
    ::_exit(127);
  }
  if (::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(out_fd, 2) < 0) {
    ::_exit(127);
  }
  // The testnet helpers ignore SIGPIPE in this process, and an ignored
  // signal stays ignored across exec.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &dfl, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execv(path.c_str(), argv.data());
  const int err = errno;
  [[maybe_unused]] ssize_t n = ::write(report_fd, &err, sizeof err);
  ::_exit(127);
}

}  // namespace

std::string measured_run::describe() const {
  if (interrupted) {
    return "interrupted";
  }
  if (timed_out) {
    return "killed after deadline";
  }
  if (term_signal != 0) {
    return "signal " + std::to_string(term_signal);
  }
  return "exit " + std::to_string(exit_code);
}

measured_run run_measured(const std::vector<std::string>& argv, const std::string& log_path,
                          std::chrono::seconds deadline) {
  const std::string path = testnet::find_executable(argv.at(0));
  if (path.empty()) {
    throw std::runtime_error("executable not found: " + argv[0]);
  }
  std::vector<char*> c_argv;
  for (const auto& a : argv) {
    c_argv.push_back(const_cast<char*>(a.c_str()));
  }
  c_argv.push_back(nullptr);
  owned_fd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  owned_fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int pipe_fds[2];
  if (log.fd < 0 || devnull.fd < 0 || ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw errno_error("cannot prepare " + log_path);
  }
  owned_fd report_read(pipe_fds[0]);
  owned_fd report_write(pipe_fds[1]);

  measured_run m;
  const pid_t parent = ::getpid();
  const auto started = clock_type::now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw errno_error("fork");
  }
  if (pid == 0) {
    exec_child(path, c_argv, parent, devnull.fd, log.fd, report_write.fd);
  }
  report_write.reset();
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(report_read.fd, &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    ::waitpid(pid, nullptr, 0);
    throw std::runtime_error("exec " + path + ": " + std::strerror(child_errno));
  }

  // Waiting on a pidfd ends the wait the moment the child exits, so the wall
  // time is not rounded up to a polling interval.
  // (glibc 2.36's <sys/pidfd.h> misses extern "C", hence the raw syscall.)
  owned_fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd.fd < 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw errno_error("pidfd_open");
  }
  // SIGTERM at the deadline (at once on an interrupt), SIGKILL 5 s later.
  auto kill_at = started + deadline;
  int next_signal = SIGTERM;
  for (;;) {
    const auto now = clock_type::now();
    if (next_signal == SIGTERM && interrupt_requested()) {
      m.interrupted = true;
      kill_at = now;
    }
    if (next_signal != 0 && now >= kill_at) {
      m.timed_out = m.timed_out || (next_signal == SIGTERM && !m.interrupted);
      ::kill(pid, next_signal);
      next_signal = next_signal == SIGTERM ? SIGKILL : 0;
      kill_at = now + std::chrono::seconds(5);
    }
    const int64_t left_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(kill_at - now).count();
    const int wait_ms =
        next_signal == 0 ? -1 : static_cast<int>(std::clamp<int64_t>(left_ms, 1, 60'000));
    pollfd p{pidfd.fd, POLLIN, 0};
    if (::poll(&p, 1, wait_ms) > 0) {
      break;  // exited; an EINTR comes round to the interrupt check
    }
  }
  m.wall_s = std::chrono::duration<double>(clock_type::now() - started).count();

  int status = 0;
  rusage ru{};
  while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    m.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    m.term_signal = WTERMSIG(status);
  }
  m.user_s = seconds(ru.ru_utime);
  m.sys_s = seconds(ru.ru_stime);
  m.peak_rss_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;
  return m;
}

}  // namespace ptrscan::bench
