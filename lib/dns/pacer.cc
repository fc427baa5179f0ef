#include "dns/pacer.h"

#include "core/timer_classes.h"

#include <algorithm>
#include <cmath>

namespace ptrscan {
namespace {

constexpr int64_t ms = 1'000'000;
// Delivery-rate interval: long enough to hold hundreds of answers at the
// rates a policer allows, short enough to follow a scan's phases.
constexpr int64_t min_interval_ns = 100 * ms;
// A cut needs at least this many losses in the current and previous
// intervals, making at least this share of the outcomes (BBRv2 uses 2% the
// same way) and twice the path's usual loss (loss_floor_), and a run of
// losses (min_loss_run): a path that loses datagrams at random loses them
// at any rate, and cutting for them only spirals the rate down.
constexpr uint64_t min_losses_for_cut = 2;
constexpr double min_loss_share = 0.02;
// The usual loss share: smoothed over intervals with this many outcomes,
// gain 1/8 (about a second of 100 ms intervals).
constexpr uint64_t loss_floor_min_outcomes = 20;
// A loss episode without a loss for this long (or 4 RTO) is over.
constexpr int64_t episode_quiet_ns = 1000 * ms;
// A cut needs a run of this many lost tries sent one after the other
// (random loss of 10% makes such a run once in a thousand losses).
constexpr uint32_t min_loss_run = 3;
// After a cut the pacing rate follows CUBIC's curve (RFC 9438) in time:
// R(t) = R_loss * (plateau + c (t - K)^3), starting at 0.9 R_loss, flat
// around 0.97 R_loss from 1 to 3 s after the cut, past R_loss at 3.5 s and
// probing faster the longer no loss comes. The plateau sits below R_loss:
// a policer counting per second drops everything past its quota until the
// second ends, so hovering at its rate loses a little in every second.
constexpr double rate_backoff = 0.9;
constexpr double rate_plateau = 0.97;
constexpr double cubic_k_s = 2.0;
constexpr double cubic_c = (rate_plateau - rate_backoff) / (cubic_k_s * cubic_k_s * cubic_k_s);
// Queueing delay that counts as a queue (queueing()): base RTT / 8 within
// these bounds; and the answers a round needs before its RTT counts.
constexpr int64_t min_queue_delay_ns = ms / 2;
constexpr int64_t max_queue_delay_ns = 16 * ms;
constexpr uint32_t min_round_samples = 8;
// Shortest round of slow start (see on_answer).
constexpr int64_t slow_start_round_ns = 5 * ms;
// The RTT tail (sample_rtt): the 99th percentile recomputed every
// tail_every samples, the histogram halved past tail_decay_at.
constexpr uint64_t tail_every = 256;
constexpr uint64_t tail_decay_at = 8192;
// RFC 6298's clock granularity term G.
constexpr int64_t granularity_ns = 1 * ms;

}  // namespace

void dns_pacer::reset(const pacer_options& o, int64_t now_ns) {
  *this = dns_pacer();
  o_ = o;
  o_.max_window = std::max<uint32_t>(1, o_.max_window);
  o_.min_window = std::clamp<uint32_t>(o_.min_window, 1, o_.max_window);
  o_.initial_window = std::clamp(o_.initial_window, o_.min_window, o_.max_window);
  o_.max_rto_ns = std::max<int64_t>(1, o_.max_rto_ns);
  o_.min_rto_ns = std::clamp<int64_t>(o_.min_rto_ns, 1, o_.max_rto_ns);
  window_ = o_.initial_window;
  ssthresh_ = o_.max_window;
  ss_round_start_ns_ = now_ns;
  ss_round_window_ = window_;
  base_second_.fill(-1'000'000);  // no second measured yet
  base_min_.fill(INT64_MAX);
  rto_ns_ = std::clamp(o_.initial_rto_ns, o_.min_rto_ns, o_.max_rto_ns);
  interval_start_ns_ = now_ns;
  first_interval_ns_ = now_ns;
  refilled_ns_ = now_ns;
  last_answer_ns_ = now_ns;
  tokens_ = 1;
}

uint32_t dns_pacer::window() const {
  if (down_) {
    return 1;  // one probe at a time until it answers
  }
  const auto w = static_cast<uint32_t>(window_);
  return std::clamp(w, o_.min_window, o_.max_window);
}

uint32_t dns_pacer::room() const {
  const uint32_t w = window();
  return in_flight_ >= w ? 0 : w - in_flight_;
}

double dns_pacer::effective_rate(int64_t now_ns) const {
  double r = 0;
  if (rate_base_ > 0) {
    const double t = double(std::max<int64_t>(0, now_ns - rate_since_ns_)) * 1e-9 - cubic_k_s;
    r = rate_base_ * (rate_plateau + cubic_c * t * t * t);
  }
  if (o_.rate_ceiling > 0 && (r == 0 || o_.rate_ceiling < r)) {
    r = o_.rate_ceiling;
  }
  return r;
}

void dns_pacer::refill(int64_t now_ns) {
  const double r = effective_rate(now_ns);
  rate_ = r;
  if (r <= 0) {
    tokens_ = 1;
    refilled_ns_ = now_ns;
    return;
  }
  // A burst of 1 ms worth (at least one token): the loop wakes often
  // enough to spend it, and a policer counting per second never sees more
  // than the rate plus a millisecond's worth.
  const double burst = std::max(1.0, r * 1e-3);
  tokens_ = std::min(burst, tokens_ + r * double(std::max<int64_t>(0, now_ns - refilled_ns_)) * 1e-9);
  refilled_ns_ = now_ns;
}

bool dns_pacer::can_send(int64_t now_ns) {
  if (in_flight_ >= window()) {
    return false;
  }
  roll(now_ns);
  refill(now_ns);
  return rate_ <= 0 || tokens_ >= 1;
}

bool dns_pacer::can_send_ignoring_window(int64_t now_ns) {
  refill(now_ns);
  return rate_ <= 0 || tokens_ >= 1;
}

uint64_t dns_pacer::on_send(int64_t /*now_ns*/) {
  ++in_flight_;
  if (rate_ > 0) {
    tokens_ -= 1;
  }
  if (in_flight_ >= window()) {
    filled_seq_ = next_seq_;
  }
  return next_seq_++;
}

int64_t dns_pacer::next_token_ns() const {
  if (rate_ <= 0 || tokens_ >= 1 || in_flight_ >= window()) {
    return INT64_MAX;
  }
  return refilled_ns_ + static_cast<int64_t>(std::ceil((1 - tokens_) / rate_ * 1e9));
}

void dns_pacer::sample_rtt(int64_t rtt_ns) {
  rtt_ns = std::max<int64_t>(rtt_ns, 0);
  rtt_.sample(rtt_ns);
  // The tail: a recursive resolver answers most names from its cache or one
  // upstream round trip and a few percent after many; RTTVAR, fed per query
  // (RFC 6298 assumes one sample per round trip), forgets those few between
  // thousands of fast answers, and every one of them was resent: a spurious
  // retransmission, extra load a rate-limiting resolver counts against us.
  // So the timer is also never below 5/4 of the recent 99th percentile.
  ++rtt_hist_[timer_classes::class_of(rtt_ns)];
  if (++rtt_hist_total_ % tail_every == 0) {
    uint64_t below = 0;
    for (unsigned c = 0; c < rtt_hist_.size(); ++c) {
      below += rtt_hist_[c];
      if (below * 100 >= rtt_hist_total_ * 99) {
        tail_rtt_ns_ = timer_classes::duration_of(c);
        break;
      }
    }
    if (rtt_hist_total_ >= tail_decay_at) {
      // Halve the counts: the percentile follows the recent past.
      rtt_hist_total_ = 0;
      for (uint32_t& n : rtt_hist_) {
        n /= 2;
        rtt_hist_total_ += n;
      }
    }
  }
  rto_ns_ = std::clamp(std::max(rtt_.rto_ns(granularity_ns), tail_rtt_ns_ / 4 * 5), o_.min_rto_ns,
                       o_.max_rto_ns);
}

void dns_pacer::roll(int64_t now_ns) {
  const int64_t length = std::max(min_interval_ns, 2 * rtt_.srtt_ns());
  if (now_ns - interval_start_ns_ < length) {
    return;
  }
  interval_answers_[interval_next_] = cur_answers_;
  interval_ends_ns_[interval_next_] = now_ns;
  interval_next_ = (interval_next_ + 1) % rate_intervals;
  interval_start_ns_ = now_ns;
  if (const uint64_t outcomes = cur_answers_ + cur_losses_; outcomes >= loss_floor_min_outcomes) {
    const double share = double(cur_losses_) / double(outcomes);
    loss_floor_ += (share - loss_floor_) / 8;
  }
  prev_answers_ = cur_answers_;
  prev_losses_ = cur_losses_;
  cur_answers_ = 0;
  cur_losses_ = 0;
}

double dns_pacer::delivery_rate() const {
  // Answers over the last closed intervals (a second or more: a policer
  // counting per second shows its rate only over one).
  const size_t oldest = interval_next_;  // the slot written longest ago
  const size_t newest = (interval_next_ + rate_intervals - 1) % rate_intervals;
  int64_t begin = interval_ends_ns_[oldest];
  uint64_t answers = 0;
  for (size_t i = 1; i < rate_intervals; ++i) {
    answers += interval_answers_[(oldest + i) % rate_intervals];
  }
  if (begin == 0) {
    // Fewer intervals than the ring holds: from the first one's start.
    begin = first_interval_ns_;
    answers += interval_answers_[oldest];
  }
  const int64_t span = interval_ends_ns_[newest] - begin;
  return span <= 0 ? 0 : double(answers) * 1e9 / double(span);
}

void dns_pacer::track_round(int64_t now_ns, int64_t rtt_ns) {
  // The base RTT is the smallest of the last base_window_s seconds (BBR's
  // min_rtt filter): a path whose answers all became slower (a resolver
  // that answered its first names from cache and recurses for every PTR
  // since) is not a queue for ever, and a real queue (an overflowing
  // buffer) is found again once its loss drains it.
  const int64_t second = now_ns / 1'000'000'000;
  const size_t slot = static_cast<size_t>(second % base_window_s);
  if (base_second_[slot] != second) {
    base_second_[slot] = second;
    base_min_[slot] = INT64_MAX;
  }
  base_min_[slot] = std::min(base_min_[slot], rtt_ns);
  int64_t base = INT64_MAX;
  for (size_t i = 0; i < base_window_s; ++i) {
    if (second - base_second_[i] < static_cast<int64_t>(base_window_s)) {
      base = std::min(base, base_min_[i]);
    }
  }
  base_rtt_ns_ = base;
  round_min_rtt_ns_ = std::min(round_min_rtt_ns_, rtt_ns);
  ++round_samples_;
}

void dns_pacer::end_round() {
  // A round's smallest RTT ignores cache misses, which a recursive
  // resolver's RTTs are full of; it needs a few samples to mean anything
  // (RFC 9406's N_RTT_SAMPLE). The rounds' minimums are smoothed (gain
  // 1/4): a burst of sends queues behind itself for a round, and on a
  // loaded machine single rounds jitter by a fraction of a millisecond.
  if (round_samples_ >= min_round_samples) {
    last_round_min_rtt_ns_ = round_min_rtt_ns_;
    queue_rtt_ns_ = queue_rtt_ns_ == INT64_MAX
                        ? round_min_rtt_ns_
                        : (3 * queue_rtt_ns_ + round_min_rtt_ns_) / 4;
    // With hysteresis: a queue is there past base + eta and gone only
    // below base + eta / 2.
    const int64_t eta = queue_delay_threshold_ns();
    if (!queue_ && queue_rtt_ns_ > base_rtt_ns_ + eta) {
      queue_ = true;
      // HyStart++ (RFC 9406): a queue ends slow start; growth goes on (when
      // the queue is gone) one query per window of answers.
      if (window_ < ssthresh_) {
        ssthresh_ = window_;
      }
    } else if (queue_ && queue_rtt_ns_ < base_rtt_ns_ + eta / 2) {
      queue_ = false;
      // The queue was slow start's own burst (RFC 9406's conservative slow
      // start sees the RTT fall back and resumes slow start): a window the
      // last loss did not bound may double again.
      if (loss_events_ == 0) {
        ssthresh_ = o_.max_window;
      }
    }
  }
  round_min_rtt_ns_ = INT64_MAX;
  round_samples_ = 0;
  round_end_seq_ = next_seq_;
}

int64_t dns_pacer::queue_delay_threshold_ns() const {
  return std::clamp(base_rtt_ns_ / 8, min_queue_delay_ns, max_queue_delay_ns);
}

bool dns_pacer::queueing() const {
  // The rounds' smallest RTT, smoothed, above the smallest ever seen by
  // more than eta: the server's queue holds that much. (HyStart++, RFC
  // 9406, compares consecutive rounds with eta >= 4 ms; on loopback rounds
  // last 100 us and Knot's 300-query buffers hold 2 ms, so the comparison
  // is with the base RTT and eta's floor is 0.5 ms.)
  return queue_;
}

void dns_pacer::on_answer(int64_t now_ns, uint64_t seq, int64_t sent_ns, bool rtt_sample) {
  if (in_flight_ > 0) {
    --in_flight_;
  }
  ++answers_;
  last_answer_ns_ = now_ns;
  timeouts_in_row_ = 0;
  if (down_) {
    // Back: restart from at most the initial window, as TCP does after an
    // idle period (RFC 5681 §4.1), keeping what the losses taught.
    down_ = false;
    window_ = std::min(double(o_.initial_window), std::max(ssthresh_, double(o_.min_window)));
  }
  if (rtt_sample) {
    sample_rtt(now_ns - sent_ns);
    track_round(now_ns, now_ns - sent_ns);
  }
  if (seq >= round_end_seq_) {
    end_round();
  }
  roll(now_ns);
  ++cur_answers_;
  ++answers_since_cut_;
  if (episode_ && now_ns - last_loss_ns_ > std::max(episode_quiet_ns, 4 * rto_ns_)) {
    episode_ = false;  // over, with losses no late answer explained: real ones
  }
  // Grow only a window that limited sending while this query was out
  // (RFC 7661: it was full at a send at most one window before this one),
  // and not into a queue: an authoritative server's buffer overflows a
  // little past the threshold (Knot's at 2 ms), and a larger window only
  // buys losses there. A policer, or a path without a queue, never stops
  // the growth; the queue going away lets it go on (as RFC 9406's
  // conservative slow start goes back to slow start).
  if (filled_seq_ != UINT64_MAX && filled_seq_ + window() >= seq && !queueing()) {
    if (window_ < ssthresh_) {
      // Slow start doubles the window at most once per round trip, and a
      // round trip counts as at least slow_start_round_ns: on loopback a
      // round trip is far shorter than the timer floor that detects loss,
      // and unbounded doubling in between overshoots by that factor.
      if (now_ns - ss_round_start_ns_ >= std::max(rtt_.srtt_ns(), slow_start_round_ns)) {
        ss_round_start_ns_ = now_ns;
        ss_round_window_ = window_;
      }
      if (window_ < 2 * ss_round_window_) {
        window_ += 1;
      }
    } else {
      window_ += 1 / window_;
    }
    window_ = std::min(window_, double(o_.max_window));
  }
}

void dns_pacer::cut(int64_t now_ns) {
  if (!episode_) {
    // A loss episode starts: keep the state to go back to should every
    // loss of it prove spurious (see on_late_answer).
    episode_ = true;
    episode_losses_ = 0;
    undo_window_ = window_;
    undo_ssthresh_ = ssthresh_;
    undo_rate_base_ = rate_base_;
    undo_rate_since_ns_ = rate_since_ns_;
    undo_loss_events_ = loss_events_;
  }
  ++loss_events_;
  // Halve, as Reno does; but when the last cut was less than a timeout ago
  // the server has shown what gets through since then: no more than that
  // (a policer out of quota passes nothing, and halving once per timeout
  // would take a dozen timeouts to come down from a slow-start overshoot).
  double next = window_ / 2;
  if (loss_events_ > 1 && now_ns - last_cut_ns_ <= 2 * rto_ns_) {
    next = std::min(next, double(answers_since_cut_));
  }
  ssthresh_ = std::max(next, double(o_.min_window));
  window_ = ssthresh_;
  last_cut_ns_ = now_ns;
  answers_since_cut_ = 0;
  recovery_seq_ = next_seq_;
  // A loss with the queue full is overflow: the smaller window is the
  // cure. A loss without queueing delay (a policer, a rate limit) needs a
  // rate: what the server delivered over the last second or so.
  const double loss_rate = queueing() ? 0 : delivery_rate();
  if (loss_rate > 0) {
    rate_base_ = loss_rate;
    rate_since_ns_ = now_ns;
    tokens_ = std::min(tokens_, 1.0);
  }
  // No back-off of the server's timer here (RFC 6298 §5.5 backs off per
  // connection): each query's own retries double theirs, and a server that
  // answers nothing is backed off as down. Backing the shared timer off on
  // every cut left a policed server's window clogged with queries waiting
  // out long timers while it had capacity again (bench/dns_pacing_sim).
}

void dns_pacer::on_timeout(int64_t now_ns, uint64_t seq) {
  if (in_flight_ > 0) {
    --in_flight_;
  }
  ++losses_;
  roll(now_ns);
  ++cur_losses_;
  ++timeouts_in_row_;
  const uint64_t lost = prev_losses_ + cur_losses_;
  const uint64_t outcomes = lost + prev_answers_ + cur_answers_;
  // Congestion drops come in runs: a full buffer or a spent quota drops
  // every query for a while. Random loss strikes queries one at a time.
  loss_run_ = seq == last_lost_seq_ + 1 ? loss_run_ + 1 : 1;
  last_lost_seq_ = seq;
  last_loss_ns_ = now_ns;
  if (episode_) {
    ++episode_losses_;
  }
  if (seq >= recovery_seq_ && loss_run_ >= min_loss_run && lost >= min_losses_for_cut &&
      double(lost) >= std::max(min_loss_share, 2 * loss_floor_) * double(outcomes)) {
    const bool opens = !episode_;
    cut(now_ns);
    if (opens) {
      episode_losses_ = loss_run_;  // the run that caused it
    }
  }
  if (!down_ && timeouts_in_row_ >= down_after &&
      now_ns - last_answer_ns_ > std::max<int64_t>(1000 * ms, rto_ns_)) {
    down_ = true;
    ++downs_;
  }
}

void dns_pacer::on_late_answer(int64_t now_ns, uint64_t seq, int64_t sent_ns,
                               bool rtt_sample) {
  ++spurious_;
  last_answer_ns_ = now_ns;
  timeouts_in_row_ = 0;
  down_ = false;
  roll(now_ns);
  ++cur_answers_;
  // Eifel (RFC 3522) over a whole episode, as Linux undoes a loss recovery
  // once every retransmission proved needless: when every loss since the
  // episode's first cut has had its late answer, none was congestion (a
  // timer too short for a slow path, as at the start before any
  // measurement), and the window, rate and cuts go back to before it.
  (void)seq;
  if (episode_ && episode_losses_ > 0 && --episode_losses_ == 0) {
    episode_ = false;
    window_ = undo_window_;
    ssthresh_ = undo_ssthresh_;
    rate_base_ = undo_rate_base_;
    rate_since_ns_ = undo_rate_since_ns_;
    loss_events_ = undo_loss_events_;
    ++undos_;
  }
  if (rtt_sample) {
    sample_rtt(now_ns - sent_ns);
  }
}

void dns_pacer::on_abandon() {
  if (in_flight_ > 0) {
    --in_flight_;
  }
}

int64_t dns_pacer::timeout_ns(int try_index) const {
  const int shift = std::clamp(try_index, 0, 30);
  if (rto_ns_ > (o_.max_rto_ns >> shift)) {
    return o_.max_rto_ns;
  }
  return rto_ns_ << shift;
}

}  // namespace ptrscan
