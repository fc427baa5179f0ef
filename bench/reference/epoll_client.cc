// ptrscan-epoll-ref: the reference client of the benchmark harness. What a
// competent engineer writes as a fast single-threaded baseline for PTR /
// FCrDNS lookups and SMTP banner/EHLO/STARTTLS probes: one epoll loop, no
// threads, a slab of host slots, a few connected UDP sockets with batched
// sendmmsg/recvmmsg, one FIFO of deadlines per timeout duration, edge-
// triggered TCP sockets registered once, BoringSSL driven over the socket.
//
// It prints counts, not records: one JSON line on stdout (the harness's
// contract), a breakdown of failures on stderr.

#include <arpa/inet.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>

#include "reference/client.h"

namespace ptrscan::ref {

// --------------------------------------------------------------------------
// setup

bool client::setup() {
  ::signal(SIGPIPE, SIG_IGN);  // BoringSSL writes with write(2)
  const uint32_t sockets =
      std::max<uint32_t>(4, (o_.dns_inflight + ids_per_socket_target - 1) / ids_per_socket_target);
  // Descriptors: one per host in flight (its SMTP session), the UDP
  // sockets, a margin. Without enough, fewer hosts go in flight at once:
  // failing sessions for want of descriptors would change the counts.
  max_inflight_ = o_.max_inflight;
  if (o_.smtp) {
    rlimit r{};
    ::getrlimit(RLIMIT_NOFILE, &r);
    const rlim_t reserve = sockets + 64;
    const rlim_t wanted = max_inflight_ + reserve;
    if (r.rlim_cur < wanted) {
      rlimit more{wanted, std::max(r.rlim_max, wanted)};
      if (::setrlimit(RLIMIT_NOFILE, &more) != 0) {
        r.rlim_cur = r.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &r);
        ::getrlimit(RLIMIT_NOFILE, &r);
        max_inflight_ = static_cast<uint32_t>(r.rlim_cur > reserve + 1 ? r.rlim_cur - reserve : 1);
        std::fprintf(stderr,
                     "ptrscan-epoll-ref: %llu descriptors at most: --max-inflight %u used as %u\n",
                     static_cast<unsigned long long>(r.rlim_cur), o_.max_inflight, max_inflight_);
      }
    }
  }
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) {
    std::perror("epoll_create1");
    return false;
  }
  ::getrandom(&rng_, sizeof rng_, 0);
  rng_ |= 1;

  if (o_.ptr) {
    sockaddr_in res{};
    res.sin_family = AF_INET;
    res.sin_addr.s_addr = htonl(o_.resolver_ip);
    res.sin_port = htons(o_.resolver_port);
    for (uint32_t s = 0; s < sockets; ++s) {
      const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&res), sizeof res) != 0) {
        std::perror("DNS socket");
        return false;
      }
      // Room for bursts of answers (FORCE works as root, beyond rmem_max).
      const int bytes = 8 << 20;
      if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0) {
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
      }
      if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof bytes) != 0) {
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
      }
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = udp_tag | s;
      ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
      udp_.push_back(fd);
      ids_.emplace_back(65536, nil);
      sendq_.emplace_back();
      sendq_.back().reserve(1024);
    }
    udp_want_out_.assign(sockets, false);
  }
  if (o_.smtp) {
    smtp_addr_.sin_family = AF_INET;
    smtp_addr_.sin_port = htons(o_.port);
    ehlo_ = "EHLO " + o_.ehlo_name + "\r\n";
  }
  if (o_.starttls) {
    tls_ = SSL_CTX_new(TLS_method());
    if (tls_ == nullptr) {
      std::fprintf(stderr, "ptrscan-epoll-ref: SSL_CTX_new failed\n");
      return false;
    }
    SSL_CTX_set_verify(tls_, SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_session_cache_mode(tls_, SSL_SESS_CACHE_OFF);
  }
  hosts_.resize(max_inflight_);
  for (uint32_t i = max_inflight_; i-- > 0;) {
    hosts_[i].next_free = free_hosts_;
    free_hosts_ = i;
  }
  return true;
}

client::~client() {
  for (host& h : hosts_) {
    if (h.ssl != nullptr) {
      SSL_free(h.ssl);
    }
    if (h.fd >= 0) {
      ::close(h.fd);
    }
  }
  for (const int fd : udp_) {
    ::close(fd);
  }
  if (epoll_ >= 0) {
    ::close(epoll_);
  }
  SSL_CTX_free(tls_);
}

// --------------------------------------------------------------------------
// hosts

void client::admit() {
  while (free_hosts_ != nil && next_ip_ < o_.range_size) {
    const uint32_t slot = free_hosts_;
    free_hosts_ = hosts_[slot].next_free;
    start_host(slot, o_.range_base + static_cast<uint32_t>(next_ip_++));
  }
}

void client::start_host(uint32_t slot, uint32_t ip) {
  host& h = hosts_[slot];
  h.ip = ip;
  h.active = true;
  h.ptr_ok = h.fcrdns_pass = h.smtp_ok = h.tls_ok = false;
  h.ptr_names = 0;
  h.dns_pending = 0;
  if (o_.ptr) {
    wire_name name;
    reverse_name(ip, name);
    new_query(slot, name, type_ptr);
  }
  if (o_.smtp) {
    start_smtp(slot);
  }
  maybe_finish(slot);
}

void client::maybe_finish(uint32_t slot) {
  host& h = hosts_[slot];
  if (!h.active || h.dns_pending != 0 || h.smtp != smtp_state::none) {
    return;
  }
  h.active = false;
  ++c_.done;
  c_.ptr_ok += h.ptr_ok;
  c_.fcrdns_pass += h.fcrdns_pass;
  c_.smtp_ok += h.smtp_ok;
  c_.tls_ok += h.tls_ok;
  h.next_free = free_hosts_;
  free_hosts_ = slot;
}
// --------------------------------------------------------------------------
// timers and the loop

void client::expire(int64_t now) {
  while (!dns_timers_.empty() && dns_timers_.front().due_ns <= now) {
    const timer_entry t = dns_timers_.pop();
    query& x = q(t.index);
    if (x.state != qstate::wire || x.tag != t.tag) {
      continue;
    }
    if (x.tries <= o_.retries) {
      ++c_.dns_retries;
      send_try(t.index);  // same ID: a late answer to the last try still counts
    } else {
      ++c_.dns_timeouts;
      finish_query(t.index);
    }
  }
  for (auto* fifo : {&connect_timers_, &read_timers_}) {
    while (!fifo->empty() && fifo->front().due_ns <= now) {
      const timer_entry t = fifo->pop();
      host& h = hosts_[t.index];
      if (h.fd >= 0 && h.timer_tag == t.tag) {
        end_session(t.index, fifo == &connect_timers_ ? o_connect_timeout : o_read_timeout, false);
      }
    }
  }
}

int client::wait_ms(int64_t now) const {
  int64_t due = now + 1'000'000'000;  // wake at least once a second
  for (const auto* fifo : {&dns_timers_, &connect_timers_, &read_timers_}) {
    if (!fifo->empty()) {
      due = std::min(due, fifo->front().due_ns);
    }
  }
  return static_cast<int>(std::max<int64_t>(0, (due - now + 999'999) / 1'000'000));
}

int client::run() {
  if (!setup()) {
    return 1;
  }
  const int64_t start = now_ns();
  now_ = start;
  std::array<epoll_event, 1024> events;
  while (c_.done < o_.range_size) {
    admit();
    flush_sends();
    const int n =
        ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), wait_ms(now_));
    now_ = now_ns();
    for (int i = 0; i < n; ++i) {
      const uint64_t tag = events[i].data.u64;
      if ((tag & udp_tag) != 0) {
        const auto s = static_cast<uint32_t>(tag & 0xFFFF);
        if ((events[i].events & EPOLLIN) != 0) {
          on_udp_readable(s);
        }
      } else {
        on_tcp_event(static_cast<uint32_t>(tag), static_cast<uint32_t>(tag >> 32),
                     events[i].events);
      }
    }
    expire(now_);
  }
  const double wall = static_cast<double>(now_ns() - start) / 1e9;

  std::printf(
      "{\"hosts\":%llu,\"done\":%llu,\"ptr_ok\":%llu,\"fcrdns_pass\":%llu,\"smtp_ok\":%llu,"
      "\"tls_ok\":%llu,\"dns_queries\":%llu,\"dns_timeouts\":%llu,\"wall_s\":%.3f}\n",
      static_cast<unsigned long long>(o_.range_size), static_cast<unsigned long long>(c_.done),
      static_cast<unsigned long long>(c_.ptr_ok), static_cast<unsigned long long>(c_.fcrdns_pass),
      static_cast<unsigned long long>(c_.smtp_ok), static_cast<unsigned long long>(c_.tls_ok),
      static_cast<unsigned long long>(c_.dns_queries),
      static_cast<unsigned long long>(c_.dns_timeouts), wall);
  std::fflush(stdout);

  std::fprintf(
      stderr,
      "ptrscan-epoll-ref: {\"dns\":{\"sent\":%llu,\"retries\":%llu,\"answers\":%llu,"
      "\"stray\":%llu,\"malformed\":%llu,\"mismatched\":%llu,\"send_errors\":%llu,"
      "\"query_pool\":%u",
      static_cast<unsigned long long>(c_.dns_sent), static_cast<unsigned long long>(c_.dns_retries),
      static_cast<unsigned long long>(c_.dns_answers),
      static_cast<unsigned long long>(c_.dns_stray), static_cast<unsigned long long>(c_.dns_bad),
      static_cast<unsigned long long>(c_.dns_mismatched),
      static_cast<unsigned long long>(c_.dns_send_errors), query_count_);
  static constexpr const char* statuses[] = {"ok",      "nodata",    "nxdomain", "servfail",
                                             "refused", "truncated", "error"};
  for (int i = 0; i < 7; ++i) {
    std::fprintf(stderr, ",\"%s\":%llu", statuses[i],
                 static_cast<unsigned long long>(c_.dns_status[i]));
  }
  std::fprintf(stderr, "},\"smtp\":{");
  for (int i = 0; i < o_count; ++i) {
    std::fprintf(stderr, "%s\"%s\":%llu", i == 0 ? "" : ",", outcome_names[i],
                 static_cast<unsigned long long>(c_.outcomes[i]));
  }
  std::fprintf(stderr, "}}\n");
  return 0;
}

}  // namespace ptrscan::ref

int main(int argc, char** argv) {
  ptrscan::ref::options o;
  if (const int rc = ptrscan::ref::parse_options(argc, argv, o); rc >= 0) {
    return rc;
  }
  ptrscan::ref::client c(o);
  return c.run();
}
