#include "report/report_args.h"

#include <algorithm>

namespace ptrscan::report {

const char* report_usage() {
  return "usage: ptrscan report [-o FILE] RESULTS.ndjson[.zst] ...\n"
         "  Writes a self-contained HTML rDNS audit of ptrscan results: totals, a table of\n"
         "  networks by problems and a Hilbert-curve map of each /16.\n"
         "  RESULTS  ptrscan output, plain or zstd-compressed; - reads standard input\n"
         "  -o FILE  the HTML report (default: - , standard output)\n";
}

std::variant<report_args, usage_error> parse_report_args(const std::vector<std::string>& args) {
  report_args parsed;
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_ended || a == "-" || a.empty() || a[0] != '-') {
      parsed.inputs.push_back(a);
      continue;
    }
    if (a == "--") {
      options_ended = true;
    } else if (a == "-h" || a == "--help") {
      parsed.help = true;
    } else if (a == "-o" || a == "--output") {
      if (i + 1 == args.size()) {
        return usage_error{a + " needs a file name"};
      }
      parsed.output = args[++i];
    } else if (a.starts_with("--output=")) {
      parsed.output = a.substr(9);
    } else if (a.starts_with("-o")) {
      parsed.output = a.substr(2);
    } else {
      return usage_error{"unknown option " + a};
    }
  }
  if (parsed.help) {
    return parsed;
  }
  if (parsed.inputs.empty()) {
    return usage_error{"no results file given (- reads standard input)"};
  }
  if (std::count(parsed.inputs.begin(), parsed.inputs.end(), "-") > 1) {
    return usage_error{"standard input (-) given more than once"};
  }
  if (parsed.output.empty()) {
    return usage_error{"empty output file name"};
  }
  return parsed;
}

}  // namespace ptrscan::report
