#include "testnet/dns_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <random>
#include <unordered_map>

namespace ptrscan::testnet {
namespace {

using clock_type = std::chrono::steady_clock;

uint16_t read16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v & 0xff));
}

// Reads a possibly compressed name at `pos`; advances `pos` past it in the
// message. Returns false on malformed input (bad pointer, loop, overrun).
bool read_name(const uint8_t* msg, size_t len, size_t& pos, std::string& name) {
  name.clear();
  size_t p = pos;
  bool jumped = false;
  int hops = 0;
  while (true) {
    if (p >= len) {
      return false;
    }
    const uint8_t l = msg[p];
    if ((l & 0xc0) == 0xc0) {
      if (p + 1 >= len || ++hops > 64) {
        return false;
      }
      if (!jumped) {
        pos = p + 2;
      }
      jumped = true;
      p = static_cast<size_t>(((l & 0x3f) << 8) | msg[p + 1]);
      continue;
    }
    if (l == 0) {
      if (!jumped) {
        pos = p + 1;
      }
      return true;
    }
    if ((l & 0xc0) != 0 || p + 1 + l > len) {
      return false;
    }
    if (!name.empty()) {
      name.push_back('.');
    }
    for (size_t i = 0; i < l; ++i) {
      name.push_back(static_cast<char>(std::tolower(msg[p + 1 + i])));
    }
    p += 1 + l;
  }
}

int open_connected(const endpoint& server) {
  if (!is_loopback_v4(server.host)) {
    return -1;
  }
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(server.port);
  ::inet_pton(AF_INET, server.host.c_str(), &sa.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::vector<std::string> dns_reply::data_of(uint16_t type) const {
  std::vector<std::string> out;
  for (const auto& r : answers) {
    if (r.type == type) {
      out.push_back(r.data);
    }
  }
  return out;
}

std::vector<uint8_t> encode_query(uint16_t id, std::string_view name, uint16_t type) {
  std::vector<uint8_t> out;
  put16(out, id);
  put16(out, 0x0100);  // RD
  put16(out, 1);       // QDCOUNT
  put16(out, 0);
  put16(out, 0);
  put16(out, 1);  // ARCOUNT: the OPT record
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) {
      dot = name.size();
    }
    const size_t l = std::min<size_t>(dot - start, 63);
    out.push_back(static_cast<uint8_t>(l));
    out.insert(out.end(), name.begin() + static_cast<ptrdiff_t>(start),
               name.begin() + static_cast<ptrdiff_t>(start + l));
    start = dot + 1;
  }
  out.push_back(0);
  put16(out, type);
  put16(out, 1);  // IN
  // OPT: root name, type 41, class = UDP payload size, TTL 0, no options.
  out.push_back(0);
  put16(out, 41);
  put16(out, 4096);
  put16(out, 0);
  put16(out, 0);
  put16(out, 0);
  return out;
}

std::optional<dns_reply> decode_reply(const uint8_t* data, size_t len, uint16_t id) {
  if (len < 12 || read16(data) != id || (data[2] & 0x80) == 0) {
    return std::nullopt;
  }
  dns_reply reply;
  reply.authoritative = (data[2] & 0x04) != 0;
  reply.truncated = (data[2] & 0x02) != 0;
  reply.rcode = data[3] & 0x0f;
  const uint16_t qdcount = read16(data + 4);
  reply.ancount = read16(data + 6);
  size_t pos = 12;
  std::string name;
  for (uint16_t i = 0; i < qdcount; ++i) {
    if (!read_name(data, len, pos, name) || pos + 4 > len) {
      return std::nullopt;
    }
    pos += 4;
  }
  for (uint16_t i = 0; i < reply.ancount; ++i) {
    dns_record rec;
    if (!read_name(data, len, pos, rec.name) || pos + 10 > len) {
      return std::nullopt;
    }
    rec.type = read16(data + pos);
    const uint16_t rdlen = read16(data + pos + 8);
    pos += 10;
    if (pos + rdlen > len) {
      return std::nullopt;
    }
    char text[INET6_ADDRSTRLEN] = {};
    if (rec.type == rr_type::a && rdlen == 4) {
      ::inet_ntop(AF_INET, data + pos, text, sizeof text);
      rec.data = text;
    } else if (rec.type == rr_type::aaaa && rdlen == 16) {
      ::inet_ntop(AF_INET6, data + pos, text, sizeof text);
      rec.data = text;
    } else if (rec.type == rr_type::ptr || rec.type == rr_type::cname) {
      size_t p = pos;
      if (!read_name(data, len, p, rec.data)) {
        return std::nullopt;
      }
    }
    pos += rdlen;
    reply.answers.push_back(std::move(rec));
  }
  return reply;
}

std::optional<dns_reply> query_udp(const endpoint& server, std::string_view name, uint16_t type,
                                   std::chrono::milliseconds timeout) {
  const int fd = open_connected(server);
  if (fd < 0) {
    return std::nullopt;
  }
  static thread_local std::mt19937 rng{std::random_device{}()};
  const auto id = static_cast<uint16_t>(rng());
  const std::vector<uint8_t> query = encode_query(id, name, type);
  std::optional<dns_reply> result;
  if (::send(fd, query.data(), query.size(), 0) == static_cast<ssize_t>(query.size())) {
    const auto deadline = clock_type::now() + timeout;
    uint8_t buf[65536];
    while (!result) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
      if (left.count() <= 0) {
        break;
      }
      pollfd pfd{fd, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) {
        break;
      }
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 0) {
        break;  // e.g. ECONNREFUSED: nothing listens yet
      }
      result = decode_reply(buf, static_cast<size_t>(n), id);
    }
  }
  ::close(fd);
  return result;
}

size_t query_many_udp(const endpoint& server, const std::vector<std::string>& names, uint16_t type,
                      size_t window, std::chrono::milliseconds timeout) {
  const int fd = open_connected(server);
  if (fd < 0) {
    return 0;
  }
  window = std::clamp<size_t>(window, 1, 30'000);
  std::unordered_map<uint16_t, clock_type::time_point> outstanding;
  std::deque<uint16_t> order;  // IDs in send order, for expiry
  size_t next = 0;
  size_t answered = 0;
  uint16_t next_id = 1;
  uint8_t buf[65536];
  while (next < names.size() || !outstanding.empty()) {
    while (next < names.size() && outstanding.size() < window) {
      const uint16_t id = next_id++;
      const auto q = encode_query(id, names[next++], type);
      if (::send(fd, q.data(), q.size(), 0) < 0) {
        continue;
      }
      outstanding[id] = clock_type::now();
      order.push_back(id);
    }
    pollfd pfd{fd, POLLIN, 0};
    ::poll(&pfd, 1, 10);
    while (true) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 12) {
        break;
      }
      auto it = outstanding.find(read16(buf));
      if (it != outstanding.end() && (buf[2] & 0x80) != 0) {
        outstanding.erase(it);
        ++answered;
      }
    }
    const auto now = clock_type::now();
    while (!order.empty()) {
      auto it = outstanding.find(order.front());
      if (it == outstanding.end()) {
        order.pop_front();
      } else if (now - it->second > timeout) {
        outstanding.erase(it);
        order.pop_front();
      } else {
        break;
      }
    }
  }
  ::close(fd);
  return answered;
}

}  // namespace ptrscan::testnet
