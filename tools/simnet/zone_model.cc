#include "simnet/zone_model.h"

#include <charconv>

#include "simnet/names.h"

namespace ptrscan::simnet {
namespace {

constexpr std::string_view role_names[server_role_count] = {"ns1", "ns2", "pns1", "pns2"};

// The range as [first, end) in 64 bits, so a range ending at 2^32 fits.
bool overlaps(const model& m, uint64_t first, uint64_t size) {
  const cidr& r = m.settings().range;
  return first < uint64_t{r.base} + r.size() && first + size > r.base;
}

std::optional<uint32_t> parse_number(std::string_view text, uint32_t max) {
  uint32_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v > max ||
      (text.size() > 1 && text[0] == '0')) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::string_view to_string(zone_fault f) {
  switch (f) {
    case zone_fault::none:
      return "none";
    case zone_fault::lame:
      return "lame";
    case zone_fault::stale_serial:
      return "stale_serial";
    case zone_fault::ns_mismatch:
      return "ns_mismatch";
    case zone_fault::single_ns:
      return "single_ns";
  }
  return "none";
}

bool is_child_zone(const model& m, uint32_t net24) {
  return net24 < (1U << 24) && overlaps(m, uint64_t{net24} << 8, 256);
}

bool is_parent_zone(const model& m, uint32_t net16) {
  return net16 < (1U << 16) && overlaps(m, uint64_t{net16} << 16, 65536);
}

std::vector<uint32_t> parent_zones(const model& m) {
  const cidr& r = m.settings().range;
  std::vector<uint32_t> v;
  const uint64_t last = (uint64_t{r.base} + r.size() - 1) >> 16;
  for (uint64_t n = r.base >> 16; n <= last; ++n) {
    v.push_back(static_cast<uint32_t>(n));
  }
  return v;
}

zone_fault child_fault(const model& m, uint32_t net24) {
  double d = m.zone_draw(net24);
  for (const auto& [share, fault] :
       {std::pair{share_lame, zone_fault::lame}, std::pair{share_stale_serial, zone_fault::stale_serial},
        std::pair{share_ns_mismatch, zone_fault::ns_mismatch},
        std::pair{share_single_ns, zone_fault::single_ns}}) {
    if (d < share) {
      return fault;
    }
    d -= share;
  }
  return zone_fault::none;
}

uint32_t child_serial(uint32_t net24) { return 2026120000 + (net24 & 0xff) * 4 + 1; }

std::vector<server_role> parent_ns_roles(zone_fault f) {
  if (f == zone_fault::single_ns) {
    return {server_role::ns1};
  }
  return {server_role::ns1, server_role::ns2};
}

std::vector<server_role> child_ns_roles(zone_fault f) {
  if (f == zone_fault::single_ns || f == zone_fault::ns_mismatch) {
    return {server_role::ns1};
  }
  return {server_role::ns1, server_role::ns2};
}

std::string server_name(const zone_server_id& s) {
  return std::string(role_names[static_cast<int>(s.role)]) + ".z" + std::to_string(s.net16 >> 8) +
         "-" + std::to_string(s.net16 & 255) + "." + std::string(forward_zone);
}

std::optional<zone_server_id> parse_server_name(std::string_view name) {
  const size_t dot = name.find('.');
  if (dot == std::string_view::npos) {
    return std::nullopt;
  }
  zone_server_id s;
  bool known = false;
  for (int r = 0; r < server_role_count; ++r) {
    if (name.substr(0, dot) == role_names[r]) {
      s.role = static_cast<server_role>(r);
      known = true;
    }
  }
  std::string_view rest = name.substr(dot + 1);
  const std::string suffix = "." + std::string(forward_zone);
  if (!known || !rest.ends_with(suffix) || !rest.starts_with("z")) {
    return std::nullopt;
  }
  rest = rest.substr(1, rest.size() - 1 - suffix.size());
  const size_t dash = rest.find('-');
  if (dash == std::string_view::npos) {
    return std::nullopt;
  }
  const auto a = parse_number(rest.substr(0, dash), 255);
  const auto b = parse_number(rest.substr(dash + 1), 255);
  if (!a || !b) {
    return std::nullopt;
  }
  s.net16 = *a << 8 | *b;
  return s;
}

uint32_t server_address(const model& m, const zone_server_id& s) {
  const uint32_t index = (s.net16 - (m.settings().range.base >> 16)) & 255;
  return 127U << 24 | (150U + static_cast<uint32_t>(s.role)) << 16 | index << 8 | 53U;
}

std::vector<zone_server_id> all_servers(const model& m) {
  std::vector<zone_server_id> v;
  for (uint32_t net16 : parent_zones(m)) {
    for (int r = 0; r < server_role_count; ++r) {
      v.push_back({net16, static_cast<server_role>(r)});
    }
  }
  return v;
}

std::string child_origin(uint32_t net24) {
  return std::to_string(net24 & 255) + "." + parent_origin(net24 >> 8);
}

std::string parent_origin(uint32_t net16) {
  return std::to_string(net16 & 255) + "." + std::to_string(net16 >> 8) + ".in-addr.arpa";
}

}  // namespace ptrscan::simnet
