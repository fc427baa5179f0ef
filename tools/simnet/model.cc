#include "simnet/model.h"

#include "simnet/names.h"

namespace ptrscan::simnet {
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// One salt per decision, so each draws an independent hash of the address.
enum decision : uint32_t {
  d_ptr = 1,
  d_generic,
  d_style,
  d_forward,
  d_forward_elsewhere,
  d_open,
  d_refused,
  d_banner_match,
  d_starttls,
  d_other_name,
  d_zone_fault,
};

}  // namespace

std::string_view to_string(forward_kind k) {
  switch (k) {
    case forward_kind::confirmed:
      return "confirmed";
    case forward_kind::elsewhere:
      return "elsewhere";
    case forward_kind::nxdomain:
      return "nxdomain";
  }
  return "nxdomain";
}

std::string_view to_string(smtp_kind k) {
  switch (k) {
    case smtp_kind::open:
      return "open";
    case smtp_kind::refused:
      return "refused";
    case smtp_kind::silent:
      return "silent";
  }
  return "silent";
}

model::model(const mix& m) : mix_(m), key_(splitmix64(m.seed)) {}

uint64_t model::hash(uint32_t ip, uint32_t decision) const {
  return splitmix64(key_ ^ (uint64_t{decision} << 32 | ip));
}

double model::draw(uint32_t ip, uint32_t decision) const {
  return static_cast<double>(hash(ip, decision) >> 11) * 0x1p-53;  // uniform in [0, 1)
}

double model::zone_draw(uint32_t net24) const { return draw(net24, d_zone_fault); }

host_truth model::truth(uint32_t ip) const {
  host_truth t;
  t.ip = ip;
  t.has_ptr = draw(ip, d_ptr) < mix_.ptr;
  if (t.has_ptr) {
    t.generic = draw(ip, d_generic) < mix_.generic;
    const uint64_t pick = hash(ip, d_style);
    const auto style =
        t.generic ? static_cast<name_style>(pick % generic_style_count)
                  : static_cast<name_style>(generic_style_count + pick % custom_style_count);
    t.ptr_name = make_ptr_name(style, ip);
    if (draw(ip, d_forward) < mix_.fcrdns) {
      t.forward = forward_kind::confirmed;
      t.forward_ip = ip;
    } else if (draw(ip, d_forward_elsewhere) < 0.5) {
      t.forward = forward_kind::elsewhere;
      // A neighbour: inside the range whenever the range has one.
      t.forward_ip = ip ^ (mix_.range.size() > 256 ? 0x100U : 0x1U);
    }
  }
  if (draw(ip, d_open) < mix_.open) {
    t.smtp = smtp_kind::open;
  } else if (draw(ip, d_refused) < mix_.refused) {
    t.smtp = smtp_kind::refused;
  }
  t.starttls = draw(ip, d_starttls) < mix_.starttls;
  t.banner_match = t.has_ptr && draw(ip, d_banner_match) < mix_.banner_match;
  if (!t.has_ptr) {
    t.banner_name = make_smtp_name(ip);
  } else if (t.banner_match) {
    t.banner_name = t.ptr_name;
  } else {
    t.banner_name = make_other_name(static_cast<uint32_t>(hash(ip, d_other_name) % 1000));
  }
  return t;
}

forward_record model::forward(std::string_view name) const {
  if (name == forward_zone) {
    return {true, std::nullopt};
  }
  const auto ip = parse_encoded_ip(name);
  if (!ip || !in_range(*ip)) {
    return {};
  }
  const host_truth t = truth(*ip);
  if (!t.has_ptr || t.ptr_name != name || t.forward == forward_kind::nxdomain) {
    return {};
  }
  return {true, t.forward_ip};
}

std::vector<cidr> model::reverse_zones() const {
  const int zone_prefix = reverse_zone_prefix();
  const uint64_t count = uint64_t{1} << (zone_prefix - mix_.range.prefix);
  std::vector<cidr> zones;
  for (uint64_t i = 0; i < count; ++i) {
    zones.push_back(cidr{mix_.range.at(i << (32 - zone_prefix)), zone_prefix});
  }
  return zones;
}

std::string reverse_zone_origin(const cidr& zone) {
  std::string origin;
  for (int octet = zone.prefix / 8 - 1; octet >= 0; --octet) {
    origin += std::to_string(zone.base >> (24 - 8 * octet) & 255) + ".";
  }
  return origin + "in-addr.arpa";
}

}  // namespace ptrscan::simnet
