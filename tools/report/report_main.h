#pragma once

#include <string>
#include <vector>

namespace ptrscan::report {

/// `ptrscan report [-o FILE] RESULTS.ndjson[.zst] ...`: reads ptrscan output
/// (plain or zstd, "-" for stdin) and writes the HTML audit report to FILE
/// ("-" or no -o: stdout). `args` are the words after `report`.
///
/// Exit status: 0 done (bad lines are reported on stderr as FILE:LINE,
/// skipped and counted on the page); 2 usage error, or an input that cannot
/// be opened or read to its end (a corrupt or truncated zstd stream) — no
/// report is written then; 1 the report could not be written.
int report_main(const std::vector<std::string>& args);

}  // namespace ptrscan::report
