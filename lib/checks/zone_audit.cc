#include "checks/zone_audit.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>
#include <tuple>

#include "net/ascii.h"

namespace ptrscan {
namespace {

std::string_view lame_reason(const zone_server& s) {
  switch (s.soa) {
    case dns_status::ok:
      return s.aa ? std::string_view() : "not_authoritative";
    case dns_status::refused:
      return "refused";
    case dns_status::servfail:
      return "servfail";
    case dns_status::timeout:
      return "timeout";
    case dns_status::nxdomain:
    case dns_status::nodata:
      return "no_zone";
    case dns_status::error:
      // A local failure (no route, no socket) or a malformed or unexpected
      // answer: recorded per server (`error`), not a verdict on the server.
      return {};
  }
  return {};
}

bool same_net(const ip_address& a, const ip_address& b) {
  if (a.family != b.family) {
    return false;
  }
  const size_t n = a.is_v4() ? 3 : 8;
  return std::equal(a.bytes.begin(), a.bytes.begin() + static_cast<std::ptrdiff_t>(n),
                    b.bytes.begin());
}

/// `name` is `zone` or below it.
bool at_or_below(std::string_view name, std::string_view zone) {
  if (name.size() == zone.size()) {
    return name == zone;
  }
  return name.size() > zone.size() && name.ends_with(zone) &&
         name[name.size() - zone.size() - 1] == '.';
}

const ns_addresses* find(const std::vector<ns_addresses>& v, std::string_view name) {
  for (const ns_addresses& n : v) {
    if (n.name == name) {
      return &n;
    }
  }
  return nullptr;
}

}  // namespace

std::string_view to_string(zone_finding_kind k) {
  static constexpr std::array<std::string_view, zone_finding_kind_count> names = {
      "lame_server", "ns_mismatch",   "serial_mismatch", "missing_glue", "wrong_glue",
      "ns_unresolvable", "single_ns", "same_subnet",     "low_ns_ttl",   "parent_unreachable"};
  return names[static_cast<size_t>(k)];
}

std::vector<std::string> child_ns_set(const zone_facts& f) {
  for (const zone_server& s : f.servers) {
    if (s.ns == dns_status::ok && !s.ns_names.empty()) {
      return s.ns_names;
    }
  }
  return {};
}

std::vector<zone_finding> audit_zone(const zone_facts& f) {
  std::vector<zone_finding> out;
  for (const zone_server& s : f.servers) {
    std::string_view reason = lame_reason(s);
    if (reason.empty() && s.soa == dns_status::ok && s.tcp == zone_server::tcp_t::failed) {
      reason = "no_tcp";
    }
    if (!reason.empty()) {
      zone_finding z;
      z.kind = zone_finding_kind::lame_server;
      z.server = s.name;
      z.address = s.ip.to_string();
      z.reason = std::string(reason);
      out.push_back(std::move(z));
    }
  }
  const std::vector<std::string> child = child_ns_set(f);
  if (f.parent_answered && !f.records_cut && !child.empty() && child != f.parent_ns) {
    zone_finding z;
    z.kind = zone_finding_kind::ns_mismatch;
    std::set_difference(f.parent_ns.begin(), f.parent_ns.end(), child.begin(), child.end(),
                        std::back_inserter(z.parent_only));
    std::set_difference(child.begin(), child.end(), f.parent_ns.begin(), f.parent_ns.end(),
                        std::back_inserter(z.child_only));
    out.push_back(std::move(z));
  }
  std::vector<uint32_t> serials;
  for (const zone_server& s : f.servers) {
    if (s.soa == dns_status::ok && s.aa) {
      serials.push_back(s.serial);
    }
  }
  std::sort(serials.begin(), serials.end());
  serials.erase(std::unique(serials.begin(), serials.end()), serials.end());
  if (serials.size() > 1) {
    zone_finding z;
    z.kind = zone_finding_kind::serial_mismatch;
    z.serials = serials;
    out.push_back(std::move(z));
  }
  // Glue: a name inside the delegated zone can only be found through it
  // (RFC 1034 §4.2.1); the referral must carry its address, and any glue
  // given must be what the name resolves to.
  for (const std::string& name : f.parent_ns) {
    const ns_addresses* glue = find(f.glue, name);
    if (!f.records_cut && at_or_below(name, f.zone) && (glue == nullptr || glue->addrs.empty())) {
      zone_finding z;
      z.kind = zone_finding_kind::missing_glue;
      z.server = name;
      out.push_back(std::move(z));
    }
  }
  for (const std::string& name : f.parent_ns) {
    const ns_addresses* glue = find(f.glue, name);
    const ns_addresses* resolved = find(f.resolved, name);
    // Wrong: glue the name does not resolve to. Glue of one family only
    // (A without AAAA, often all a referral has room for) is not wrong.
    const bool stray =
        !f.records_cut && glue != nullptr && resolved != nullptr && !resolved->failed &&
        !resolved->addrs.empty() &&
        std::any_of(glue->addrs.begin(), glue->addrs.end(), [&](const ip_address& a) {
          return !std::binary_search(resolved->addrs.begin(), resolved->addrs.end(), a);
        });
    if (stray) {
      zone_finding z;
      z.kind = zone_finding_kind::wrong_glue;
      z.server = name;
      for (const ip_address& a : glue->addrs) {
        z.address += (z.address.empty() ? "" : " ") + a.to_string();
      }
      out.push_back(std::move(z));
    }
  }
  std::vector<std::string> names = f.parent_ns;
  names.insert(names.end(), child.begin(), child.end());
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const std::string& name : names) {
    const ns_addresses* glue = find(f.glue, name);
    const ns_addresses* resolved = find(f.resolved, name);
    // Only from lookups that were asked and answered: a name past the
    // names cap, or whose lookup failed, is not known to have no address.
    if (!f.records_cut && (glue == nullptr || glue->addrs.empty()) && resolved != nullptr &&
        !resolved->failed && resolved->addrs.empty()) {
      zone_finding z;
      z.kind = zone_finding_kind::ns_unresolvable;
      z.server = name;
      out.push_back(std::move(z));
    }
  }
  if (names.size() == 1 && !f.records_cut) {
    zone_finding z;
    z.kind = zone_finding_kind::single_ns;
    z.server = names.front();
    out.push_back(std::move(z));
  }
  if (f.servers.size() > 1) {
    bool one_net = true;
    for (const zone_server& s : f.servers) {
      one_net = one_net && same_net(s.ip, f.servers.front().ip);
    }
    if (one_net) {
      zone_finding z;
      z.kind = zone_finding_kind::same_subnet;
      z.address = f.servers.front().ip.to_string();
      out.push_back(std::move(z));
    }
  }
  uint32_t ttl = UINT32_MAX;
  for (const zone_server& s : f.servers) {
    if (s.ns == dns_status::ok) {
      ttl = std::min(ttl, s.ns_ttl);
    }
  }
  if (ttl < min_ns_ttl) {
    zone_finding z;
    z.kind = zone_finding_kind::low_ns_ttl;
    z.ttl = ttl;
    out.push_back(std::move(z));
  }
  if (f.parent_asked && !f.parent_answered) {
    zone_finding z;
    z.kind = zone_finding_kind::parent_unreachable;
    z.server = f.parent;
    out.push_back(std::move(z));
  }
  return out;
}

namespace {

struct digit_run {
  size_t start;
  size_t len;
  uint32_t value;
};

}  // namespace

std::string name_template(std::string_view name, const ip_address& ip) {
  std::string text = ascii_lower(name);
  // (start, length, placeholder) replacements, applied from the right.
  std::vector<std::tuple<size_t, size_t, std::string_view>> cuts;
  if (!ip.is_v4()) {
    char hex[8];
    const int n = std::snprintf(hex, sizeof(hex), "%x", ip.bytes[14] << 8 | ip.bytes[15]);
    const std::string_view h(hex, static_cast<size_t>(n));
    // As a whole label only: a short hex string is found by chance anywhere.
    for (size_t at = text.find(h); at != std::string::npos; at = text.find(h, at + 1)) {
      const bool left = at == 0 || text[at - 1] == '.' || text[at - 1] == '-';
      const size_t end = at + h.size();
      const bool right = end == text.size() || text[end] == '.' || text[end] == '-';
      if (left && right) {
        cuts.emplace_back(at, h.size(), "{h8}");
        break;
      }
    }
  } else {
    const std::array<uint32_t, 4> o = {ip.bytes[0], ip.bytes[1], ip.bytes[2], ip.bytes[3]};
    char hex[9];
    std::snprintf(hex, sizeof(hex), "%02x%02x%02x%02x", o[0], o[1], o[2], o[3]);
    if (const size_t at = text.find(hex); at != std::string::npos) {
      cuts.emplace_back(at, 8, "{hex}");
    } else {
      std::vector<digit_run> runs;
      for (size_t i = 0; i < text.size();) {
        if (text[i] < '0' || text[i] > '9') {
          ++i;
          continue;
        }
        size_t j = i;
        uint32_t v = 0;
        while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
          v = j - i < 4 ? v * 10 + static_cast<uint32_t>(text[j] - '0') : 1000;
          ++j;
        }
        if (j - i <= 3) {
          runs.push_back({i, j - i, v});
        }
        i = j;
      }
      static constexpr std::string_view ph[4] = {"{a}", "{b}", "{c}", "{d}"};
      // Runs k..k+n-1 written next to each other (one separator between).
      auto adjacent = [&](size_t k, size_t n) {
        for (size_t m = k; m + 1 < k + n; ++m) {
          if (runs[m].start + runs[m].len + 1 != runs[m + 1].start) {
            return false;
          }
        }
        return true;
      };
      // Try the longest match first: all four octets, then c and d, then d.
      bool done = false;
      for (size_t k = 0; !done && k + 4 <= runs.size(); ++k) {
        if (!adjacent(k, 4)) {
          continue;
        }
        const bool fwd = runs[k].value == o[0] && runs[k + 1].value == o[1] &&
                         runs[k + 2].value == o[2] && runs[k + 3].value == o[3];
        const bool rev = runs[k].value == o[3] && runs[k + 1].value == o[2] &&
                         runs[k + 2].value == o[1] && runs[k + 3].value == o[0];
        if (fwd || rev) {
          for (size_t m = 0; m < 4; ++m) {
            cuts.emplace_back(runs[k + m].start, runs[k + m].len, ph[fwd ? m : 3 - m]);
          }
          done = true;
        }
      }
      for (size_t k = 0; !done && k + 2 <= runs.size(); ++k) {
        if (!adjacent(k, 2)) {
          continue;
        }
        const bool fwd = runs[k].value == o[2] && runs[k + 1].value == o[3];
        const bool rev = runs[k].value == o[3] && runs[k + 1].value == o[2];
        if (fwd || rev) {
          cuts.emplace_back(runs[k].start, runs[k].len, fwd ? ph[2] : ph[3]);
          cuts.emplace_back(runs[k + 1].start, runs[k + 1].len, fwd ? ph[3] : ph[2]);
          done = true;
        }
      }
      for (size_t k = 0; !done && k < runs.size(); ++k) {
        if (runs[k].value == o[3]) {
          cuts.emplace_back(runs[k].start, runs[k].len, ph[3]);
          done = true;
        }
      }
    }
  }
  std::sort(cuts.begin(), cuts.end());
  for (auto it = cuts.rbegin(); it != cuts.rend(); ++it) {
    text.replace(std::get<0>(*it), std::get<1>(*it), std::get<2>(*it));
  }
  return text;
}

}  // namespace ptrscan
