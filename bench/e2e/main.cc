// ptrscan-bench: end-to-end throughput of ptrscan against real or simulated
// servers in a network namespace of its own (issue 4). One JSON line per
// (scenario, shards, repeat) on stdout; progress and errors on stderr.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "e2e/interrupt.h"
#include "e2e/listen_run.h"
#include "e2e/options.h"
#include "e2e/run.h"
#include "testnet/files.h"
#include "testnet/netns.h"
#include "testnet/subprocess.h"

namespace ptrscan::bench {
namespace {

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;
constexpr int exit_skip = 77;  // CTest's SKIP_RETURN_CODE, as the tests use

// The CI environment variable is set (and not "0" or "false").
bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && *ci != '\0' && std::string_view(ci) != "0" &&
         std::string_view(ci) != "false" && std::string_view(ci) != "FALSE";
}

// Why the selected scenarios cannot run on this machine, or "".
std::string missing_requirement(const bench_options& o) {
  if (std::string why = testnet::net_namespace::unavailable_reason(); !why.empty()) {
    return why;
  }
  std::vector<std::string> needed = {o.ptrscan, o.simnet};
  for (const auto& name : o.scenarios) {
    const scenario& s = *find_scenario(name);
    if (s.knot) {
      needed.emplace_back("knotd");
    }
    if (s.unbound) {
      needed.emplace_back("unbound");
    }
    if (s.nft) {
      needed.emplace_back("nft");
    }
    if (o.reference && s.reference == reference_kind::dnsperf) {
      needed.emplace_back("dnsperf");
    }
    if (s.listen) {
      needed.push_back(o.listen_load);
      if (o.reference) {
        needed.push_back(o.listen_ref);
      }
    }
  }
  for (const auto& n : needed) {
    if (n.empty() || testnet::find_executable(n).empty()) {
      return "not found: " + (n.empty() ? std::string("ptrscan-simnet (not built)") : n);
    }
  }
  return {};
}

void emit(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fflush(stdout);
}

// dnsperf's thread counts: one and two (the machine's cores), whatever
// -T/--threads says; each is paired with ptrscan at as many threads.
constexpr uint32_t dnsperf_threads[] = {1, 2};

// The scenario's reference lines, each emitted as it finishes; true when
// every reference that ran worked (a missing epoll reference is no failure).
bool run_references(const scenario_setup& setup, std::vector<reference_report>& refs) {
  bool ok = true;
  auto add = [&](reference_report r) {
    emit(to_json_line(r));
    ok = ok && r.ok();
    refs.push_back(std::move(r));
  };
  switch (setup.s.reference) {
    case reference_kind::dnsperf:
      for (const uint32_t threads : dnsperf_threads) {
        if (!interrupt_requested()) {
          add(run_dnsperf_sweep(setup, threads));
        }
      }
      break;
    case reference_kind::epoll_ref:
      add(run_epoll_ref(setup, setup.options.epoll_ref));
      break;
    case reference_kind::none:
      add(no_reference(setup, "no reference client for this scenario"));
      break;
    case reference_kind::listen_ref:
      break;  // run_listen_scenario runs it beside each repeat
  }
  return ok;
}

// The listen scenario: per repeat, ptrscan listen at each -T, then (with
// --reference) each reference under the same load - the PTR-only one, then
// the --fcrdns one (the same DNS work as ptrscan's FCrDNS) - each followed
// by its ratio line for that repeat. True when every run passed.
bool run_listen_scenario(const scenario_setup& setup) {
  const bench_options& o = setup.options;
  bool ok = true;
  for (int rep = 1; rep <= o.repeat && !interrupt_requested(); ++rep) {
    std::vector<listen_report> runs;
    for (const uint32_t shards : o.shards) {
      if (interrupt_requested()) {
        break;
      }
      listen_report r = run_listen(setup, listen_server::ptrscan, shards, rep);
      emit(to_json_line(r));
      ok = ok && r.passed();
      runs.push_back(std::move(r));
    }
    for (const listen_server side : {listen_server::reference, listen_server::reference_fcrdns}) {
      if (!o.reference || interrupt_requested()) {
        break;
      }
      const listen_report ref = run_listen(setup, side, 0, rep);
      emit(to_json_line(ref));
      ok = ok && ref.passed();
      emit(listen_comparison_line(runs, ref, rep));
    }
  }
  return ok;
}

// Runs every selected scenario; true when every run passed.
bool run_all(const bench_options& o, const std::string& work) {
  bool all_passed = true;
  for (const auto& name : o.scenarios) {
    const scenario& s = *find_scenario(name);
    std::cerr << "ptrscan-bench: " << name << " on " << scanned_block(o, s) << "\n";
    try {
      const scenario_setup setup = prepare_scenario(s, o, work + "/" + name);
      if (s.listen) {
        all_passed = run_listen_scenario(setup) && all_passed;
        if (interrupt_requested()) {
          return false;
        }
        continue;
      }
      std::vector<run_report> runs;
      for (uint32_t shards : o.shards) {
        for (int rep = 1; rep <= o.repeat && !interrupt_requested(); ++rep) {
          run_report r = run_once(setup, shards, rep);
          emit(to_json_line(r));
          all_passed = all_passed && r.passed();
          runs.push_back(std::move(r));
        }
      }
      if (o.reference && !interrupt_requested()) {
        std::vector<reference_report> refs;
        all_passed = run_references(setup, refs) && all_passed;
        // The scenario's last line: ptrscan against what ran beside it.
        if (const auto rows = compare(runs, refs); !rows.empty()) {
          emit(to_json_line(std::string(s.name), rows));
        }
      }
    } catch (const std::exception& e) {
      std::cerr << "ptrscan-bench: " << name << ": " << e.what() << "\n";
      all_passed = false;
    }
    if (interrupt_requested()) {
      return false;
    }
  }
  return all_passed;
}

int main_impl(int argc, char** argv) {
  absl::StatusOr<bench_options> parsed =
      parse_options(std::vector<std::string>(argv + 1, argv + argc));
  if (absl::IsCancelled(parsed.status())) {
    std::cout << usage();
    return exit_ok;
  }
  if (!parsed.ok()) {
    std::cerr << "ptrscan-bench: " << parsed.status().message() << "\n" << usage();
    return exit_usage;
  }
  bench_options o = *parsed;
#ifdef PTRSCAN_BINARY
  if (o.ptrscan.empty()) {
    o.ptrscan = PTRSCAN_BINARY;
  }
#endif
#ifdef PTRSCAN_SIMNET_BINARY
  if (o.simnet.empty()) {
    o.simnet = PTRSCAN_SIMNET_BINARY;
  }
#endif
  // The epoll reference: the build's when it has one (and it is built),
  // else one on PATH, else none (its lines say so; never a failure).
#ifdef PTRSCAN_EPOLL_REF_BINARY
  if (o.epoll_ref.empty() && std::filesystem::exists(PTRSCAN_EPOLL_REF_BINARY)) {
    o.epoll_ref = PTRSCAN_EPOLL_REF_BINARY;
  }
#endif
  if (o.epoll_ref.empty()) {
    o.epoll_ref = testnet::find_executable("ptrscan-epoll-ref");
  }
#ifdef PTRSCAN_LISTEN_REF_BINARY
  if (o.listen_ref.empty()) {
    o.listen_ref = PTRSCAN_LISTEN_REF_BINARY;
  }
#endif
#ifdef PTRSCAN_LISTEN_LOAD_BINARY
  if (o.listen_load.empty()) {
    o.listen_load = PTRSCAN_LISTEN_LOAD_BINARY;
  }
#endif
  if (o.listen_ref.empty()) {
    o.listen_ref = testnet::find_executable("ptrscan-listen-ref");
  }
  if (o.listen_load.empty()) {
    o.listen_load = testnet::find_executable("ptrscan-listen-load");
  }
  if (const std::string why = missing_requirement(o); !why.empty()) {
    std::cerr << "ptrscan-bench: cannot run here: " << why << "\n";
    // In CI a skip would pass bench_smoke silently: there a missing fixture
    // fails (as in the tests, tests/support/missing_fixture.h).
    return running_in_ci() ? exit_failed : exit_skip;
  }
  install_interrupt_handler();
  const std::string work = testnet::make_temp_dir("ptrscan-bench");
  const bool passed = run_all(o, work);
  if (o.keep) {
    std::cerr << "ptrscan-bench: kept " << work << "\n";
  } else {
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
  }
  return passed ? exit_ok : exit_failed;
}

}  // namespace
}  // namespace ptrscan::bench

int main(int argc, char** argv) { return ptrscan::bench::main_impl(argc, argv); }
