// ptrscan-listen-ref: the reference server of the `listen` benchmark
// scenario (issue 19). A minimal single-threaded epoll SMTP acceptor doing
// the dialogue `ptrscan listen` does with a client: a 220 greeting, EHLO,
// MAIL, RCPT answered "550 5.7.1 ptr=STATUS" once the PTR lookup of the
// client's address (started at accept, over UDP to --resolver) is answered
// or has timed out, DATA refused, QUIT. What a competent engineer writes as
// a fast baseline: no records, no TLS, no other lookups, no allocation per
// connection once its slot's buffers have grown; it prints counts.
//
// --fcrdns: after a PTR answer with names, it also asks the A record of the
// first name (in answer order), with the same timeout and retries, before
// answering RCPT "550 5.7.1 ptr=STATUS fcrdns=pass|fail|none|error|timeout":
// pass when an A record is the client's address, fail when none is (or the
// name has no A: NXDOMAIN, NODATA), none without a PTR name (NXDOMAIN,
// NODATA), error when a lookup failed (SERVFAIL, REFUSED, truncated,
// malformed), timeout when the PTR or the A lookup timed out. The FCrDNS of
// `ptrscan listen`, reduced to the one name and the one type an IPv4 client
// with one PTR name needs: the like-for-like reference (2 lookups per client
// with a PTR, as ptrscan asks).
//
//   ptrscan-listen-ref --listen IP:PORT --resolver IP:PORT [-n N] [--fcrdns]
//       [--dns-timeout MS (2000)] [--retries N (2)] [--hostname NAME]
//
// Prints "listening on IP:PORT" on stderr once it listens; exits after N
// connections have ended (any way), or on SIGINT/SIGTERM, with one JSON line
// on stdout: {"connections","ptr_ok","ptr_nxdomain","ptr_other",
// "dns_timeouts","dns_sent","wall_s"}, with --fcrdns also "fcrdns_pass",
// "fcrdns_fail","fcrdns_other" (connections whose verdict said pass, fail,
// or anything else) and dns_timeouts counting the A lookups too. Exit 0, or
// 2 on usage errors, 1 when it cannot listen.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "reference/dns_wire.h"

namespace ptrscan::ref {
namespace {

volatile sig_atomic_t stop_requested = 0;
void on_signal(int) { stop_requested = 1; }

int64_t now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

bool parse_v4_endpoint(const std::string& s, sockaddr_in* out) {
  const size_t colon = s.rfind(':');
  if (colon == std::string::npos) {
    return false;
  }
  std::memset(out, 0, sizeof *out);
  out->sin_family = AF_INET;
  char* end = nullptr;
  const unsigned long port = std::strtoul(s.c_str() + colon + 1, &end, 10);
  return *end == '\0' && port <= 65535 && colon + 1 < s.size() &&
         inet_pton(AF_INET, s.substr(0, colon).c_str(), &out->sin_addr) == 1 &&
         (out->sin_port = htons(static_cast<uint16_t>(port)), true);
}

struct options {
  std::string listen = "127.0.0.1:25";
  std::string resolver;
  uint64_t max_connections = 0;
  int dns_timeout_ms = 2000;
  int retries = 2;
  std::string hostname = "listen-ref.test";
  bool fcrdns = false;  // also the A of the first PTR name
};

constexpr size_t max_line = 1000;
// Connection slots (each with its DNS ID): more than ptrscan listen's default
// --max-sessions (1000); past them a connection gets 421.
constexpr uint32_t max_conns = 4096;

enum class ptr_state : uint8_t { pending, ok, nxdomain, other, timeout };
// `off`: no --fcrdns.
enum class fcrdns_state : uint8_t { off, pending, pass, fail, none, error, timeout };

const char* fcrdns_word(fcrdns_state s) {
  switch (s) {
    case fcrdns_state::pass:
      return "pass";
    case fcrdns_state::fail:
      return "fail";
    case fcrdns_state::none:
      return "none";
    case fcrdns_state::timeout:
      return "timeout";
    case fcrdns_state::pending:
      return "pending";
    case fcrdns_state::off:
    case fcrdns_state::error:
      break;
  }
  return "error";
}

const char* ptr_word(ptr_state s, answer_status detail) {
  switch (s) {
    case ptr_state::ok:
      return "ok";
    case ptr_state::nxdomain:
      return "nxdomain";
    case ptr_state::timeout:
      return "timeout";
    case ptr_state::pending:
      return "pending";
    case ptr_state::other:
      break;
  }
  switch (detail) {
    case answer_status::nodata:
      return "nodata";
    case answer_status::servfail:
      return "servfail";
    case answer_status::refused:
      return "refused";
    default:
      return "error";
  }
}

struct conn {
  int fd = -1;
  uint32_t generation = 0;
  uint32_t client = 0;  // host order
  std::string in;       // both keep their capacity from one connection to the next
  std::string out;
  size_t out_off = 0;
  bool rcpt_waiting = false;
  bool closing = false;
  bool skipping = false;  // inside a line past max_line
  bool want_out = false;
  ptr_state ptr = ptr_state::pending;
  answer_status ptr_detail = answer_status::error;
  fcrdns_state fcrdns = fcrdns_state::off;
  int tries = 0;       // of the lookup in flight
  uint32_t sends = 0;  // every query sent on this connection: names its live timer
  wire_name qname;     // of the lookup in flight (the PTR's, then the A's)
  uint8_t query[max_query];
  size_t qlen = 0;

  /// A new connection in this slot; the buffers keep their capacity.
  void start(int new_fd, uint32_t client_ip, bool with_fcrdns) {
    ++generation;
    fd = new_fd;
    client = client_ip;
    in.clear();
    out.clear();
    out_off = 0;
    rcpt_waiting = closing = skipping = want_out = false;
    ptr = ptr_state::pending;
    ptr_detail = answer_status::error;
    fcrdns = with_fcrdns ? fcrdns_state::pending : fcrdns_state::off;
    tries = 0;
    sends = 0;
  }
  bool looking_up() const {
    return ptr == ptr_state::pending || fcrdns == fcrdns_state::pending;
  }
};

struct timer {
  int64_t due;
  uint32_t slot;
  uint32_t generation;
  uint32_t send;  // the connection's `sends` when it was armed
};

class server {
 public:
  explicit server(const options& o) : o_(o) {}

  bool init() {
    sockaddr_in la{};
    sockaddr_in ra{};
    if (!parse_v4_endpoint(o_.listen, &la) || !parse_v4_endpoint(o_.resolver, &ra)) {
      std::fprintf(stderr, "ptrscan-listen-ref: --listen and --resolver are IPv4 IP:PORT\n");
      return false;
    }
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    lfd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(lfd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(lfd_, reinterpret_cast<sockaddr*>(&la), sizeof la) != 0 ||
        ::listen(lfd_, 1024) != 0) {
      std::fprintf(stderr, "ptrscan-listen-ref: cannot listen on %s: %s\n", o_.listen.c_str(),
                   std::strerror(errno));
      return false;
    }
    dns_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (::connect(dns_, reinterpret_cast<sockaddr*>(&ra), sizeof ra) != 0) {
      std::fprintf(stderr, "ptrscan-listen-ref: resolver: %s\n", std::strerror(errno));
      return false;
    }
    greeting_ = "220 " + o_.hostname + " ESMTP ptrscan-listen-ref\r\n";
    ehlo_reply_ = "250-" + o_.hostname + "\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
    helo_reply_ = "250 " + o_.hostname + "\r\n";
    add(lfd_, EPOLLIN, tag_listen);
    add(dns_, EPOLLIN, tag_dns);
    conns_.resize(max_conns);
    for (uint32_t i = max_conns; i > 0; --i) {
      free_.push_back(i - 1);
    }
    sockaddr_in got{};
    socklen_t len = sizeof got;
    ::getsockname(lfd_, reinterpret_cast<sockaddr*>(&got), &len);
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &got.sin_addr, ip, sizeof ip);
    std::fprintf(stderr, "ptrscan-listen-ref: listening on %s:%u\n", ip, ntohs(got.sin_port));
    return true;
  }

  void run() {
    epoll_event evs[256];
    while (stop_requested == 0 && (o_.max_connections == 0 || ended_ < o_.max_connections)) {
      int wait = 1000;
      if (!timers_.empty()) {
        wait = static_cast<int>(std::max<int64_t>(0, timers_.front().due - now_ms()));
      }
      const int n = epoll_wait(ep_, evs, 256, wait);
      if (n < 0 && errno != EINTR) {
        break;
      }
      for (int i = 0; i < n; ++i) {
        const uint64_t tag = evs[i].data.u64;
        if (tag == tag_listen) {
          on_accept();
        } else if (tag == tag_dns) {
          on_dns();
        } else {
          on_conn(static_cast<uint32_t>(tag), evs[i].events);
        }
      }
      expire();
    }
  }

  void report(double wall_s) const {
    std::printf(
        "{\"connections\":%llu,\"ptr_ok\":%llu,\"ptr_nxdomain\":%llu,\"ptr_other\":%llu,"
        "\"dns_timeouts\":%llu,\"dns_sent\":%llu,\"wall_s\":%.3f",
        static_cast<unsigned long long>(ended_), static_cast<unsigned long long>(ptr_ok_),
        static_cast<unsigned long long>(ptr_nx_), static_cast<unsigned long long>(ptr_other_),
        static_cast<unsigned long long>(dns_timeouts_),
        static_cast<unsigned long long>(dns_sent_), wall_s);
    if (o_.fcrdns) {
      std::printf(",\"fcrdns_pass\":%llu,\"fcrdns_fail\":%llu,\"fcrdns_other\":%llu",
                  static_cast<unsigned long long>(fcrdns_pass_),
                  static_cast<unsigned long long>(fcrdns_fail_),
                  static_cast<unsigned long long>(fcrdns_other_));
    }
    std::printf("}\n");
    std::fflush(stdout);
  }

  uint64_t first_accept_ms() const { return first_accept_ms_; }

 private:
  static constexpr uint64_t tag_listen = 1ull << 40;
  static constexpr uint64_t tag_dns = 2ull << 40;

  void add(int fd, uint32_t events, uint64_t tag) {
    epoll_event e{};
    e.events = events;
    e.data.u64 = tag;
    epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &e);
  }

  void on_accept() {
    for (;;) {
      sockaddr_in peer{};
      socklen_t len = sizeof peer;
      const int fd = ::accept4(lfd_, reinterpret_cast<sockaddr*>(&peer), &len,
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        return;  // EAGAIN, or a connection gone before we took it
      }
      if (first_accept_ms_ == 0) {
        first_accept_ms_ = static_cast<uint64_t>(now_ms());
      }
      if (free_.empty()) {
        static constexpr std::string_view busy = "421 4.7.0 too many connections\r\n";
        (void)!::send(fd, busy.data(), busy.size(), MSG_NOSIGNAL);
        ::close(fd);
        ++ended_;
        continue;
      }
      const uint32_t slot = free_.back();
      free_.pop_back();
      conn& c = conns_[slot];
      c.start(fd, ntohl(peer.sin_addr.s_addr), o_.fcrdns);
      add(fd, EPOLLIN, slot);
      // The lookup runs while the dialogue goes on; RCPT waits for it.
      reverse_name(c.client, c.qname);
      c.qlen = build_query(c.qname, type_ptr, c.query);
      set_id(c.query, static_cast<uint16_t>(slot));
      send_query(slot);
      c.out += greeting_;
      flush(slot);
    }
  }

  void send_query(uint32_t slot) {
    conn& c = conns_[slot];
    ++c.tries;
    ++c.sends;
    ++dns_sent_;
    (void)!::send(dns_, c.query, c.qlen, 0);  // a lost send is a lost try: the timer resends
    timers_.push_back({now_ms() + o_.dns_timeout_ms, slot, c.generation, c.sends});
  }

  void on_dns() {
    uint8_t buf[4096];
    for (;;) {
      const ssize_t n = ::recv(dns_, buf, sizeof buf, 0);
      if (n < 0) {
        return;
      }
      const size_t len = static_cast<size_t>(n);
      if (len < header_len) {
        continue;
      }
      const uint32_t slot = get_id(buf);
      if (slot >= conns_.size()) {
        continue;
      }
      conn& c = conns_[slot];
      if (c.fd < 0 || !c.looking_up() || !matches_question(buf, len, c.query, c.qlen)) {
        continue;  // stray, late, for a recycled slot or the other lookup
      }
      if (c.ptr == ptr_state::pending) {
        on_ptr_answer(slot, buf, len);
      } else {
        on_a_answer(c, buf, len);
      }
      if (c.rcpt_waiting && !c.looking_up()) {
        answer_rcpt(slot);
      }
    }
  }

  void on_ptr_answer(uint32_t slot, const uint8_t* buf, size_t len) {
    conn& c = conns_[slot];
    wire_name first;  // the first PTR name in answer order (--fcrdns)
    bool have_first = false;
    bool first_ok = false;
    const answer_status st =
        walk_answer(buf, len, c.qname, type_ptr, [&](size_t rdata, uint16_t) {
          if (o_.fcrdns && !have_first) {
            have_first = true;
            first_ok = read_name(buf, len, rdata, first) != 0 && first.len > 1;
          }
        });
    c.ptr_detail = st;
    c.ptr = st == answer_status::ok         ? ptr_state::ok
            : st == answer_status::nxdomain ? ptr_state::nxdomain
                                            : ptr_state::other;
    (c.ptr == ptr_state::ok ? ptr_ok_ : c.ptr == ptr_state::nxdomain ? ptr_nx_ : ptr_other_)++;
    if (!o_.fcrdns) {
      return;
    }
    if (st == answer_status::ok && first_ok) {
      // The A lookup of the name, in the same slot (same ID, new question).
      c.qname = first;
      c.qlen = build_query(c.qname, type_a, c.query);
      set_id(c.query, static_cast<uint16_t>(slot));
      c.tries = 0;
      send_query(slot);
      return;
    }
    // No name to look up: none without one, error when the PTR failed or its
    // first name could not be read (a malformed answer is no verdict).
    decide_fcrdns(c, st == answer_status::nxdomain || st == answer_status::nodata
                         ? fcrdns_state::none
                         : fcrdns_state::error);
  }

  void on_a_answer(conn& c, const uint8_t* buf, size_t len) {
    bool back = false;       // an A record is the client's address
    bool malformed = false;  // an A record that is not 4 bytes
    const answer_status st =
        walk_answer(buf, len, c.qname, type_a, [&](size_t rdata, uint16_t rdlen) {
          if (rdlen != 4) {
            malformed = true;
            return;
          }
          const uint32_t a = uint32_t{buf[rdata]} << 24 | uint32_t{buf[rdata + 1]} << 16 |
                             uint32_t{buf[rdata + 2]} << 8 | uint32_t{buf[rdata + 3]};
          back = back || a == c.client;
        });
    fcrdns_state v = fcrdns_state::error;
    if (st == answer_status::ok && !malformed) {
      v = back ? fcrdns_state::pass : fcrdns_state::fail;
    } else if (st == answer_status::nxdomain || st == answer_status::nodata) {
      v = fcrdns_state::fail;  // the name does not resolve (back)
    }
    decide_fcrdns(c, v);
  }

  void decide_fcrdns(conn& c, fcrdns_state v) {
    c.fcrdns = v;
    (v == fcrdns_state::pass ? fcrdns_pass_ : v == fcrdns_state::fail ? fcrdns_fail_
                                                                      : fcrdns_other_)++;
  }

  void expire() {
    const int64_t now = now_ms();
    while (!timers_.empty() && timers_.front().due <= now) {
      const timer t = timers_.front();
      timers_.pop_front();
      conn& c = conns_[t.slot];
      if (c.fd < 0 || c.generation != t.generation || !c.looking_up() || c.sends != t.send) {
        continue;  // answered, superseded by a later send, or a recycled slot
      }
      if (c.tries <= o_.retries) {
        send_query(t.slot);
        continue;
      }
      ++dns_timeouts_;
      if (c.ptr == ptr_state::pending) {
        c.ptr = ptr_state::timeout;
      }
      if (c.fcrdns == fcrdns_state::pending) {
        decide_fcrdns(c, fcrdns_state::timeout);
      }
      if (c.rcpt_waiting) {
        answer_rcpt(t.slot);
      }
    }
  }

  void answer_rcpt(uint32_t slot) {
    conn& c = conns_[slot];
    c.rcpt_waiting = false;
    append_verdict(c);
    process(slot);
    flush(slot);
  }

  static void append_verdict(conn& c) {
    c.out += "550 5.7.1 ptr=";
    c.out += ptr_word(c.ptr, c.ptr_detail);
    if (c.fcrdns != fcrdns_state::off) {
      c.out += " fcrdns=";
      c.out += fcrdns_word(c.fcrdns);
    }
    c.out += "\r\n";
  }

  void on_conn(uint32_t slot, uint32_t events) {
    conn& c = conns_[slot];
    if (c.fd < 0) {
      return;
    }
    if ((events & EPOLLOUT) != 0) {
      flush(slot);
      if (c.fd < 0) {
        return;
      }
    }
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0 && !c.closing) {
      char buf[4096];
      for (;;) {
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n > 0) {
          c.in.append(buf, static_cast<size_t>(n));
          if (static_cast<size_t>(n) < sizeof buf) {
            break;  // drained
          }
          continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
          end(slot);  // the client closed or reset
          return;
        }
        break;
      }
      process(slot);
      flush(slot);
    }
  }

  /// Answers the complete lines in order; stops at a RCPT that waits.
  void process(uint32_t slot) {
    conn& c = conns_[slot];
    size_t pos = 0;
    while (!c.rcpt_waiting && !c.closing) {
      const size_t lf = c.in.find('\n', pos);
      if (lf == std::string::npos) {
        if (c.in.size() - pos >= max_line) {
          c.skipping = true;
          pos = c.in.size();
        }
        break;
      }
      std::string_view line(c.in.data() + pos, lf - pos);
      pos = lf + 1;
      if (c.skipping || line.size() + 1 > max_line) {
        c.skipping = false;
        c.out += "500 5.5.2 line too long\r\n";
        continue;
      }
      if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
      }
      command(slot, line);
    }
    c.in.erase(0, pos);
  }

  static bool verb_is(std::string_view line, std::string_view verb) {
    if (line.size() < verb.size()) {
      return false;
    }
    for (size_t i = 0; i < verb.size(); ++i) {
      const char ch = line[i] >= 'a' && line[i] <= 'z' ? static_cast<char>(line[i] - 32) : line[i];
      if (ch != verb[i]) {
        return false;
      }
    }
    return line.size() == verb.size() || line[verb.size()] == ' ' || line[verb.size()] == ':';
  }

  void command(uint32_t slot, std::string_view line) {
    conn& c = conns_[slot];
    if (verb_is(line, "EHLO")) {
      c.out += ehlo_reply_;
    } else if (verb_is(line, "HELO")) {
      c.out += helo_reply_;
    } else if (verb_is(line, "MAIL")) {
      c.out += "250 2.1.0 Ok\r\n";
    } else if (verb_is(line, "RCPT")) {
      c.rcpt_waiting = c.looking_up();
      if (!c.rcpt_waiting) {
        append_verdict(c);
      }
    } else if (verb_is(line, "DATA")) {
      c.out += "554 5.5.1 no valid recipients\r\n";
    } else if (verb_is(line, "RSET") || verb_is(line, "NOOP")) {
      c.out += "250 2.0.0 Ok\r\n";
    } else if (verb_is(line, "QUIT")) {
      c.out += "221 2.0.0 closing\r\n";
      c.closing = true;
    } else {
      c.out += "500 5.5.2 command not recognised\r\n";
    }
  }

  void flush(uint32_t slot) {
    conn& c = conns_[slot];
    while (c.out_off < c.out.size()) {
      const ssize_t n =
          ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN) {
          break;
        }
        end(slot);
        return;
      }
      c.out_off += static_cast<size_t>(n);
    }
    if (c.out_off == c.out.size()) {
      c.out.clear();
      c.out_off = 0;
      if (c.closing) {
        end(slot);
        return;
      }
    }
    const bool want = !c.out.empty();
    if (want != c.want_out) {
      c.want_out = want;
      epoll_event e{};
      e.events = EPOLLIN | (want ? EPOLLOUT : 0u);
      e.data.u64 = slot;
      epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &e);
    }
  }

  void end(uint32_t slot) {
    conn& c = conns_[slot];
    if (c.looking_up()) {
      ++dns_abandoned_;
    }
    ::close(c.fd);  // also leaves the epoll set
    c.fd = -1;
    c.in.clear();
    c.out.clear();
    free_.push_back(slot);
    ++ended_;
  }

  const options& o_;
  std::string greeting_;  // the fixed replies, built once
  std::string ehlo_reply_;
  std::string helo_reply_;
  int ep_ = -1;
  int lfd_ = -1;
  int dns_ = -1;
  std::vector<conn> conns_;
  std::vector<uint32_t> free_;
  std::deque<timer> timers_;  // one duration: a FIFO is in deadline order
  uint64_t ended_ = 0;
  uint64_t ptr_ok_ = 0;
  uint64_t ptr_nx_ = 0;
  uint64_t ptr_other_ = 0;
  uint64_t dns_timeouts_ = 0;
  uint64_t dns_sent_ = 0;
  uint64_t dns_abandoned_ = 0;
  uint64_t fcrdns_pass_ = 0;
  uint64_t fcrdns_fail_ = 0;
  uint64_t fcrdns_other_ = 0;
  uint64_t first_accept_ms_ = 0;
};

int usage(const char* why) {
  std::fprintf(stderr,
               "ptrscan-listen-ref: %s\n"
               "usage: ptrscan-listen-ref --listen IP:PORT --resolver IP:PORT [-n N] [--fcrdns]\n"
               "       [--dns-timeout MS] [--retries N] [--hostname NAME]\n",
               why);
  return 2;
}

int main_impl(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--fcrdns") {
      o.fcrdns = true;
      continue;
    }
    if (i + 1 >= argc) {
      return usage(("missing value for " + a).c_str());
    }
    const std::string v = argv[++i];
    char* end = nullptr;
    if (a == "--listen" || a == "-l") {
      o.listen = v;
    } else if (a == "--resolver") {
      o.resolver = v;
    } else if (a == "-n" || a == "--max-connections") {
      o.max_connections = std::strtoull(v.c_str(), &end, 10);
    } else if (a == "--dns-timeout") {
      o.dns_timeout_ms = static_cast<int>(std::strtol(v.c_str(), &end, 10));
    } else if (a == "--retries") {
      o.retries = static_cast<int>(std::strtol(v.c_str(), &end, 10));
    } else if (a == "--hostname") {
      o.hostname = v;
    } else {
      return usage(("unknown option " + a).c_str());
    }
    if (end != nullptr && *end != '\0') {
      return usage(("not a number: " + a + " " + v).c_str());
    }
  }
  if (o.resolver.empty()) {
    return usage("--resolver is required");
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;  // no SA_RESTART: epoll_wait returns EINTR
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  server s(o);
  if (!s.init()) {
    return 1;
  }
  s.run();
  const double wall =
      s.first_accept_ms() == 0
          ? 0.0
          : static_cast<double>(static_cast<uint64_t>(now_ms()) - s.first_accept_ms()) / 1000.0;
  s.report(wall);
  return 0;
}

}  // namespace
}  // namespace ptrscan::ref

int main(int argc, char** argv) { return ptrscan::ref::main_impl(argc, argv); }
