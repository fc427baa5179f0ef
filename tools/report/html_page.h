#pragma once

#include <string>
#include <vector>

#include "report/diff_section.h"
#include "report/report_data.h"

namespace ptrscan::report {

/// Where the numbers came from, for the page's header.
struct page_info {
  std::vector<std::string> inputs;  ///< input file names as given ("-" for stdin)
  const diff_view* diff = nullptr;  ///< with --diff OLD: the changes since OLD
};

/// The whole report: one self-contained HTML document (inline CSS and
/// script, no external resource of any kind, and a Content-Security-Policy
/// that forbids loading one). Every number a program may want to read carries
/// a stable id and a data-count attribute with the raw value; the ids are
/// listed in tools/report/README.md.
std::string render_page(const report_view& view, const page_info& info);

}  // namespace ptrscan::report
