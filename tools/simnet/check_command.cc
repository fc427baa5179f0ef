#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "simnet/checker.h"
#include "simnet/commands.h"
#include "simnet/ndjson_reader.h"

namespace ptrscan::simnet {
namespace {

struct check_options {
  mix m;
  std::optional<cidr> targets;
  std::optional<probe_set> probes;
  std::string file;
  bool timeouts_ok = false;
};

int run_check(const check_options& o) {
  const mix& m = o.m;
  const cidr t = o.targets.value_or(m.range);
  if (!m.range.contains(t.base) || t.prefix < m.range.prefix) {
    throw usage_error("--targets " + t.to_string() + " is not inside --range " +
                      m.range.to_string());
  }
  const model sim(m);
  checker c(sim, *o.probes, t, o.timeouts_ok);
  for_each_line(o.file, [&](std::string_view line) { c.add_line(line); });
  const check_summary s = c.finish();
  for (const std::string& e : s.examples) {
    std::cerr << "mismatch: " << e << "\n";
  }
  std::cout << s.to_json() << "\n";
  return s.ok() ? 0 : 1;
}

}  // namespace

void add_check_command(CLI::App& app, command_runner& run) {
  auto o = std::make_shared<check_options>();
  CLI::App* sub = app.add_subcommand("check", "compare a ptrscan result FILE with the model");
  sub->add_option_function<std::string>(
         "--targets",
         [o](const std::string& text) {
           if (!(o->targets = cidr::parse(text))) {
             throw CLI::ValidationError("--targets '" + text + "': expected an IPv4 CIDR");
           }
         },
         "the scanned block (default: --range)")
      ->type_name("CIDR");
  sub->add_option_function<std::string>(
         "--probes",
         [o](const std::string& list) {
           if (!(o->probes = probe_set::parse(list))) {
             throw CLI::ValidationError("--probes '" + list + "': expected ptrscan's --probes");
           }
         },
         "the probes the scan ran")
      ->type_name("LIST")
      ->required();
  sub->add_flag("--timeouts-ok", o->timeouts_ok,
                "count records whose PTR lookup timed out in \"timed_out\" instead of\n"
                "comparing them (a resolver that drops on purpose; judge their share apart)");
  sub->add_option("FILE", o->file, "ptrscan's NDJSON output")->required();
  add_mix_flags(*sub, o->m);
  sub->callback([o, &run] { run = [o] { return run_check(*o); }; });
}

}  // namespace ptrscan::simnet
