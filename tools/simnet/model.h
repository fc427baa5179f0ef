#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simnet/ipv4.h"

namespace ptrscan::simnet {

/// The knobs of the simulated network. The defaults are the same in every
/// subcommand, so `serve`, `zones`, `nft` and `check` agree without flags.
struct mix {
  cidr range{0xC6120000, 15};  // 198.18.0.0/15
  uint64_t seed = 1;
  double ptr = 0.45;          // addresses with a PTR
  double fcrdns = 0.60;       // PTR names whose A points back
  double generic = 0.5;       // PTR names that are IP-derived
  double open = 0.03;         // addresses with port 25 open
  double refused = 0.90;      // of the rest: answer RST (others drop SYNs)
  double banner_match = 0.8;  // open hosts greeting with their PTR name
  double starttls = 0.5;      // open hosts offering STARTTLS
};

/// What the A lookup of a PTR name gives.
enum class forward_kind : uint8_t { confirmed, elsewhere, nxdomain };
/// What a connection to the SMTP port meets.
enum class smtp_kind : uint8_t { open, refused, silent };

std::string_view to_string(forward_kind k);
std::string_view to_string(smtp_kind k);

/// Everything the simulator decides about one address.
struct host_truth {
  uint32_t ip = 0;
  bool has_ptr = false;
  std::string ptr_name;                           // "" without PTR
  bool generic = false;                           // ptr_name is IP-derived
  forward_kind forward = forward_kind::nxdomain;  // of ptr_name; nxdomain without PTR
  uint32_t forward_ip = 0;  // the A record when forward is confirmed or elsewhere
  smtp_kind smtp = smtp_kind::silent;
  bool starttls = false;      // EHLO offers STARTTLS
  bool banner_match = false;  // the greeting names ptr_name
  std::string banner_name;    // the host in the greeting and the EHLO reply
};

/// What the forward zone holds for a name.
struct forward_record {
  bool exists = false;
  std::optional<uint32_t> a;
};

/// The simulated network: a pure function of (mix, address). Every decision
/// draws its own keyed hash of the address, so the shares are independent and
/// a given seed always gives the same network.
class model {
 public:
  explicit model(const mix& m);

  const mix& settings() const { return mix_; }
  bool in_range(uint32_t ip) const { return mix_.range.contains(ip); }

  /// The truth of any address (also outside the range, where the SMTP server
  /// still needs a greeting name).
  host_truth truth(uint32_t ip) const;

  /// The forward zone's answer for `name` (lower case, no trailing dot):
  /// the apex and every PTR name whose A exists; nothing else.
  forward_record forward(std::string_view name) const;

  /// The reverse zones that cover the range exactly: the range split into
  /// blocks at the next octet boundary (/15 -> two /16 zones).
  std::vector<cidr> reverse_zones() const;
  /// The prefix length of every reverse zone: the range's, rounded up to a
  /// multiple of 8.
  int reverse_zone_prefix() const { return (mix_.range.prefix + 7) / 8 * 8; }

  /// A uniform draw in [0, 1) for the /24 `net24` (its address >> 8), drawn
  /// apart from every per-address decision: which fault the /24's delegated
  /// zone has (zone_model.h).
  double zone_draw(uint32_t net24) const;

 private:
  double draw(uint32_t ip, uint32_t decision) const;
  uint64_t hash(uint32_t ip, uint32_t decision) const;

  mix mix_;
  uint64_t key_;
};

/// "18.198.in-addr.arpa" for 198.18.0.0/16 (prefix a multiple of 8).
std::string reverse_zone_origin(const cidr& zone);

}  // namespace ptrscan::simnet
