#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simnet/model.h"

namespace ptrscan::simnet {

/// The probes a ptrscan run made, with ptrscan's implications applied
/// (fcrdns implies ptr, starttls implies smtp; smtp alone asks no DNS).
struct probe_set {
  bool ptr = false;
  bool fcrdns = false;
  bool smtp = false;
  bool starttls = false;
  bool zone = false;  // the reverse-zone audit: zone records (checker.h)

  /// "ptr,fcrdns,smtp,starttls,zone" (any subset, any order); nullopt on an
  /// unknown name. zone implies ptr, as in ptrscan.
  static std::optional<probe_set> parse(std::string_view list);
};

/// One thing a ptrscan record must say about an address, addressed by JSON
/// pointer into the record.
struct field_expectation {
  enum class kind : uint8_t {
    equals,    // the value at `pointer` equals `value` (absent never does)
    contains,  // the array at `pointer` holds `value` iff `wanted`
    present,   // a value exists at `pointer` iff `wanted`
  };
  kind what = kind::equals;
  std::string pointer;  // "/smtp/0/status"
  nlohmann::json value;
  bool wanted = true;

  /// Empty when `record` meets it, else what differs.
  std::string mismatch(const nlohmann::json& record) const;
  /// "/ptr/status", "/smtp/0/ehlo/extensions contains \"STARTTLS\"", ...
  std::string describe() const;
};

/// What ptrscan must report for `t` after running `probes`. Fields ptrscan
/// does not emit for a probe not run are not expected.
std::vector<field_expectation> expectations(const host_truth& t, const probe_set& probes);

/// The `expect` subcommand's output: the truth of the address and the
/// expectations, as one JSON object.
nlohmann::json expectation_json(const host_truth& t, const probe_set& probes);

}  // namespace ptrscan::simnet
