#include "simnet/zones.h"

#include <fstream>
#include <stdexcept>

#include "simnet/dns_answer.h"
#include "simnet/names.h"

namespace ptrscan::simnet {
namespace {

// SOA and NS at the apex. The name server lives under .invalid: the zones
// are queried directly, never delegated to, and a server name inside sim.test
// would be one more name that `serve` does not know (and Knot would ask for
// its glue).
void write_apex(std::ostream& out, const std::string& origin) {
  out << "$ORIGIN " << origin << ".\n"
      << "$TTL " << dns::answer_ttl << "\n"
      << "@ SOA ns.simnet.invalid. hostmaster.simnet.invalid. 1 3600 600 86400 3600\n"
      << "@ NS ns.simnet.invalid.\n";
}

std::string reverse_name(uint32_t ip) {
  return std::to_string(ip & 255) + "." + std::to_string(ip >> 8 & 255) + "." +
         std::to_string(ip >> 16 & 255) + "." + std::to_string(ip >> 24) + ".in-addr.arpa.";
}

}  // namespace

void write_reverse_zone(std::ostream& out, const model& m, const cidr& zone) {
  write_apex(out, reverse_zone_origin(zone));
  for (uint64_t i = 0; i < zone.size(); ++i) {
    const host_truth t = m.truth(zone.at(i));
    if (t.has_ptr) {
      out << reverse_name(t.ip) << " PTR " << t.ptr_name << ".\n";
    }
  }
}

void write_forward_zone(std::ostream& out, const model& m) {
  write_apex(out, std::string(forward_zone));
  const cidr& range = m.settings().range;
  for (uint64_t i = 0; i < range.size(); ++i) {
    const host_truth t = m.truth(range.at(i));
    if (t.has_ptr && t.forward != forward_kind::nxdomain) {
      out << t.ptr_name << ". A " << format_ipv4(t.forward_ip) << "\n";
    }
  }
}

std::vector<zone_file> write_zone_files(const model& m, const std::string& dir) {
  std::vector<zone_file> files;
  auto write = [&](const std::string& origin, auto&& body) {
    const std::string path = dir + "/" + origin + ".zone";
    std::ofstream out(path, std::ios::trunc);
    body(out);
    out.close();
    if (!out) {
      throw std::runtime_error("cannot write " + path);
    }
    files.push_back({origin, path});
  };
  for (const cidr& zone : m.reverse_zones()) {
    write(reverse_zone_origin(zone), [&](std::ostream& out) { write_reverse_zone(out, m, zone); });
  }
  write(std::string(forward_zone), [&](std::ostream& out) { write_forward_zone(out, m); });
  return files;
}

}  // namespace ptrscan::simnet
