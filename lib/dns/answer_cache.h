#pragma once

// A small DNS answer cache for one event loop, between a resolver_client and
// its transport (udp_resolver): answers are kept for their TTL, keyed by
// (qname, qtype, class), and identical questions asked while one is on the
// wire wait for its answer instead of going out again. It holds no lock and
// no thread: one per shard/loop, as the transport it fronts.
//
// Used by `ptrscan listen` (a sender's HELO and MAIL FROM domain repeat
// across its connections). The scanner does not use it: its records must
// reflect each lookup. A shard could opt in by putting one in front of its
// transport the same way (set_transport + query, answers through
// resolver_client).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/clock.h"
#include "dns/resolver_client.h"

namespace ptrscan {

struct answer_cache_options {
  /// Entries kept at once: stored answers and questions on the wire. The
  /// least recently used answer makes room for a new question; when every
  /// entry is a question on the wire, the new one goes out uncached. 0: no
  /// cache (every query goes to the transport, nothing is kept).
  size_t max_entries = 10'000;
  /// Longest a positive answer is kept, whatever its TTL says (seconds).
  uint32_t max_ttl_s = 3'600;
  /// Longest a negative answer (NXDOMAIN, NODATA) is kept: its TTL is
  /// min(SOA TTL, SOA MINIMUM) of the SOA in its authority section
  /// (RFC 2308 §5), capped here; one without an SOA is not kept (§5).
  uint32_t max_negative_ttl_s = 300;
  /// Longest answer kept (octets): a longer one (a TCP retry's) is handed
  /// on, not stored.
  size_t max_answer_bytes = 4'096;
};

struct answer_cache_stats {
  uint64_t hits = 0;         // answered from a stored answer
  uint64_t misses = 0;       // sent to the transport
  uint64_t coalesced = 0;    // waited for the same question on the wire
  uint64_t stored = 0;       // answers kept
  uint64_t evicted = 0;      // answers dropped for room (least recently used)
  uint64_t expired = 0;      // answers found past their TTL
  uint64_t not_stored = 0;   // errors, SERVFAIL, REFUSED, TTL 0, no SOA, too long
  uint64_t uncached = 0;     // sent without an entry (every entry on the wire)

  void add(const answer_cache_stats& o);
};

/// Sits in front of a transport: the owner calls query() instead of the
/// transport's, and the transport reports to the cache (its
/// resolver_client), which reports to `client` with the owner's cookie.
/// What is stored: a response packet (transport ok) whose parse_reply
/// status is ok, nxdomain or nodata, not truncated, with a TTL above 0.
/// Never stored: SERVFAIL, REFUSED, any other rcode, a malformed packet, a
/// timeout or transport error; those go to every waiter and are forgotten.
class answer_cache final : public resolver_client {
 public:
  using send_fn = std::function<void(std::string_view name, uint16_t type, uint64_t cookie)>;
  using clock_fn = std::function<int64_t()>;

  /// `clock` gives monotonic nanoseconds (tests inject a fake one).
  answer_cache(resolver_client& client, const answer_cache_options& options,
               clock_fn clock = monotonic_ns);
  answer_cache(const answer_cache&) = delete;
  answer_cache& operator=(const answer_cache&) = delete;

  /// How questions reach the transport (its query()); set before query().
  void set_transport(send_fn send) { send_ = std::move(send); }

  /// As the transport's query(): the result comes through the client's
  /// on_dns_result with `cookie`, possibly before query() returns (a stored
  /// answer always does).
  void query(std::string_view name, uint16_t type, uint64_t cookie);

  /// The transport's report (its cookies are the cache's own).
  void on_dns_result(uint64_t cookie, dns_status transport, std::string_view reason,
                     std::span<const uint8_t> packet) override;

  bool enabled() const { return options_.max_entries > 0; }
  /// Entries held now (stored answers and questions on the wire).
  size_t size() const { return entries_.size(); }
  const answer_cache_stats& stats() const { return stats_; }

  /// How long `packet` (the answer to name/type) may be kept, in seconds,
  /// by the rules above; nullopt: not at all. Exposed for the tests.
  static std::optional<uint32_t> keep_seconds(std::span<const uint8_t> packet,
                                              std::string_view name, uint16_t type,
                                              const answer_cache_options& options);

 private:
  struct entry {
    bool on_wire = true;
    std::vector<uint64_t> waiters;  // the owner's cookies, while on the wire
    std::vector<uint8_t> packet;    // once stored
    int64_t expires_ns = 0;
    std::list<std::string>::iterator lru;  // once stored
  };
  struct ticket {
    std::string key;   // empty: sent uncached, for `cookie`
    std::string name;  // as asked (parse_reply needs it)
    uint16_t type = 0;
    uint64_t cookie = 0;
  };

  static std::string key_of(std::string_view name, uint16_t type);
  /// Drops the least recently used stored answer; false when there is none.
  bool evict_one();

  resolver_client& client_;
  answer_cache_options options_;
  clock_fn clock_;
  send_fn send_;
  absl::flat_hash_map<std::string, entry> entries_;
  /// Keys of stored answers, most recently used first.
  std::list<std::string> lru_;
  absl::flat_hash_map<uint64_t, ticket> tickets_;
  uint64_t next_ticket_ = 1;
  answer_cache_stats stats_;
};

}  // namespace ptrscan
