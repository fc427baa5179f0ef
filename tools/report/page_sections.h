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

/// A breakdown table's frame and one row of it: the count, and its share of
/// `whole`, which `of` names beside the percentage.
void begin_panel(std::string& out, std::string_view title);
void end_panel(std::string& out);
void stat_row(std::string& out, std::string_view id, std::string_view label, uint64_t count,
              uint64_t whole, std::string_view of);

/// The mail sections (mail_data.h): domain summaries, SPF at the MX
/// addresses, DNSBL listings, relay verdicts, SMTP violations and
/// certificates expired or expiring.
void render_mail(std::string& out, const report_view& view);

/// The legend and one Hilbert-curve map per /16.
void render_maps(std::string& out, const report_view& view);

/// The per-network table, worst first.
void render_networks(std::string& out, const report_view& view);

/// The reverse zones (probe zone): findings by kind, and the zones with
/// findings or a failed audit.
void render_zones(std::string& out, const report_view& view);

/// The first banner mismatches, with both names.
void render_mismatches(std::string& out, const report_view& view);

/// A /16's cells as the page's script reads them: two cells per character of
/// the base64 alphabet (3 bits each), in row-major order: 32,768 characters
/// for a /16, drawn by the script with no image encoder on either side.
std::string encode_cells(const std::vector<map_verdict>& cells);

}  // namespace ptrscan::report
