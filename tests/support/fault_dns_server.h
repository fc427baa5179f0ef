#pragma once

// A DNS server on 127.0.0.1 that answers from a table of names and breaks
// the rules on request, name by name: it drops, answers too late, answers
// with another ID or from another port, truncates, sends malformed packets
// and compression-pointer loops, SERVFAILs, and floods the client with
// unsolicited replies. One faulty name and thousands of well-behaved ones
// can be mixed in one run, which is what the fault-injection tests need:
// the faulty name gets its status and nobody else's answer changes.
//
// UDP and TCP share one port (truncated answers are asked again over TCP,
// where the truncated_tcp_* faults break the rules of RFC 7766 instead).
// Only loopback: the sockets are bound to 127.0.0.1 and answer whoever
// asked, which can only be a local process.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

namespace ptrscan::testing_faults {

/// How the server treats queries for one name (every type).
enum class dns_fault : uint8_t {
  none,        // the table's answer (NOERROR; NXDOMAIN when `nxdomain`)
  drop,        // never answers
  late,        // answers every try after `late_ms` (past the client's timeouts)
  late_first,  // the first try of each (name, type) after `late_first_ms`, retries at once
  wrong_id,    // answers only with another ID
  wrong_port,  // answers only from another UDP port (a connected client never sees it)
  truncated,   // TC over UDP, the full answer over TCP
  truncated_tcp_closed,  // TC over UDP; the TCP connection is closed without an answer
  truncated_tcp_reset,   // TC over UDP; the TCP connection is reset (RST) without an answer
  truncated_tcp_silent,  // TC over UDP; the TCP query is read and never answered
  truncated_tcp_cut,     // TC over UDP; over TCP the full length, half the message, close
  truncated_tcp_wrong_id,  // TC over UDP; the TCP answer carries another ID
  truncated_tcp_split,     // TC over UDP; the TCP answer in pieces, its length split too
  malformed_answer,      // header and question intact, the answer's RDLENGTH runs past the end
  short_garbage,         // 7 bytes: shorter than a DNS header
  owner_pointer_loop,    // the answer's owner name is a compression pointer to itself
  rdata_pointer_loop,    // a PTR/CNAME target that is a compression pointer to itself
  servfail,              // RCODE 2
  refused,               // RCODE 5
  flood,                 // `flood_count` unsolicited replies first, then the real answer
  over_edns,   // the table's records repeated to ~1400 octets over UDP: past the client's
               // 1232-octet EDNS size (within its receive buffer), without TC
  oversized,   // the same past 4096 octets: longer than the client's receive buffer
};

inline const char* to_string(dns_fault f) {
  switch (f) {
    case dns_fault::none:
      return "none";
    case dns_fault::drop:
      return "drop";
    case dns_fault::late:
      return "late";
    case dns_fault::late_first:
      return "late_first";
    case dns_fault::wrong_id:
      return "wrong_id";
    case dns_fault::wrong_port:
      return "wrong_port";
    case dns_fault::truncated:
      return "truncated";
    case dns_fault::truncated_tcp_closed:
      return "truncated_tcp_closed";
    case dns_fault::truncated_tcp_reset:
      return "truncated_tcp_reset";
    case dns_fault::truncated_tcp_silent:
      return "truncated_tcp_silent";
    case dns_fault::truncated_tcp_cut:
      return "truncated_tcp_cut";
    case dns_fault::truncated_tcp_wrong_id:
      return "truncated_tcp_wrong_id";
    case dns_fault::truncated_tcp_split:
      return "truncated_tcp_split";
    case dns_fault::malformed_answer:
      return "malformed_answer";
    case dns_fault::short_garbage:
      return "short_garbage";
    case dns_fault::owner_pointer_loop:
      return "owner_pointer_loop";
    case dns_fault::rdata_pointer_loop:
      return "rdata_pointer_loop";
    case dns_fault::servfail:
      return "servfail";
    case dns_fault::refused:
      return "refused";
    case dns_fault::flood:
      return "flood";
    case dns_fault::over_edns:
      return "over_edns";
    case dns_fault::oversized:
      return "oversized";
  }
  return "?";
}

/// What the table holds for a name. Names are lower-case, without the root dot.
struct dns_rule {
  dns_fault fault = dns_fault::none;
  std::vector<std::string> ptr;   // PTR targets
  std::vector<std::string> a;     // dotted quads
  std::vector<std::string> aaaa;  // IPv6 text
  bool nxdomain = false;
};

struct fault_dns_options {
  int late_ms = 1500;
  int late_first_ms = 300;
  int flood_count = 400;
};

class fault_dns_server {
 public:
  explicit fault_dns_server(fault_dns_options options = {}) : options_(options) {
    for (int attempt = 0; attempt < 20 && port_ == 0; ++attempt) {
      udp_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      int rcvbuf = 8 << 20;
      if (::setsockopt(udp_, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0) {
        ::setsockopt(udp_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
      }
      int sndbuf = 8 << 20;
      if (::setsockopt(udp_, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) != 0) {
        ::setsockopt(udp_, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
      }
      sockaddr_in a = loopback(0);
      ::bind(udp_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
      socklen_t len = sizeof(a);
      ::getsockname(udp_, reinterpret_cast<sockaddr*>(&a), &len);
      tcp_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int one = 1;
      ::setsockopt(tcp_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      if (::bind(tcp_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
          ::listen(tcp_, 64) == 0) {
        port_ = ntohs(a.sin_port);
      } else {
        ::close(udp_);
        ::close(tcp_);
        udp_ = tcp_ = -1;
      }
    }
    // The "wrong port": same address, any other port.
    other_udp_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in o = loopback(0);
    ::bind(other_udp_, reinterpret_cast<sockaddr*>(&o), sizeof(o));
    thread_ = std::thread([this] { serve(); });
  }
  fault_dns_server(const fault_dns_server&) = delete;
  fault_dns_server& operator=(const fault_dns_server&) = delete;
  ~fault_dns_server() {
    stop_ = true;
    thread_.join();
    std::vector<tcp_worker> conns;
    {
      std::lock_guard lock(mu_);
      conns.swap(tcp_threads_);
    }
    for (tcp_worker& w : conns) {
      w.thread.join();
    }
    for (int fd : {udp_, tcp_, other_udp_}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }

  uint16_t port() const { return port_; }
  /// "127.0.0.1:PORT", as --resolver and the transports take it.
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  /// Sets the rule for `name` (lower case, no root dot). Thread-safe.
  void set(const std::string& name, dns_rule rule) {
    std::lock_guard lock(mu_);
    rules_[name] = std::move(rule);
  }

  /// UDP queries received for `name` (any type).
  int udp_queries(const std::string& name) const {
    std::lock_guard lock(mu_);
    auto it = udp_counts_.find(name);
    return it == udp_counts_.end() ? 0 : it->second;
  }
  int udp_queries_total() const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [name, c] : udp_counts_) {
      n += c;
    }
    return n;
  }
  int tcp_queries() const { return tcp_count_.load(); }
  /// TCP queries received for `name` (any type).
  int tcp_queries(const std::string& name) const {
    std::lock_guard lock(mu_);
    auto it = tcp_counts_.find(name);
    return it == tcp_counts_.end() ? 0 : it->second;
  }
  /// TCP connections still open on the server side.
  int tcp_open() const { return tcp_open_.load(); }
  uint64_t flooded() const { return flooded_.load(); }
  /// Datagrams queued for a late send that are not out yet.
  size_t late_pending() const {
    std::lock_guard lock(mu_);
    return pending_.size();
  }

 private:
  struct parsed_query {
    uint16_t id = 0;
    std::string name;  // lower case
    uint16_t type = 0;
    size_t question_end = 0;  // offset just past QCLASS
  };
  struct pending_send {
    std::chrono::steady_clock::time_point due;
    std::vector<uint8_t> bytes;
    sockaddr_in to{};
  };

  static sockaddr_in loopback(uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }

  static bool parse(const uint8_t* q, size_t n, parsed_query& out) {
    if (n < 12) {
      return false;
    }
    out.id = static_cast<uint16_t>(q[0] << 8 | q[1]);
    size_t pos = 12;
    out.name.clear();
    while (pos < n && q[pos] != 0) {
      const uint8_t len = q[pos];
      if (len > 63 || pos + 1 + len > n) {
        return false;
      }
      if (!out.name.empty()) {
        out.name.push_back('.');
      }
      for (size_t i = 0; i < len; ++i) {
        char c = static_cast<char>(q[pos + 1 + i]);
        out.name.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
      }
      pos += 1 + len;
    }
    if (pos + 5 > n) {
      return false;
    }
    out.type = static_cast<uint16_t>(q[pos + 1] << 8 | q[pos + 2]);
    out.question_end = pos + 5;
    return true;
  }

  static void put16(std::vector<uint8_t>& v, uint16_t x) {
    v.push_back(static_cast<uint8_t>(x >> 8));
    v.push_back(static_cast<uint8_t>(x));
  }
  static void put_name(std::vector<uint8_t>& v, const std::string& name) {
    size_t start = 0;
    while (start < name.size()) {
      size_t dot = name.find('.', start);
      if (dot == std::string::npos) {
        dot = name.size();
      }
      v.push_back(static_cast<uint8_t>(dot - start));
      v.insert(v.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
               name.begin() + static_cast<std::ptrdiff_t>(dot));
      start = dot + 1;
    }
    v.push_back(0);
  }
  /// An answer record whose owner is the question name (pointer to 12).
  static void put_rr(std::vector<uint8_t>& v, uint16_t type, const std::vector<uint8_t>& rdata) {
    v.push_back(0xc0);
    v.push_back(12);
    put16(v, type);
    put16(v, 1);
    put16(v, 0);
    put16(v, 60);
    put16(v, static_cast<uint16_t>(rdata.size()));
    v.insert(v.end(), rdata.begin(), rdata.end());
  }
  static void set_ancount(std::vector<uint8_t>& v, uint16_t n) {
    v[6] = static_cast<uint8_t>(n >> 8);
    v[7] = static_cast<uint8_t>(n);
  }

  /// Header (ID, QR, the client's RD, RA, `rcode`) and the question as asked.
  static std::vector<uint8_t> header(const uint8_t* q, const parsed_query& pq, int rcode) {
    std::vector<uint8_t> r(q, q + pq.question_end);
    uint8_t* h = r.data();
    if (h == nullptr || r.size() < 12) {
      return r;  // cannot happen: parse() saw a header and a question
    }
    h[2] = static_cast<uint8_t>(0x80 | (q[2] & 0x01));
    h[3] = static_cast<uint8_t>(0x80 | (rcode & 0x0f));
    h[4] = 0;
    h[5] = 1;
    std::fill(h + 6, h + 12, 0);
    return r;
  }

  /// The answer the table gives (no fault applied).
  static std::vector<uint8_t> answer(const uint8_t* q, const parsed_query& pq,
                                     const dns_rule* rule) {
    if (rule == nullptr || rule->nxdomain) {
      return header(q, pq, 3);
    }
    std::vector<uint8_t> r = header(q, pq, 0);
    uint16_t count = 0;
    if (pq.type == 12) {
      for (const std::string& n : rule->ptr) {
        std::vector<uint8_t> rdata;
        put_name(rdata, n);
        put_rr(r, 12, rdata);
        ++count;
      }
    } else if (pq.type == 1) {
      for (const std::string& text : rule->a) {
        std::vector<uint8_t> rdata(4);
        ::inet_pton(AF_INET, text.c_str(), rdata.data());
        put_rr(r, 1, rdata);
        ++count;
      }
    } else if (pq.type == 28) {
      for (const std::string& text : rule->aaaa) {
        std::vector<uint8_t> rdata(16);
        ::inet_pton(AF_INET6, text.c_str(), rdata.data());
        put_rr(r, 28, rdata);
        ++count;
      }
    }
    set_ancount(r, count);
    return r;
  }

  /// What goes back over UDP for one query: zero or more datagrams, each
  /// with where it goes and from which socket, and how late.
  void respond_udp(const uint8_t* q, size_t n, const sockaddr_in& from) {
    parsed_query pq;
    if (!parse(q, n, pq)) {
      return;
    }
    dns_rule rule;
    bool known = false;
    bool first_try = false;
    {
      std::lock_guard lock(mu_);
      ++udp_counts_[pq.name];
      auto it = rules_.find(pq.name);
      if (it != rules_.end()) {
        rule = it->second;
        known = true;
      }
      first_try = seen_.insert({pq.name, pq.type}).second;
    }
    const dns_rule* r = known ? &rule : nullptr;
    auto send_now = [&](int fd, const std::vector<uint8_t>& bytes) {
      ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&from),
               sizeof(from));
    };
    auto send_later = [&](int delay_ms, std::vector<uint8_t> bytes) {
      std::lock_guard lock(mu_);
      pending_.push_back({std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms),
                          std::move(bytes), from});
    };
    const dns_fault fault = known ? rule.fault : dns_fault::none;
    switch (fault) {
      case dns_fault::none:
        send_now(udp_, answer(q, pq, r));
        return;
      case dns_fault::drop:
        return;
      case dns_fault::late:
        send_later(options_.late_ms, answer(q, pq, r));
        return;
      case dns_fault::late_first:
        if (first_try) {
          send_later(options_.late_first_ms, answer(q, pq, r));
        } else {
          send_now(udp_, answer(q, pq, r));
        }
        return;
      case dns_fault::wrong_id: {
        std::vector<uint8_t> b = answer(q, pq, r);
        b[0] ^= 0x5a;
        b[1] ^= 0xa5;
        send_now(udp_, b);
        return;
      }
      case dns_fault::wrong_port:
        send_now(other_udp_, answer(q, pq, r));
        return;
      case dns_fault::truncated:
      case dns_fault::truncated_tcp_closed:
      case dns_fault::truncated_tcp_reset:
      case dns_fault::truncated_tcp_silent:
      case dns_fault::truncated_tcp_cut:
      case dns_fault::truncated_tcp_wrong_id:
      case dns_fault::truncated_tcp_split: {
        std::vector<uint8_t> b = header(q, pq, 0);
        b[2] |= 0x02;  // TC
        send_now(udp_, b);
        return;
      }
      case dns_fault::malformed_answer: {
        std::vector<uint8_t> b = header(q, pq, 0);
        put_rr(b, pq.type, {198, 51, 100, 1});
        // RDLENGTH claims 200 octets; 4 follow.
        b[b.size() - 6] = 0;
        b[b.size() - 5] = 200;
        set_ancount(b, 1);
        send_now(udp_, b);
        return;
      }
      case dns_fault::short_garbage: {
        const std::vector<uint8_t> b = {q[0], q[1], 0x81, 0x80, 0xde, 0xad, 0xbe};
        send_now(udp_, b);
        return;
      }
      case dns_fault::owner_pointer_loop: {
        std::vector<uint8_t> b = header(q, pq, 0);
        const size_t self = b.size();
        b.push_back(static_cast<uint8_t>(0xc0 | (self >> 8)));
        b.push_back(static_cast<uint8_t>(self));
        put16(b, pq.type);
        put16(b, 1);
        put16(b, 0);
        put16(b, 60);
        put16(b, 4);
        b.insert(b.end(), {198, 51, 100, 2});
        set_ancount(b, 1);
        send_now(udp_, b);
        return;
      }
      case dns_fault::rdata_pointer_loop: {
        // A PTR (or, for other types, CNAME) whose target points at itself.
        std::vector<uint8_t> b = header(q, pq, 0);
        b.insert(b.end(), {0xc0, 12});
        put16(b, pq.type == 12 ? 12 : 5);
        put16(b, 1);
        put16(b, 0);
        put16(b, 60);
        put16(b, 2);
        const size_t self = b.size();
        b.push_back(static_cast<uint8_t>(0xc0 | (self >> 8)));
        b.push_back(static_cast<uint8_t>(self));
        set_ancount(b, 1);
        send_now(udp_, b);
        return;
      }
      case dns_fault::servfail:
        send_now(udp_, header(q, pq, 2));
        return;
      case dns_fault::refused:
        send_now(udp_, header(q, pq, 5));
        return;
      case dns_fault::flood: {
        // Replies to nothing the client asked: random IDs (never this
        // query's), this question with its first letter changed, and an
        // answer that would show if it were ever taken (203.0.113.66 or
        // evil.flood.test).
        std::vector<uint8_t> decoy = answer(q, pq, r);
        decoy.resize(pq.question_end);
        if (decoy.size() > 13) {
          decoy[13] = decoy[13] == 'z' ? 'y' : 'z';
        }
        if (pq.type == 12) {
          std::vector<uint8_t> rdata;
          put_name(rdata, "evil.flood.test");
          put_rr(decoy, 12, rdata);
        } else {
          put_rr(decoy, 1, {203, 0, 113, 66});
        }
        set_ancount(decoy, 1);
        for (int i = 0; i < options_.flood_count; ++i) {
          uint16_t id = static_cast<uint16_t>(rng_());
          if (id == pq.id) {
            ++id;
          }
          decoy[0] = static_cast<uint8_t>(id >> 8);
          decoy[1] = static_cast<uint8_t>(id);
          // Every other decoy keeps the real question but another ID: a
          // matching question is not enough either.
          if (decoy.size() > 13) {
            decoy[13] = (i % 2 == 0) ? q[13] : static_cast<uint8_t>(q[13] == 'z' ? 'y' : 'z');
          }
          send_now(udp_, decoy);
          ++flooded_;
        }
        send_now(udp_, answer(q, pq, r));
        return;
      }
      case dns_fault::over_edns:
      case dns_fault::oversized: {
        // A well-formed answer, only too long: its records (or an A record
        // when it has none) repeated past the size, and no TC.
        std::vector<uint8_t> b = answer(q, pq, r);
        std::vector<uint8_t> rr(b.begin() + static_cast<std::ptrdiff_t>(pq.question_end), b.end());
        uint16_t count = static_cast<uint16_t>(b[6] << 8 | b[7]);
        if (rr.empty()) {
          put_rr(rr, 1, {198, 51, 100, 9});
          count = 0;
        }
        const uint16_t per_copy = count == 0 ? 1 : count;
        const size_t want = fault == dns_fault::over_edns ? 1400 : 4200;
        while (b.size() < want) {
          b.insert(b.end(), rr.begin(), rr.end());
          count = static_cast<uint16_t>(count + per_copy);
        }
        set_ancount(b, count);
        send_now(udp_, b);
        return;
      }
    }
  }

  void serve_tcp(int c) {
    timeval tv{2, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    uint8_t buf[4096];
    while (!stop_) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) {
        continue;
      }
      uint8_t lenbuf[2];
      if (::recv(c, lenbuf, 2, MSG_WAITALL) != 2) {
        break;
      }
      const size_t len = static_cast<size_t>(lenbuf[0] << 8 | lenbuf[1]);
      if (len > sizeof(buf) || ::recv(c, buf, len, MSG_WAITALL) != static_cast<ssize_t>(len)) {
        break;
      }
      ++tcp_count_;
      parsed_query pq;
      if (!parse(buf, len, pq)) {
        break;
      }
      dns_rule rule;
      bool known = false;
      {
        std::lock_guard lock(mu_);
        ++tcp_counts_[pq.name];
        auto it = rules_.find(pq.name);
        if (it != rules_.end()) {
          rule = it->second;
          known = true;
        }
      }
      const dns_fault fault = known ? rule.fault : dns_fault::none;
      if (fault == dns_fault::truncated_tcp_closed) {
        break;
      }
      if (fault == dns_fault::truncated_tcp_reset) {
        // A zero linger time makes close() send RST instead of FIN.
        linger l{1, 0};
        ::setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
        break;
      }
      if (fault == dns_fault::truncated_tcp_silent) {
        continue;  // until the client gives up and closes
      }
      std::vector<uint8_t> r = answer(buf, pq, known ? &rule : nullptr);
      if (fault == dns_fault::servfail) {
        r = header(buf, pq, 2);
      }
      if (fault == dns_fault::truncated_tcp_wrong_id) {
        r[0] ^= 0x5a;
        r[1] ^= 0xa5;
      }
      std::vector<uint8_t> framed = {static_cast<uint8_t>(r.size() >> 8),
                                     static_cast<uint8_t>(r.size())};
      framed.insert(framed.end(), r.begin(), r.end());
      if (fault == dns_fault::truncated_tcp_cut) {
        ::send(c, framed.data(), 2 + r.size() / 2, MSG_NOSIGNAL);
        break;
      }
      if (fault == dns_fault::truncated_tcp_split) {
        // Each piece on its own segment, so the client's reads come up
        // short: one octet of the length, the other with 5 of the message,
        // then the rest.
        int one = 1;
        ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        const size_t cuts[] = {0, 1, 2 + std::min<size_t>(5, r.size()), framed.size()};
        for (size_t k = 0; k + 1 < std::size(cuts); ++k) {
          if (k > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
          }
          ::send(c, framed.data() + cuts[k], cuts[k + 1] - cuts[k], MSG_NOSIGNAL);
        }
        continue;
      }
      ::send(c, framed.data(), framed.size(), MSG_NOSIGNAL);
    }
    ::close(c);
    --tcp_open_;
  }

  void send_due() {
    std::vector<pending_send> due;
    {
      std::lock_guard lock(mu_);
      const auto now = std::chrono::steady_clock::now();
      auto split = std::stable_partition(pending_.begin(), pending_.end(),
                                         [&](const pending_send& p) { return p.due > now; });
      due.assign(std::make_move_iterator(split), std::make_move_iterator(pending_.end()));
      pending_.erase(split, pending_.end());
    }
    for (const pending_send& p : due) {
      ::sendto(udp_, p.bytes.data(), p.bytes.size(), 0, reinterpret_cast<const sockaddr*>(&p.to),
               sizeof(p.to));
    }
  }

  void serve() {
    std::vector<uint8_t> buf(4096);
    while (!stop_) {
      send_due();
      pollfd fds[2] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
      if (::poll(fds, 2, 5) <= 0) {
        continue;
      }
      if (fds[0].revents & POLLIN) {
        // Everything waiting, then back to the timers.
        for (int k = 0; k < 256; ++k) {
          sockaddr_in from{};
          socklen_t fl = sizeof(from);
          const ssize_t n = ::recvfrom(udp_, buf.data(), buf.size(), MSG_DONTWAIT,
                                       reinterpret_cast<sockaddr*>(&from), &fl);
          if (n <= 0) {
            break;
          }
          respond_udp(buf.data(), static_cast<size_t>(n), from);
        }
      }
      if (fds[1].revents & POLLIN) {
        const int c = ::accept4(tcp_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) {
          ++tcp_open_;
          std::lock_guard lock(mu_);
          // Finished connections are joined as new ones come: ptrscan opens
          // one connection per truncated query, and an exited thread that
          // is never joined keeps its stack (the in-process baseline test
          // saw ~25 KB of RSS per connection, 2.5 MiB per scan).
          std::erase_if(tcp_threads_, [](tcp_worker& w) {
            if (!w.done->load()) {
              return false;
            }
            w.thread.join();
            return true;
          });
          auto done = std::make_shared<std::atomic<bool>>(false);
          tcp_threads_.push_back(tcp_worker{std::thread([this, c, done] {
                                              serve_tcp(c);
                                              done->store(true);
                                            }),
                                            done});
        }
      }
    }
  }

  fault_dns_options options_;
  int udp_ = -1;
  int tcp_ = -1;
  int other_udp_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::minstd_rand rng_{12345};  // server thread only

  mutable std::mutex mu_;
  std::map<std::string, dns_rule> rules_;
  std::map<std::string, int> udp_counts_;
  std::map<std::string, int> tcp_counts_;
  std::set<std::pair<std::string, uint16_t>> seen_;
  std::vector<pending_send> pending_;
  struct tcp_worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<tcp_worker> tcp_threads_;
  std::atomic<int> tcp_count_{0};
  std::atomic<int> tcp_open_{0};
  std::atomic<uint64_t> flooded_{0};
};

}  // namespace ptrscan::testing_faults
