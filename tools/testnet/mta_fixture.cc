#include "testnet/mta_fixture.h"

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "testnet/files.h"
#include "testnet/smtp_client.h"

namespace ptrscan::testnet {
namespace {

using clock_type = std::chrono::steady_clock;

constexpr const char* postfix_daemon_dir = "/usr/lib/postfix/sbin";
constexpr const char* exim_default_binary = "/var/cache/ptrscan/exim/root/usr/sbin/exim4";

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) {
      out += sep;
    }
    out += i;
  }
  return out;
}

// Connects to every listener and reads a 220 greeting.
bool all_greet(const std::vector<std::string>& hosts, uint16_t port, std::string& banner) {
  for (const auto& h : hosts) {
    auto g = smtp_hello({h, port}, "", std::chrono::milliseconds(1'000));
    if (!g || g->greeting.rfind("220", 0) != 0) {
      return false;
    }
    banner = g->greeting;
  }
  return true;
}

// The main.cf lines that decide what RCPT TO a foreign domain gets. The
// scanner connects from 127.0.0.1 (the source the kernel picks for every
// 127/8 destination), so mynetworks makes the difference between a closed
// and an open relay.
std::string postfix_relay_lines(relay_policy relay) {
  switch (relay) {
    case relay_policy::refuse_all:
      return "mynetworks = 127.0.0.0/8\n"
             "smtpd_relay_restrictions = reject\n"
             "smtpd_recipient_restrictions = reject\n";
    case relay_policy::closed:
      return "mynetworks =\n"
             "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n"
             "smtpd_recipient_restrictions =\n";
    case relay_policy::open:
      // Postfix will not run "smtpd_relay_restrictions = permit" (smtpd
      // exits until some reject_unauth_destination or reject is listed), so
      // this is the classic too-wide mynetworks. Without the unlisted-
      // recipient check, smtpd also accepts recipients whose transport is
      // the error transport (a message would only bounce).
      return "mynetworks = 127.0.0.0/8\n"
             "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n"
             "smtpd_recipient_restrictions =\n"
             "smtpd_reject_unlisted_recipient = no\n";
  }
  throw std::invalid_argument("unknown relay_policy");
}

}  // namespace

bool tcp_port_free(const std::string& host, uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  bool ok = ::inet_pton(AF_INET, host.c_str(), &sa.sin_addr) == 1 &&
            ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}

std::string random_loopback_24() {
  std::mt19937 rng{std::random_device{}()};
  return "127." + std::to_string(std::uniform_int_distribution<int>(10, 250)(rng)) + "." +
         std::to_string(std::uniform_int_distribution<int>(1, 254)(rng)) + ".";
}

uint16_t free_port_on_all(const std::vector<std::string>& hosts) {
  if (hosts.empty()) {
    throw std::invalid_argument("free_port_on_all: no hosts");
  }
  for (int attempt = 0; attempt < 64; ++attempt) {
    const uint16_t port = free_port(hosts.front());
    bool ok = true;
    for (const auto& h : hosts) {
      ok = ok && tcp_port_free(h, port);
    }
    if (ok) {
      return port;
    }
  }
  throw std::runtime_error("no port free on all of " + join(hosts, ", "));
}

std::string exim_binary() {
  if (const char* e = std::getenv("PTRSCAN_EXIM"); e != nullptr && *e != '\0') {
    return e;
  }
  return exim_default_binary;
}

std::string mta_missing(mta_kind kind) {
  if (kind == mta_kind::postfix) {
    if (find_executable(std::string(postfix_daemon_dir) + "/master").empty() ||
        find_executable("postfix").empty()) {
      return "Postfix is not installed (tools/setup.sh installs it)";
    }
    if (::getpwnam("postfix") == nullptr || ::getgrnam("postdrop") == nullptr) {
      return "the postfix user or postdrop group is missing (reinstall postfix)";
    }
    return {};
  }
  if (find_executable(exim_binary()).empty()) {
    return "Exim is not unpacked at " + exim_binary() + " (tools/setup.sh unpacks it)";
  }
  // The Debian build looks its compiled-in user up before reading any
  // configuration, even when the configuration names another one.
  if (::getpwnam("Debian-exim") == nullptr) {
    return "the Debian-exim user is missing (tools/setup.sh creates it)";
  }
  return {};
}

std::unique_ptr<mta_server> mta_server::start(mta_kind kind, const mta_options& options) {
  if (const std::string why = mta_missing(kind); !why.empty()) {
    throw std::runtime_error(why);
  }
  std::unique_ptr<mta_server> m(new mta_server());
  m->kind_ = kind;
  m->hostname_ = options.hostname;
  m->hosts_ = options.hosts.empty() ? std::vector<std::string>{random_loopback_v4()}
                                    : options.hosts;
  for (const auto& h : m->hosts_) {
    if (!is_loopback_v4(h)) {
      throw std::runtime_error("mta_server: refusing a non-loopback address: " + h);
    }
  }
  m->port_ = options.port != 0 ? options.port : free_port_on_all(m->hosts_);
  m->implicit_tls_port_ = options.implicit_tls_port;
  if (kind == mta_kind::exim && m->implicit_tls_port_ != 0) {
    throw std::invalid_argument("mta_server: implicit TLS is only set up for Postfix");
  }
  if (kind == mta_kind::exim && options.relay != relay_policy::refuse_all) {
    throw std::invalid_argument("mta_server: relay policies are only set up for Postfix");
  }
  m->dir_ = make_temp_dir(kind == mta_kind::postfix ? "ptrscan-postfix" : "ptrscan-exim");
  // Postfix's daemons drop to the postfix user and must reach the queue.
  ::chmod(m->dir_.c_str(), 0755);
  cert_options cert = options.cert;
  if (cert.names.empty()) {
    cert.names = {options.hostname};
  }
  m->cert_ = write_self_signed_cert(m->dir_, "smtp", cert);
  if (kind == mta_kind::postfix) {
    m->write_postfix(options);
  } else {
    m->write_exim(options);
  }

  const auto t0 = clock_type::now();
  m->process_ = daemon_process::start(m->argv_, m->dir_ + "/mta.log");
  mta_server* raw = m.get();
  const bool ready = m->process_.wait_ready(
      [raw] {
        return all_greet(raw->hosts_, raw->port_, raw->banner_);
      },
      options.ready_timeout);
  if (!ready) {
    throw std::runtime_error(std::string(kind == mta_kind::postfix ? "postfix" : "exim") +
                             " not ready (" + m->process_.exit_description() + ") in " + m->dir_ +
                             "\n" + m->process_.log_tail());
  }
  m->ready_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0);
  return m;
}

mta_server::~mta_server() {
  process_.stop();
  if (dir_.empty()) {
    return;
  }
  if (keep_requested()) {
    std::cerr << "mta_server: kept " << dir_ << " (PTRSCAN_KEEP_TESTBED=1)\n";
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void mta_server::write_postfix(const mta_options& options) {
  const std::string never = "error:5.7.1 test MTA never delivers";
  std::string main_cf =
      "compatibility_level = 3.6\n"
      "myhostname = " + options.hostname + "\n"
      "mydomain = example.test\n"
      "myorigin = $myhostname\n"
      "mydestination =\n"
      "relay_domains =\n" +
      // No delivery of any kind: every transport is the error transport.
      (options.relayhost.empty()
           ? "default_transport = " + never + "\n" + "relay_transport = " + never + "\n"
           // A sender for `ptrscan listen`: everything goes to the relayhost.
           : "default_transport = smtp\nrelay_transport = smtp\n"
             "relayhost = " + options.relayhost + "\n"
             "smtp_tls_security_level = may\n"
             "smtp_helo_name = " +
                 (options.smtp_helo_name.empty() ? std::string("$myhostname")
                                                 : options.smtp_helo_name) + "\n" +
                 (options.smtp_bind_address.empty()
                      ? std::string()
                      : "smtp_bind_address = " + options.smtp_bind_address + "\n")) +
      "local_transport = " + never + "\n"
      "virtual_transport = " + never + "\n" +
      postfix_relay_lines(options.relay) +
      // Listeners are the explicit host:port entries of master.cf. Naming our
      // 127.A.B.C here would fail: Postfix wants addresses of an interface.
      "inet_interfaces = loopback-only\n"
      "inet_protocols = ipv4\n"
      "smtpd_banner = $myhostname ESMTP Postfix-test\n"
      "queue_directory = " + dir_ + "/queue\n"
      "data_directory = " + dir_ + "/data\n"
      "mail_owner = postfix\n"
      "setgid_group = postdrop\n"
      "maillog_file = /dev/stdout\n"
      "smtpd_tls_cert_file = " + cert_.cert_path + "\n"
      "smtpd_tls_key_file = " + cert_.key_path + "\n"
      "smtpd_tls_security_level = may\n"
      // Nothing looks anything up: the machine's resolver is not ours.
      "smtpd_peername_lookup = no\n"
      "smtp_dns_support_level = disabled\n"
      "alias_maps =\n"
      "alias_database =\n"
      "local_recipient_maps =\n"
      "biff = no\n";
  if (!options.nameserver.empty()) {
    if (!is_loopback_v4(options.nameserver)) {
      throw std::runtime_error("mta_server: refusing a non-loopback nameserver: " +
                               options.nameserver);
    }
    // attempts/timeout: a dead server costs seconds, not the default 30.
    write_file(dir_ + "/resolv.conf",
               "nameserver " + options.nameserver + "\noptions timeout:2 attempts:2\n");
    main_cf += "smtpd_peername_lookup = yes\n";
  }
  for (const std::string& line : options.main_cf_extra) {
    main_cf += line + "\n";
  }
  std::string master_cf;
  for (const auto& h : hosts_) {
    master_cf += h + ":" + std::to_string(port_) + " inet n - n - - smtpd\n";
    if (implicit_tls_port_ != 0) {
      master_cf += h + ":" + std::to_string(implicit_tls_port_) +
                   " inet n - n - - smtpd -o smtpd_tls_wrappermode=yes\n";
    }
  }
  master_cf +=
      "pickup    unix  n - n 60    1 pickup\n"
      "cleanup   unix  n - n -     0 cleanup\n"
      "qmgr      unix  n - n 300   1 qmgr\n"
      "tlsmgr    unix  - - n 1000? 1 tlsmgr\n"
      "rewrite   unix  - - n -     - trivial-rewrite\n"
      "bounce    unix  - - n -     0 bounce\n"
      "defer     unix  - - n -     0 bounce\n"
      "trace     unix  - - n -     0 bounce\n"
      "verify    unix  - - n -     1 verify\n"
      "flush     unix  n - n 1000? 0 flush\n"
      "proxymap  unix  - - n -     - proxymap\n"
      "error     unix  - - n -     - error\n"
      "retry     unix  - - n -     - error\n"
      "discard   unix  - - n -     - discard\n"
      "anvil     unix  - - n -     1 anvil\n"
      "scache    unix  - - n -     1 scache\n"
      "postlog   unix-dgram n - n - 1 postlogd\n";
  if (!options.relayhost.empty()) {
    master_cf += "smtp      unix  - - n -     - smtp\n";
  }
  write_file(dir_ + "/main.cf", main_cf);
  write_file(dir_ + "/master.cf", master_cf);
  // Postfix re-reads a configuration file modified within the last second
  // until it is older (against half-written files): that cost two seconds
  // per start. Date both files back.
  for (const char* f : {"/main.cf", "/master.cf"}) {
    std::filesystem::last_write_time(
        dir_ + f, std::filesystem::file_time_type::clock::now() - std::chrono::seconds(60));
  }
  // The queue layout `postfix check` would create (its post-install run
  // takes seconds): owners and modes as in /etc/postfix/postfix-files.
  const passwd* pw = ::getpwnam("postfix");
  const group* postdrop = ::getgrnam("postdrop");
  if (pw == nullptr || postdrop == nullptr) {
    throw std::runtime_error("the postfix user or postdrop group is missing");
  }
  struct queue_dir {
    const char* name;
    bool postfix_owned;
    gid_t gid;
    mode_t mode;
  };
  const queue_dir layout[] = {
      {"", false, 0, 0755},          {"pid", false, 0, 0755},
      {"active", true, 0, 0700},     {"bounce", true, 0, 0700},
      {"corrupt", true, 0, 0700},    {"defer", true, 0, 0700},
      {"deferred", true, 0, 0700},   {"flush", true, 0, 0700},
      {"hold", true, 0, 0700},       {"incoming", true, 0, 0700},
      {"private", true, 0, 0700},    {"saved", true, 0, 0700},
      {"trace", true, 0, 0700},      {"maildrop", true, postdrop->gr_gid, 0730},
      {"public", true, postdrop->gr_gid, 0710},
  };
  for (const auto& q : layout) {
    const std::string path = dir_ + "/queue/" + q.name;
    std::filesystem::create_directories(path);
    if (::chown(path.c_str(), q.postfix_owned ? pw->pw_uid : 0, q.gid) != 0 ||
        ::chmod(path.c_str(), q.mode) != 0) {
      throw std::runtime_error("cannot set up " + path);
    }
  }
  const std::string data = dir_ + "/data";
  std::filesystem::create_directories(data);
  if (::chown(data.c_str(), pw->pw_uid, pw->pw_gid) != 0 || ::chmod(data.c_str(), 0700) != 0) {
    throw std::runtime_error("cannot set up " + data);
  }
  // setsid(1) execs in place (our child is no group leader), so the PID is
  // still master's; in its own process group master's SIGTERM handler can
  // signal its children (kill(-pid)) and exit at once instead of failing
  // with ESRCH and lingering a second.
  argv_ = {"setsid", std::string(postfix_daemon_dir) + "/master", "-c", dir_, "-d"};
  if (!options.nameserver.empty()) {
    // A private mount namespace with our resolv.conf bound over the
    // system's: unshare and sh exec in place, so the PID is still master's.
    argv_ = {"unshare",
             "--mount",
             "--propagation",
             "private",
             "sh",
             "-c",
             "mount --bind \"$0\" /etc/resolv.conf && exec setsid \"$1\" -c \"$2\" -d",
             dir_ + "/resolv.conf",
             std::string(postfix_daemon_dir) + "/master",
             dir_};
  }
}

std::string mta_server::sendmail(const std::string& from, const std::string& to) const {
  run_options o;
  o.stdin_data = "From: " + from + "\nTo: " + to + "\nSubject: ptrscan listen test\n\ntest\n";
  o.deadline = std::chrono::milliseconds(30'000);
  // Exim: -odi delivers in this process, so the attempt is over on return.
  const run_result r =
      kind_ == mta_kind::postfix
          ? run_process({"/usr/sbin/sendmail", "-C", dir_, "-f", from, to}, o)
          : run_process({exim_binary(), "-C", dir_ + "/exim.conf", "-odi", "-f", from, to}, o);
  return r.exit_code == 0 ? std::string() : r.describe();
}

size_t mta_server::queue_files() const {
  if (kind_ != mta_kind::postfix) {
    throw std::logic_error("mta_server::queue_files: Postfix only");
  }
  size_t files = 0;
  for (const char* q : {"incoming", "active", "deferred", "hold", "maildrop", "corrupt"}) {
    // deferred is hashed into subdirectories.
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ + "/queue/" + q)) {
      files += e.is_regular_file() ? 1 : 0;
    }
  }
  return files;
}

void mta_server::write_exim(const mta_options& options) {
  std::filesystem::create_directories(dir_ + "/spool");
  std::filesystem::create_directories(dir_ + "/log");
  std::string conf =
      "keep_environment =\n"
      "exim_user = root\n"
      "exim_group = root\n"
      // It re-executes itself (delivery after reception): this binary, not
      // the /usr/sbin/exim4 it was built for.
      "exim_path = " + exim_binary() + "\n"
      "never_users =\n"
      "primary_hostname = " + options.hostname + "\n"
      "qualify_domain = example.test\n"
      "smtp_banner = $primary_hostname ESMTP Exim-test\n"
      "spool_directory = " + dir_ + "/spool\n"
      "log_file_path = " + dir_ + "/log/%slog\n"
      "pid_file_path = " + dir_ + "/exim.pid\n"
      "local_interfaces = " + join(hosts_, " : ") + "\n"
      "daemon_smtp_ports = " + std::to_string(port_) + "\n"
      "tls_advertise_hosts = *\n"
      "tls_certificate = " + cert_.cert_path + "\n"
      "tls_privatekey = " + cert_.key_path + "\n"
      // Nothing looks anything up: the machine's resolver is not ours.
      "host_lookup =\n"
      "rfc1413_hosts =\n"
      "rfc1413_query_timeout = 0s\n"
      "acl_smtp_rcpt = refuse_all\n"
      "acl_smtp_predata = refuse_all\n" +
      // Without a relay nothing is delivered, not even tried: queued only.
      std::string(options.relayhost.empty() ? "queue_only = true\n" : "") +
      "begin acl\n"
      "refuse_all:\n"
      "  deny message = test MTA accepts nothing\n"
      "begin routers\n";
  if (!options.relayhost.empty()) {
    // "[IP]:PORT": every message with a sender goes there; a bounce (null
    // sender) matches no router and goes nowhere.
    const size_t close = options.relayhost.find(']');
    if (options.relayhost.front() != '[' || close == std::string::npos ||
        close + 1 >= options.relayhost.size() || options.relayhost[close + 1] != ':') {
      throw std::invalid_argument("mta_server: relayhost is [IP]:PORT, not " +
                                  options.relayhost);
    }
    const std::string ip = options.relayhost.substr(1, close - 1);
    const std::string port = options.relayhost.substr(close + 2);
    conf +=
        "to_listener:\n"
        "  driver = manualroute\n"
        "  domains = *\n"
        "  condition = ${if !eq{$sender_address}{}}\n"
        "  route_list = * " + ip + "\n"
        "  transport = to_listener\n"
        "  self = send\n"
        "begin transports\n"
        "to_listener:\n"
        "  driver = smtp\n"
        "  port = " + port + "\n"
        "  helo_data = " +
        (options.smtp_helo_name.empty() ? std::string("$primary_hostname")
                                        : options.smtp_helo_name) + "\n" +
        (options.smtp_bind_address.empty()
             ? std::string()
             : "  interface = " + options.smtp_bind_address + "\n") +
        "  allow_localhost\n"
        // root is one of the Debian build's fixed never_users: a transport
        // cannot run as root.
        "  user = Debian-exim\n";
  } else {
    conf +=
        // No delivery of any kind: the one router fails every address.
        "fail_all:\n"
        "  driver = redirect\n"
        "  allow_fail\n"
        "  data = :fail: test MTA never delivers\n"
        "begin transports\n";
  }
  write_file(dir_ + "/exim.conf", conf);
  // -bdf: daemon in the foreground; no -q: no queue runner.
  argv_ = {exim_binary(), "-C", dir_ + "/exim.conf", "-bdf"};
}

}  // namespace ptrscan::testnet
