// DNS side of ptrscan-epoll-ref: PTR, A and AAAA lookups over a few connected
// UDP sockets, random IDs matched with the question, batched sends and reads,
// a fixed timeout per try.

#include <sys/epoll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "reference/client.h"

namespace ptrscan::ref {

// --------------------------------------------------------------------------
// DNS

uint32_t client::alloc_query() {
  if (free_queries_ == nil) {
    // A new chunk of 1024: the pool grows to its high-water mark only.
    query_chunks_.push_back(std::make_unique<query[]>(1024));
    for (uint32_t i = 1024; i-- > 0;) {
      query& n = query_chunks_.back()[i];
      n.next_free = free_queries_;
      free_queries_ = query_count_ + i;
    }
    query_count_ += 1024;
  }
  const uint32_t qi = free_queries_;
  free_queries_ = q(qi).next_free;
  return qi;
}

void client::new_query(uint32_t slot, const wire_name& name, uint16_t qtype) {
  const uint32_t qi = alloc_query();
  query& x = q(qi);
  x.host = slot;
  x.qtype = qtype;
  x.len = static_cast<uint16_t>(build_query(name, qtype, x.pkt));
  x.tries = 0;
  ++hosts_[slot].dns_pending;
  ++c_.dns_queries;
  if (on_wire_ < o_.dns_inflight) {
    put_on_wire(qi);
  } else {
    x.state = qstate::pending;
    pending_.push(qi);
  }
}

void client::put_on_wire(uint32_t qi) {
  query& x = q(qi);
  // Round-robin over the sockets; a random ID free on that socket.
  const uint32_t s = next_sock_;
  next_sock_ = (next_sock_ + 1) % static_cast<uint32_t>(udp_.size());
  uint16_t id;
  do {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    id = static_cast<uint16_t>(rng_ >> 24);
  } while (ids_[s][id] != nil);
  ids_[s][id] = qi;
  x.sock = static_cast<uint8_t>(s);
  x.id = id;
  set_id(x.pkt, id);
  x.state = qstate::wire;
  ++on_wire_;
  send_try(qi);
}

// One try: queued for this iteration's sendmmsg, with its deadline.
void client::send_try(uint32_t qi) {
  query& x = q(qi);
  ++x.tries;
  ++x.tag;
  sendq_[x.sock].emplace_back(qi, x.tag);
  dns_timers_.push({now_ + o_.dns_timeout_ns, qi, x.tag});
}

void client::finish_query(uint32_t qi) {
  query& x = q(qi);
  ids_[x.sock][x.id] = nil;
  ++x.tag;  // its timer and any queued send are stale now
  x.state = qstate::free;
  x.next_free = free_queries_;
  free_queries_ = qi;
  --on_wire_;
  const uint32_t slot = x.host;
  --hosts_[slot].dns_pending;
  while (on_wire_ < o_.dns_inflight && !pending_.empty()) {
    put_on_wire(pending_.pop());
  }
  maybe_finish(slot);
}

void client::on_udp_readable(uint32_t s) {
  static std::array<std::array<uint8_t, udp_rx>, udp_batch> bufs;
  std::array<iovec, udp_batch> iov;
  std::array<mmsghdr, udp_batch> msgs;
  while (true) {
    for (int i = 0; i < udp_batch; ++i) {
      iov[i] = {bufs[i].data(), bufs[i].size()};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = ::recvmmsg(udp_[s], msgs.data(), udp_batch, MSG_DONTWAIT, nullptr);
    if (n <= 0) {
      return;  // EAGAIN, or an ICMP error reported on the connected socket
    }
    for (int i = 0; i < n; ++i) {
      if ((msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) {
        ++c_.dns_bad;
        continue;
      }
      on_datagram(s, bufs[i].data(), msgs[i].msg_len);
    }
    if (n < udp_batch) {
      return;  // drained (level-triggered: more would be reported again)
    }
  }
}

void client::on_datagram(uint32_t s, const uint8_t* p, size_t n) {
  if (n < header_len) {
    ++c_.dns_bad;
    return;
  }
  const uint32_t qi = ids_[s][get_id(p)];
  if (qi == nil) {
    ++c_.dns_stray;  // a late answer to a finished query
    return;
  }
  query& x = q(qi);
  if (!matches_question(p, n, x.pkt, x.len)) {
    ++c_.dns_mismatched;  // its ID now serves another question: keep waiting
    return;
  }
  ++c_.dns_answers;
  host& h = hosts_[x.host];
  wire_name qname;
  qname.len = static_cast<uint8_t>(x.len - header_len - 4 - 11);
  std::memcpy(qname.data, x.pkt + header_len, qname.len);
  answer_status st;
  if (x.qtype == type_ptr) {
    const uint32_t slot = x.host;
    st = walk_answer(p, n, qname, type_ptr, [&](size_t off, uint16_t rdlen) {
      wire_name target;
      const size_t end = read_name(p, n, off, target);
      if (end == 0 || end > off + rdlen || h.ptr_names >= max_ptr_names) {
        return;
      }
      ++h.ptr_names;
      if (o_.fcrdns) {
        new_query(slot, target, type_a);
        new_query(slot, target, type_aaaa);
      }
    });
    h.ptr_ok = st == answer_status::ok && h.ptr_names > 0;
  } else {
    const uint16_t qtype = x.qtype;
    const uint32_t ip = h.ip;
    st = walk_answer(p, n, qname, qtype, [&](size_t off, uint16_t rdlen) {
      if (qtype == type_a && rdlen == 4 &&
          (uint32_t{p[off]} << 24 | uint32_t{p[off + 1]} << 16 | uint32_t{p[off + 2]} << 8 |
           p[off + 3]) == ip) {
        h.fcrdns_pass = true;
      }
    });
  }
  ++c_.dns_status[static_cast<int>(st)];
  finish_query(qi);
}

void client::flush_sends() {
  std::array<iovec, udp_batch> iov;
  std::array<mmsghdr, udp_batch> msgs;
  for (uint32_t s = 0; s < udp_.size(); ++s) {
    auto& sq = sendq_[s];
    size_t from = 0;
    while (from < sq.size()) {
      int n = 0;
      size_t scan = from;
      size_t idx[udp_batch];
      while (n < udp_batch && scan < sq.size()) {
        const auto [qi, tag] = sq[scan];
        query& x = q(qi);
        if (x.state == qstate::wire && x.tag == tag) {
          iov[n] = {x.pkt, x.len};
          msgs[n] = {};
          msgs[n].msg_hdr.msg_iov = &iov[n];
          msgs[n].msg_hdr.msg_iovlen = 1;
          idx[n++] = scan;
        }
        ++scan;
      }
      if (n == 0) {
        from = scan;
        continue;
      }
      const int sent = ::sendmmsg(udp_[s], msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
      if (sent < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
        from = idx[0];
        break;  // the socket buffer is full: wait for EPOLLOUT
      }
      if (sent < 0) {
        ++c_.dns_send_errors;  // this datagram is lost; its timer retries it
        from = idx[0] + 1;
        continue;
      }
      c_.dns_sent += static_cast<uint64_t>(sent);
      from = sent == n ? scan : idx[sent];
    }
    sq.erase(sq.begin(), sq.begin() + static_cast<ptrdiff_t>(from));
    const bool want_out = !sq.empty();
    if (want_out != udp_want_out_[s]) {
      udp_want_out_[s] = want_out;
      epoll_event ev{};
      ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0U);
      ev.data.u64 = udp_tag | s;
      ::epoll_ctl(epoll_, EPOLL_CTL_MOD, udp_[s], &ev);
    }
  }
}

}  // namespace ptrscan::ref
