#include "checks/rdns_dataset.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "net/absl_compat.h"

namespace ptrscan {
namespace {

// Splits at every `sep`, keeping empty pieces ("\tx" is "" and "x").
std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  for (size_t start = 0;;) {
    const size_t at = text.find(sep, start);
    out.push_back(text.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) {
      return out;
    }
    start = at + 1;
  }
}

}  // namespace

absl::StatusOr<std::vector<rdns_labelled_name>> parse_rdns_dataset(std::string_view text) {
  std::vector<rdns_labelled_name> rows;
  size_t line_no = 0;
  for (std::string_view line : split(text, '\n')) {
    ++line_no;
    if (line.empty() || line.front() == '#') {
      continue;
    }
    const std::vector<std::string_view> cols = split(line, '\t');
    if (cols.size() != 4) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_no, ": want 4 tab-separated columns, got ", cols.size()));
    }
    rdns_labelled_name row;
    row.name = std::string(cols[0]);
    const auto ip = ip_address::parse(cols[1]);
    if (!ip) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_no, ": bad IP \"", av(cols[1]), "\""));
    }
    row.ip = *ip;
    const auto cls = parse_rdns_class(cols[2]);
    if (!cls) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_no, ": unknown class \"", av(cols[2]), "\""));
    }
    row.expected = *cls;
    row.source = std::string(cols[3]);
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::StatusOr<std::vector<rdns_labelled_name>> load_rdns_dataset(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::vector<rdns_labelled_name>> rows = parse_rdns_dataset(text.str());
  if (!rows.ok()) {
    return absl::Status(rows.status().code(), absl::StrCat(path, ": ", rows.status().message()));
  }
  return rows;
}

rdns_part rdns_part_of(std::string_view registrable_domain) {
  uint32_t hash = 2166136261u;  // FNV-1a, 32 bits
  for (const char c : registrable_domain) {
    hash = (hash ^ static_cast<uint8_t>(c)) * 16777619u;
  }
  return hash % 100 < static_cast<uint32_t>(rdns_heldout_percent) ? rdns_part::heldout
                                                                  : rdns_part::tune;
}

std::string rdns_registrable_domain(const rdns_classifier& classifier, std::string_view name) {
  if (name.empty()) {
    return {};
  }
  const rdns_name_parts parts = classifier.split_name(name);
  if (parts.organisation.empty()) {
    return std::string(parts.suffix);
  }
  return absl::StrCat(av(parts.organisation), ".", av(parts.suffix));
}

void add_to_scores(rdns_scores& scores, rdns_class expected, rdns_class got) {
  ++scores.rows;
  scores.correct += expected == got;
  for (int i = 0; i < rdns_class_count; ++i) {
    const auto c = static_cast<rdns_class>(i);
    scores.per_class[static_cast<size_t>(i)].add(got == c, expected == c);
  }
  scores.dynamic.add(got == rdns_class::generic_dynamic, expected == rdns_class::generic_dynamic);
}

}  // namespace ptrscan
