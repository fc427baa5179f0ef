#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include "simnet/model.h"

namespace CLI {
class App;
}

namespace ptrscan::simnet {

/// A bad command line found after parsing; main prints it with the usage
/// and exits 2 (as it does for CLI11's parse errors).
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Adds the MIX flags every subcommand takes (--range, --seed, --ptr, ...)
/// to `app`, in a "MIX" group, storing into `m`.
void add_mix_flags(CLI::App& app, mix& m);

/// The chosen subcommand, ready to run once the command line is parsed.
using command_runner = std::function<int()>;

}  // namespace ptrscan::simnet
