#pragma once

// A scripted DNS server on loopback and a result collector, shared by the
// tests of the two DNS transports (c-ares and the ring's own UDP).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dns/reply.h"
#include "dns/dns_status.h"
#include "dns/resolver_client.h"

namespace ptrscan::testing_dns {

/// UDP + TCP responder on 127.0.0.1 (one port for both). Behaviour by the
/// question's first label: "ok" A 192.0.2.1; "nx" NXDOMAIN; "sf" SERVFAIL;
/// "drop" never answers; "tc" truncated over UDP, full answer over TCP;
/// "drop1" drops the first query for each name and answers the rest like
/// "ok"; "spoof" first sends an answer with another ID and one with another
/// question (both NXDOMAIN, both to be ignored), then the real one like "ok";
/// "okcase" answers like "ok" with the question echoed in upper case;
/// "hold1" holds the answer to the first query for each name (like "ok")
/// and sends it, with the first query's ID, only when a retry of that name
/// comes, which itself is never answered: a late answer to an earlier try.
class scripted_dns_server {
 public:
  scripted_dns_server() {
    for (int attempt = 0; attempt < 20 && port_ == 0; ++attempt) {
      udp_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      // Room for a burst of queries, so the test measures the client and not
      // this single-threaded server's socket buffer.
      int rcvbuf = 4 << 20;
      if (setsockopt(udp_, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0) {
        setsockopt(udp_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
      }
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      bind(udp_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
      socklen_t len = sizeof(a);
      getsockname(udp_, reinterpret_cast<sockaddr*>(&a), &len);
      tcp_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int one = 1;
      setsockopt(tcp_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      if (bind(tcp_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 && listen(tcp_, 16) == 0) {
        port_ = ntohs(a.sin_port);
      } else {
        close(udp_);
        close(tcp_);
      }
    }
    thread_ = std::thread([this] { serve(); });
  }
  ~scripted_dns_server() {
    stop_ = true;
    thread_.join();
    close(udp_);
    close(tcp_);
  }
  uint16_t port() const { return port_; }
  int udp_queries(const std::string& label) const {
    std::lock_guard<std::mutex> lock(counts_mu_);
    auto it = udp_counts_.find(label);
    return it == udp_counts_.end() ? 0 : it->second;
  }
  int tcp_queries() const { return tcp_count_.load(); }
  /// A silent server counts queries and answers none (a dead resolver).
  void set_silent(bool silent) { silent_ = silent; }

 private:
  static std::string first_label(const uint8_t* q, size_t n) {
    if (n <= 13 || q[12] == 0 || 13u + q[12] > n) {
      return "";
    }
    return std::string(reinterpret_cast<const char*>(q + 13), q[12]);
  }

  static std::vector<uint8_t> respond(const uint8_t* q, size_t n, bool over_tcp) {
    std::string label = first_label(q, n);
    // Header + question as asked.
    size_t qend = 12;
    while (qend < n && q[qend] != 0) {
      qend += q[qend] + 1u;
    }
    qend += 5;
    std::vector<uint8_t> r(q, q + std::min(qend, n));
    if (r.size() < 12) {
      return r;
    }
    uint8_t* h = r.data();
    h[2] = static_cast<uint8_t>(0x80 | (q[2] & 0x01));  // QR, keep RD
    h[3] = 0x80;                                          // RA, NOERROR
    std::fill(h + 6, h + 12, 0);
    if (label == "nx") {
      h[3] |= 3;
    } else if (label == "sf") {
      h[3] |= 2;
    } else if (label == "tc" && !over_tcp) {
      h[2] |= 0x02;
    } else if (label == "ok" || label == "tc" || label == "drop1" || label == "spoof" ||
               label == "okcase" || label == "hold1") {
      if (label == "okcase") {
        for (size_t i = 12; i < qend - 4 && i < r.size(); ++i) {
          r[i] = static_cast<uint8_t>(std::toupper(r[i]));
        }
      }
      h[7] = 1;
      const uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
      r.insert(r.end(), std::begin(rr), std::end(rr));
    }
    return r;
  }

  void serve() {
    uint8_t buf[2048];
    while (!stop_) {
      pollfd fds[2] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
      if (poll(fds, 2, 20) <= 0) {
        continue;
      }
      if (fds[0].revents & POLLIN) {
        sockaddr_in from{};
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(udp_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &fl);
        if (n > 12) {
          std::string label = first_label(buf, static_cast<size_t>(n));
          {
            std::lock_guard<std::mutex> lock(counts_mu_);
            ++udp_counts_[label];
          }
          const std::string qname(reinterpret_cast<const char*>(buf) + 12,
                                  static_cast<size_t>(n) - 12);
          const bool first_for_name = names_seen_.insert(qname).second;
          auto reply = [&](const std::vector<uint8_t>& r) {
            sendto(udp_, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
          };
          if (label == "spoof") {
            std::vector<uint8_t> wrong_id = respond(buf, static_cast<size_t>(n), false);
            wrong_id[1] ^= 0x5a;
            wrong_id[3] |= 3;
            reply(wrong_id);
            std::vector<uint8_t> wrong_question = respond(buf, static_cast<size_t>(n), false);
            wrong_question[13] = 'x';  // "spoof" -> "xpoof"
            wrong_question[3] |= 3;
            reply(wrong_question);
          }
          if (silent_) {
            // counted above, never answered
          } else if (label == "hold1") {
            // The held answer goes where the first query came from, as a
            // resolver's would.
            if (first_for_name) {
              held_[qname] = {respond(buf, static_cast<size_t>(n), false), from};
            } else if (auto it = held_.find(qname); it != held_.end()) {
              sendto(udp_, it->second.first.data(), it->second.first.size(), 0,
                     reinterpret_cast<const sockaddr*>(&it->second.second), sizeof(sockaddr_in));
              held_.erase(it);
            }
          } else if (label != "drop" && !(label == "drop1" && first_for_name)) {
            reply(respond(buf, static_cast<size_t>(n), false));
          }
        }
      }
      if (fds[1].revents & POLLIN) {
        int c = accept(tcp_, nullptr, nullptr);
        if (c < 0) {
          continue;
        }
        ++tcp_count_;
        uint8_t lenbuf[2];
        if (recv(c, lenbuf, 2, MSG_WAITALL) == 2) {
          size_t len = static_cast<size_t>((lenbuf[0] << 8) | lenbuf[1]);
          if (len <= sizeof(buf) && recv(c, buf, len, MSG_WAITALL) == static_cast<ssize_t>(len)) {
            std::vector<uint8_t> r = respond(buf, len, true);
            uint8_t hdr[2] = {static_cast<uint8_t>(r.size() >> 8), static_cast<uint8_t>(r.size())};
            send(c, hdr, 2, MSG_NOSIGNAL);
            send(c, r.data(), r.size(), MSG_NOSIGNAL);
          }
        }
        // Let the client close first; then the server side goes away.
        pollfd p{c, POLLIN, 0};
        poll(&p, 1, 1000);
        close(c);
      }
    }
  }

  int udp_ = -1;
  int tcp_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> silent_{false};
  std::thread thread_;
  // "hold1": answer and where to send it; server thread only.
  std::map<std::string, std::pair<std::vector<uint8_t>, sockaddr_in>> held_;
  // Written by the server thread, read by the test thread (a race TSan found).
  mutable std::mutex counts_mu_;
  std::map<std::string, int> udp_counts_;
  std::set<std::string> names_seen_;
  std::atomic<int> tcp_count_{0};
};

struct collected {
  dns_status status = dns_status::error;
  std::vector<std::string> addrs;
  bool done = false;
};

class collector final : public resolver_client {
 public:
  std::map<uint64_t, collected> results;
  std::map<uint64_t, std::string> names;
  void on_dns_result(uint64_t cookie, dns_status transport, std::string_view /*reason*/,
                     std::span<const uint8_t> packet) override {
    collected& c = results[cookie];
    dns_reply a;
    if (!packet.empty()) {
      parse_reply(packet, names[cookie], dns_type_a, a);
    } else {
      a.status = transport;
    }
    c.status = a.status;
    for (const ip_address& ip : a.addrs) {
      c.addrs.push_back(ip.to_string());
    }
    c.done = true;
  }
};

}  // namespace ptrscan::testing_dns
