#pragma once

// The sections of the page, each appending its HTML to `out`; html_page.cc
// puts them together. Separate so each file holds one part of the page.

#include <string>
#include <string_view>
#include <vector>

#include "report/report_data.h"

namespace ptrscan::report {

/// Headline rates (cards) and the breakdown tables.
void render_totals(std::string& out, const report_totals& totals);

/// The legend and one Hilbert-curve map per /16.
void render_maps(std::string& out, const report_view& view);

/// The per-network table, worst first.
void render_networks(std::string& out, const report_view& view);

/// The first banner mismatches, with both names.
void render_mismatches(std::string& out, const report_view& view);

/// A /16's cells as the page's script reads them: two cells per character of
/// the base64 alphabet (3 bits each), in row-major order: 32,768 characters
/// for a /16, drawn by the script with no image encoder on either side.
std::string encode_cells(const std::vector<map_verdict>& cells);

}  // namespace ptrscan::report
