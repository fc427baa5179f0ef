#pragma once

#include <string_view>

namespace ptrscan::report {

/// The page's style sheet, inlined in <style>: the report is one file that
/// opens anywhere, offline, with no request to any server.
std::string_view page_css();

/// The page's script, inlined at the end of <body>. It draws each /16 map from
/// the cell string on its canvas (cells are encoded by page_maps.cc), makes
/// the tables sortable, and finally sets data-rendered="1" on <body> so that a
/// test can tell the script ran to its end.
std::string_view page_script();

}  // namespace ptrscan::report
