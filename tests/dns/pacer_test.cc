// dns_pacer with an injected clock: slow start, one cut per loss event,
// tolerance of random loss, Eifel undo, RFC 6298 timer and Karn's rule,
// pacing after loss, the --dns-rate ceiling, back-off of a silent server.
#include "dns/pacer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <random>
#include <utility>

namespace ptrscan {
namespace {

constexpr int64_t ms = 1'000'000;
constexpr int64_t us = 1'000;

pacer_options options() {
  pacer_options o;
  o.max_window = 10'000;
  o.initial_window = 32;
  o.min_window = 2;
  o.min_rto_ns = 1 * ms;
  o.max_rto_ns = 2000 * ms;
  o.initial_rto_ns = 1000 * ms;
  return o;
}

struct sent_try {
  uint64_t seq;
  int64_t at;
};

/// Sends while the pacer lets it, up to `limit`.
std::deque<sent_try> fill(dns_pacer& p, int64_t now, size_t limit = SIZE_MAX) {
  std::deque<sent_try> out;
  while (out.size() < limit && p.can_send(now)) {
    out.push_back({p.on_send(now), now});
  }
  return out;
}

TEST(DnsPacerTest, SlowStartDoublesTheWindowPerRoundOfAnswers) {
  dns_pacer p(options(), 0);
  EXPECT_EQ(p.window(), 32u);
  std::deque<sent_try> round = fill(p, 0);
  EXPECT_EQ(round.size(), 32u);  // exactly the initial window
  for (const sent_try& t : round) {
    p.on_answer(1 * ms, t.seq, t.at, true);
  }
  EXPECT_EQ(p.window(), 64u);
  EXPECT_TRUE(p.slow_start());
  EXPECT_EQ(fill(p, 1 * ms).size(), 64u);
}

TEST(DnsPacerTest, SlowStartRoundsLastAtLeastFiveMilliseconds) {
  // Round trips of 100 us: the window doubles once per 5 ms, not per
  // round trip, so it cannot outrun the timer that would see a loss.
  dns_pacer p(options(), 0);
  int64_t now = 0;
  for (int round = 0; round < 10; ++round) {
    for (const sent_try& t : fill(p, now)) {
      p.on_answer(now + 100 * us, t.seq, t.at, true);
    }
    now += 100 * us;
  }
  EXPECT_EQ(p.window(), 64u);  // 1 ms: one doubling
  for (int round = 0; round < 50; ++round) {
    for (const sent_try& t : fill(p, now)) {
      p.on_answer(now + 100 * us, t.seq, t.at, true);
    }
    now += 100 * us;
  }
  EXPECT_EQ(p.window(), 128u);  // 6 ms
}

TEST(DnsPacerTest, AQueueStopsGrowthAndALossInItIsNotPaced) {
  // Rounds answered after 100 us, then after 2.1 ms (a queue of 2 ms): the
  // window stops growing once three rounds in a row showed it, and a loss
  // then cuts the window only (the queue drains), with no pacing rate.
  dns_pacer p(options(), 0);
  int64_t now = 0;
  auto round = [&](int64_t rtt) {
    std::deque<sent_try> sent = fill(p, now);
    for (const sent_try& t : sent) {
      p.on_answer(now + rtt, t.seq, t.at, true);
    }
    now += rtt;
    return sent.size();
  };
  for (int i = 0; i < 5; ++i) {
    round(100 * us);
  }
  for (int i = 0; i < 4; ++i) {
    round(2100 * us);
  }
  const uint32_t held = p.window();
  for (int i = 0; i < 20; ++i) {
    round(2100 * us);
  }
  EXPECT_EQ(p.window(), held);
  // The queue goes: growth goes on.
  for (int i = 0; i < 40; ++i) {
    round(100 * us);
  }
  EXPECT_GT(p.window(), held);
  // Back to the queue for over a second (so a delivery rate is known), then
  // losses: a cut without a pacing rate.
  for (int i = 0; i < 600; ++i) {
    round(2100 * us);
  }
  std::deque<sent_try> lost = fill(p, now);  // a window, all lost: overflow
  ASSERT_GE(lost.size(), 4u);
  const uint32_t before = p.window();
  // Timed out over two intervals, so the loss share is the window's, not
  // diluted by the second of answers before it.
  p.on_timeout(now + 150 * ms, lost[0].seq);
  for (size_t i = 1; i < lost.size(); ++i) {
    p.on_timeout(now + 300 * ms, lost[i].seq);
  }
  EXPECT_EQ(p.loss_events(), 1u);
  EXPECT_EQ(p.window(), before / 2);
  p.can_send(now + 301 * ms);  // brings the pacing rate up to date
  EXPECT_EQ(p.pacing_rate(), 0);
}

TEST(DnsPacerTest, AnUnusedWindowDoesNotGrow) {
  dns_pacer p(options(), 0);
  // One query at a time, answered: the window (32) is never tested.
  for (int i = 0; i < 1000; ++i) {
    const uint64_t seq = p.on_send(i * ms);
    p.on_answer(i * ms + 100 * us, seq, i * ms, true);
  }
  EXPECT_EQ(p.window(), 32u);
}

TEST(DnsPacerTest, ABurstOfLossesCutsTheWindowOnce) {
  dns_pacer p(options(), 0);
  std::deque<sent_try> round = fill(p, 0);  // 32 on the wire
  ASSERT_EQ(round.size(), 32u);
  // 20 answered, 12 lost: one loss event, window halved once.
  for (size_t i = 0; i < 20; ++i) {
    p.on_answer(1 * ms, round[i].seq, 0, true);
  }
  const uint32_t before = p.window();
  for (size_t i = 20; i < 32; ++i) {
    p.on_timeout(50 * ms, round[i].seq);
  }
  EXPECT_EQ(p.loss_events(), 1u);
  EXPECT_EQ(p.losses(), 12u);
  EXPECT_EQ(p.window(), before / 2);
  EXPECT_FALSE(p.slow_start());
  // Losses of queries sent after the cut are a new event.
  std::deque<sent_try> next = fill(p, 60 * ms, 3);
  ASSERT_EQ(next.size(), 3u);
  for (const sent_try& t : next) {
    p.on_timeout(120 * ms, t.seq);
  }
  EXPECT_EQ(p.loss_events(), 2u);
}

TEST(DnsPacerTest, ScatteredLossesAreNotARun) {
  // Every other query of a window lost: a share far past 2%, but no run of
  // consecutive sends lost, as random loss looks. No cut.
  dns_pacer p(options(), 0);
  std::deque<sent_try> round = fill(p, 0);
  for (size_t i = 0; i < round.size(); ++i) {
    if (i % 2 == 0) {
      p.on_answer(1 * ms, round[i].seq, 0, true);
    }
  }
  for (size_t i = 1; i < round.size(); i += 2) {
    p.on_timeout(40 * ms, round[i].seq);
  }
  EXPECT_EQ(p.losses(), round.size() / 2);
  EXPECT_EQ(p.loss_events(), 0u);
}

TEST(DnsPacerTest, RareRandomLossIsNotCongestion) {
  dns_pacer p(options(), 0);
  // 1,000 answers, then 2 losses (0.2%): no cut.
  int64_t now = 0;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t seq = p.on_send(now);
    now += 10 * us;
    p.on_answer(now, seq, now - 10 * us, true);
  }
  const uint64_t a = p.on_send(now);
  const uint64_t b = p.on_send(now);
  p.on_timeout(now + 5 * ms, a);
  p.on_timeout(now + 5 * ms, b);
  EXPECT_EQ(p.loss_events(), 0u);
  EXPECT_EQ(p.losses(), 2u);
}

TEST(DnsPacerTest, AnEpisodeIsUndoneOnlyWhenEveryLossProvesSpurious) {
  dns_pacer p(options(), 0);
  std::deque<sent_try> round = fill(p, 0);
  const uint32_t before = p.window();
  for (size_t i = 0; i < 4; ++i) {
    p.on_timeout(30 * ms, round[i].seq);  // a run: the cut at the third
  }
  ASSERT_EQ(p.loss_events(), 1u);
  ASSERT_LT(p.window(), before);
  // Three of the four losses answered late: one may still be real.
  for (size_t i = 0; i < 3; ++i) {
    p.on_late_answer(31 * ms, round[i].seq, 0, true);
  }
  EXPECT_EQ(p.loss_events(), 1u);
  EXPECT_LT(p.window(), before);
  // The fourth too: the whole episode was a timer too short for the path.
  p.on_late_answer(32 * ms, round[3].seq, 0, true);
  EXPECT_EQ(p.loss_events(), 0u);
  EXPECT_EQ(p.window(), before);
  EXPECT_EQ(p.undos(), 1u);
  EXPECT_EQ(p.spurious(), 4u);
}

TEST(DnsPacerTest, AnEpisodeWithARealLossIsNotUndone) {
  dns_pacer p(options(), 0);
  std::deque<sent_try> round = fill(p, 0);
  for (size_t i = 0; i < 4; ++i) {
    p.on_timeout(30 * ms, round[i].seq);
  }
  const uint32_t cut = p.window();
  for (size_t i = 0; i < 3; ++i) {
    p.on_late_answer(31 * ms, round[i].seq, 0, true);
  }
  // Then more than a quiet second of answers (1 ms round trips): the
  // episode is over, its fourth loss real.
  for (size_t i = 4; i < round.size(); ++i) {
    p.on_answer(31 * ms, round[i].seq, 31 * ms - 1 * ms, true);
  }
  for (const sent_try& t : fill(p, 1100 * ms)) {
    p.on_answer(1101 * ms, t.seq, t.at, true);
  }
  // A late answer from another episode's past undoes nothing.
  p.on_late_answer(1200 * ms, round[3].seq, 0, true);
  EXPECT_EQ(p.loss_events(), 1u);
  EXPECT_EQ(p.undos(), 0u);
  EXPECT_LE(p.window(), 2 * cut);  // grown since, not restored to 32
}

TEST(DnsPacerTest, RetransmitTimerFollowsRfc6298) {
  dns_pacer p(options(), 0);
  EXPECT_EQ(p.timeout_ns(0), 1000 * ms);  // before any sample
  // First sample R: SRTT = R, RTTVAR = R/2, RTO = R + 4 * R/2 = 3R.
  uint64_t seq = p.on_send(0);
  p.on_answer(10 * ms, seq, 0, true);
  EXPECT_EQ(p.srtt_ns(), 10 * ms);
  EXPECT_EQ(p.rto_ns(), 30 * ms);
  // Second sample 18 ms: RTTVAR = 3/4 * 5 + 1/4 * 8 = 5.75, SRTT = 11.
  seq = p.on_send(20 * ms);
  p.on_answer(38 * ms, seq, 20 * ms, true);
  EXPECT_EQ(p.srtt_ns(), 11 * ms);
  EXPECT_EQ(p.rto_ns(), 11 * ms + 23 * ms);
  // Each further try doubles, up to the ceiling (--dns-timeout).
  EXPECT_EQ(p.timeout_ns(1), 68 * ms);
  EXPECT_EQ(p.timeout_ns(2), 136 * ms);
  EXPECT_EQ(p.timeout_ns(10), 2000 * ms);
}

TEST(DnsPacerTest, AHeavyTailRaisesTheTimerToItsPercentile) {
  // 1 ms answers, 3% of them after 60 ms (slow recursions): RFC 6298 alone
  // settles near the floor as RTTVAR forgets the slow ones; the timer stays
  // above the tail's 99th percentile instead.
  dns_pacer p(options(), 0);
  int64_t now = 0;
  for (int i = 0; i < 4096; ++i) {
    const int64_t rtt = i % 33 == 0 ? 60 * ms : 1 * ms;
    const uint64_t seq = p.on_send(now);
    p.on_answer(now + rtt, seq, now, true);
    now += 100 * us;
  }
  EXPECT_GE(p.rto_ns(), 60 * ms * 5 / 4);
  EXPECT_LE(p.rto_ns(), 100 * ms);
}

TEST(DnsPacerTest, ABaseRttThatMovesIsRelearnt) {
  // Answers first in 100 us, then all in 1 ms (a resolver that answered
  // from cache and now recurses for every name): a queue at first, which
  // holds the window, but not for ever: 5 s on, the base is 1 ms and the
  // window grows again.
  pacer_options o = options();
  o.max_window = 512;
  dns_pacer p(o, 0);
  int64_t now = 0;
  auto round = [&](int64_t rtt) {
    for (const sent_try& t : fill(p, now)) {
      p.on_answer(now + rtt, t.seq, t.at, true);
    }
    now += rtt;
  };
  for (int i = 0; i < 20; ++i) {
    round(100 * us);
  }
  for (int i = 0; i < 20; ++i) {
    round(1 * ms);
  }
  const uint32_t held = p.window();
  for (int i = 0; i < 2000; ++i) {
    round(1 * ms);
  }
  EXPECT_EQ(p.window(), held);  // 2 s: still the old base
  for (int i = 0; i < 5000; ++i) {
    round(1 * ms);
  }
  EXPECT_GT(p.window(), held);
}

TEST(DnsPacerTest, KarnsRuleIgnoresAnswersToRetries) {
  dns_pacer p(options(), 0);
  uint64_t seq = p.on_send(0);
  p.on_answer(10 * ms, seq, 0, true);
  ASSERT_EQ(p.srtt_ns(), 10 * ms);
  seq = p.on_send(20 * ms);
  p.on_answer(21 * ms, seq, 20 * ms, /*rtt_sample=*/false);
  EXPECT_EQ(p.srtt_ns(), 10 * ms);
}

TEST(DnsPacerTest, TheTimerHasAFloorAndACeiling) {
  pacer_options o = options();
  o.min_rto_ns = 20 * ms;
  o.max_rto_ns = 500 * ms;
  dns_pacer p(o, 0);
  EXPECT_EQ(p.timeout_ns(0), 500 * ms);  // the initial 1 s, capped
  uint64_t seq = p.on_send(0);
  p.on_answer(100 * us, seq, 0, true);
  EXPECT_EQ(p.rto_ns(), 20 * ms);
}

// Runs a policer in front of the pacer, counting as Unbound's ip-ratelimit
// does: at most `limit` queries in each second, the rest dropped with no
// reply. Answers come after `rtt`. Returns {answers, losses} from second
// `from` to second `to`.
std::pair<uint64_t, uint64_t> policed(dns_pacer& p, double limit, int64_t rtt, int from, int to) {
  struct pending {
    uint64_t seq;
    int64_t sent;
    int64_t due;
    bool dropped;
  };
  std::deque<pending> wire;
  uint64_t answers = 0;
  uint64_t losses = 0;
  double passed_this_second = 0;
  const int64_t step = 50 * us;
  const int64_t counted_from = from * 1000 * ms;
  for (int64_t now = 0; now < to * 1000 * ms; now += step) {
    if (now % (1000 * ms) == 0) {
      passed_this_second = 0;
    }
    while (p.can_send(now)) {
      const uint64_t seq = p.on_send(now);
      const bool dropped = passed_this_second >= limit;
      if (!dropped) {
        passed_this_second += 1;
      }
      wire.push_back({seq, now, dropped ? now + p.timeout_ns(0) : now + rtt, dropped});
    }
    for (auto it = wire.begin(); it != wire.end();) {
      if (it->due <= now) {
        if (it->dropped) {
          p.on_timeout(now, it->seq);
          losses += now >= counted_from ? 1 : 0;
        } else {
          p.on_answer(now, it->seq, it->sent, true);
          answers += now >= counted_from ? 1 : 0;
        }
        it = wire.erase(it);
      } else {
        ++it;
      }
    }
  }
  return {answers, losses};
}

TEST(DnsPacerTest, APolicedServerIsPacedNearItsLimit) {
  // After slow start's overshoot in the first second (the policer shows
  // its limit only once a second is over), 20 s at >= 90% of 5,000/s with
  // <= 1% of the tries lost.
  dns_pacer p(options(), 0);
  const auto [answers, losses] = policed(p, 5000, 200 * us, 2, 22);
  EXPECT_GE(answers, 90'000u);
  EXPECT_LE(double(losses), 0.01 * double(answers + losses));
  EXPECT_GT(p.pacing_rate(), 0);
  EXPECT_GE(p.loss_events(), 1u);
}

TEST(DnsPacerTest, SlowStartsOvershootOfAPolicerIsBounded) {
  // A policer counting per second gives no signal before its quota is
  // spent; then the window of that moment (about one quota, grown by slow
  // start) is lost once, and the cuts that follow stop the losses: less
  // than two quotas in all, not one per further second.
  dns_pacer p(options(), 0);
  const auto [answers, losses] = policed(p, 5000, 200 * us, 0, 3);
  EXPECT_GE(answers, 13'500u);
  EXPECT_LE(losses, 10'000u);
}

TEST(DnsPacerTest, RandomLossIsLearntAndNotTakenForCongestion) {
  // 10% of the tries lost at random, whatever the rate, 10 ms round trips:
  // after the first second the usual loss share is known, cuts stop, and
  // the window grows back (without the floor it spiralled down to 2).
  dns_pacer p(options(), 0);
  std::mt19937 rng(1);
  struct pending {
    uint64_t seq;
    int64_t sent;
    int64_t due;
    bool lost;
  };
  std::deque<pending> wire;
  const int64_t rtt = 10 * ms;
  uint64_t events_after_warmup = 0;
  for (int64_t now = 0; now < 10'000 * ms; now += 100 * us) {
    while (p.can_send(now)) {
      const uint64_t seq = p.on_send(now);
      const bool lost = rng() % 10 == 0;
      wire.push_back({seq, now, now + (lost ? p.timeout_ns(0) : rtt), lost});
    }
    for (auto it = wire.begin(); it != wire.end();) {
      if (it->due > now) {
        ++it;
        continue;
      }
      if (it->lost) {
        const uint64_t before = p.loss_events();
        p.on_timeout(now, it->seq);
        events_after_warmup += now >= 3000 * ms ? p.loss_events() - before : 0;
      } else {
        p.on_answer(now, it->seq, it->sent, true);
      }
      it = wire.erase(it);
    }
  }
  EXPECT_EQ(events_after_warmup, 0u);
  EXPECT_GE(p.window(), 200u);
}

TEST(DnsPacerTest, TheRateCeilingHolds) {
  pacer_options o = options();
  o.rate_ceiling = 200;
  dns_pacer p(o, 0);
  uint64_t sent = 0;
  // Answered at once: only the ceiling limits sending. 10 s at 200/s.
  for (int64_t now = 0; now < 10'000 * ms; now += 100 * us) {
    // Bounded: without a ceiling this would send without end.
    for (int i = 0; i < 1000 && p.can_send(now); ++i) {
      const uint64_t seq = p.on_send(now);
      p.on_answer(now, seq, now, true);
      ++sent;
    }
  }
  EXPECT_GE(sent, 1990u);
  EXPECT_LE(sent, 2001u);
}

TEST(DnsPacerTest, ASilentServerGoesDownAndComesBackInSlowStart) {
  dns_pacer p(options(), 0);
  std::deque<sent_try> round = fill(p, 0);
  for (uint32_t i = 0; i < dns_pacer::down_after; ++i) {
    p.on_timeout(500 * ms, round[i].seq);
  }
  // 8 in a row, but an answer may still come: the server has been silent
  // for less than a second.
  EXPECT_FALSE(p.down());
  for (uint32_t i = dns_pacer::down_after; i < 2 * dns_pacer::down_after; ++i) {
    p.on_timeout(1100 * ms, round[i].seq);
  }
  EXPECT_TRUE(p.down());
  EXPECT_EQ(p.downs(), 1u);
  EXPECT_EQ(p.window(), 1u);  // a probe at a time
  // Its in-flight tries left with their timeouts; one probe may go.
  for (size_t i = 2 * dns_pacer::down_after; i < round.size(); ++i) {
    p.on_abandon();
  }
  std::deque<sent_try> probe = fill(p, 1200 * ms);
  ASSERT_EQ(probe.size(), 1u);
  p.on_answer(1201 * ms, probe[0].seq, 1200 * ms, true);
  EXPECT_FALSE(p.down());
  EXPECT_EQ(p.window(), 16u);  // restarts from what the cut left
  EXPECT_EQ(fill(p, 1202 * ms).size(), 16u);
}

}  // namespace
}  // namespace ptrscan
