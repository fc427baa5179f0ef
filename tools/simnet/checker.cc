#include "simnet/checker.h"

#include <nlohmann/json.hpp>

namespace ptrscan::simnet {

std::string check_summary::to_json() const {
  // ordered_json: the keys in the documented order, for people reading it.
  return nlohmann::ordered_json{{"records", records},       {"checked", checked},
                                {"mismatched", mismatched}, {"missing", missing},
                                {"duplicates", duplicates}, {"outside", outside}}
      .dump();
}

checker::checker(const model& m, const probe_set& probes, const cidr& targets)
    : model_(m), probes_(probes), targets_(targets), seen_(targets.size(), false) {}

void checker::mismatch(std::string reason) {
  ++summary_.mismatched;
  if (summary_.examples.size() < max_examples) {
    summary_.examples.push_back(std::move(reason));
  }
}

void checker::add_line(std::string_view line) {
  ++line_number_;
  if (line.empty()) {
    return;
  }
  ++summary_.records;
  const nlohmann::json record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  const auto ip_field = record.is_object() ? record.find("ip") : record.end();
  const auto ip = ip_field != record.end() && ip_field->is_string()
                      ? parse_ipv4(ip_field->get<std::string>())
                      : std::nullopt;
  if (!ip) {
    mismatch("line " + std::to_string(line_number_) + ": not a record with an IPv4 \"ip\"");
    return;
  }
  if (!targets_.contains(*ip)) {
    ++summary_.outside;
    return;
  }
  const uint64_t offset = *ip - targets_.base;
  if (seen_[offset]) {
    ++summary_.duplicates;
    return;
  }
  seen_[offset] = true;
  ++summary_.checked;
  std::string reasons;
  for (const field_expectation& e : expectations(model_.truth(*ip), probes_)) {
    if (std::string why = e.mismatch(record); !why.empty()) {
      reasons += (reasons.empty() ? "" : "; ") + why;
    }
  }
  if (!reasons.empty()) {
    mismatch(format_ipv4(*ip) + ": " + reasons);
  }
}

check_summary checker::finish() {
  summary_.missing = 0;
  for (bool s : seen_) {
    summary_.missing += s ? 0 : 1;
  }
  return summary_;
}

}  // namespace ptrscan::simnet
