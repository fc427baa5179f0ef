#include "simnet/args.h"

#include <CLI/CLI.hpp>
#include <string>

namespace ptrscan::simnet {

void add_mix_flags(CLI::App& app, mix& m) {
  const mix d;
  auto f = [](double v) { return std::to_string(v).substr(0, 4); };
  struct share_flag {
    const char* name;
    double mix::*field;
    const char* what;
  };
  static constexpr share_flag shares[] = {
      {"--ptr", &mix::ptr, "addresses with a PTR"},
      {"--fcrdns", &mix::fcrdns, "PTR names whose A points back"},
      {"--generic", &mix::generic, "PTR names that are IP-derived"},
      {"--open", &mix::open, "addresses with the SMTP port open"},
      {"--refused", &mix::refused, "closed hosts answering RST (others drop SYNs)"},
      {"--banner-match", &mix::banner_match, "open hosts greeting with their PTR name"},
      {"--starttls", &mix::starttls, "open hosts offering STARTTLS"},
  };
  app.add_option_function<std::string>(
         "--range",
         [&m](const std::string& text) {
           const auto range = cidr::parse(text);
           if (!range || range->prefix < 8) {
             throw CLI::ValidationError("--range wants an IPv4 CIDR of /8 or longer, not '" +
                                        text + "'");
           }
           m.range = *range;
         },
         "the simulated block (default " + d.range.to_string() + ")")
      ->type_name("CIDR")
      ->group("MIX (same defaults in every subcommand)");
  app.add_option("--seed", m.seed, "seed of every decision (default " + std::to_string(d.seed) + ")")
      ->type_name("N")
      ->group("MIX (same defaults in every subcommand)");
  for (const share_flag& s : shares) {
    app.add_option(s.name, m.*s.field,
                   std::string("share of ") + s.what + " (default " + f(d.*s.field) + ")")
        ->type_name("SHARE")
        ->check(CLI::Range(0.0, 1.0))
        ->group("MIX (same defaults in every subcommand)");
  }
}

}  // namespace ptrscan::simnet
