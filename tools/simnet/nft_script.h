#pragma once

#include <cstdint>
#include <string>

#include "simnet/model.h"

namespace ptrscan::simnet {

/// An nftables script (for `nft -f -` inside the simulation's namespace) that
/// makes the SMTP port behave as the model says: open addresses reach the
/// server, silent ones drop SYNs (the client's connect times out), and every
/// other address of the range answers RST (ECONNREFUSED). Traffic outside the
/// range, loopback included, is left alone. Re-applying it replaces the
/// previous table.
std::string nft_script(const model& m, uint16_t smtp_port);

}  // namespace ptrscan::simnet
