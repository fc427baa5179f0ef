#pragma once

#include <cstdint>
#include <string>

namespace ptrscan::simnet {

/// Why the simulator must not listen on `ip` (host order) here, or "" when it
/// may: a loopback address always; any other address, the wildcard included,
/// only inside a network namespace whose only interface is lo, so the
/// simulated hosts can never be reached from, or answer for, a real network.
std::string listen_refusal(uint32_t ip);

}  // namespace ptrscan::simnet
