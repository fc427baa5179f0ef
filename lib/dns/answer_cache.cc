#include "dns/answer_cache.h"

#include <algorithm>
#include <utility>

#include "dns/reply.h"
#include "dns/wire.h"

namespace ptrscan {
namespace {

constexpr uint16_t type_soa = 6;
constexpr uint16_t class_in = 1;
constexpr int64_t ns_per_s = 1'000'000'000;

uint16_t read16(std::span<const uint8_t> p, size_t at) {
  return static_cast<uint16_t>((p[at] << 8) | p[at + 1]);
}
uint32_t read32(std::span<const uint8_t> p, size_t at) {
  return (uint32_t{p[at]} << 24) | (uint32_t{p[at + 1]} << 16) | (uint32_t{p[at + 2]} << 8) |
         uint32_t{p[at + 3]};
}
/// RFC 2181 §8: a TTL with the top bit set is read as 0.
uint32_t ttl_value(uint32_t raw) { return raw > 0x7fffffffu ? 0 : raw; }

/// What the TTLs of a response say: the least TTL of its answer records,
/// and min(TTL, MINIMUM) of an SOA in its authority section.
struct ttl_facts {
  std::optional<uint32_t> answer;
  std::optional<uint32_t> negative;
};

/// Walks the answer and authority sections with reply.h's record reader
/// (the question section and record framing parse_reply reads too);
/// nullopt when any length or name in them runs off the packet.
std::optional<ttl_facts> read_ttls(std::span<const uint8_t> p) {
  size_t pos = skip_question_section(p);
  if (pos == 0) {
    return std::nullopt;
  }
  const uint16_t ancount = read16(p, 6);
  const uint16_t nscount = read16(p, 8);
  ttl_facts f;
  for (uint32_t i = 0; i < uint32_t{ancount} + nscount; ++i) {
    dns_record_header rr;
    pos = read_record(p, pos, nullptr, rr);
    if (pos == 0) {
      return std::nullopt;
    }
    const uint32_t ttl = ttl_value(rr.ttl);
    if (i < ancount) {
      f.answer = std::min(f.answer.value_or(ttl), ttl);
    } else if (rr.type == type_soa && rr.klass == class_in) {
      // MNAME, RNAME, then SERIAL REFRESH RETRY EXPIRE MINIMUM.
      size_t at = read_name(p, rr.rdata, nullptr);
      at = at == 0 ? 0 : read_name(p, at, nullptr);
      if (at == 0 || at + 20 != rr.rdata + rr.rdlength) {
        return std::nullopt;
      }
      const uint32_t neg = std::min(ttl, ttl_value(read32(p, at + 16)));
      f.negative = std::min(f.negative.value_or(neg), neg);
    }
  }
  return f;
}

}  // namespace

void answer_cache_stats::add(const answer_cache_stats& o) {
  hits += o.hits;
  misses += o.misses;
  coalesced += o.coalesced;
  stored += o.stored;
  evicted += o.evicted;
  expired += o.expired;
  not_stored += o.not_stored;
  uncached += o.uncached;
}

answer_cache::answer_cache(resolver_client& client, const answer_cache_options& options,
                           clock_fn clock)
    : client_(client), options_(options), clock_(std::move(clock)) {}

std::string answer_cache::key_of(std::string_view name, uint16_t type) {
  // Names compare case-insensitively without the root dot; class IN is the
  // only one asked, written into the key all the same.
  std::string k = normalise_name(name);
  k.push_back('\0');
  k.push_back(static_cast<char>(type >> 8));
  k.push_back(static_cast<char>(type & 0xff));
  k.push_back(static_cast<char>(class_in >> 8));
  k.push_back(static_cast<char>(class_in & 0xff));
  return k;
}

std::optional<uint32_t> answer_cache::keep_seconds(std::span<const uint8_t> packet,
                                                   std::string_view name, uint16_t type,
                                                   const answer_cache_options& options) {
  if (packet.size() > options.max_answer_bytes || packet.size() < dns_header_bytes) {
    return std::nullopt;
  }
  response_header h;
  if (!read_header(packet, h) || !h.is_response || h.truncated) {
    return std::nullopt;
  }
  dns_reply reply;
  parse_reply(packet, name, type, reply);
  if (reply.status != dns_status::ok && reply.status != dns_status::nxdomain &&
      reply.status != dns_status::nodata) {
    return std::nullopt;  // SERVFAIL, REFUSED, other rcodes, malformed
  }
  const std::optional<ttl_facts> f = read_ttls(packet);
  if (!f) {
    return std::nullopt;
  }
  uint32_t keep = 0;
  if (reply.status == dns_status::ok) {
    if (!f->answer) {
      return std::nullopt;
    }
    keep = std::min(*f->answer, options.max_ttl_s);
  } else {
    if (!f->negative) {
      return std::nullopt;  // RFC 2308 §5: no SOA, not cached
    }
    // A CNAME chain before the missing records lives no longer than its
    // own records either.
    keep = std::min({*f->negative, f->answer.value_or(*f->negative), options.max_negative_ttl_s});
  }
  if (keep == 0) {
    return std::nullopt;
  }
  return keep;
}

bool answer_cache::evict_one() {
  if (lru_.empty()) {
    return false;
  }
  entries_.erase(lru_.back());
  lru_.pop_back();
  ++stats_.evicted;
  return true;
}

void answer_cache::query(std::string_view name, uint16_t type, uint64_t cookie) {
  if (!enabled()) {
    ++stats_.misses;
    send_(name, type, cookie);
    return;
  }
  std::string key = key_of(name, type);
  if (auto it = entries_.find(key); it != entries_.end()) {
    entry& e = it->second;
    if (e.on_wire) {
      ++stats_.coalesced;
      e.waiters.push_back(cookie);
      return;
    }
    if (clock_() < e.expires_ns) {
      ++stats_.hits;
      lru_.splice(lru_.begin(), lru_, e.lru);
      // A copy: the client may ask again from inside the callback, and
      // that may evict this entry.
      const std::vector<uint8_t> packet = e.packet;
      client_.on_dns_result(cookie, dns_status::ok, {}, packet);
      return;
    }
    ++stats_.expired;
    lru_.erase(e.lru);
    entries_.erase(it);
  }
  ++stats_.misses;
  const uint64_t id = next_ticket_++;
  ticket t;
  t.name.assign(name);
  t.type = type;
  if (entries_.size() >= options_.max_entries && !evict_one()) {
    // Every entry is a question on the wire: this one goes out on its own.
    ++stats_.uncached;
    t.cookie = cookie;
  } else {
    entry e;
    e.waiters.push_back(cookie);
    entries_.emplace(key, std::move(e));
    t.key = std::move(key);
  }
  tickets_.emplace(id, std::move(t));
  send_(name, type, id);  // may report at once: the entry is in place
}

void answer_cache::on_dns_result(uint64_t cookie, dns_status transport, std::string_view reason,
                                 std::span<const uint8_t> packet) {
  if (!enabled()) {
    client_.on_dns_result(cookie, transport, reason, packet);
    return;
  }
  const auto t = tickets_.find(cookie);
  if (t == tickets_.end()) {
    return;  // not a question of ours
  }
  const ticket tk = std::move(t->second);
  tickets_.erase(t);
  if (tk.key.empty()) {
    client_.on_dns_result(tk.cookie, transport, reason, packet);
    return;
  }
  const auto it = entries_.find(tk.key);
  if (it == entries_.end() || !it->second.on_wire) {
    return;  // cannot happen: an entry on the wire is never evicted
  }
  const std::vector<uint64_t> waiters = std::move(it->second.waiters);
  const std::optional<uint32_t> keep =
      transport == dns_status::ok ? keep_seconds(packet, tk.name, tk.type, options_)
                                  : std::nullopt;
  if (keep) {
    entry& e = it->second;
    e.on_wire = false;
    e.waiters.clear();
    e.packet.assign(packet.begin(), packet.end());
    e.expires_ns = clock_() + int64_t{*keep} * ns_per_s;
    lru_.push_front(tk.key);
    e.lru = lru_.begin();
    ++stats_.stored;
  } else {
    entries_.erase(it);
    ++stats_.not_stored;
  }
  // `packet` is the transport's, valid through this call whatever the
  // callbacks do to the cache.
  for (uint64_t c : waiters) {
    client_.on_dns_result(c, transport, reason, packet);
  }
}

}  // namespace ptrscan
