#include "input/target_guard.h"

#include <algorithm>
#include <string_view>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "input/reserved.h"

namespace ptrscan {
namespace {

// Sub-blocks this many bits longer than a /0 are checked one by one at most
// (2^16 checks for the largest block).
constexpr int step_bits = 16;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// The address as typed before the '/', when it differs from the block's base.
bool has_host_bits(std::string_view text, const cidr_block& block) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return false;
  }
  const std::optional<ip_address> typed = ip_address::parse(trim(text.substr(0, slash)));
  return typed && !(*typed == block.base);
}

}  // namespace

uint64_t public_addresses(const cidr_block& block) {
  if (!reserved_block_covering(block).empty()) {
    return 0;
  }
  const int total_bits = block.base.is_v4() ? 32 : 128;
  const int host_bits = total_bits - block.prefix;
  const int effective = block.base.is_v4() ? host_bits
                                           : std::min(host_bits, cidr_block::max_v6_host_bits);
  if (effective <= step_bits) {
    return block.size();
  }
  // Split into 2^step_bits parts of the block's own size / 2^step_bits.
  const int part_prefix = block.prefix + (effective - step_bits);
  const uint64_t part_size = uint64_t{1} << (effective - step_bits);
  uint64_t total = 0;
  for (uint64_t i = 0; i < (uint64_t{1} << step_bits); ++i) {
    cidr_block part;
    part.base = block.at(i * part_size);
    part.prefix = static_cast<uint8_t>(part_prefix);
    if (reserved_block_covering(part).empty()) {
      total += part_size;
    }
  }
  return total;
}

absl::StatusOr<std::vector<std::string>> check_command_line_targets(
    std::span<const std::string> targets, bool allow_large) {
  std::vector<std::string> warnings;
  uint64_t public_total = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    const std::string& text = targets[i];
    parsed_line parsed = parse_target_line(text);
    if (const auto* err = std::get_if<target_error>(&parsed)) {
      // Quoted through the caller's terminal_safe (the message already
      // escapes the byte it names).
      return absl::InvalidArgumentError(
          absl::StrFormat("argument %d '%s': %s", i + 1, text.substr(0, 200), err->message));
    }
    const auto* spec = std::get_if<target_spec>(&parsed);
    if (spec == nullptr) {
      continue;  // blank or a comment
    }
    if (spec->kind == target_spec::kind_t::address ||
        spec->kind == target_spec::kind_t::sender) {
      public_total += reserved_block_name(spec->address).empty() ? 1 : 0;
      continue;
    }
    if (spec->kind != target_spec::kind_t::block) {
      continue;  // a domain: its addresses come from DNS
    }
    if (has_host_bits(text, spec->block)) {
      char base[ip_address::max_text_len];
      warnings.push_back(absl::StrFormat(
          "argument %d '%s' has host bits set: scanning %s/%d", i + 1, text.substr(0, 200),
          std::string_view(base, spec->block.base.format(base)), spec->block.prefix));
    }
    public_total += public_addresses(spec->block);
  }
  if (public_total > max_public_without_flag && !allow_large) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the targets hold %d public addresses, more than a /8 (%d): add --allow-large-scan "
        "if you mean it (and -b a blocklist of networks that asked not to be scanned)",
        public_total, max_public_without_flag));
  }
  return warnings;
}

}  // namespace ptrscan
