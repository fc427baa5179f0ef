#include "report/report_main.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "net/text_hazards.h"
#include "report/html_page.h"
#include "report/line_reader.h"
#include "report/report_args.h"
#include "report/report_data.h"
#include "diff/diff_engine.h"

namespace ptrscan::report {
namespace {

constexpr int exit_ok = 0;
constexpr int exit_write_failed = 1;
constexpr int exit_usage = 2;
// Every input was read and not one line was a record (a file of junk, an
// empty file, the wrong file): an empty report would look like a clean audit.
constexpr int exit_no_records = 3;

// A file of garbage must not bury the terminal: the first few bad lines are
// named, the rest only counted (the page shows the count too).
constexpr uint64_t max_named_bad_lines = 10;

class bad_line_log {
 public:
  void skipped(const std::string& path, uint64_t line, std::string_view why) {
    if (++count_ <= max_named_bad_lines) {
      // The path is the operator's and the reason may quote the line: both
      // are shown, never obeyed, by the terminal.
      std::fprintf(stderr, "%s:%" PRIu64 ": skipped: %s\n", terminal_safe(path).c_str(), line,
                   terminal_safe(why).c_str());
    }
  }
  // An oversized record is kept (as a host whose contents are unread); the
  // first few are named, as bad lines are.
  void oversized(const std::string& path, uint64_t line, const std::string& ip) {
    if (++oversized_ <= max_named_bad_lines) {
      std::fprintf(stderr,
                   "%s:%" PRIu64 ": longer than 1 MiB: kept as host %s, its contents unread\n",
                   terminal_safe(path).c_str(), line, terminal_safe(ip).c_str());
    }
  }
  void summarise() const {
    if (oversized_ > max_named_bad_lines) {
      std::fprintf(stderr,
                   "ptrscan report: %" PRIu64 " oversized records kept unread (the first %" PRIu64
                   " are named above)\n",
                   oversized_, max_named_bad_lines);
    }
    if (count_ > max_named_bad_lines) {
      std::fprintf(stderr,
                   "ptrscan report: %" PRIu64 " bad lines skipped (the first %" PRIu64
                   " are named above)\n",
                   count_, max_named_bad_lines);
    }
  }

 private:
  uint64_t count_ = 0;
  uint64_t oversized_ = 0;
};

// Streams one input into `builder`. Returns "" or why the input could not be
// read to its end.
std::string read_input(const std::string& path, report_builder& builder, bad_line_log& log) {
  line_reader reader(path);
  const std::string name = path == "-" ? std::string("<stdin>") : path;
  std::string_view line;
  for (;;) {
    switch (reader.next(line)) {
      case line_reader::status::end:
        return "";
      case line_reader::status::failed:
        return reader.error();
      case line_reader::status::too_long: {
        // Kept as a host whose contents are unread (shown and counted),
        // never dropped: an oversized record is what a hostile peer makes.
        const parsed_record head = parse_oversized_head(line);
        if (head.what == parsed_record::kind::bad) {
          log.skipped(name, reader.line_number(), head.error);
        } else {
          log.oversized(name, reader.line_number(), head.host.ip.to_string());
        }
        builder.add(head);
        continue;
      }
      case line_reader::status::line:
        break;
    }
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      continue;  // blank lines are not records, nor errors
    }
    const parsed_record record = parse_record(line);
    if (record.what == parsed_record::kind::bad) {
      log.skipped(name, reader.line_number(), record.error);
    }
    builder.add(record);
  }
}

// Returns "" or why `html` could not be written to `path` ("-": stdout).
std::string write_output(const std::string& path, const std::string& html) {
  const bool to_stdout = path == "-";
  std::FILE* f = to_stdout ? stdout : std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return "cannot create " + path + ": " + std::strerror(errno);
  }
  const bool written = std::fwrite(html.data(), 1, html.size(), f) == html.size();
  int saved_errno = errno;
  const bool closed = to_stdout ? std::fflush(f) == 0 : std::fclose(f) == 0;
  if (written && !closed) {
    saved_errno = errno;
  }
  if (!written || !closed) {
    return "cannot write " + (to_stdout ? std::string("standard output") : path) + ": " +
           std::strerror(saved_errno);
  }
  return "";
}

// --diff OLD: the changes from OLD to the report's inputs, by the same
// bounded-memory join as `ptrscan diff`. Returns an exit status.
int read_changes(const report_args& options, diff_view& changes) {
  diff::diff_options o;
  o.old_inputs = {options.diff_old};
  o.new_inputs = options.inputs;
  changes.old_input = options.diff_old;
  const diff::diff_result r = diff::run_diff(
      o, [&](std::string_view, const diff::record_facts& which, const diff::kind_counts& kinds) {
        if (changes.listed.size() < diff_view::max_listed) {
          diff_view::changed c;
          c.key = token_text(which.key);
          c.input = which.input.empty() ? std::string() : token_text(which.input);
          for (size_t i = 0; i < diff::change_kind_count; ++i) {
            if (kinds[i] != 0) {
              c.kinds.emplace_back(diff::kind_name(static_cast<diff::change_kind>(i)));
            }
          }
          changes.listed.push_back(std::move(c));
        }
        return true;
      });
  if (r.failed != diff::diff_result::failure::none) {
    std::fprintf(stderr, "ptrscan report: --diff: %s\n", terminal_safe(r.error).c_str());
    return r.failed == diff::diff_result::failure::no_records ? exit_no_records
           : r.failed == diff::diff_result::failure::unreadable ? exit_usage
                                                                : exit_write_failed;
  }
  for (const std::string& where : r.old_side.malformed_where) {
    std::fprintf(stderr, "ptrscan report: --diff: skipped: %s\n", terminal_safe(where).c_str());
  }
  changes.counts = r.counts;
  changes.changed_total = r.changed;
  changes.unchanged = r.unchanged;
  changes.old_records = r.old_side.records;
  changes.old_duplicates = r.old_side.duplicates;
  changes.old_malformed = r.old_side.malformed;
  return exit_ok;
}

}  // namespace

int report_main(const std::vector<std::string>& args) {
  auto parsed = parse_report_args(args);
  if (const auto* bad = std::get_if<usage_error>(&parsed)) {
    std::fprintf(stderr, "ptrscan report: %s\n%s", terminal_safe(bad->message).c_str(),
                 report_usage());
    return exit_usage;
  }
  const report_args& options = std::get<report_args>(parsed);
  if (options.help) {
    std::fputs(report_usage(), stdout);
    return exit_ok;
  }

  report_builder builder;
  bad_line_log log;
  for (const std::string& input : options.inputs) {
    if (const std::string error = read_input(input, builder, log); !error.empty()) {
      std::fprintf(stderr, "ptrscan report: %s\n", terminal_safe(error).c_str());
      return exit_usage;
    }
  }
  log.summarise();
  const report_totals& seen = builder.totals();
  if (seen.records + seen.domain_summaries == 0) {
    std::fprintf(stderr,
                 "ptrscan report: no line of the input is a ptrscan record (%" PRIu64
                 " lines skipped); no report written\n",
                 seen.bad_lines);
    return exit_no_records;
  }

  diff_view changes;
  if (!options.diff_old.empty()) {
    if (const int status = read_changes(options, changes); status != exit_ok) {
      return status;
    }
  }
  const report_view view = builder.view(options.as_of);
  page_info info{options.inputs, options.diff_old.empty() ? nullptr : &changes};
  if (const std::string error = write_output(options.output, render_page(view, info));
      !error.empty()) {
    std::fprintf(stderr, "ptrscan report: %s\n", terminal_safe(error).c_str());
    return exit_write_failed;
  }
  const std::string shown_output =
      options.output == "-" ? std::string("stdout") : terminal_safe(options.output);
  std::fprintf(stderr,
               "ptrscan report: %" PRIu64 " records (%" PRIu64
               " oversized), %zu networks, %zu of %zu /16s drawn, %" PRIu64 " bad lines -> %s\n",
               view.totals.records, view.totals.oversized, view.networks_seen, view.blocks.size(),
               view.blocks_seen, view.totals.bad_lines, shown_output.c_str());
  return exit_ok;
}

}  // namespace ptrscan::report
