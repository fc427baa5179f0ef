#include "diff/diff_main.h"

#include <unistd.h>

#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <memory>

#include "diff/diff_engine.h"
#include "diff/spill.h"
#include "net/text_hazards.h"

namespace ptrscan::diff {
namespace {

constexpr int exit_ok = 0;
constexpr int exit_runtime = 1;
constexpr int exit_usage = 2;
constexpr int exit_no_records = 3;
constexpr int exit_interrupted = 130;

// Malformed lines named on stderr; the summary record names up to 100.
constexpr size_t max_named_on_stderr = 10;

std::atomic<bool> stop_requested{false};

extern "C" void on_stop_signal(int) { stop_requested.store(true); }

std::unique_ptr<CLI::App> make_app(diff_args& parsed, std::string& size,
                                   std::vector<std::string>& inputs) {
  auto app = std::make_unique<CLI::App>(
      "Compares two ptrscan results (NDJSON, plain or zstd) joined by address\n"
      "(and domain summaries by domain) and writes one change record per\n"
      "changed address, then a diff_summary record. Memory stays under\n"
      "--max-memory: each side is sorted in runs spilled to a temporary\n"
      "directory and merged.\n"
      "Exit: 0 done, 1 runtime failure, 2 usage or unreadable input,\n"
      "3 an input holds no record, 130 interrupted.",
      "ptrscan diff");
  app->set_help_flag();
  app->add_flag("-h,--help", parsed.help, "this text");
  app->add_option("-o,--output", parsed.output,
                  "change records (default: - , standard output; .zst: compressed)")
      ->type_name("FILE");
  app->add_option("--max-memory", size,
                  "bytes of records sorted in memory per run (default 512M;\n"
                  "k, M, G suffixes)")
      ->type_name("SIZE");
  app->add_option("--tmp-dir", parsed.tmp_dir, "where runs are spilled (default: $TMPDIR, /tmp)")
      ->type_name("DIR");
  app->add_option("OLD NEW", inputs, "the earlier and the later scan; - reads standard input");
  app->allow_extras();
  return app;
}

void print_side(const char* name, const side_stats& s) {
  std::fprintf(stderr,
               "ptrscan diff: %s: %" PRIu64 " records, %" PRIu64 " duplicates (last kept), %" PRIu64
               " malformed lines\n",
               name, s.records, s.duplicates, s.malformed);
  for (size_t i = 0; i < s.malformed_where.size() && i < max_named_on_stderr; ++i) {
    std::fprintf(stderr, "ptrscan diff: %s\n", terminal_safe(s.malformed_where[i]).c_str());
  }
  if (s.malformed > max_named_on_stderr) {
    std::fprintf(stderr, "ptrscan diff: (%" PRIu64 " more malformed lines in %s, see diff_summary)\n",
                 s.malformed - std::min<uint64_t>(s.malformed, max_named_on_stderr), name);
  }
}

}  // namespace

std::optional<uint64_t> parse_size(const std::string& text) {
  if (text.empty() || text.size() > 20) {
    return std::nullopt;
  }
  uint64_t value = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (value > (UINT64_MAX - 9) / 10) {
      return std::nullopt;  // would overflow: no such size
    }
    value = value * 10 + static_cast<uint64_t>(text[i] - '0');
  }
  if (i == 0) {
    return std::nullopt;
  }
  int shift = 0;
  if (i + 1 == text.size()) {
    switch (text[i]) {
      case 'k': case 'K': shift = 10; break;
      case 'm': case 'M': shift = 20; break;
      case 'g': case 'G': shift = 30; break;
      default: return std::nullopt;
    }
  } else if (i != text.size()) {
    return std::nullopt;
  }
  if (value > (UINT64_MAX >> shift)) {
    return std::nullopt;
  }
  return value << shift;
}

const char* diff_usage() {
  static const std::string text = [] {
    diff_args unused;
    std::string s;
    std::vector<std::string> v;
    return "usage: ptrscan diff [-o FILE] [--max-memory SIZE] [--tmp-dir DIR] OLD NEW\n" +
           make_app(unused, s, v)->help();
  }();
  return text.c_str();
}

std::variant<diff_args, std::string> parse_diff_args(const std::vector<std::string>& args) {
  diff_args parsed;
  std::string size;
  std::vector<std::string> inputs;
  auto app = make_app(parsed, size, inputs);
  const auto dashes = std::find(args.begin(), args.end(), "--");
  try {
    app->parse(std::vector<std::string>(std::make_reverse_iterator(dashes), args.rend()));
  } catch (const CLI::ParseError& e) {
    return std::string(e.what());
  }
  if (const std::vector<std::string> extra = app->remaining(); !extra.empty()) {
    return "unknown option " + extra.front();
  }
  if (dashes != args.end()) {
    inputs.insert(inputs.end(), dashes + 1, args.end());
  }
  if (parsed.help) {
    return parsed;
  }
  if (inputs.size() != 2) {
    return std::string("two results files are needed, OLD and NEW (") +
           std::to_string(inputs.size()) + " given)";
  }
  if (inputs[0] == "-" && inputs[1] == "-") {
    return std::string("standard input (-) can be only one of OLD and NEW");
  }
  if (!size.empty()) {
    const std::optional<uint64_t> bytes = parse_size(size);
    if (!bytes || *bytes < 4096) {
      return "--max-memory: not a size of at least 4096 bytes: " + size;
    }
    // The budget is allocated up front (untouched pages cost nothing), but
    // not past what the machine has: that would be an allocation failure
    // instead of an answer.
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long page = ::sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0 && *bytes > uint64_t(pages) * uint64_t(page)) {
      return "--max-memory: " + size + " is more than this machine's memory (" +
             std::to_string(uint64_t(pages) * uint64_t(page) >> 20) + " MiB)";
    }
    parsed.max_memory = *bytes;
  }
  if (parsed.output.empty()) {
    return std::string("empty output file name");
  }
  parsed.old_input = inputs[0];
  parsed.new_input = inputs[1];
  return parsed;
}

int diff_main(const std::vector<std::string>& args) {
  auto parsed = parse_diff_args(args);
  if (const auto* bad = std::get_if<std::string>(&parsed)) {
    std::fprintf(stderr, "ptrscan diff: %s\n%s", terminal_safe(*bad).c_str(), diff_usage());
    return exit_usage;
  }
  const diff_args& a = std::get<diff_args>(parsed);
  if (a.help) {
    std::fputs(diff_usage(), stdout);
    return exit_ok;
  }
  // A signal only sets a flag: the readers and the merge look at it, and the
  // temporary directory is removed on the way out.
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  diff_options o;
  o.old_inputs = {a.old_input};
  o.new_inputs = {a.new_input};
  o.max_memory = a.max_memory;
  o.tmp_dir = a.tmp_dir;
  o.stop = &stop_requested;

  const auto started = std::chrono::steady_clock::now();
  const bool compress = a.output.size() > 4 && a.output.compare(a.output.size() - 4, 4, ".zst") == 0;
  zstd_writer out(a.output, compress);
  if (!out.error().empty()) {
    std::fprintf(stderr, "ptrscan diff: %s\n", terminal_safe(out.error()).c_str());
    return exit_runtime;
  }
  std::string pending;
  const auto sink = [&](std::string_view line, const record_facts&, const kind_counts&) {
    pending.append(line);
    if (pending.size() < (1u << 20)) {
      return true;
    }
    const bool ok = out.write(pending);
    pending.clear();
    return ok;
  };
  const diff_result r = run_diff(o, sink);
  print_side("OLD", r.old_side);
  print_side("NEW", r.new_side);
  switch (r.failed) {
    case diff_result::failure::none:
      break;
    case diff_result::failure::stopped:
      std::fprintf(stderr, "ptrscan diff: interrupted; temporary files removed\n");
      return exit_interrupted;
    case diff_result::failure::unreadable:
      std::fprintf(stderr, "ptrscan diff: %s\n", terminal_safe(r.error).c_str());
      return exit_usage;
    case diff_result::failure::no_records:
      std::fprintf(stderr, "ptrscan diff: %s\n", terminal_safe(r.error).c_str());
      return exit_no_records;
    case diff_result::failure::output:
      std::fprintf(stderr, "ptrscan diff: %s\n", terminal_safe(out.error()).c_str());
      return exit_runtime;
    case diff_result::failure::spill:
      std::fprintf(stderr, "ptrscan diff: %s\n", terminal_safe(r.error).c_str());
      return exit_runtime;
  }
  pending.append(summary_record(r, o));
  if (!out.write(pending) || !out.close()) {
    std::fprintf(stderr, "ptrscan diff: %s\n", terminal_safe(out.error()).c_str());
    return exit_runtime;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string kinds;
  for (size_t i = 0; i < change_kind_count; ++i) {
    if (r.counts[i] != 0) {
      kinds += (kinds.empty() ? "" : ", ") + std::string(kind_name(static_cast<change_kind>(i))) +
               " " + std::to_string(r.counts[i]);
    }
  }
  std::fprintf(stderr,
               "ptrscan diff: %" PRIu64 " changed, %" PRIu64 " unchanged (%s); %" PRIu64
               " runs spilled; %.2f s, %.0f records/s\n",
               r.changed, r.unchanged, kinds.empty() ? "no change" : kinds.c_str(), r.runs, seconds,
               seconds > 0 ? double(r.old_side.records + r.new_side.records) / seconds : 0.0);
  return exit_ok;
}

}  // namespace ptrscan::diff
