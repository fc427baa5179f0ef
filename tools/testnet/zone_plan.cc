#include "testnet/zone_plan.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace ptrscan::testnet {
namespace {

constexpr std::string_view fwd_zone = "fwd.test";
constexpr std::string_view pool_zone = "pool.test";
constexpr std::string_view custom_zone = "example.test";
constexpr std::string_view alias_zone = "alt.test";
constexpr std::string_view dead_zone = "dead.test";

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Cumulative per-mille thresholds, in plan_case order.
constexpr std::array<uint32_t, plan_case_count> thresholds = {
    400,   // pass
    480,   // wrong_addr
    530,   // no_addr
    580,   // second_name
    630,   // cname_chain
    680,   // aaaa_only
    700,   // dead_forward
    710,   // ptr_nodata
    1000,  // no_ptr
};

plan_case pick_case(uint64_t h) {
  const auto bucket = static_cast<uint32_t>(h % 1000);
  for (size_t i = 0; i < plan_case_count; ++i) {
    if (bucket < thresholds[i]) {
      return static_cast<plan_case>(i);
    }
  }
  return plan_case::no_ptr;
}

std::string dashed(uint32_t ip) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%u-%u-%u-%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
                ip & 0xff);
  return buf;
}

std::string dotted(uint32_t ip) { return ip_address::v4(ip).to_string(); }

std::string join(std::string_view label, std::string_view zone) {
  std::string s(label);
  s += '.';
  s += zone;
  return s;
}

// Zone texts being built, one per forward zone.
struct forward_texts {
  std::string fwd;
  std::string pool;
  std::string custom;
  std::string alias;

  std::string& for_name(const std::string& name) {
    if (name.ends_with(pool_zone)) {
      return pool;
    }
    if (name.ends_with(custom_zone)) {
      return custom;
    }
    if (name.ends_with(alias_zone)) {
      return alias;
    }
    return fwd;
  }
  void add(const std::string& name, std::string_view type, const std::string& data) {
    std::string& t = for_name(name);
    t += name;
    t += ". ";
    t += type;
    t += ' ';
    t += data;
    t += '\n';
  }
};

// The name a resolving address gets: generic and custom styles mixed.
std::string primary_name(uint32_t ip, uint32_t index, uint64_t h) {
  switch ((h >> 20) % 4) {
    case 0:
      return join("host-" + dashed(ip), fwd_zone);
    case 1:
      return join("dyn-" + dashed(ip), pool_zone);
    case 2:
      return join("mx" + std::to_string(index), custom_zone);
    default:
      return join("mail" + std::to_string(index), custom_zone);
  }
}

// The AAAA-only names get 2001:db8:ffff::<index>, in canonical text.
std::string aaaa_for(uint32_t index) {
  std::array<uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff};
  b[12] = static_cast<uint8_t>(index >> 24);
  b[13] = static_cast<uint8_t>(index >> 16);
  b[14] = static_cast<uint8_t>(index >> 8);
  b[15] = static_cast<uint8_t>(index);
  return ip_address::v6(b).to_string();
}

// An address that is never the one being checked (TEST-NET-3).
std::string other_ip(uint32_t index) { return "203.0.113." + std::to_string(index % 254 + 1); }

}  // namespace

std::string_view to_string(plan_case c) {
  switch (c) {
    case plan_case::pass:
      return "pass";
    case plan_case::wrong_addr:
      return "wrong_addr";
    case plan_case::no_addr:
      return "no_addr";
    case plan_case::second_name:
      return "second_name";
    case plan_case::cname_chain:
      return "cname_chain";
    case plan_case::aaaa_only:
      return "aaaa_only";
    case plan_case::dead_forward:
      return "dead_forward";
    case plan_case::ptr_nodata:
      return "ptr_nodata";
    case plan_case::no_ptr:
      return "no_ptr";
  }
  return "?";
}

zone_plan zone_plan::generate(std::string_view cidr, uint64_t seed) {
  const size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) {
    throw std::invalid_argument("zone_plan: not a CIDR: " + std::string(cidr));
  }
  auto base = ip_address::parse(cidr.substr(0, slash));
  int prefix = -1;
  std::string_view ptext = cidr.substr(slash + 1);
  auto [end, ec] = std::from_chars(ptext.data(), ptext.data() + ptext.size(), prefix);
  if (!base || !base->is_v4() || ec != std::errc() || end != ptext.data() + ptext.size() ||
      prefix < 16 || prefix > 32) {
    throw std::invalid_argument("zone_plan: need an IPv4 /16../32: " + std::string(cidr));
  }
  const uint32_t size = prefix == 32 ? 1U : (1U << (32 - prefix));
  if ((base->v4_value() & (size - 1)) != 0) {
    throw std::invalid_argument("zone_plan: host bits set in " + std::string(cidr));
  }

  zone_plan plan;
  plan.cidr_ = std::string(cidr);
  plan.base_ = base->v4_value();
  plan.size_ = size;
  plan.expected_.resize(size);

  const uint32_t ip0 = plan.base_;
  const std::string reverse_origin = std::to_string((ip0 >> 16) & 0xff) + "." +
                                     std::to_string(ip0 >> 24) + ".in-addr.arpa";
  std::string reverse;
  forward_texts fwd;
  reverse.reserve(size * 40);
  fwd.fwd.reserve(size * 24);

  for (uint32_t i = 0; i < size; ++i) {
    const uint32_t ip = ip0 + i;
    const uint64_t h = splitmix64(seed ^ (static_cast<uint64_t>(ip) * 0x9e3779b97f4a7c15ULL));
    const plan_case kind = pick_case(h);
    const std::string owner =
        std::to_string(ip & 0xff) + "." + std::to_string((ip >> 8) & 0xff);
    const std::string d = dashed(ip);
    expected_record& e = plan.expected_[i];
    e.kind = kind;
    ++plan.case_counts_[static_cast<size_t>(kind)];

    std::vector<std::string> ptr_names;
    switch (kind) {
      case plan_case::pass: {
        std::string n = primary_name(ip, i, h);
        fwd.add(n, "A", dotted(ip));
        e.forward.push_back({n, "ok", {dotted(ip)}});
        e.fcrdns_status = "pass";
        e.fcrdns_name = n;
        ptr_names.push_back(std::move(n));
        break;
      }
      case plan_case::wrong_addr: {
        std::string n = primary_name(ip, i, h);
        fwd.add(n, "A", other_ip(i));
        e.forward.push_back({n, "ok", {other_ip(i)}});
        e.fcrdns_status = "fail";
        ptr_names.push_back(std::move(n));
        break;
      }
      case plan_case::no_addr: {
        std::string n = join("noaddr-" + d, fwd_zone);
        if ((h >> 40) & 1) {
          fwd.add(n, "TXT", "\"no address here\"");  // NODATA for A and AAAA
          e.forward.push_back({n, "nodata", {}});
        } else {
          e.forward.push_back({n, "nxdomain", {}});  // the name does not exist at all
        }
        e.fcrdns_status = "fail";
        ptr_names.push_back(std::move(n));
        break;
      }
      case plan_case::second_name: {
        std::string first = join("old-" + d, fwd_zone);
        if ((h >> 40) & 1) {
          fwd.add(first, "A", other_ip(i));
          e.forward.push_back({first, "ok", {other_ip(i)}});
        } else {
          e.forward.push_back({first, "nxdomain", {}});
        }
        std::string second = primary_name(ip, i, h);
        fwd.add(second, "A", dotted(ip));
        e.forward.push_back({second, "ok", {dotted(ip)}});
        e.fcrdns_status = "pass";
        e.fcrdns_name = second;
        ptr_names.push_back(std::move(first));
        ptr_names.push_back(std::move(second));
        break;
      }
      case plan_case::cname_chain: {
        std::string alias = join("cn-" + d, alias_zone);
        std::string middle = join("cn2-" + d, alias_zone);
        std::string target = join("host-" + d, fwd_zone);
        fwd.add(alias, "CNAME", middle + ".");
        fwd.add(middle, "CNAME", target + ".");
        fwd.add(target, "A", dotted(ip));
        e.forward.push_back({alias, "ok", {dotted(ip)}});
        e.fcrdns_status = "pass";
        e.fcrdns_name = alias;
        ptr_names.push_back(std::move(alias));
        break;
      }
      case plan_case::aaaa_only: {
        std::string n = join("v6only-" + d, fwd_zone);
        const std::string v6 = aaaa_for(i);
        fwd.add(n, "AAAA", v6);
        e.forward.push_back({n, "ok", {v6}});
        e.fcrdns_status = "fail";
        ptr_names.push_back(std::move(n));
        break;
      }
      case plan_case::dead_forward: {
        ptr_names.push_back(join("lost-" + d, dead_zone));
        e.forward.push_back({ptr_names.back(), "servfail", {}});
        e.fcrdns_status = "error";
        break;
      }
      case plan_case::ptr_nodata: {
        reverse += owner + " TXT \"no ptr here\"\n";
        e.ptr_status = "nodata";
        e.fcrdns_status = "none";
        break;
      }
      case plan_case::no_ptr: {
        e.ptr_status = "nxdomain";
        e.fcrdns_status = "none";
        break;
      }
    }
    if (!ptr_names.empty()) {
      for (const auto& n : ptr_names) {
        reverse += owner + " PTR " + n + ".\n";
      }
      e.ptr_status = "ok";
      std::sort(ptr_names.begin(), ptr_names.end());
      e.ptr_names = std::move(ptr_names);
    }
  }

  plan.zones_.push_back({reverse_origin, std::move(reverse)});
  plan.zones_.push_back({std::string(fwd_zone), std::move(fwd.fwd)});
  plan.zones_.push_back({std::string(pool_zone), std::move(fwd.pool)});
  plan.zones_.push_back({std::string(custom_zone), std::move(fwd.custom)});
  plan.zones_.push_back({std::string(alias_zone), std::move(fwd.alias)});
  plan.dead_zones_.emplace_back(dead_zone);
  return plan;
}

testbed_options zone_plan::testbed() const {
  testbed_options o;
  o.zones = zones_;
  o.dead_zones = dead_zones_;
  return o;
}

const expected_record* zone_plan::find(const ip_address& ip) const {
  if (!ip.is_v4()) {
    return nullptr;
  }
  const uint32_t v = ip.v4_value();
  if (v < base_ || v - base_ >= size_) {
    return nullptr;
  }
  return &expected_[v - base_];
}

}  // namespace ptrscan::testnet
