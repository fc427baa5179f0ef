#pragma once

#include "simnet/args.h"

namespace ptrscan::simnet {

/// The subcommands; each reads its own flags from `args` and returns the
/// process exit status. Usage errors are thrown as usage_error.
int run_serve(arg_reader& args);
int run_zones(arg_reader& args);
int run_nft(arg_reader& args);
int run_check(arg_reader& args);
int run_expect(arg_reader& args);

}  // namespace ptrscan::simnet
