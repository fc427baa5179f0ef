#include <cstdio>
#include <iostream>

#include "simnet/checker.h"
#include "simnet/commands.h"
#include "simnet/ndjson_reader.h"

namespace ptrscan::simnet {

int run_check(arg_reader& args) {
  mix m;
  std::optional<cidr> targets;
  std::optional<probe_set> probes;
  std::string file;
  while (!args.done()) {
    const std::string_view arg = args.next();
    if (arg == "--targets") {
      const std::string_view text = args.value(arg);
      if (!(targets = cidr::parse(text))) {
        throw usage_error("check: bad --targets '" + std::string(text) + "'");
      }
    } else if (arg == "--probes") {
      const std::string_view list = args.value(arg);
      if (!(probes = probe_set::parse(list))) {
        throw usage_error("check: bad --probes '" + std::string(list) + "'");
      }
    } else if (take_mix_flag(arg, args, m)) {
      continue;
    } else if (file.empty() && !arg.starts_with("--")) {
      file = arg;
    } else {
      throw usage_error("check: unknown argument " + std::string(arg));
    }
  }
  if (!probes || file.empty()) {
    throw usage_error("check: --probes LIST and FILE are required");
  }
  const cidr t = targets.value_or(m.range);
  if (!m.range.contains(t.base) || t.prefix < m.range.prefix) {
    throw usage_error("check: --targets " + t.to_string() + " is not inside --range " +
                      m.range.to_string());
  }
  const model sim(m);
  checker c(sim, *probes, t);
  for_each_line(file, [&](std::string_view line) { c.add_line(line); });
  const check_summary s = c.finish();
  for (const std::string& e : s.examples) {
    std::cerr << "mismatch: " << e << "\n";
  }
  std::cout << s.to_json() << "\n";
  return s.ok() ? 0 : 1;
}

}  // namespace ptrscan::simnet
