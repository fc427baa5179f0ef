#include "testnet/smtp_farm.h"

#include <arpa/inet.h>

#include <map>
#include <stdexcept>

namespace ptrscan::testnet {
namespace {

// splitmix64: a small, well-mixed hash for deterministic choices.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string v4_text(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

}  // namespace

std::string smtp_farm_binary() {
#ifdef PTRSCAN_SMTP_FARM
  return PTRSCAN_SMTP_FARM;
#else
  return "ptrscan-smtp-farm";
#endif
}

std::string farm_banner_host(const std::string& ipv4, const std::string& domain) {
  std::string name = "mx-";
  for (char c : ipv4) {
    name += c == '.' ? '-' : c;
  }
  return name + "." + domain;
}

farm_plan farm_plan::generate(const std::string& cidr, uint64_t seed, int match_percent) {
  const size_t slash = cidr.find('/');
  in_addr base_addr{};
  if (slash == std::string::npos ||
      ::inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &base_addr) != 1) {
    throw std::invalid_argument("farm_plan: not an IPv4 CIDR: " + cidr);
  }
  const int prefix = std::stoi(cidr.substr(slash + 1));
  const uint32_t base = ntohl(base_addr.s_addr);
  if (prefix < 16 || prefix > 30 || (base & ((1U << (32 - prefix)) - 1)) != 0 ||
      (base >> 17) != (0xC6120000U >> 17)) {
    throw std::invalid_argument("farm_plan: need a /16../30 block inside 198.18.0.0/15: " + cidr);
  }
  farm_plan plan;
  plan.cidr_ = cidr;
  const uint32_t size = 1U << (32 - prefix);
  // One reverse zone per /16 (198.18 or 198.19), records relative to it.
  std::map<uint32_t, std::string> zone_records;
  for (uint32_t i = 0; i < size; ++i) {
    const uint32_t a = base + i;
    farm_host h;
    h.ip = v4_text(a);
    h.banner_host = farm_banner_host(h.ip);
    const uint64_t r = mix(seed ^ (static_cast<uint64_t>(a) << 8));
    h.match = static_cast<int>(r % 100) < match_percent;
    if (h.match) {
      h.ptr_name = h.banner_host;
    } else if ((r >> 32) % 2 == 0) {
      h.ptr_name =
          "host-" + std::to_string((a >> 8) & 255) + "-" + std::to_string(a & 255) + ".other.test";
    } else {
      h.ptr_name = farm_banner_host(v4_text(a ^ 1));  // the neighbour's name
    }
    plan.matches_ += h.match ? 1 : 0;
    zone_records[a >> 16] += std::to_string(a & 255) + "." + std::to_string((a >> 8) & 255) +
                             " PTR " + h.ptr_name + ".\n";
    plan.hosts_.push_back(std::move(h));
  }
  for (const auto& [high, records] : zone_records) {
    plan.zones_.push_back(
        {std::to_string(high & 255) + "." + std::to_string(high >> 8) + ".in-addr.arpa", records});
  }
  return plan;
}

testbed_options farm_plan::testbed() const {
  testbed_options o;
  o.zones = zones_;
  return o;
}

}  // namespace ptrscan::testnet
