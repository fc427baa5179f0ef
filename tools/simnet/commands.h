#pragma once

#include "simnet/args.h"

namespace ptrscan::simnet {

/// The subcommands: each adds itself to `app` with its flags and the MIX
/// flags, and when it is the one parsed sets `run` to run it (returning the
/// process exit status). Errors found after parsing are thrown as
/// usage_error.
void add_serve_command(CLI::App& app, command_runner& run);
void add_zones_command(CLI::App& app, command_runner& run);
void add_nft_command(CLI::App& app, command_runner& run);
void add_check_command(CLI::App& app, command_runner& run);
void add_expect_command(CLI::App& app, command_runner& run);

}  // namespace ptrscan::simnet
