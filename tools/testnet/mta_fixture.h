#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "testnet/loopback.h"
#include "testnet/subprocess.h"
#include "testnet/tls_cert.h"

namespace ptrscan::testnet {

/// Which real MTA to run.
enum class mta_kind { postfix, exim };

/// How a Postfix fixture answers RCPT TO for a domain it does not serve.
enum class relay_policy {
  /// Every recipient refused (smtpd_relay_restrictions = reject).
  refuse_all,
  /// A usual closed setup: permit_mynetworks, reject_unauth_destination,
  /// with no loopback client in mynetworks: "554 5.7.1 Relay access denied".
  closed,
  /// The same restrictions with every loopback client in mynetworks: an open
  /// relay to whoever scans it from loopback (the classic too-wide mynetworks).
  open,
};

/// What a test MTA serves.
struct mta_options {
  /// Postfix myhostname / Exim primary_hostname: the host in the banner and
  /// in the first line of the EHLO reply.
  std::string hostname = "mx1.example.test";
  /// Loopback addresses to listen on (127.0.0.0/8 only). Empty: one random
  /// 127.A.B.C.
  std::vector<std::string> hosts;
  /// The SMTP port on every host; 0 picks one that is free on all of them.
  uint16_t port = 0;
  /// Postfix only: also listen with implicit TLS (smtpd_tls_wrappermode) on
  /// this port of every host (465 is the one ptrscan treats as implicit TLS).
  uint16_t implicit_tls_port = 0;
  /// Postfix only: what RCPT TO a foreign domain gets. Whatever it is, the
  /// MTA still never delivers.
  relay_policy relay = relay_policy::refuse_all;
  /// Send every message to this relay ("[IP]:PORT", the `ptrscan listen`
  /// under test) with the MTA's SMTP client, from `smtp_bind_address` and
  /// with `smtp_helo_name` (empty: myhostname / primary_hostname), instead
  /// of never delivering (Postfix: relayhost, smtp_helo_name,
  /// smtp_bind_address; Exim: a manualroute router for every domain, an
  /// smtp transport with port, helo_data and interface). Bounces (the null
  /// sender) still go nowhere. Empty: never delivers.
  std::string relayhost;
  std::string smtp_helo_name;
  std::string smtp_bind_address;
  /// Postfix only: the nameserver its lookups use ("127.A.B.C", port 53:
  /// glibc's resolv.conf takes no port). Postfix then runs in a mount
  /// namespace of its own whose /etc/resolv.conf names only this server,
  /// and looks the client's name up (smtpd_peername_lookup = yes). Empty:
  /// Postfix looks nothing up.
  std::string nameserver;
  /// Postfix only: main.cf lines written last (a later line overrides an
  /// earlier one), e.g. smtpd restrictions under test.
  std::vector<std::string> main_cf_extra;
  /// STARTTLS certificate. Empty names: {hostname}.
  cert_options cert;
  std::chrono::milliseconds ready_timeout{30'000};
};

/// A real MTA (Postfix or Exim) in a fresh temp dir, in the foreground so we
/// own its PID, listening only on loopback with STARTTLS and a self-signed
/// certificate. It never delivers or relays: every transport/router is an
/// error, relaying is refused (relay_policy::open accepts the recipient, but a
/// message would still only bounce), and it looks up nothing in DNS. Stopped
/// (by PID) and its dir removed on destruction (kept with PTRSCAN_KEEP_TESTBED=1).
class mta_server {
 public:
  /// Writes the configuration, starts the MTA and waits until every listener
  /// answers with a 220 greeting. Throws std::runtime_error (with the log
  /// tail) when anything fails, including a missing MTA (see mta_missing).
  static std::unique_ptr<mta_server> start(mta_kind kind, const mta_options& options);

  mta_server(const mta_server&) = delete;
  mta_server& operator=(const mta_server&) = delete;
  ~mta_server();

  mta_kind kind() const { return kind_; }
  const std::vector<std::string>& hosts() const { return hosts_; }
  uint16_t port() const { return port_; }
  uint16_t implicit_tls_port() const { return implicit_tls_port_; }
  /// The greeting as the readiness check received it ("220 mx1... ESMTP ...").
  const std::string& banner() const { return banner_; }
  const std::string& hostname() const { return hostname_; }
  const cert_files& cert() const { return cert_; }
  const std::string& dir() const { return dir_; }
  std::chrono::milliseconds ready_time() const { return ready_time_; }
  /// Submits a message: Postfix's sendmail(1) (-C this configuration), or
  /// `exim -C ... -odi`, which delivers it before it returns; "" when it
  /// exited 0, else what it said.
  std::string sendmail(const std::string& from, const std::string& to) const;
  /// Postfix only: the files in its queue (incoming, active, deferred, hold,
  /// maildrop, corrupt). 0 when no message is queued or being received.
  size_t queue_files() const;

  bool running() { return process_.running(); }
  std::string log_tail() const { return process_.log_tail(); }
  /// All of that log: Postfix's maillog_file (Exim logs to files of its own).
  std::string log() const { return process_.log_tail(SIZE_MAX); }

 private:
  mta_server() = default;
  void write_postfix(const mta_options& options);
  void write_exim(const mta_options& options);

  mta_kind kind_ = mta_kind::postfix;
  std::string dir_;
  std::vector<std::string> hosts_;
  uint16_t port_ = 0;
  uint16_t implicit_tls_port_ = 0;
  std::string hostname_;
  std::string banner_;
  cert_files cert_;
  std::vector<std::string> argv_;
  daemon_process process_;
  std::chrono::milliseconds ready_time_{0};
};

/// Why `kind` cannot run here ("" when it can): the binary or its system
/// user is missing. tools/setup.sh installs both.
std::string mta_missing(mta_kind kind);

/// Where the Exim binary is: $PTRSCAN_EXIM, else the copy tools/setup.sh
/// unpacks under /var/cache/ptrscan/exim (Exim conflicts with Postfix as a
/// Debian package, so it is not installed, only unpacked).
std::string exim_binary();

/// "127.A.B." with A in 10..250 and B in 1..254 chosen at random: a /24 of
/// loopback of a test's own, so suites running at once rarely share peers.
std::string random_loopback_24();

/// A port that is free for TCP on every one of `hosts` right now.
uint16_t free_port_on_all(const std::vector<std::string>& hosts);

/// True when TCP `port` can be bound on `host` right now.
bool tcp_port_free(const std::string& host, uint16_t port);

}  // namespace ptrscan::testnet
