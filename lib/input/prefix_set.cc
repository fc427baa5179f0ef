#include "input/prefix_set.h"

#include <algorithm>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "net/absl_compat.h"

namespace ptrscan {
namespace {

using u128 = unsigned __int128;

u128 v6_value(const ip_address& a) {
  u128 v = 0;
  for (uint8_t b : a.bytes) {
    v = (v << 8) | b;
  }
  return v;
}

/// [first, last] of a prefix, for a key type of `bits` bits.
template <class T>
std::pair<T, T> range_of(T value, unsigned len, unsigned bits) {
  const unsigned host = bits - std::min(len, bits);
  const T host_mask = host == 0 ? T{0} : host >= bits ? ~T{0} : (T{1} << host) - 1;
  return {value & ~host_mask, value | host_mask};
}

}  // namespace

void prefix_set::add(const ip_address& base, unsigned len) {
  if (base.is_v4()) {
    v4_.push_back(range_of<uint32_t>(base.v4_value(), len, 32));
  } else {
    v6_.push_back(range_of<u128>(v6_value(base), len, 128));
  }
}

template <class T>
void prefix_set::merge(std::vector<std::pair<T, T>>& ranges) {
  std::sort(ranges.begin(), ranges.end());
  size_t out = 0;
  for (size_t i = 0; i < ranges.size(); ++i) {
    // Overlapping or adjacent (last + 1 == first, without overflowing).
    if (out > 0 && (ranges[i].first <= ranges[out - 1].second ||
                    ranges[i].first - 1 == ranges[out - 1].second)) {
      ranges[out - 1].second = std::max(ranges[out - 1].second, ranges[i].second);
    } else {
      ranges[out++] = ranges[i];
    }
  }
  ranges.resize(out);
  ranges.shrink_to_fit();
}

void prefix_set::finish() {
  merge(v4_);
  merge(v6_);
}

template <class T>
const std::pair<T, T>* prefix_set::find(const std::vector<std::pair<T, T>>& ranges, T value) {
  // The last range starting at or before `value`.
  auto it = std::upper_bound(ranges.begin(), ranges.end(), value,
                             [](T v, const std::pair<T, T>& r) { return v < r.first; });
  if (it == ranges.begin()) {
    return nullptr;
  }
  return &*(it - 1);
}

bool prefix_set::contains(const ip_address& a) const {
  if (a.is_v4()) {
    const uint32_t v = a.v4_value();
    const auto* r = find(v4_, v);
    return r != nullptr && v <= r->second;
  }
  const u128 v = v6_value(a);
  const auto* r = find(v6_, v);
  return r != nullptr && v <= r->second;
}

bool prefix_set::covers(const cidr_block& b) const {
  if (b.base.is_v4()) {
    const auto want = range_of<uint32_t>(b.base.v4_value(), b.prefix, 32);
    const auto* r = find(v4_, want.first);
    return r != nullptr && want.second <= r->second;
  }
  const auto want = range_of<u128>(v6_value(b.base), b.prefix, 128);
  const auto* r = find(v6_, want.first);
  return r != nullptr && want.second <= r->second;
}

bool prefix_set::intersects(const cidr_block& b) const {
  auto check = [](const auto& ranges, auto want) {
    // A range that starts inside the block, or the one covering its start.
    const auto* r = find(ranges, want.second);
    return r != nullptr && r->second >= want.first;
  };
  if (b.base.is_v4()) {
    return check(v4_, range_of<uint32_t>(b.base.v4_value(), b.prefix, 32));
  }
  return check(v6_, range_of<u128>(v6_value(b.base), b.prefix, 128));
}

size_t prefix_set::memory_bytes() const {
  return v4_.capacity() * sizeof(v4_[0]) + v6_.capacity() * sizeof(v6_[0]);
}

absl::Status prefix_set::add_line(std::string_view line, std::string_view source,
                                  uint64_t line_no) {
  if (const size_t hash = line.find('#'); hash != std::string_view::npos) {
    line = line.substr(0, hash);
  }
  line = sv(absl::StripAsciiWhitespace(av(line)));
  if (line.empty()) {
    return absl::OkStatus();
  }
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(av(source), ":", line_no, ": ", av(why), ": '", av(line), "'"));
  };
  std::string_view addr_text = line;
  unsigned len = 0;
  bool has_len = false;
  if (const size_t slash = line.find('/'); slash != std::string_view::npos) {
    addr_text = line.substr(0, slash);
    if (!absl::SimpleAtoi(av(line.substr(slash + 1)), &len)) {
      return bad("prefix length must be a number");
    }
    has_len = true;
  }
  std::optional<ip_address> a = ip_address::parse(addr_text);
  if (!a) {
    return bad("not an IP address or CIDR block");
  }
  const unsigned max_len = a->is_v4() ? 32 : 128;
  if (!has_len) {
    len = max_len;
  } else if (len > max_len) {
    return bad(absl::StrCat("prefix length over ", max_len));
  }
  add(*a, len);
  return absl::OkStatus();
}

absl::StatusOr<prefix_set> prefix_set::parse(std::string_view text, std::string_view source) {
  prefix_set set;
  uint64_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    if (absl::Status s = set.add_line(text.substr(pos, end - pos), source, ++line_no); !s.ok()) {
      return s;
    }
    pos = end + 1;
  }
  set.finish();
  return set;
}

absl::StatusOr<prefix_set> prefix_set::load(const std::string& path) {
  // Line by line: a list of tens of millions of entries is never held as text.
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot open"));
  }
  prefix_set set;
  std::string line;
  uint64_t line_no = 0;
  while (std::getline(in, line)) {
    if (absl::Status s = set.add_line(line, path, ++line_no); !s.ok()) {
      return s;
    }
  }
  if (in.bad()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": read error"));
  }
  set.finish();
  return set;
}

}  // namespace ptrscan
