#include "simnet/args.h"

#include <charconv>
#include <cstdlib>

namespace ptrscan::simnet {

std::string_view arg_reader::next() { return argv_[next_++]; }

std::string_view arg_reader::value(std::string_view flag) {
  if (done()) {
    throw usage_error("missing value for " + std::string(flag));
  }
  return next();
}

int64_t arg_reader::integer(std::string_view flag, int64_t min, int64_t max) {
  const std::string_view text = value(flag);
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < min || v > max) {
    throw usage_error(std::string(flag) + " wants an integer from " + std::to_string(min) + " to " +
                      std::to_string(max) + ", not '" + std::string(text) + "'");
  }
  return v;
}

double arg_reader::share(std::string_view flag) {
  const std::string text(value(flag));
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v >= 0.0 && v <= 1.0)) {
    throw usage_error(std::string(flag) + " wants a share from 0 to 1, not '" + text + "'");
  }
  return v;
}

bool take_mix_flag(std::string_view flag, arg_reader& args, mix& m) {
  struct share_flag {
    std::string_view name;
    double mix::*field;
  };
  static constexpr share_flag shares[] = {
      {"--ptr", &mix::ptr},           {"--fcrdns", &mix::fcrdns},
      {"--generic", &mix::generic},   {"--open", &mix::open},
      {"--refused", &mix::refused},   {"--banner-match", &mix::banner_match},
      {"--starttls", &mix::starttls},
  };
  for (const share_flag& s : shares) {
    if (flag == s.name) {
      m.*s.field = args.share(flag);
      return true;
    }
  }
  if (flag == "--seed") {
    m.seed = static_cast<uint64_t>(args.integer(flag, 0, INT64_MAX));
    return true;
  }
  if (flag == "--range") {
    const std::string_view text = args.value(flag);
    const auto range = cidr::parse(text);
    if (!range || range->prefix < 8) {
      throw usage_error("--range wants an IPv4 CIDR of /8 or longer, not '" + std::string(text) +
                        "'");
    }
    m.range = *range;
    return true;
  }
  return false;
}

std::string mix_usage() {
  const mix d;
  auto f = [](double v) { return std::to_string(v).substr(0, 4); };
  return "MIX (same defaults in every subcommand):\n"
         "  --range CIDR (" +
         d.range.to_string() + ")  --seed N (" + std::to_string(d.seed) + ")\n  --ptr " + f(d.ptr) +
         "  --fcrdns " + f(d.fcrdns) + "  --generic " + f(d.generic) + "\n  --open " + f(d.open) +
         "  --refused " + f(d.refused) + "  --banner-match " + f(d.banner_match) + "  --starttls " +
         f(d.starttls) + "\n";
}

}  // namespace ptrscan::simnet
