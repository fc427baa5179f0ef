// ptrscan-pacing-sim: why the DNS transport paces by loss (dns_pacer) and not
// by delay, and not by a fixed window. A discrete-event simulation, with a
// clock of its own, of one shard's queries to one server under four server
// models, driven by three controllers:
//
//   pacer   lib/dns/pacer.h as ptrscan runs it (AIMD window, pacing rate
//           after loss, RFC 6298 timer)
//   fixed   a fixed window as massdns and zdns take it (-s / --threads):
//           the number a user must guess, here 500
//   vegas   a delay-based window (TCP Vegas: keep alpha..beta queries
//           queued, judged by RTT over the minimum RTT), with Reno's halving
//           on loss
//
// Servers (rates in answers/s):
//   knot      authoritative, 150k/s, drops past 300 queued (Knot's default
//             socket buffers), 100 us round trip
//   policer   answers in 200 us but passes 5,000 queries per second, counted
//             per second (Unbound's ip-ratelimit); the rest get no reply
//   far       40k/s behind a 100 ms round trip (a resolver across a WAN)
//   recursive 60k/s, 100 us from cache, but 30% of the names miss the cache
//             and take 100 ms more (a cold resolver in front of far
//             authorities): the RTT says "cache miss", not "queue"
//   lossy     50k/s behind 10 ms, losing 10% of the queries at random
//             whatever the rate (a bad link): loss that is not congestion
//
// Each run lasts 10 simulated seconds with unlimited demand and prints, per
// (server, controller): answers/s, share of the server's capacity, tries
// lost, and the time until 90% of capacity was first reached over 100 ms.
// Nothing here touches the network.

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "dns/pacer.h"

namespace {

using ptrscan::dns_pacer;
using ptrscan::pacer_options;

constexpr int64_t us = 1'000;
constexpr int64_t ms = 1'000'000;
constexpr int64_t s = 1'000'000'000;

// ---- servers ----------------------------------------------------------------

struct server_model {
  const char* name;
  double service;        // answers/s it can compute
  int64_t rtt_ns;        // network round trip
  double queue_limit;    // queries waiting before it drops (0: none)
  double policer_per_s;  // queries passed per second (0: none)
  double miss_share;     // share of queries with extra latency
  int64_t miss_ns;
  double random_loss;    // share of queries lost at random, at any rate
  /// What a client can get: the service rate, or the policer's if lower.
  double capacity() const { return policer_per_s > 0 ? std::min(service, policer_per_s) : service; }
};

const server_model servers[] = {
    {"knot", 150'000, 100 * us, 300, 0, 0, 0, 0},
    {"policer", 200'000, 200 * us, 10'000, 5'000, 0, 0, 0},
    {"far", 40'000, 100 * ms, 100'000, 0, 0, 0, 0},
    {"recursive", 60'000, 100 * us, 5'000, 0, 0.3, 100 * ms, 0},
    {"lossy", 50'000, 10 * ms, 100'000, 0, 0, 0, 0.1},
};

class server {
 public:
  explicit server(const server_model& m) : m_(m), rng_(7) {}
  /// When the answer to a query sent at `now` comes back, or -1 if dropped.
  int64_t send(int64_t now) {
    if (m_.random_loss > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < m_.random_loss) {
      return -1;
    }
    const int64_t arrive = now + m_.rtt_ns / 2;
    if (m_.policer_per_s > 0) {
      const int64_t second = arrive / s;
      if (second != second_) {
        second_ = second;
        passed_ = 0;
      }
      if (passed_ >= m_.policer_per_s) {
        return -1;
      }
      ++passed_;
    }
    const auto service = static_cast<int64_t>(1e9 / m_.service);
    const int64_t start = std::max(arrive, free_at_);
    if (m_.queue_limit > 0 && double(start - arrive) / double(service) > m_.queue_limit) {
      return -1;
    }
    free_at_ = start + service;
    int64_t extra = 0;
    if (m_.miss_share > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < m_.miss_share) {
      extra = m_.miss_ns;
    }
    return free_at_ + extra + m_.rtt_ns / 2;
  }

 private:
  server_model m_;
  std::mt19937_64 rng_;
  int64_t free_at_ = 0;
  int64_t second_ = -1;
  double passed_ = 0;
};

// ---- controllers --------------------------------------------------------------

/// The interface dns_pacer has; the two alternatives implement it too.
class controller {
 public:
  virtual ~controller() = default;
  virtual bool can_send(int64_t now) = 0;
  virtual uint64_t on_send(int64_t now) = 0;
  virtual void on_answer(int64_t now, uint64_t seq, int64_t sent, bool first) = 0;
  virtual void on_timeout(int64_t now, uint64_t seq) = 0;
  virtual int64_t timeout_ns() const = 0;
};

class pacer_controller final : public controller {
 public:
  pacer_controller() {
    pacer_options o;  // ptrscan's defaults
    p_.reset(o, 0);
  }
  bool can_send(int64_t now) override { return p_.can_send(now); }
  uint64_t on_send(int64_t now) override { return p_.on_send(now); }
  void on_answer(int64_t now, uint64_t seq, int64_t sent, bool first) override {
    p_.on_answer(now, seq, sent, first);
  }
  void on_timeout(int64_t now, uint64_t seq) override { p_.on_timeout(now, seq); }
  int64_t timeout_ns() const override { return p_.timeout_ns(0); }

 private:
  dns_pacer p_;
};

class fixed_controller final : public controller {
 public:
  explicit fixed_controller(uint32_t window) : window_(window) {}
  bool can_send(int64_t) override { return in_flight_ < window_; }
  uint64_t on_send(int64_t) override {
    ++in_flight_;
    return seq_++;
  }
  void on_answer(int64_t, uint64_t, int64_t, bool) override { --in_flight_; }
  void on_timeout(int64_t, uint64_t) override { --in_flight_; }
  int64_t timeout_ns() const override { return 2 * s; }  // massdns/zdns-like fixed timeout

 private:
  uint32_t window_;
  uint32_t in_flight_ = 0;
  uint64_t seq_ = 0;
};

/// TCP Vegas (Brakmo & Peterson 1995), per round of answers: expected rate
/// W/baseRTT against actual W/RTT; diff = W (1 - baseRTT/RTT) queries
/// queued; below alpha grow by one, above beta shrink by one. Slow start
/// until diff passes gamma. Loss halves, as Reno.
class vegas_controller final : public controller {
 public:
  bool can_send(int64_t) override { return in_flight_ < uint32_t(window_); }
  uint64_t on_send(int64_t) override {
    ++in_flight_;
    return seq_++;
  }
  void on_answer(int64_t now, uint64_t seq, int64_t sent, bool) override {
    --in_flight_;
    const int64_t rtt = now - sent;
    base_rtt_ = std::min(base_rtt_, rtt);
    round_rtt_min_ = std::min(round_rtt_min_, rtt);
    srtt_ = srtt_ == 0 ? rtt : (7 * srtt_ + rtt) / 8;
    if (seq < round_end_) {
      return;
    }
    // One adjustment per round, from the round's smallest RTT (Vegas).
    const double diff = window_ * (1 - double(base_rtt_) / double(round_rtt_min_));
    if (slow_start_) {
      if (diff > gamma) {
        slow_start_ = false;
      } else {
        window_ *= 2;
      }
    } else if (diff < alpha) {
      window_ += 1;
    } else if (diff > beta) {
      window_ = std::max(2.0, window_ - 1);
    }
    window_ = std::min(window_, 16384.0);
    round_end_ = seq_;
    round_rtt_min_ = INT64_MAX;
  }
  void on_timeout(int64_t, uint64_t seq) override {
    --in_flight_;
    if (seq >= recover_) {
      window_ = std::max(2.0, window_ / 2);
      slow_start_ = false;
      recover_ = seq_;
    }
  }
  int64_t timeout_ns() const override {
    return std::clamp<int64_t>(srtt_ == 0 ? s : 3 * srtt_, 20 * ms, 2 * s);
  }

 private:
  static constexpr double alpha = 2;
  static constexpr double beta = 4;
  static constexpr double gamma = 1;
  double window_ = 32;
  bool slow_start_ = true;
  uint32_t in_flight_ = 0;
  uint64_t seq_ = 0;
  uint64_t round_end_ = 0;
  uint64_t recover_ = 0;
  int64_t base_rtt_ = INT64_MAX;
  int64_t round_rtt_min_ = INT64_MAX;
  int64_t srtt_ = 0;
};

// ---- the run ----------------------------------------------------------------

struct result {
  double answers_per_s = 0;
  double share = 0;
  double lost_share = 0;
  double time_to_90_s = -1;
};

result run(const server_model& m, controller& c, int64_t duration) {
  struct event {
    int64_t at;
    uint64_t seq;
    int64_t sent;
    bool lost;
    bool operator>(const event& o) const { return at > o.at; }
  };
  std::priority_queue<event, std::vector<event>, std::greater<>> events;
  server srv(m);
  uint64_t answers = 0;
  uint64_t losses = 0;
  uint64_t bucket_answers = 0;
  int64_t bucket_start = 0;
  result r;
  const int64_t step = 20 * us;  // the client's loop: it sends and reaps every 20 us
  for (int64_t now = 0; now < duration; now += step) {
    while (!events.empty() && events.top().at <= now) {
      const event e = events.top();
      events.pop();
      if (e.lost) {
        c.on_timeout(now, e.seq);
        ++losses;
      } else {
        c.on_answer(now, e.seq, e.sent, true);
        ++answers;
        ++bucket_answers;
      }
    }
    while (c.can_send(now)) {
      const uint64_t seq = c.on_send(now);
      const int64_t due = srv.send(now);
      if (due < 0) {
        events.push({now + c.timeout_ns(), seq, now, true});
      } else {
        events.push({due, seq, now, false});
      }
    }
    if (now - bucket_start >= 100 * ms) {
      const double rate = double(bucket_answers) * 1e9 / double(now - bucket_start);
      if (r.time_to_90_s < 0 && rate >= 0.9 * m.capacity()) {
        r.time_to_90_s = double(now) / 1e9;
      }
      bucket_answers = 0;
      bucket_start = now;
    }
  }
  r.answers_per_s = double(answers) * 1e9 / double(duration);
  r.share = r.answers_per_s / m.capacity();
  r.lost_share = answers + losses == 0 ? 0 : double(losses) / double(answers + losses);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 10;
  if (argc > 1 && std::strcmp(argv[1], "--seconds") == 0 && argc > 2) {
    seconds = std::max(1, std::atoi(argv[2]));
  } else if (argc > 1) {
    std::fprintf(stderr, "usage: ptrscan-pacing-sim [--seconds N]\n");
    return 2;
  }
  std::printf("| server | controller | answers/s | share of capacity | tries lost | 90%% of capacity after |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (const server_model& m : servers) {
    for (const char* name : {"pacer", "fixed", "vegas"}) {
      pacer_controller pacer;
      fixed_controller fixed(500);
      vegas_controller vegas;
      controller& c = std::strcmp(name, "pacer") == 0   ? static_cast<controller&>(pacer)
                      : std::strcmp(name, "fixed") == 0 ? static_cast<controller&>(fixed)
                                                        : static_cast<controller&>(vegas);
      const result r = run(m, c, int64_t{seconds} * s);
      char reached[32];
      if (r.time_to_90_s < 0) {
        std::snprintf(reached, sizeof(reached), "never");
      } else {
        std::snprintf(reached, sizeof(reached), "%.1f s", r.time_to_90_s);
      }
      std::printf("| %s | %s | %.0f | %.2f | %.2f%% | %s |\n", m.name, name, r.answers_per_s,
                  r.share, 100 * r.lost_share, reached);
    }
  }
  return 0;
}
