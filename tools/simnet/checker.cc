#include "simnet/checker.h"

#include <nlohmann/json.hpp>

#include "simnet/zone_check.h"

namespace ptrscan::simnet {

std::string check_summary::to_json() const {
  // ordered_json: the keys in the documented order, for people reading it.
  nlohmann::ordered_json j{{"records", records},       {"checked", checked},
                           {"mismatched", mismatched}, {"missing", missing},
                           {"duplicates", duplicates}, {"outside", outside}};
  if (timeouts_ok) {
    j["timed_out"] = timed_out;
  }
  if (zones != 0 || zones_missing != 0) {
    j["zones"] = zones;
    j["zones_checked"] = zones_checked;
    j["zones_missing"] = zones_missing;
    j["zone_duplicates"] = zone_duplicates;
    j["zone_mismatched"] = zone_mismatched;
    j["zone_queries"] = zone_queries;
  }
  return j.dump();
}

checker::checker(const model& m, const probe_set& probes, const cidr& targets, bool timeouts_ok)
    : model_(m), probes_(probes), targets_(targets), seen_(targets.size(), false) {
  summary_.timeouts_ok = timeouts_ok;
  if (probes_.zone) {
    first_net24_ = targets.base >> 8;
    seen_zones_.assign(((uint64_t{targets.base} + targets.size() - 1) >> 8) - first_net24_ + 1,
                       false);
  }
}

void checker::add_zone(const nlohmann::json& record) {
  ++summary_.zones;
  const auto zone = record.find("zone");
  // A plain value and a flag, not the optional: gcc 12 sees the optional's
  // value as maybe uninitialised past the check below (-Werror).
  uint32_t n24 = 0;
  bool has_net24 = false;
  if (zone != record.end() && zone->is_string()) {
    if (const std::optional<uint32_t> v = zone_record_net24(zone->get_ref<const std::string&>())) {
      n24 = *v;
      has_net24 = true;
    }
  }
  const std::string where = "line " + std::to_string(line_number_) + ": zone record";
  if (!probes_.zone || !has_net24 || n24 < first_net24_ ||
      n24 - first_net24_ >= seen_zones_.size()) {
    ++summary_.zone_mismatched;
    mismatch(where + (probes_.zone ? " of no /24 of the targets" : " without the zone probe"));
    return;
  }
  if (seen_zones_[n24 - first_net24_]) {
    ++summary_.zone_duplicates;
    return;
  }
  seen_zones_[n24 - first_net24_] = true;
  ++summary_.zones_checked;
  if (const auto q = record.find("queries"); q != record.end() && q->is_number_unsigned()) {
    summary_.zone_queries += q->get<uint64_t>();
  }
  if (std::string why = zone_mismatch(model_, targets_, n24, record); !why.empty()) {
    ++summary_.zone_mismatched;
    mismatch(zone->get<std::string>() + ": " + why);
  }
}

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
  const nlohmann::json record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (const auto type = record.is_object() ? record.find("type") : record.end();
      type != record.end() && *type == "zone") {
    add_zone(record);  // counted in `zones`, not `records`
    return;
  }
  ++summary_.records;
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
  if (summary_.timeouts_ok) {
    const auto ptr = record.find("ptr");
    if (ptr != record.end() && ptr->is_object() && ptr->value("status", "") == "timeout") {
      ++summary_.timed_out;
      return;
    }
  }
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
  summary_.zones_missing = 0;
  for (bool s : seen_zones_) {
    summary_.zones_missing += s ? 0 : 1;
  }
  return summary_;
}

}  // namespace ptrscan::simnet
