#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ptrscan::simnet {

/// The forward zone every simulated name lives in.
inline constexpr std::string_view forward_zone = "sim.test";

/// How a simulated PTR name is spelt. The generic styles look like the
/// IP-derived names ISPs give residential space; the custom ones like names an
/// operator chose. Every style encodes the address, so the DNS server answers
/// forward queries by parsing the name instead of keeping a table.
enum class name_style : uint8_t {
  dyn,     // ip-198-18-3-7.dyn.sim.test
  pool,    // 198-18-3-7.pool.sim.test
  host,    // host7.3.18.198.static.sim.test
  corp,    // mail-c6120307.corp.sim.test
  mx_hex,  // mx.c6120307.sim.test
};
inline constexpr int generic_style_count = 3;  // dyn, pool, host
inline constexpr int custom_style_count = 2;   // corp, mx_hex

/// The name of `ip` in `style`.
std::string make_ptr_name(name_style style, uint32_t ip);

/// The greeting name of an open host without a PTR: mx-198-18-3-7.smtp.sim.test.
std::string make_smtp_name(uint32_t ip);

/// A greeting name that is not the host's PTR name: mta<n>.other.sim.test.
std::string make_other_name(uint32_t n);

/// The address a name made by make_ptr_name or make_smtp_name encodes, for a
/// lower-case name without trailing dot; nullopt for anything else. Accepts
/// only the spelling the makers produce.
std::optional<uint32_t> parse_encoded_ip(std::string_view name);

}  // namespace ptrscan::simnet
