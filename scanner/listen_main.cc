// `ptrscan listen`: flags and wiring of lib/listen.
#include "listen_main.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "cli/options.h"
#include "core/ring.h"
#include "dns/resolver.h"
#include "flags.h"
#include "listen/listener.h"
#include "output/output_sink.h"
#include "tls/tls_server.h"

namespace ptrscan {
namespace {

constexpr int exit_ok = 0;
constexpr int exit_runtime = 1;
constexpr int exit_usage = 2;

struct listen_flags {
  std::vector<std::string> listen;
  std::string output = "-";
  std::string hostname;
  resolver_options resolver;
  int retries = 4;
  listener_config config;
  std::string cert;
  std::string key;
  bool no_starttls = false;
  bool demo = false;
  bool quiet = false;
  bool list_fields = false;
};

/// Every session holds a socket. Raises the soft descriptor limit to the
/// hard one and, if --max-sessions still would not fit, admits fewer at
/// once (the rest get 421, as over the cap) rather than running out: an
/// accept that fails with EMFILE leaves the connection in the backlog,
/// unanswered and unrecorded.
void fit_sessions_to_open_files(listener_config& c, bool quiet) {
  const uint64_t open_files = raise_open_files_limit();
  // Per loop: its ring, eventfd, signalfd, listening sockets, DNS sockets
  // (UDP and TCP fallback per resolver) and the socket a refusal needs;
  // the process: stdio, the output file, the TLS context's files.
  const uint64_t loops = std::max<uint32_t>(c.threads, 1);
  const uint64_t reserve =
      64 + loops * (16 + c.addresses.size() + 4 * std::max<size_t>(c.dns.servers.size(), 1));
  const uint64_t fit = open_files > reserve + 1 ? open_files - reserve : 1;
  if (c.max_sessions > fit) {
    if (!quiet) {
      std::fprintf(stderr,
                   "ptrscan listen: at most %llu sessions at once, to fit the open-files limit "
                   "(%llu)\n",
                   static_cast<unsigned long long>(fit),
                   static_cast<unsigned long long>(open_files));
    }
    c.max_sessions = static_cast<uint32_t>(fit);
  }
}

std::string host_name() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0') {
    return host;
  }
  return "localhost";
}

std::unique_ptr<CLI::App> make_app(listen_flags& f) {
  using cli::add_number;
  using cli::add_value;
  auto app = std::make_unique<CLI::App>(
      "ptrscan listen: an SMTP responder that records how each connecting client's\n"
      "identity looks to a receiver (PTR, FCrDNS, naming, HELO rules, check_host for MAIL FROM\n"
      "and HELO) and refuses every RCPT with a one-line verdict. Never accepts mail.",
      "ptrscan listen");
  cli::use_help_formatter(*app, "ptrscan listen [-l ADDR:PORT ...] [-o FILE] [options]");
  add_value(*app, "-l,--listen", "ADDR:PORT",
            "address to listen on, repeatable (IPv6 as [::1]:25;\nport 0: any free port). "
            "Default 0.0.0.0:25",
            [&f](const std::string&, const std::string& v) { f.listen.push_back(v); });
  add_value(*app, "-o,--output", "FILE",
            "records, one per connection (- = stdout, the\ndefault; .zst: zstd)",
            [&f](const std::string&, const std::string& v) { f.output = v; });
  add_value(*app, "--hostname", "NAME",
            "name in the greeting and EHLO reply (default: this\nmachine's host name)",
            [&f](const std::string&, const std::string& v) { f.hostname = v; });
  add_value(*app, "--resolver", "HOST[:PORT]",
            "recursive resolver, repeatable. Default: nameservers\nof /etc/resolv.conf",
            [&f](const std::string&, const std::string& v) {
              f.resolver.servers.push_back(parse_resolver(v));
            });
  add_number(*app, "--dns-timeout", f.resolver.timeout_ms, 1, 600'000, "MS",
             "how long a query's last try waits (default 2000)");
  add_number(*app, "--retries", f.retries, 0, 20, "N", "further tries per query (default 4)");
  add_number(*app, "--dns-cache", f.config.dns_cache.max_entries, 0, 10'000'000, "N",
             "DNS answers kept per event loop, by their TTL;\nidentical lookups in flight are "
             "sent once. 0: no\ncache (default 10000)");
  add_number(*app, "--dns-cache-max-ttl", f.config.dns_cache.max_ttl_s, 1, 604'800, "S",
             "longest a cached answer is kept (default 3600)");
  add_number(*app, "--dns-cache-negative-ttl", f.config.dns_cache.max_negative_ttl_s, 0,
             86'400, "S",
             "longest a cached NXDOMAIN/NODATA is kept (its SOA\nminimum, at most this; "
             "default 300)");
  add_number(*app, "--greet-delay", f.config.greet_delay_ms, 0, 300'000, "MS",
             "hold the greeting this long; a client that talks\nbefore it is an early "
             "talker (default 0)");
  add_number(*app, "--session-timeout", f.config.session_timeout_ms, 1, 3'600'000, "MS",
             "the whole session; then 421 (default 60000)");
  add_number(*app, "--verdict-wait", f.config.verdict_wait_ms, 0, 600'000, "MS",
             "how long a RCPT reply waits for the lookups\n(default 5000)");
  add_number(*app, "-T,--threads", f.config.threads, 1, 256, "N",
             "event loops, each with its own io_uring (SO_REUSEPORT\nsockets; the caps are "
             "for all together). Default: CPUs");
  add_number(*app, "--max-sessions", f.config.max_sessions, 1, 1'000'000, "N",
             "sessions open at once; more are refused with 421\n(default 1000)");
  add_number(*app, "--per-subnet", f.config.per_subnet, 1, 1'000'000, "N",
             "sessions at once per client /24 (IPv6 /64)\n(default 10)");
  add_number(*app, "--max-line", f.config.responder.limits.max_line, 64, 65'536, "N",
             "longest command line, CRLF included (default 1000)");
  add_number(*app, "--max-commands", f.config.responder.limits.max_commands, 1, 100'000, "N",
             "commands per session (default 100)");
  add_number(*app, "-n,--max-connections", f.config.max_records, 1, UINT64_MAX / 2, "N",
             "stop after N records (default: run until a signal)");
  add_value(*app, "--cert", "FILE",
            "STARTTLS certificate chain, PEM (default: a self-signed\none made at start "
            "for --hostname)",
            [&f](const std::string&, const std::string& v) { f.cert = v; });
  add_value(*app, "--key", "FILE", "the private key of --cert, PEM",
            [&f](const std::string&, const std::string& v) { f.key = v; });
  cli::add_switch(*app, "--no-starttls", "do not offer STARTTLS",
                  [&f] { f.no_starttls = true; });
  cli::add_switch(*app, "--demo",
                  "print the listener address and a Postfix command that\nsends it a test mail",
                  [&f] { f.demo = true; });
  cli::add_switch(*app, "--list-fields", "the record's members, tab-separated, and exit",
                  [&f] { f.list_fields = true; });
  cli::add_switch(*app, "-q,--quiet", "nothing on stderr but errors", [&f] { f.quiet = true; });
  return app;
}

}  // namespace

int listen_main(const std::vector<std::string>& args) {
  listen_flags f;
  f.config.threads = std::max(1u, std::thread::hardware_concurrency());
  std::unique_ptr<CLI::App> app = make_app(f);
  try {
    app->parse(std::vector<std::string>(args.rbegin(), args.rend()));
  } catch (const CLI::CallForHelp&) {
    std::fputs(app->help().c_str(), stdout);
    return exit_ok;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "ptrscan listen: %s\n", e.what());
    return exit_usage;
  }
  if (f.list_fields) {
    std::fputs(listen_fields_text().c_str(), stdout);
    return exit_ok;
  }
  if (f.listen.empty()) {
    f.listen.push_back("0.0.0.0:25");
  }
  f.config.addresses = f.listen;
  f.config.responder.hostname = f.hostname.empty() ? host_name() : f.hostname;
  f.resolver.tries = f.retries + 1;
  {
    // The server list, once: /etc/resolv.conf when no --resolver was given.
    absl::StatusOr<std::vector<std::string>> servers = resolver_servers(f.resolver.servers);
    if (!servers.ok()) {
      std::fprintf(stderr, "ptrscan listen: %s\n",
                   std::string(servers.status().message()).c_str());
      return exit_usage;
    }
    f.config.dns.servers = std::move(*servers);
  }
  std::unique_ptr<tls_server_context> tls;
  if (!f.no_starttls) {
    absl::StatusOr<std::unique_ptr<tls_server_context>> t =
        tls_server_context::create(f.cert, f.key, f.config.responder.hostname);
    if (!t.ok()) {
      std::fprintf(stderr, "ptrscan listen: %s\n", std::string(t.status().message()).c_str());
      return exit_usage;
    }
    tls = std::move(*t);
    f.config.tls = tls.get();
    f.config.responder.tls_available = true;
  }
  fit_sessions_to_open_files(f.config, f.quiet);
  // Every record carries the receiver-policy verdicts (docs/policy.md).
  f.config.policy = write_listen_policy;
  f.config.dns.timeout_ms = f.resolver.timeout_ms;
  f.config.dns.tries = f.resolver.tries;
  const bool demo = f.demo;
  const bool quiet = f.quiet;
  f.config.ready = [demo, quiet](const std::vector<std::string>& bound) {
    for (const std::string& b : bound) {
      if (!quiet || demo) {
        std::fprintf(stderr, "ptrscan listen: listening on %s\n", b.c_str());
      }
    }
    if (demo && !bound.empty()) {
      const std::string& b = bound.front();
      const size_t colon = b.rfind(':');
      std::string host = b.substr(0, colon);
      if (host == "0.0.0.0") {
        host = "127.0.0.1";
      } else if (host == "[::]") {
        host = "[::1]";
      }
      if (host.front() != '[') {
        host = "[" + host + "]";
      }
      // relayhost is read by Postfix's queue manager and smtp client, so it
      // goes in main.cf (sendmail -o would set it for sendmail alone).
      std::fprintf(stderr,
                   "ptrscan listen: send it a test mail from a Postfix host (its mail then "
                   "all goes here: undo with postconf -e 'relayhost ='):\n"
                   "  postconf -e 'relayhost = %s:%s' && postfix reload\n"
                   "  printf 'Subject: ptrscan listen test\\n\\ntest\\n' | "
                   "sendmail -f you@your.domain check@ptrscan.invalid\n",
                   host.c_str(), b.substr(colon + 1).c_str());
    }
    std::fflush(stderr);
  };
  // SIGINT/SIGTERM go to the listener's signalfd: blocked here, before the
  // output writer thread starts, so no thread takes their default action.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  absl::StatusOr<std::unique_ptr<output_sink>> sink = output_sink::open(f.output);
  if (!sink.ok()) {
    std::fprintf(stderr, "ptrscan listen: %s\n", std::string(sink.status().message()).c_str());
    return exit_usage;
  }
  listener_stats stats;
  absl::Status s = run_listener(f.config, **sink, &stats);
  absl::Status closed = (*sink)->close();
  if (!s.ok()) {
    std::fprintf(stderr, "ptrscan listen: %s\n", std::string(s.message()).c_str());
    return s.code() == absl::StatusCode::kInternal ? exit_runtime : exit_usage;
  }
  if (!closed.ok()) {
    std::fprintf(stderr, "ptrscan listen: output: %s\n", std::string(closed.message()).c_str());
    return exit_runtime;
  }
  if (!quiet) {
    std::fprintf(stderr,
                 "ptrscan listen: %llu connections, %llu records, %llu refused; dns: %llu "
                 "queries sent, cache %llu hits %llu coalesced %llu misses\n",
                 static_cast<unsigned long long>(stats.accepted),
                 static_cast<unsigned long long>(stats.records),
                 static_cast<unsigned long long>(stats.refused),
                 static_cast<unsigned long long>(stats.dns_queries),
                 static_cast<unsigned long long>(stats.dns_cache.hits),
                 static_cast<unsigned long long>(stats.dns_cache.coalesced),
                 static_cast<unsigned long long>(stats.dns_cache.misses));
    if (stats.unrecorded > 0) {
      std::fprintf(stderr,
                   "ptrscan listen: %llu connections reset before their address could be read "
                   "(no record)\n",
                   static_cast<unsigned long long>(stats.unrecorded));
    }
    if (stats.accept_pauses > 0) {
      std::fprintf(stderr,
                   "ptrscan listen: accepting paused %llu times for want of descriptors (raise "
                   "the open-files limit or lower --max-sessions)\n",
                   static_cast<unsigned long long>(stats.accept_pauses));
    }
  }
  return exit_ok;
}

}  // namespace ptrscan
