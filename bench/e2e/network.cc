#include "e2e/network.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "net/ip_address.h"
#include "e2e/unbound.h"
#include "testnet/dns_probe.h"

namespace ptrscan::bench {
namespace {

constexpr std::chrono::seconds ready_timeout{120};

// True when a TCP connection to ip:port is accepted within 500 ms.
bool tcp_accepts(const std::string& ip, uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &sa.sin_addr);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  if (!ok && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    ok = ::poll(&p, 1, 500) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
         err == 0;
  }
  ::close(fd);
  return ok;
}

// "198.18.0.0/22" -> "198.18.0.0": the block's first address.
std::string first_address(const std::string& cidr) { return cidr.substr(0, cidr.find('/')); }

}  // namespace

std::unique_ptr<bench_network> bench_network::start(const scenario& s, const simnet_cli& simnet,
                                                    const std::vector<zone_file>& zones,
                                                    const std::string& dir,
                                                    const std::string& hosts,
                                                    std::chrono::seconds lifetime) {
  std::unique_ptr<bench_network> n(new bench_network());
  n->ns_ = testnet::net_namespace::create();
  n->ns_->add_local_route("198.18.0.0/15");
  n->inside_.emplace(*n->ns_);
  if (s.knot) {
    n->knot_ = start_knot(dir, authority_host(s), zones, ready_timeout);
  }
  if (s.simnet_serve) {
    n->start_simnet(s, simnet, dir, first_address(hosts), lifetime);
  }
  if (s.unbound) {
    unbound_settings u;
    u.listen = {resolver_host, dns_port};
    u.authority = {authority_host(s), dns_port};
    u.zones = simulated_zones();
    u.ip_ratelimit = s.unbound_ip_ratelimit;
    n->unbound_ = start_unbound(dir, u, ready_timeout);
  }
  if (s.nft) {
    testnet::run_options o;
    o.stdin_data = simnet.nft_script(smtp_port);
    o.deadline = std::chrono::seconds(60);
    const testnet::run_result r = testnet::run_process({"nft", "-f", "-"}, o);
    if (r.exit_code != 0) {
      throw std::runtime_error("nft -f - (the simulator's rules): " + r.describe());
    }
  }
  return n;
}

void bench_network::start_simnet(const scenario& s, const simnet_cli& simnet,
                                 const std::string& dir, const std::string& first_host,
                                 std::chrono::seconds lifetime) {
  std::vector<std::string> flags = {"--smtp-port", std::to_string(smtp_port), "--max-seconds",
                                    std::to_string(lifetime.count())};
  if (s.simnet_dns) {
    flags.insert(flags.end(),
                 {"--dns", std::string(authority_host(s)) + ":" + std::to_string(dns_port)});
  } else {
    flags.emplace_back("--no-dns");
  }
  if (!s.simnet_smtp) {
    flags.emplace_back("--no-smtp");
  }
  flags.insert(flags.end(), s.serve_flags.begin(), s.serve_flags.end());
  simnet_ = testnet::daemon_process::start(simnet.serve_command(flags), dir + "/simnet.log");
  // Ready when DNS answers (any reply: most names have no PTR) and the SMTP
  // listener accepts; checked before nftables filters anything.
  const testnet::endpoint dns{authority_host(s), dns_port};
  const std::string qname = ip_address::parse(first_host).value().reverse_name();
  auto ready = [&] {
    const bool dns_ready = !s.simnet_dns || testnet::query_udp(dns, qname, testnet::rr_type::ptr,
                                                               std::chrono::milliseconds(500))
                                                .has_value();
    return dns_ready && (!s.simnet_smtp || tcp_accepts(first_host, smtp_port));
  };
  if (!simnet_.wait_ready(ready, ready_timeout)) {
    throw std::runtime_error("ptrscan-simnet serve not ready (" + simnet_.exit_description() +
                             "):\n" + simnet_.log_tail());
  }
}

}  // namespace ptrscan::bench
