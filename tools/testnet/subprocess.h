#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace ptrscan::testnet {

/// How to run a short-lived program.
struct run_options {
  /// Bytes written to the child's stdin, which is then closed. Empty: stdin is
  /// /dev/null.
  std::string stdin_data;
  /// Wall-clock limit; past it the child is killed (SIGTERM, then SIGKILL).
  std::chrono::milliseconds deadline{60'000};
  /// Pass the child's stderr through to ours instead of capturing it (the
  /// demo shows ptrscan's own summary this way). `err` stays empty.
  bool pass_stderr = false;
  /// When non-zero: send `interrupt_signal` to the child this long after it
  /// started (to test how a program shuts down on Ctrl-C or SIGTERM).
  std::chrono::milliseconds interrupt_after{0};
  int interrupt_signal = 2;  // SIGINT
};

/// What a finished (or killed) program did.
struct run_result {
  /// Exit status when the program exited normally, else -1.
  int exit_code = -1;
  /// Signal that ended the program, else 0.
  int term_signal = 0;
  /// True when the deadline passed and we killed the program.
  bool timed_out = false;
  /// True when options.interrupt_after fired while the program ran.
  bool interrupted = false;
  /// True when the program could not be started at all (`err` says why).
  bool spawn_failed = false;
  std::string out;
  std::string err;

  /// One line for assertion messages: exit status, signal, timeout, stderr tail.
  std::string describe() const;
};

/// Runs `argv` (argv[0] is a path or a name looked up in PATH) to completion
/// or to the deadline, capturing stdout and stderr. Never throws for a child
/// failure; the result says what happened.
run_result run_process(const std::vector<std::string>& argv, const run_options& options = {});

/// Absolute path of an executable: `name` itself when it contains '/', else
/// the first match in PATH, then /usr/sbin, /usr/bin, /sbin, /bin (tests may
/// run with a PATH that lacks the sbin directories). Empty when not found.
std::string find_executable(const std::string& name);

/// A long-running server we started. Its stdout and stderr go to a log file.
/// The child is killed when this process dies (PR_SET_PDEATHSIG), and stopped
/// by PID in the destructor: SIGTERM, a grace period, then SIGKILL.
class daemon_process {
 public:
  daemon_process() = default;
  daemon_process(const daemon_process&) = delete;
  daemon_process& operator=(const daemon_process&) = delete;
  daemon_process(daemon_process&& other) noexcept;
  daemon_process& operator=(daemon_process&& other) noexcept;
  ~daemon_process();

  /// Starts `argv` with its output appended to `log_path`. Throws
  /// std::runtime_error when the executable is missing or fork fails.
  static daemon_process start(const std::vector<std::string>& argv, const std::string& log_path);

  /// Polls `ready` every 20 ms until it returns true (returns true), the
  /// child exits (returns false) or `timeout` passes (returns false).
  bool wait_ready(const std::function<bool()>& ready, std::chrono::milliseconds timeout);

  /// True while the child has not exited (reaps it if it has).
  bool running();

  /// SIGTERM, wait up to `grace`, then SIGKILL; reaps the child. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds{5'000});

  pid_t pid() const { return pid_; }
  /// How the child ended ("exit 1", "signal 9"), or "running".
  std::string exit_description() const;
  const std::string& log_path() const { return log_path_; }
  /// The last `max_bytes` of the log file, for error messages.
  std::string log_tail(size_t max_bytes = 4'000) const;

 private:
  pid_t pid_ = -1;
  int wait_status_ = 0;
  bool exited_ = false;
  std::string name_;
  std::string log_path_;
};

}  // namespace ptrscan::testnet
