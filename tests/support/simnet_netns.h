#pragma once

// The simulator (tools/simnet, `ptrscan-simnet serve`) in a network
// namespace of the test's own, for scans at scale under a fault mix:
//   - every DNS and SMTP reply held `delay_ms` +- `jitter_ms` (simnet);
//   - "silent" SMTP hosts whose SYNs nftables drops (connect timeouts) and
//     "refused" ones that answer RST (the simulator's own nft script);
//   - optionally, DNS datagrams lost at random in both directions (an
//     nftables `numgen random` rule of ours: this kernel has no netem).
// 198.18.0.0/15 answers locally on `lo` inside the namespace; the resolver
// is the simulator on 127.0.0.1:5353 inside it. Nothing leaves the namespace:
// it has no interface but lo. The calling thread stays inside until the
// object is destroyed; processes it forks (ptrscan) live there too.

#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/ip_address.h"
#include "testnet/dns_probe.h"
#include "testnet/netns.h"
#include "testnet/subprocess.h"

namespace ptrscan::testing_faults {

/// Where ptrscan-simnet is: built with the integration tests
/// (tests/CMakeLists.txt defines the path).
inline std::string simnet_binary() { return PTRSCAN_SIMNET_BINARY; }

struct simnet_options {
  std::string range = "198.18.0.0/17";
  uint64_t seed = 7;
  int delay_ms = 10;
  int jitter_ms = 5;
  /// Share (percent) of DNS datagrams dropped in each direction; 0: none.
  int dns_loss_percent = 0;
  /// Extra MIX flags (--open 0.1 ...), the same for serve, nft and check.
  std::vector<std::string> mix;
  int max_seconds = 600;
};

class simnet_netns {
 public:
  static constexpr uint16_t dns_port = 5353;
  static constexpr uint16_t smtp_port = 25;

  /// Why it cannot run here ("" when it can).
  static std::string unavailable_reason(const std::string& simnet) {
    if (::access(simnet.c_str(), X_OK) != 0) {
      return "ptrscan-simnet is not built (" + simnet + ")";
    }
    if (testnet::find_executable("nft").empty()) {
      return "nft is missing";
    }
    return testnet::net_namespace::unavailable_reason();
  }

  simnet_netns(std::string simnet, simnet_options o, const std::string& log_dir)
      : simnet_(std::move(simnet)), o_(std::move(o)) {
    ns_ = testnet::net_namespace::create();
    ns_->add_local_route("198.18.0.0/15");
    ns_->enter();
    try {
      start(log_dir);
    } catch (...) {
      server_.stop();
      ns_->leave();
      throw;
    }
  }
  simnet_netns(const simnet_netns&) = delete;
  simnet_netns& operator=(const simnet_netns&) = delete;
  ~simnet_netns() {
    server_.stop();
    ns_->leave();
  }

  const simnet_options& options() const { return o_; }
  testnet::endpoint resolver() const { return {"127.0.0.1", dns_port}; }
  std::vector<std::string> mix_flags() const {
    std::vector<std::string> m = {"--range", o_.range, "--seed", std::to_string(o_.seed)};
    m.insert(m.end(), o_.mix.begin(), o_.mix.end());
    return m;
  }
  bool running() { return server_.running(); }
  std::string log_tail() const { return server_.log_tail(); }

  /// `ptrscan-simnet check`: {records, checked, mismatched, missing,
  /// duplicates, outside} for `file` against the model over `targets`.
  testnet::run_result check(const std::string& targets, const std::string& probes,
                            const std::string& file) const {
    std::vector<std::string> argv = {simnet_, "check"};
    const auto mix = mix_flags();
    argv.insert(argv.end(), mix.begin(), mix.end());
    argv.insert(argv.end(), {"--targets", targets, "--probes", probes, file});
    testnet::run_options ro;
    ro.deadline = std::chrono::seconds(120);
    return testnet::run_process(argv, ro);
  }

 private:
  void start(const std::string& log_dir) {
    std::vector<std::string> argv = {simnet_, "serve"};
    const auto mix = mix_flags();
    argv.insert(argv.end(), mix.begin(), mix.end());
    argv.insert(argv.end(), {"--dns", "127.0.0.1:" + std::to_string(dns_port), "--smtp-port",
                             std::to_string(smtp_port), "--delay-ms", std::to_string(o_.delay_ms),
                             "--jitter-ms", std::to_string(o_.jitter_ms), "--max-seconds",
                             std::to_string(o_.max_seconds)});
    server_ = testnet::daemon_process::start(argv, log_dir + "/simnet.log");
    const std::string first = o_.range.substr(0, o_.range.find('/'));
    const std::string qname = ip_address::parse(first)->reverse_name();
    const bool ready = server_.wait_ready(
        [&] {
          // Replies are held delay +- jitter: wait a little longer than that.
          return testnet::query_udp(resolver(), qname, testnet::rr_type::ptr,
                                    std::chrono::milliseconds(o_.delay_ms + o_.jitter_ms + 300))
              .has_value();
        },
        std::chrono::seconds(60));
    if (!ready) {
      throw std::runtime_error("ptrscan-simnet serve not ready (" + server_.exit_description() +
                               "):\n" + server_.log_tail());
    }
    // The simulator's firewall: silent hosts drop SYNs, refused ones RST.
    std::vector<std::string> nft = {simnet_, "nft"};
    nft.insert(nft.end(), mix.begin(), mix.end());
    nft.insert(nft.end(), {"--smtp-port", std::to_string(smtp_port)});
    const testnet::run_result script = testnet::run_process(nft);
    if (script.exit_code != 0) {
      throw std::runtime_error("ptrscan-simnet nft: " + script.describe());
    }
    std::string rules = script.out;
    if (o_.dns_loss_percent > 0) {
      const std::string p = std::to_string(o_.dns_loss_percent);
      rules +=
          "\ntable inet ptrscan_dns_loss {\n"
          "  chain input {\n"
          "    type filter hook input priority 0; policy accept;\n"
          "    udp dport " +
          std::to_string(dns_port) + " numgen random mod 100 < " + p +
          " drop\n"
          "    udp sport " +
          std::to_string(dns_port) + " numgen random mod 100 < " + p +
          " drop\n"
          "  }\n"
          "}\n";
    }
    testnet::run_options ro;
    ro.stdin_data = rules;
    const testnet::run_result applied = testnet::run_process({"nft", "-f", "-"}, ro);
    if (applied.exit_code != 0) {
      throw std::runtime_error("nft -f - : " + applied.describe() + "\n" + rules);
    }
  }

  std::string simnet_;
  simnet_options o_;
  std::unique_ptr<testnet::net_namespace> ns_;
  testnet::daemon_process server_;
};

}  // namespace ptrscan::testing_faults
