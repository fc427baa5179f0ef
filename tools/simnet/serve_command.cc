#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <CLI/CLI.hpp>
#include <charconv>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "simnet/commands.h"
#include "simnet/dns_server.h"
#include "simnet/listen_guard.h"
#include "simnet/smtp_server.h"
#include "simnet/tls_context.h"
#include "simnet/zone_server.h"

namespace ptrscan::simnet {
namespace {

// Set by SIGINT/SIGTERM: a signal handler can reach nothing but a global.
std::atomic<bool> stop_requested{false};

void on_signal(int) { stop_requested = true; }

struct serve_options {
  mix m;
  uint32_t dns_ip = 0x7F000001;  // 127.0.0.1
  uint16_t dns_port = 53;
  uint16_t smtp_port = 25;
  bool dns = true;
  bool smtp = true;
  bool serve_zones = false;
  delay_settings delay;
  int threads = 0;
  int max_seconds = 600;
};

void parse_endpoint(std::string_view text, serve_options& o) {
  const size_t colon = text.rfind(':');
  const auto ip = parse_ipv4(text.substr(0, colon));
  uint32_t port = 0;
  const std::string_view port_text =
      colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (!ip || port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
      port > 65535) {
    throw CLI::ValidationError("--dns wants IPV4:PORT, not '" + std::string(text) + "'");
  }
  o.dns_ip = *ip;
  o.dns_port = static_cast<uint16_t>(port);
}

// 20k concurrent SMTP sessions need more descriptors than the usual soft
// limit; as root the hard limit can be raised too.
void raise_fd_limit() {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  const rlim_t wanted = 262144;
  rlimit more{std::max(r.rlim_cur, wanted), std::max(r.rlim_max, wanted)};
  if (::setrlimit(RLIMIT_NOFILE, &more) != 0) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

}  // namespace

int run_serve(const serve_options& o) {
  for (const auto& [on, ip] : {std::pair{o.dns, o.dns_ip}, std::pair{o.smtp, uint32_t{0}}}) {
    if (const std::string why = on ? listen_refusal(ip) : std::string(); !why.empty()) {
      std::cerr << "ptrscan-simnet serve: " << why << "\n";
      return 2;
    }
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  const model sim(o.m);
  std::unique_ptr<dns_server> dns;
  std::unique_ptr<smtp_server> smtp;
  bssl::UniquePtr<SSL_CTX> tls;
  nlohmann::json ready = {{"range", o.m.range.to_string()}, {"max_seconds", o.max_seconds}};
  std::unique_ptr<zone_servers> zone;
  if (o.dns) {
    dns = std::make_unique<dns_server>(sim, o.dns_ip, o.dns_port, o.threads, o.serve_zones);
    ready["dns"] = format_ipv4(o.dns_ip) + ":" + std::to_string(dns->port());
    if (o.serve_zones) {
      // On the port the resolver address got, so one --zone-ns-port fits all.
      zone = std::make_unique<zone_servers>(sim, dns->port());
      ready["zone_servers"] = zone->count();
    }
  }
  if (o.smtp) {
    raise_fd_limit();
    tls = make_server_tls_context();
    smtp = std::make_unique<smtp_server>(sim, 0, o.smtp_port, o.threads, tls.get());
    ready["smtp"] = "0.0.0.0:" + std::to_string(smtp->port());
  }
  // One line on stdout once every socket listens: a harness waits for it.
  std::cout << ready.dump() << std::endl;

  const run_control control{&stop_requested, now_ns() + int64_t{o.max_seconds} * 1'000'000'000};
  std::thread dns_thread;
  if (dns) {
    dns_thread = std::thread([&] { dns->run(control, o.delay); });
  }
  std::thread zone_thread;
  if (zone) {
    zone_thread = std::thread([&] { zone->run(control); });
  }
  if (smtp) {
    smtp->run(control, o.delay);
  }
  if (dns_thread.joinable()) {
    dns_thread.join();
  }
  if (zone_thread.joinable()) {
    zone_thread.join();
  }

  nlohmann::json stats = nlohmann::json::object();
  if (dns) {
    const dns_stats& s = dns->stats();
    stats["dns"] = {{"received", s.received.load()},
                    {"sent", s.sent.load()},
                    {"dropped", s.dropped.load()},
                    {"max_held", s.max_held.load()}};
  }
  if (zone) {
    const zone_server_stats& z = zone->stats();
    stats["zone_servers"] = {
        {"udp", z.udp.load()}, {"tcp", z.tcp.load()}, {"dropped", z.dropped.load()}};
  }
  if (smtp) {
    const smtp_stats& s = smtp->stats();
    stats["smtp"] = {{"sessions", s.sessions.load()},
                     {"quits", s.quits.load()},
                     {"tls_ok", s.tls_ok.load()},
                     {"tls_failed", s.tls_failed.load()},
                     {"max_open", s.max_open.load()}};
  }
  std::cerr << "ptrscan-simnet serve: " << stats.dump() << "\n";
  return 0;
}

void add_serve_command(CLI::App& app, command_runner& run) {
  auto o = std::make_shared<serve_options>();
  o->threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  CLI::App* sub = app.add_subcommand("serve", "answer DNS and SMTP for the whole range");
  sub->add_option_function<std::string>(
         "--dns", [o](const std::string& v) { parse_endpoint(v, *o); },
         "DNS listener (default 127.0.0.1:53)")
      ->type_name("ADDR:PORT");
  sub->add_option("--smtp-port", o->smtp_port, "SMTP port (default 25)")
      ->type_name("P")
      ->check(CLI::Range(0, 65535));
  sub->add_flag_callback("--no-smtp", [o] { o->smtp = false; }, "serve no SMTP");
  sub->add_flag_callback("--no-dns", [o] { o->dns = false; }, "serve no DNS");
  sub->add_flag_callback(
      "--zone-servers", [o] { o->serve_zones = true; },
      "also serve the name servers of the delegated reverse zones\n"
      "(4 per /16 of the range, on 127.150-153.N.53 at the DNS port;\n"
      "UDP and TCP) for ptrscan --probes zone");
  sub->add_option("--delay-ms", o->delay.delay_ms, "hold each reply D ms (default 0)")
      ->type_name("D")
      ->check(CLI::Range(0, 600'000));
  sub->add_option("--jitter-ms", o->delay.jitter_ms, "plus up to J ms (default 0)")
      ->type_name("J")
      ->check(CLI::Range(0, 600'000));
  sub->add_option("--threads", o->threads, "server threads (default: number of CPUs)")
      ->type_name("N")
      ->check(CLI::Range(1, 256));
  sub->add_option("--max-seconds", o->max_seconds, "exit after S seconds (default 600)")
      ->type_name("S")
      ->check(CLI::Range(1, 86'400));
  add_mix_flags(*sub, o->m);
  sub->callback([o, &run] {
    if (!o->dns && !o->smtp) {
      throw usage_error("serve: --no-dns and --no-smtp leave nothing to serve");
    }
    if (o->serve_zones && !o->dns) {
      throw usage_error("serve: --zone-servers needs DNS (not --no-dns)");
    }
    run = [o] { return run_serve(*o); };
  });
}

}  // namespace ptrscan::simnet
