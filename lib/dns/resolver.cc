#include "dns/resolver.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <poll.h>
#include <sys/time.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "net/ip_address.h"
#include "core/clock.h"
#include "core/user_data.h"

namespace ptrscan {
namespace {

struct transport_result {
  dns_status status;
  std::string_view reason;
};

/// A c-ares status that came without a packet, in the contract's closed set:
/// the one place where ARES_* codes become statuses (zgrab2's
/// TryGetScanStatus). The ring transport never sees them.
transport_result from_ares(int ares_status) {
  switch (ares_status) {
    case ARES_SUCCESS:  // cannot happen without a packet
      return {dns_status::error, dns_reason::malformed};
    case ARES_ENOTFOUND:  // ares_query maps rcode NXDOMAIN here
      return {dns_status::nxdomain, {}};
    case ARES_ENODATA:
      return {dns_status::nodata, {}};
    case ARES_ESERVFAIL:
      return {dns_status::servfail, {}};
    case ARES_EREFUSED:
      return {dns_status::refused, {}};
    case ARES_ETIMEOUT:
      return {dns_status::timeout, {}};
    case ARES_EBADNAME:
      return {dns_status::error, dns_reason::bad_name};
    case ARES_EBADRESP:
    case ARES_EFORMERR:
      return {dns_status::error, dns_reason::malformed};
    case ARES_ENOTIMP:
      return {dns_status::error, dns_reason::rcode};
    case ARES_ECONNREFUSED:
      return {dns_status::error, dns_reason::transport};
    default:
      return {dns_status::error, dns_reason::resolver};
  }
}

}  // namespace

resolver::~resolver() {
  if (channel_ != nullptr) {
    // Outstanding callbacks fire with ARES_EDESTRUCTION; the client ignores
    // them because the shard is going away.
    ares_destroy(channel_);
  }
}

absl::Status resolver::init(const resolver_options& options) {
  ares_options opts{};
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS |
             ARES_OPT_SOCK_RCVBUF | ARES_OPT_SOCK_SNDBUF;
  opts.sock_state_cb = &resolver::sock_state_thunk;
  opts.sock_state_cb_data = this;
  opts.timeout = options.timeout_ms;
  opts.tries = options.tries;
  timeout_ms_ = options.timeout_ms;
  // Answers to a burst of queries arrive together; the default ~208 KiB
  // holds only ~200 of them (each costs a full skb), and the rest would be
  // dropped and retried after a timeout. The kernel caps it at rmem_max.
  opts.socket_receive_buffer_size = options.socket_buffer_bytes;
  opts.socket_send_buffer_size = options.socket_buffer_bytes;
  // NOCHECKRESP: report SERVFAIL/REFUSED as answers instead of retrying them
  // on every server (they are results, not transport failures). NOSEARCH: a
  // PTR or host name is always asked as given. Without servers c-ares reads
  // /etc/resolv.conf itself.
  opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH;
  if (options.use_tcp) {
    opts.flags |= ARES_FLAG_USEVC;
  }
  int rc = ares_init_options(&channel_, &opts, mask);
  if (rc != ARES_SUCCESS) {
    channel_ = nullptr;
    return absl::InternalError(absl::StrCat("c-ares init: ", ares_strerror(rc)));
  }
  if (!options.servers.empty()) {
    std::string csv = absl::StrJoin(options.servers, ",");
    rc = ares_set_servers_ports_csv(channel_, csv.c_str());
    if (rc != ARES_SUCCESS) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad --resolver list '", csv, "': ", ares_strerror(rc)));
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> resolver::servers() const {
  std::vector<std::string> out;
  ares_addr_port_node* list = nullptr;
  if (ares_get_servers_ports(channel_, &list) != ARES_SUCCESS) {
    return out;
  }
  for (ares_addr_port_node* n = list; n != nullptr; n = n->next) {
    ip_address a;
    if (n->family == AF_INET) {
      a = ip_address::v4(ntohl(n->addr.addr4.s_addr));
    } else {
      std::array<uint8_t, 16> b{};
      std::memcpy(b.data(), &n->addr.addr6, 16);
      a = ip_address::v6(b);
    }
    int port = n->udp_port != 0 ? n->udp_port : 53;
    out.push_back(a.is_v4() ? absl::StrCat(a.to_string(), ":", port)
                            : absl::StrCat("[", a.to_string(), "]:", port));
  }
  ares_free_data(list);
  return out;
}

resolver::pending_query* resolver::alloc_query(uint64_t cookie) {
  pending_query* q = free_head_;
  if (q != nullptr) {
    free_head_ = q->next_free;
  } else {
    q = &queries_.emplace_back();
  }
  q->self = this;
  q->cookie = cookie;
  q->next_free = nullptr;
  return q;
}

void resolver::query(std::string_view name, uint16_t type, uint64_t cookie) {
  // Names come from our reverse-name builder and from parsed answers, which
  // bound them to 1 KiB of text; anything longer is a malformed name.
  char buf[1100];
  pending_query* q = alloc_query(cookie);
  ++in_flight_;
  ++queries_sent_;
  deadline_ns_ = std::min(deadline_ns_, monotonic_ns() + int64_t{timeout_ms_} * 1'000'000);
  if (name.size() >= sizeof(buf)) {
    answer_thunk(q, ARES_EBADNAME, 0, nullptr, 0);
    return;
  }
  std::memcpy(buf, name.data(), name.size());
  buf[name.size()] = '\0';
  ares_query(channel_, buf, ns_c_in, type, &resolver::answer_thunk, q);
}

void resolver::answer_thunk(void* arg, int status, int /*timeouts*/, unsigned char* abuf,
                            int alen) {
  auto* q = static_cast<pending_query*>(arg);
  resolver* self = q->self;
  uint64_t cookie = q->cookie;
  q->next_free = self->free_head_;
  self->free_head_ = q;
  --self->in_flight_;
  if (status == ARES_EDESTRUCTION) {
    return;
  }
  if (abuf != nullptr && alen > 0) {
    // With a packet the packet decides, whatever status ares_query mapped
    // its rcode to (ARES_FLAG_NOCHECKRESP hands SERVFAIL and REFUSED here).
    self->client_.on_dns_result(cookie, dns_status::ok, {},
                                std::span<const uint8_t>(abuf, static_cast<size_t>(alen)));
    return;
  }
  const transport_result r = from_ares(status);
  self->client_.on_dns_result(cookie, r.status, r.reason, {});
}

void resolver::sock_state_thunk(void* data, ares_socket_t fd, int readable, int writable) {
  static_cast<resolver*>(data)->on_sock_state(fd, readable != 0, writable != 0);
}

void resolver::on_sock_state(int fd, bool readable, bool writable) {
  if (fd < 0) {
    return;
  }
  if (static_cast<size_t>(fd) >= watches_.size()) {
    watches_.resize(static_cast<size_t>(fd) + 64);
  }
  watch& w = watches_[static_cast<size_t>(fd)];
  w.read = readable;
  w.write = writable;
  uint32_t want = (readable ? POLLIN : 0) | (writable ? POLLOUT : 0);
  if (w.armed && w.armed_mask == want) {
    return;
  }
  if (w.armed) {
    // The interest changed or the socket is closing: cancel the old poll. Its
    // completion (-ECANCELED, or a late readiness) carries the old generation
    // and is dropped. The fd number may be reused by c-ares at once.
    io_uring_sqe* sqe = ring_.get_sqe();
    if (sqe != nullptr) {
      io_uring_prep_poll_remove(
          sqe, user_data{op_kind::dns_poll, w.generation, static_cast<uint32_t>(fd)}.pack());
      io_uring_sqe_set_data64(sqe, user_data{op_kind::cancel, 0, 0}.pack());
    }
    w.armed = false;
  }
  w.generation = (w.generation + 1) & user_data::generation_mask;
  if (want != 0) {
    arm(fd);
  }
}

void resolver::arm(int fd) {
  watch& w = watches_[static_cast<size_t>(fd)];
  uint32_t mask = (w.read ? POLLIN : 0) | (w.write ? POLLOUT : 0);
  io_uring_sqe* sqe = ring_.get_sqe();
  if (sqe == nullptr) {
    return;
  }
  io_uring_prep_poll_add(sqe, fd, mask);
  io_uring_sqe_set_data64(
      sqe, user_data{op_kind::dns_poll, w.generation, static_cast<uint32_t>(fd)}.pack());
  w.armed = true;
  w.armed_mask = mask;
}

void resolver::on_poll_completion(uint32_t fd, uint32_t generation, int res) {
  if (fd >= watches_.size()) {
    return;
  }
  watch& w = watches_[fd];
  if (w.generation != generation || !w.armed) {
    return;  // a poll for a socket c-ares has since closed or re-registered
  }
  w.armed = false;
  if (res < 0) {
    // -ECANCELED is ours; anything else: let c-ares find the error itself.
    if (res == -ECANCELED) {
      return;
    }
    res = POLLIN | POLLERR;
  }
  const int sock = static_cast<int>(fd);
  bool readable = (res & (POLLIN | POLLERR | POLLHUP)) != 0;
  bool writable = (res & (POLLOUT | POLLERR | POLLHUP)) != 0;
  ares_process_fd(channel_, readable ? sock : ARES_SOCKET_BAD, writable ? sock : ARES_SOCKET_BAD);
  // c-ares may have closed the socket (sock_state_cb with no interest) or
  // changed interest (which re-armed it). Otherwise re-arm the one-shot poll.
  watch& after = watches_[fd];
  if (!after.armed && (after.read || after.write)) {
    arm(sock);
  }
}

int64_t resolver::next_timeout_ns(int64_t cap_ns) {
  const int64_t now = monotonic_ns();
  if (deadline_ns_ == INT64_MAX) {
    return cap_ns;
  }
  return std::clamp<int64_t>(deadline_ns_ - now, 100'000, cap_ns);
}

void resolver::process_timeouts() {
  const int64_t now = monotonic_ns();
  if (deadline_ns_ > now) {
    return;
  }
  ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  deadline_ns_ = INT64_MAX;
  if (in_flight_ == 0) {
    return;
  }
  timeval max{};
  max.tv_sec = 3600;
  timeval tv{};
  timeval* t = ares_timeout(channel_, &max, &tv);
  // ares_timeout rounds down to microseconds: never spin on a zero wait.
  const int64_t ns = int64_t{t->tv_sec} * 1'000'000'000 + int64_t{t->tv_usec} * 1000;
  deadline_ns_ = now + std::max<int64_t>(ns, 100'000);
}

}  // namespace ptrscan
