#pragma once

namespace ptrscan::bench {

/// Ctrl-C or SIGTERM to the harness must still stop its servers and delete
/// its namespace: the handler only records the request (and interrupts the
/// wait for a measured child), and the harness unwinds normally.
void install_interrupt_handler();

/// True once SIGINT or SIGTERM arrived.
bool interrupt_requested();

}  // namespace ptrscan::bench
