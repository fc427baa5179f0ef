#pragma once

// A child process for the fault and resource tests, where testnet's
// run_process is not enough: an open-files limit set in the child before
// exec (setrlimit), output to files (so a scan's stderr can be read while it
// runs), signals sent when a condition holds, and a sampler that looks at
// /proc/PID while the child runs (descriptors, RSS). The child dies with the
// test (PR_SET_PDEATHSIG) and is only ever signalled by its own PID.

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace ptrscan::testing_faults {

/// Entries in /proc/PID/fd (or /proc/self/fd for pid 0); -1 when unreadable.
inline int count_fds(pid_t pid = 0) {
  const std::string path =
      pid == 0 ? std::string("/proc/self/fd") : "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) {
    return -1;
  }
  int n = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') {
      ++n;
    }
  }
  ::closedir(d);
  return pid == 0 ? n - 1 : n;  // our own opendir's descriptor
}

/// A field of /proc/PID/status in kB ("VmRSS", "VmHWM"); -1 when absent.
inline long status_kb(const std::string& field, pid_t pid = 0) {
  const std::string path =
      pid == 0 ? std::string("/proc/self/status") : "/proc/" + std::to_string(pid) + "/status";
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return -1;
}

/// Threads of a process (/proc/PID/task entries).
inline int count_threads(pid_t pid = 0) {
  const std::string path =
      pid == 0 ? std::string("/proc/self/task") : "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) {
    return -1;
  }
  int n = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') {
      ++n;
    }
  }
  ::closedir(d);
  return n;
}

struct child_options {
  std::string stdin_path = "/dev/null";
  std::string stdout_path = "/dev/null";
  std::string stderr_path = "/dev/null";
  /// RLIMIT_NOFILE {soft, hard} set in the child before exec, when given.
  std::optional<std::pair<rlim_t, rlim_t>> nofile;
  std::chrono::milliseconds deadline{60'000};
  /// Polled every 20 ms while the child runs (with its PID); sample /proc here.
  std::function<void(pid_t)> on_tick;
};

struct child_result {
  int exit_code = -1;   // when it exited
  int term_signal = 0;  // when a signal ended it
  bool timed_out = false;
  std::vector<int> signals_sent;
  std::string describe() const {
    std::string s = exit_code >= 0 ? "exit " + std::to_string(exit_code)
                                   : "signal " + std::to_string(term_signal);
    if (timed_out) {
      s += " (killed after the deadline)";
    }
    return s;
  }
};

/// One child program. `signal_when` entries are checked on every tick, in
/// order: each sends its signal once, when its condition first holds (and
/// the previous entry has fired).
class child_process {
 public:
  struct trigger {
    std::function<bool()> condition;
    int signo;
  };

  static child_result run(const std::vector<std::string>& argv, const child_options& o,
                          std::vector<trigger> signal_when = {}) {
    child_result result;
    std::vector<char*> args;
    for (const std::string& a : argv) {
      args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
      return result;
    }
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) {
        ::_exit(127);
      }
      // Signals the test thread may have blocked must not stay blocked.
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      const int in = ::open(o.stdin_path.c_str(), O_RDONLY | O_CLOEXEC);
      const int out = ::open(o.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      const int err = ::open(o.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 ||
          ::dup2(err, 2) < 0) {
        ::_exit(126);
      }
      if (o.nofile) {
        rlimit rl{o.nofile->first, o.nofile->second};
        if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
          ::_exit(125);
        }
      }
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    const auto started = std::chrono::steady_clock::now();
    size_t next_trigger = 0;
    int status = 0;
    bool killed = false;
    while (true) {
      const pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) {
        break;
      }
      if (o.on_tick) {
        o.on_tick(pid);
      }
      if (next_trigger < signal_when.size() && signal_when[next_trigger].condition()) {
        ::kill(pid, signal_when[next_trigger].signo);
        result.signals_sent.push_back(signal_when[next_trigger].signo);
        ++next_trigger;
      }
      if (!killed && std::chrono::steady_clock::now() - started > o.deadline) {
        ::kill(pid, SIGKILL);
        killed = true;
        result.timed_out = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.term_signal = WTERMSIG(status);
    }
    return result;
  }
};

}  // namespace ptrscan::testing_faults
