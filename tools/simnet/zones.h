#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "simnet/model.h"

namespace ptrscan::simnet {

/// A zone file written by write_zone_files.
struct zone_file {
  std::string origin;  // "18.198.in-addr.arpa", "sim.test"
  std::string path;
};

/// The reverse zone `zone` (one of model::reverse_zones()) in Knot's zone
/// file format: SOA, NS and a PTR for every address that has one.
void write_reverse_zone(std::ostream& out, const model& m, const cidr& zone);

/// The forward zone sim.test: SOA, NS and an A for every PTR name whose
/// forward lookup gives an address. Names whose forward lookup is NXDOMAIN
/// are absent, so Knot serving these files answers as `serve` does.
void write_forward_zone(std::ostream& out, const model& m);

/// Writes every reverse zone and the forward zone into `dir` as
/// "<origin>.zone". Throws std::runtime_error when a file cannot be written.
std::vector<zone_file> write_zone_files(const model& m, const std::string& dir);

}  // namespace ptrscan::simnet
