#include "e2e/knot.h"

#include <stdexcept>

#include "absl/strings/str_format.h"
#include "e2e/scenario.h"
#include "testnet/dns_probe.h"
#include "testnet/files.h"

namespace ptrscan::bench {

std::string knot_config(const std::string& dir, const std::string& listen,
                        const std::vector<zone_file>& zones) {
  // Positional arguments: %1$s the listen address, %2$s the directory.
  std::string c = absl::StrFormat(R"(server:
    listen: %1$s
    rundir: "%2$s"
    pidfile: "%2$s/knot.pid"
    udp-workers: 2
    tcp-workers: 1
    background-workers: 1
database:
    storage: "%2$s"
log:
  - target: stderr
    any: notice
template:
  - id: default
    storage: "%2$s"
    semantic-checks: off
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
)",
                                  listen, dir);
  for (const auto& z : zones) {
    c += "  - domain: \"" + z.origin + ".\"\n    file: \"" + z.file + "\"\n";
  }
  return c;
}

testnet::daemon_process start_knot(const std::string& dir, const std::string& host,
                                   const std::vector<zone_file>& zones,
                                   std::chrono::milliseconds timeout) {
  const testnet::endpoint server{host, dns_port};
  testnet::write_file(dir + "/knot.conf", knot_config(dir, server.at_form(), zones));
  testnet::daemon_process knot =
      testnet::daemon_process::start({"knotd", "-c", dir + "/knot.conf"}, dir + "/knotd.log");
  auto all_loaded = [&] {
    for (const auto& z : zones) {
      auto reply = testnet::query_udp(server, z.origin, testnet::rr_type::soa,
                                      std::chrono::milliseconds(500));
      if (!reply || reply->rcode != testnet::rcode::noerror || !reply->authoritative) {
        return false;
      }
    }
    return true;
  };
  if (!knot.wait_ready(all_loaded, timeout)) {
    throw std::runtime_error("knotd not ready (" + knot.exit_description() + "):\n" +
                             knot.log_tail());
  }
  return knot;
}

}  // namespace ptrscan::bench
