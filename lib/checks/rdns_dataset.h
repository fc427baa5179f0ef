#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "checks/rdns_class.h"
#include "net/ip_address.h"

namespace ptrscan {

/// One row of a labelled rDNS name set (datasets/rdns/names.tsv).
struct rdns_labelled_name {
  std::string name;  ///< empty: the IP has no PTR
  ip_address ip;
  rdns_class expected = rdns_class::none;
  std::string source;  ///< where the naming pattern comes from
};

/// Parses a labelled set: one `name \t ip \t class \t source` row per line,
/// `#` comments and blank lines ignored. An error names the line.
absl::StatusOr<std::vector<rdns_labelled_name>> parse_rdns_dataset(std::string_view text);

/// Reads and parses the file at `path`.
absl::StatusOr<std::vector<rdns_labelled_name>> load_rdns_dataset(const std::string& path);

}  // namespace ptrscan
