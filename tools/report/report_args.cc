#include "report/report_args.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iterator>
#include <memory>

#include "report/report_time.h"

namespace ptrscan::report {
namespace {

/// The command line of `ptrscan report`, bound to `parsed`.
std::unique_ptr<CLI::App> make_app(report_args& parsed, std::string& as_of) {
  auto app = std::make_unique<CLI::App>(
      "Writes a self-contained HTML rDNS audit of ptrscan results: totals, a table of\n"
      "networks by problems, a Hilbert-curve map of each /16, and the mail sections:\n"
      "domains, SPF, DNSBL, relay, SMTP violations, certificates expiring.\n"
      "Exit: 0 written, 1 write failed, 2 usage or unreadable input, 3 no record.",
      "ptrscan report");
  app->set_help_flag();  // ours sets report_args::help; main prints the usage
  app->add_flag("-h,--help", parsed.help, "this text");
  app->add_option("-o,--output", parsed.output,
                  "the HTML report (default: - , standard output)")
      ->type_name("FILE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app->add_option("--as-of", as_of,
                  "reference time for certificate expiry, RFC 3339 or YYYY-MM-DD\n"
                  "(default: the latest record time, else now)")
      ->type_name("TIME");
  app->add_option("--diff", parsed.diff_old,
                  "an earlier results file: show the changes since it\n"
                  "(as ptrscan diff OLD RESULTS would list them)")
      ->type_name("OLD");
  app->add_option("RESULTS", parsed.inputs,
                  "ptrscan output, plain or zstd-compressed; - reads\nstandard input");
  app->allow_extras();  // reported as "unknown option X" below
  return app;
}

}  // namespace

const char* report_usage() {
  static const std::string text = [] {
    report_args unused;
    std::string unused_time;
    return "usage: ptrscan report [-o FILE] [--as-of TIME] [--diff OLD] RESULTS.ndjson[.zst] ...\n" +
           make_app(unused, unused_time)->help();
  }();
  return text.c_str();
}

std::variant<report_args, usage_error> parse_report_args(const std::vector<std::string>& args) {
  report_args parsed;
  std::string as_of;
  std::unique_ptr<CLI::App> app = make_app(parsed, as_of);
  // After "--" every word is a RESULTS file (CLI11 2.1 keeps "--" itself
  // as an extra argument).
  const auto dashes = std::find(args.begin(), args.end(), "--");
  try {
    app->parse(std::vector<std::string>(std::make_reverse_iterator(dashes), args.rend()));
  } catch (const CLI::ParseError& e) {
    return usage_error{e.what()};
  }
  if (const std::vector<std::string> extra = app->remaining(); !extra.empty()) {
    return usage_error{"unknown option " + extra.front()};
  }
  if (dashes != args.end()) {
    parsed.inputs.insert(parsed.inputs.end(), dashes + 1, args.end());
  }
  if (parsed.help) {
    return parsed;
  }
  if (!as_of.empty()) {
    parsed.as_of = parse_rfc3339(as_of);
    if (!parsed.as_of) {
      return usage_error{"--as-of: not an RFC 3339 time or YYYY-MM-DD date: " + as_of};
    }
  }
  if (parsed.inputs.empty()) {
    return usage_error{"no results file given (- reads standard input)"};
  }
  if (std::count(parsed.inputs.begin(), parsed.inputs.end(), "-") > 1) {
    return usage_error{"standard input (-) given more than once"};
  }
  if (!parsed.diff_old.empty() &&
      (parsed.diff_old == "-" ||
       std::find(parsed.inputs.begin(), parsed.inputs.end(), "-") != parsed.inputs.end())) {
    return usage_error{"--diff reads its inputs twice: not from standard input (-)"};
  }
  if (parsed.output.empty()) {
    return usage_error{"empty output file name"};
  }
  return parsed;
}

}  // namespace ptrscan::report
