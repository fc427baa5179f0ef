#include "simnet/nft_script.h"

#include <vector>

namespace ptrscan::simnet {
namespace {

constexpr const char* table = "table inet ptrscan_simnet";

// "set NAME { type ipv4_addr; elements = { ... } }"; an empty set has no
// elements clause, which nft would reject.
std::string set_block(const char* name, const std::vector<uint32_t>& ips) {
  std::string s = "  set " + std::string(name) + " {\n    type ipv4_addr\n";
  if (!ips.empty()) {
    s += "    elements = {";
    for (size_t i = 0; i < ips.size(); ++i) {
      s += (i % 8 == 0 ? "\n      " : " ") + format_ipv4(ips[i]) + (i + 1 < ips.size() ? "," : "");
    }
    s += "\n    }\n";
  }
  return s + "  }\n";
}

}  // namespace

std::string nft_script(const model& m, uint16_t smtp_port) {
  const cidr& range = m.settings().range;
  std::vector<uint32_t> open;
  std::vector<uint32_t> silent;
  for (uint64_t i = 0; i < range.size(); ++i) {
    const uint32_t ip = range.at(i);
    switch (m.truth(ip).smtp) {
      case smtp_kind::open:
        open.push_back(ip);
        break;
      case smtp_kind::silent:
        silent.push_back(ip);
        break;
      case smtp_kind::refused:
        break;
    }
  }
  const std::string port = std::to_string(smtp_port);
  // Declaring the table before deleting it makes the delete succeed on the
  // first run too, so the script can be applied again with other settings.
  std::string s = std::string(table) + "\ndelete " + table + "\n" + table + " {\n";
  s += set_block("open", open);
  s += set_block("silent", silent);
  s += "  chain input {\n    type filter hook input priority 0; policy accept;\n";
  // The port first: other traffic (DNS above all) skips the set lookups.
  s += "    tcp dport " + port + " ip daddr @open accept\n";
  s += "    tcp dport " + port + " ip daddr @silent drop\n";
  s += "    tcp dport " + port + " ip daddr " + range.to_string() + " reject with tcp reset\n";
  s += "  }\n}\n";
  return s;
}

}  // namespace ptrscan::simnet
