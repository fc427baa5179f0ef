// ptrscan: the command. Flags, wiring and the terminal; the engine is in lib/.
#include <algorithm>
#include <ares.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "net/absl_compat.h"
#include "net/text_hazards.h"
#include "scan/engine.h"
#include "flags.h"
#include "human_output.h"
#include "metadata.h"
#include "status_updates.h"
#include "input/target_guard.h"
#include "input/target_reader.h"
#include "output/output_sink.h"
#include "output/resume_state.h"
#include "report/report_main.h"
#include "diff/diff_main.h"
#include "listen_main.h"

namespace ptrscan {
namespace {

using clock = std::chrono::steady_clock;

constexpr int exit_ok = 0;
constexpr int exit_runtime = 1;
constexpr int exit_usage = 2;

/// This process's peak resident set, KiB: VmHWM from /proc/self/status.
/// ru_maxrss is carried across execve, so a ptrscan forked from a large
/// process (a test runner, a scheduler) would report its parent's peak.
uint64_t peak_rss_kib(const rusage& ru) {
  if (FILE* f = std::fopen("/proc/self/status", "re")) {
    char line[256];
    unsigned long long kib = 0;
    bool found = false;
    while (!found && std::fgets(line, sizeof line, f) != nullptr) {
      found = std::sscanf(line, "VmHWM: %llu kB", &kib) == 1;
    }
    std::fclose(f);
    if (found) {
      return kib;
    }
  }
  return static_cast<uint64_t>(ru.ru_maxrss);
}

void print_summary(const scan_progress& p, const probe_list& probes, double elapsed,
                   const std::map<std::string, uint64_t>& skipped, uint64_t seed,
                   uint64_t max_targets) {
  std::string line = summary_line(p, probes, elapsed, skipped, seed, max_targets);
  // What the run cost, for comparing runs without an external timer.
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double cpu = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                     double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  absl::StrAppendFormat(&line, "; cpu %.2f s, peak RSS %.1f MiB", cpu,
                        double(peak_rss_kib(ru)) / 1024);
  std::fprintf(stderr, "ptrscan: %s\n", line.c_str());
}

/// Prints `s` (escaped: it may quote input) and returns `code`.
int fail(const absl::Status& s, int code) {
  std::fprintf(stderr, "ptrscan: %s\n", terminal_safe(sv(s.message())).c_str());
  return code;
}

/// Every SMTP session holds a socket. Raises the soft descriptor limit to
/// the hard one and, if the sessions still would not fit, opens fewer at
/// once (hosts wait for a session slot while their DNS goes on) rather than
/// failing with "too many open files".
void fit_sessions_to_open_files(scanner_flags& flags) {
  const uint64_t open_files = raise_open_files_limit();
  const uint64_t shards = flags.scan.shards;
  const uint64_t ports = flags.probe.smtp.ports.size();
  // DNS sockets, rings, eventfds, files: per shard and for the process.
  const uint64_t reserve =
      64 + shards * (16 + uint64_t(std::max(1, flags.scan.shard.dns_sockets)) *
                              flags.scan.shard.resolver.servers.size());
  const uint64_t fit = open_files > reserve + shards ? open_files - reserve : shards;
  uint64_t sessions = flags.probe.max_sessions_total != 0 ? flags.probe.max_sessions_total
                                                          : uint64_t{flags.max_inflight} * ports;
  if (sessions > fit) {
    std::fprintf(stderr,
                 "ptrscan: at most %llu SMTP sessions at once, to fit the open-files limit "
                 "(%llu)\n",
                 static_cast<unsigned long long>(fit),
                 static_cast<unsigned long long>(open_files));
    sessions = fit;
  }
  flags.probe.max_sessions = static_cast<uint32_t>(std::max<uint64_t>(1, sessions / shards));
}

uint64_t random_seed() {
  return (uint64_t{std::random_device{}()} << 32) | std::random_device{}();
}

/// --state: resume where a run of the same command left off (the output is
/// cut back to the last checkpoint, the seed and the hosts written come
/// back), or start the state file of a new run. Sets the sink's checkpoint
/// hook, which owns the state from then on. Errors are usage errors.
absl::Status prepare_state(scanner_flags& flags, const std::vector<std::string>& args,
                           output_sink_options& sink_options) {
  absl::StatusOr<std::optional<resume_point>> saved = resume_point::load(flags.state_file);
  if (!saved.ok()) {
    return saved.status();
  }
  const uint64_t fingerprint = arguments_fingerprint(args);
  std::shared_ptr<resume_point> state;
  if (saved->has_value()) {
    resume_point& r = **saved;
    if (r.fingerprint != fingerprint) {
      return absl::InvalidArgumentError(
          absl::StrCat(flags.state_file,
                       " belongs to a scan with other arguments; remove it to start afresh"));
    }
    struct stat st {};
    if (::stat(flags.output.c_str(), &st) != 0 || uint64_t(st.st_size) < r.file_size ||
        ::truncate(flags.output.c_str(), static_cast<off_t>(r.file_size)) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("cannot resume: ", flags.output,
                                                     " is missing or shorter than ",
                                                     flags.state_file, " says"));
    }
    flags.scan.seed = r.seed;
    flags.seed_given = true;
    sink_options.append = true;
    std::fprintf(stderr, "ptrscan: resuming: %llu hosts already written\n",
                 static_cast<unsigned long long>(r.done_count()));
    flags.scan.resume = std::make_shared<const resume_point>(r);
    state = std::make_shared<resume_point>(std::move(r));
  } else {
    state = std::make_shared<resume_point>();
    state->fingerprint = fingerprint;
    if (!flags.seed_given) {
      flags.scan.seed = random_seed();
      flags.seed_given = true;
    }
    state->seed = flags.scan.seed;
  }
  flags.scan.shard.track_ordinals = true;
  sink_options.checkpoint_interval_ms = flags.state_interval_ms;
  // Only tests set this: a crash at a chosen checkpoint (output_sink.h).
  if (const char* v = std::getenv("PTRSCAN_TEST_KILL_AFTER_CHECKPOINTS"); v != nullptr) {
    sink_options.kill_after_checkpoints = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
  }
  // And a Ctrl-C at a chosen checkpoint.
  if (const char* v = std::getenv("PTRSCAN_TEST_STOP_AFTER_CHECKPOINTS"); v != nullptr) {
    sink_options.stop_after_checkpoints = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
  }
  // The writer thread owns the state from here on.
  sink_options.on_checkpoint = [state, path = flags.state_file](uint64_t file_size,
                                                                std::vector<uint64_t>&& done) {
    state->add(done);
    state->file_size = file_size;
    if (absl::Status s = state->save(path); !s.ok()) {
      std::fprintf(stderr, "ptrscan: %s\n", terminal_safe(sv(s.message())).c_str());
    }
  };
  return absl::OkStatus();
}

/// -b / -w files into the scan's prefix sets.
absl::Status load_prefix_lists(scanner_flags& flags) {
  for (auto [file, list] : {std::pair{&flags.blocklist_file, &flags.scan.blocklist},
                            std::pair{&flags.allowlist_file, &flags.scan.allowlist}}) {
    if (file->empty()) {
      continue;
    }
    absl::StatusOr<prefix_set> set = prefix_set::load(*file);
    if (!set.ok()) {
      return set.status();
    }
    *list = std::make_shared<const prefix_set>(std::move(*set));
  }
  return absl::OkStatus();
}

/// Waits for the engine to finish, answering signals (the first finishes
/// what is in flight, the second drops it), a failing sink, and the once a
/// second progress and -u status lines. Returns the last signal caught, or 0.
int supervise(scan_engine& engine, output_sink& sink, status_updates* status,
              const scanner_flags& flags, const sigset_t& signals, clock::time_point started) {
  const probe_list& probes = flags.scan.shard.probes;
  const bool show_progress = flags.progress == 1 || (flags.progress == -1 && isatty(2));
  // Targets come from stdin when no target and no -i is given, or "-i -".
  const bool reads_stdin =
      (flags.targets.empty() && flags.input_files.empty()) ||
      std::find(flags.input_files.begin(), flags.input_files.end(), "-") != flags.input_files.end();
  if (show_progress && reads_stdin && isatty(0)) {
    // Otherwise a scan started without targets looks hung.
    std::fprintf(stderr, "ptrscan: reading targets from stdin (end with Ctrl-D)\n");
  }
  auto last_tick = started;
  auto last_status = started;
  uint64_t last_done = 0;
  int caught = 0;
  int signals_seen = 0;
  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  while (!engine.finished()) {
    // One wait for the three things that matter here: a signal, the engine
    // finishing, and the next progress tick.
    pollfd fds[2] = {{signal_fd, POLLIN, 0}, {engine.done_fd(), POLLIN, 0}};
    poll(fds, 2, 1000);
    if (fds[1].revents & POLLIN) {
      uint64_t n;
      ssize_t rc = read(engine.done_fd(), &n, sizeof(n));
      (void)rc;
    }
    signalfd_siginfo info{};
    if ((fds[0].revents & POLLIN) && read(signal_fd, &info, sizeof(info)) == sizeof(info)) {
      caught = static_cast<int>(info.ssi_signo);
      // First signal: finish what is in flight (SMTP sessions not yet
      // started are written as stopped, those open get --stop-grace).
      // Second: drop it.
      engine.request_stop(++signals_seen >= 2 ? 2 : 1);
      std::fprintf(stderr, "ptrscan: %s, %s\n", strsignal(caught),
                   signals_seen >= 2 ? "dropping hosts in flight"
                                     : "finishing hosts in flight (SMTP sessions waiting are "
                                       "written as stopped, open ones get --stop-grace; again "
                                       "to drop them)");
    }
    if (!sink.error().ok()) {
      engine.request_stop(2);
    }
    auto now = clock::now();
    if (status != nullptr && now - last_status >= std::chrono::seconds(1)) {
      status->write(std::chrono::system_clock::now(),
                    std::chrono::duration<double>(now - started).count(), engine.progress());
      last_status = now;
    }
    if (show_progress && now - last_tick >= std::chrono::seconds(1)) {
      scan_progress p = engine.progress();
      double dt = std::chrono::duration<double>(now - last_tick).count();
      std::fprintf(stderr, "ptrscan: %s\n",
                   progress_line(p, probes, std::chrono::duration<double>(now - started).count(),
                                 double(p.done - last_done) / dt, reads_stdin)
                       .c_str());
      last_done = p.done;
      last_tick = now;
    }
  }
  ::close(signal_fd);
  return caught;
}

/// -m: the run's metadata file. Returns its write error, if any.
absl::Status write_run_metadata(const scanner_flags& flags, const std::vector<std::string>& args,
                                const scan_engine& engine, const scan_progress& p,
                                std::chrono::system_clock::time_point started_wall,
                                double elapsed, int code) {
  run_metadata m;
  m.arguments = args;
  m.start = started_wall;
  m.end = std::chrono::system_clock::now();
  m.elapsed_s = elapsed;
  m.seed = flags.scan.seed;
  m.notes = flags.notes;
  m.hostname = host_name();
  m.dns_timeout_ms = flags.scan.shard.resolver.timeout_ms;
  m.dns_tries = flags.scan.shard.resolver.tries;
  for (const std::shared_ptr<probe>& pr : flags.scan.shard.probes) {
    if (pr->name() == "smtp") {
      m.smtp = &flags.probe.smtp;
    }
  }
  m.shard_index = flags.scan.shard_index;
  m.shard_count = flags.scan.shard_count;
  m.max_targets = flags.scan.max_targets;
  m.resolvers = engine.resolvers();
  m.source_addresses = source_addresses(m.resolvers);
  m.resolver_stats = engine.resolver_stats();
  m.progress = p;
  m.skipped = engine.feeder_abandoned() ? std::map<std::string, uint64_t>{}
                                        : engine.skipped_by_block();
  m.probes = flags.scan.shard.probes;
  m.exit_code = code;
  return write_metadata(flags.metadata_file, m);
}

int run(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "report") {
    return report::report_main(std::vector<std::string>(argv + 2, argv + argc));
  }
  if (argc > 1 && std::string_view(argv[1]) == "diff") {
    return diff::diff_main(std::vector<std::string>(argv + 2, argv + argc));
  }
  if (argc > 1 && std::string_view(argv[1]) == "listen") {
    return listen_main(std::vector<std::string>(argv + 2, argv + argc));
  }
  // SIGINT/SIGTERM are read from a signalfd by this thread only. They must
  // be blocked before any thread exists (the output sink starts one): the
  // kernel hands a process signal to any thread that does not block it, and
  // the default action would kill the scan without closing the output.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<scanner_flags> parsed = parse_flags(args);
  if (!parsed.ok()) {
    std::fprintf(stderr, "ptrscan: %s\n(see ptrscan --help)\n",
                 terminal_safe(sv(parsed.status().message())).c_str());
    return exit_usage;
  }
  scanner_flags& flags = *parsed;
  if (flags.list_fields || flags.help || flags.version) {
    std::fputs(flags.list_fields ? list_fields().c_str()
               : flags.help      ? usage_text().c_str()
                                 : version_text().c_str(),
               stdout);
    return exit_ok;
  }
  if (flags.probe.set.smtp) {
    fit_sessions_to_open_files(flags);
  }

  // TARGET arguments are typed by hand: a typo or a range larger than meant
  // stops here, before anything is sent (lines from -i files are skipped
  // and counted one by one instead).
  absl::StatusOr<std::vector<std::string>> target_warnings =
      check_command_line_targets(flags.targets, flags.allow_large_scan);
  if (!target_warnings.ok()) {
    std::fprintf(stderr, "ptrscan: %s\n(see ptrscan --help)\n",
                 terminal_safe(sv(target_warnings.status().message())).c_str());
    return exit_usage;
  }
  for (const std::string& w : *target_warnings) {
    std::fprintf(stderr, "ptrscan: warning: %s\n", terminal_safe(w).c_str());
  }
  absl::StatusOr<std::unique_ptr<target_reader>> reader =
      target_reader::open(flags.targets, flags.input_files);
  if (!reader.ok()) {
    return fail(reader.status(), exit_usage);
  }
  output_sink_options sink_options;
  if (!flags.state_file.empty()) {
    if (absl::Status s = prepare_state(flags, args, sink_options); !s.ok()) {
      return fail(s, exit_usage);
    }
  }
  absl::StatusOr<std::unique_ptr<output_sink>> sink =
      output_sink::open(flags.output, sink_options);
  if (!sink.ok()) {
    return fail(sink.status(), exit_usage);
  }
  std::unique_ptr<status_updates> status;
  if (!flags.status_updates_file.empty()) {
    absl::StatusOr<std::unique_ptr<status_updates>> opened =
        status_updates::open(flags.status_updates_file);
    if (!opened.ok()) {
      (void)(*sink)->close();
      return fail(opened.status(), exit_usage);
    }
    status = std::move(*opened);
  }
  if (absl::Status s = load_prefix_lists(flags); !s.ok()) {
    (void)(*sink)->close();
    return fail(s, exit_usage);
  }
  if (!flags.seed_given) {
    flags.scan.seed = random_seed();
  }
  flags.scan.max_public_addresses = flags.allow_large_scan ? 0 : max_public_without_flag;

  if (int rc = ares_library_init(ARES_LIB_INIT_ALL); rc != ARES_SUCCESS) {
    std::fprintf(stderr, "ptrscan: c-ares: %s\n", ares_strerror(rc));
    return exit_runtime;
  }

  // The probes the flags turn on, from the table (lib/probes/table.cc).
  auto counters = std::make_shared<counter_registry>();
  flags.probe.max_inflight = flags.scan.shard.max_inflight;
  flags.scan.shard.probes = make_probes(flags.probe, *counters);
  flags.scan.shard.counters = counters;
  const probe_list& probes = flags.scan.shard.probes;

  // Only tests set this: a record cap low enough to reach with small
  // fixtures (the default, 512 KiB, needs a hostile peer on many ports).
  if (const char* v = std::getenv("PTRSCAN_TEST_MAX_RECORD_BYTES"); v != nullptr) {
    flags.scan.shard.max_record_bytes = std::strtoull(v, nullptr, 10);
  }
  scan_engine engine(flags.scan, **reader, **sink);
  if (absl::Status s = engine.start(); !s.ok()) {
    (void)(*sink)->close();
    return fail(s, s.code() == absl::StatusCode::kInvalidArgument ? exit_usage : exit_runtime);
  }

  const auto started = clock::now();
  const auto started_wall = std::chrono::system_clock::now();
  const int caught = supervise(engine, **sink, status.get(), flags, signals, started);
  absl::Status engine_status = engine.join();
  absl::Status sink_status = (*sink)->close();
  const double elapsed = std::chrono::duration<double>(clock::now() - started).count();
  scan_progress p = engine.progress();
  if (status) {
    // The last line: even a scan shorter than a second has one.
    status->write(std::chrono::system_clock::now(), elapsed, p);
    status.reset();
  }
  if (!flags.quiet) {
    print_summary(p, probes, elapsed,
                  engine.feeder_abandoned() ? std::map<std::string, uint64_t>{}
                                            : engine.skipped_by_block(),
                  flags.scan.seed, flags.scan.max_targets);
  }
  int code = exit_ok;
  for (const absl::Status& s : {engine_status, sink_status}) {
    if (!s.ok()) {
      code = fail(s, exit_runtime);
    }
  }
  if (code == exit_ok && caught != 0) {
    code = 128 + caught;
  }
  if (!flags.metadata_file.empty()) {
    if (absl::Status s = write_run_metadata(flags, args, engine, p, started_wall, elapsed, code);
        !s.ok()) {
      fail(s, exit_runtime);
      if (code == exit_ok) {
        code = exit_runtime;
      }
    }
  }
  std::fflush(stderr);
  if (engine.feeder_abandoned()) {
    // The feeder is blocked reading a terminal; nothing is left to flush.
    std::_Exit(code);
  }
  ares_library_cleanup();
  return code;
}

}  // namespace
}  // namespace ptrscan

int main(int argc, char** argv) { return ptrscan::run(argc, argv); }
