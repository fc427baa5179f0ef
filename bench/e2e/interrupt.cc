#include "e2e/interrupt.h"

#include <signal.h>

namespace ptrscan::bench {
namespace {

volatile sig_atomic_t requested = 0;

void on_signal(int) { requested = 1; }

}  // namespace

void install_interrupt_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking poll returns EINTR
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool interrupt_requested() { return requested != 0; }

}  // namespace ptrscan::bench
