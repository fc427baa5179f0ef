#include "report/networks.h"

#include <algorithm>
#include <cstring>

namespace ptrscan::report {
namespace {

void count(const host_facts& host, network_counts& c) {
  ++c.hosts;
  c.no_ptr += host.ptr == ptr_outcome::absent ? 1 : 0;
  c.fcrdns_fail += host.fcrdns == fcrdns_outcome::fail ? 1 : 0;
  c.generic_dynamic += host.naming == rdns_class::generic_dynamic ? 1 : 0;
  c.banner_mismatch += host.banner_ptr_match == false ? 1 : 0;
}

// A candidate row before it is formatted: a network's position in address
// order is its family and its prefix bits.
struct candidate {
  bool v6 = false;
  std::array<uint8_t, 6> prefix{};  // big-endian, IPv4 uses the first three bytes
  const network_counts* counts = nullptr;
  const std::string* sample_name = nullptr;

  auto address_key() const { return std::make_pair(v6, prefix); }
};

bool more_problems(const candidate& a, const candidate& b) {
  if (a.counts->problems() != b.counts->problems()) {
    return a.counts->problems() > b.counts->problems();
  }
  if (a.counts->hosts != b.counts->hosts) {
    return a.counts->hosts > b.counts->hosts;
  }
  return a.address_key() < b.address_key();
}

std::string network_text(const candidate& c) {
  ip_address base;
  if (c.v6) {
    std::array<uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), c.prefix.data(), c.prefix.size());
    base = ip_address::v6(bytes);
    return base.to_string() + "/48";
  }
  base = ip_address::v4(uint32_t{c.prefix[0]} << 24 | uint32_t{c.prefix[1]} << 16 |
                        uint32_t{c.prefix[2]} << 8);
  return base.to_string() + "/24";
}

}  // namespace

void network_table::add(const host_facts& host) {
  entry* e;
  if (host.ip.is_v4()) {
    e = &v4_[host.ip.v4_value() >> 8];
  } else {
    std::array<uint8_t, 6> key;
    std::memcpy(key.data(), host.ip.bytes.data(), key.size());
    e = &v6_[key];
  }
  count(host, e->counts);
  if (e->sample_name.empty() && !host.ptr_name.empty()) {
    e->sample_name = host.ptr_name;
  }
}

std::vector<network_row> network_table::worst(size_t limit) const {
  std::vector<candidate> all;
  all.reserve(size());
  for (const auto& [key, e] : v4_) {
    candidate c;
    c.prefix = {uint8_t(key >> 16), uint8_t(key >> 8), uint8_t(key), 0, 0, 0};
    c.counts = &e.counts;
    c.sample_name = &e.sample_name;
    all.push_back(c);
  }
  for (const auto& [key, e] : v6_) {
    candidate c;
    c.v6 = true;
    c.prefix = key;
    c.counts = &e.counts;
    c.sample_name = &e.sample_name;
    all.push_back(c);
  }
  const size_t n = std::min(limit, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<ptrdiff_t>(n), all.end(), more_problems);
  all.resize(n);

  // Address ranks among the rows kept, for the page's network column sort.
  std::vector<size_t> by_address(n);
  for (size_t i = 0; i < n; ++i) {
    by_address[i] = i;
  }
  std::sort(by_address.begin(), by_address.end(),
            [&](size_t a, size_t b) { return all[a].address_key() < all[b].address_key(); });
  std::vector<network_row> rows(n);
  for (size_t rank = 0; rank < n; ++rank) {
    rows[by_address[rank]].address_rank = rank;
  }
  for (size_t i = 0; i < n; ++i) {
    rows[i].network = network_text(all[i]);
    rows[i].counts = *all[i].counts;
    rows[i].sample_name = *all[i].sample_name;
  }
  return rows;
}

}  // namespace ptrscan::report
