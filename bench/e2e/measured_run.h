#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace ptrscan::bench {

/// What one measured program run cost, from wait4()'s rusage.
struct measured_run {
  int exit_code = -1;   // when it exited, else -1
  int term_signal = 0;  // when a signal ended it
  bool timed_out = false;
  bool interrupted = false;  // the harness was asked to stop
  double wall_s = 0;         // fork to reap
  double user_s = 0;
  double sys_s = 0;
  /// ru_maxrss. Linux carries the forking process's peak over exec into
  /// the child's, so this is max(harness at fork, child): the harness stays
  /// a few MiB, far below what it measures.
  double peak_rss_mib = 0;

  bool ok() const { return exit_code == 0 && !timed_out && !interrupted; }
  double cpu_s() const { return user_s + sys_s; }
  /// "exit 0", "signal 9", "killed after deadline" ...
  std::string describe() const;
};

/// Runs `argv` (argv[0] a path or a name in PATH) from the calling thread,
/// so in that thread's network namespace, with stdout and stderr appended to
/// `log_path` and stdin from /dev/null. Past `deadline`, or when an
/// interrupt arrives, the child gets SIGTERM and 5 s later SIGKILL. Throws
/// std::runtime_error when it cannot be started.
measured_run run_measured(const std::vector<std::string>& argv, const std::string& log_path,
                          std::chrono::seconds deadline);

}  // namespace ptrscan::bench
