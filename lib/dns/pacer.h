#pragma once

#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>

#include "core/rtt_estimator.h"

namespace ptrscan {

/// Settings of one resolver's pacer. Every limit the user gives is a ceiling;
/// the pacer finds the operating point below it.
struct pacer_options {
  /// Largest window (queries on the wire at once): --dns-inflight.
  uint32_t max_window = 16384;
  /// Slow start begins here, and again when a server comes back.
  uint32_t initial_window = 32;
  /// The window never shrinks below this.
  uint32_t min_window = 2;
  /// Retransmit timeout bounds. The floor keeps a scheduler hiccup on a
  /// loaded machine from reading as loss; the ceiling is --dns-timeout.
  int64_t min_rto_ns = 20'000'000;
  int64_t max_rto_ns = 2'000'000'000;
  /// The timeout before the first measurement (RFC 6298 §2.1: 1 s; the
  /// transport uses the ceiling, --dns-timeout).
  int64_t initial_rto_ns = 1'000'000'000;
  /// --dns-rate for this server in queries per second; 0: none.
  double rate_ceiling = 0;
};

/// Congestion control and retransmit timer for the queries one shard sends to
/// one resolver, as TCP paces a connection (and tested the same way: every
/// method takes the time, so tests and bench/pacing_sim.cc drive it with a
/// clock of their own). Three signals, each for the kind of server that
/// gives it:
///
/// Loss (AIMD, RFC 5681): slow start doubles the window per round trip (a
/// round trip counting as at least 5 ms: on loopback a round trip is far
/// shorter than the timer that sees a loss) from `initial_window`; a loss
/// event halves it (a run of 3 tries sent one after the other all lost, and
/// at least 2 losses making 2% of the outcomes of the last two 100 ms
/// intervals and twice the path's usual loss share, smoothed over about a
/// second: congestion drops come in runs, random loss one query at a time,
/// at any rate, and cutting for it only spirals down; one event per window
/// of sends; and no more than
/// what got through since a cut less than a timeout ago); then it grows by
/// one per window of answers. It grows only while it is used (RFC 7661).
///
/// Queue (HyStart++, RFC 9406, adapted): the smallest RTT of each round
/// (a window of sends answered, with at least 8 answers: a round's minimum
/// ignores cache misses, which a recursive resolver's RTTs are full of),
/// smoothed, against the smallest RTT ever seen. Past base + eta (base / 8,
/// within 0.5 ms..16 ms) the server's queue is building: slow start ends and
/// the window stops growing; below base + eta / 2 the queue is gone and
/// growth goes on (slow start again if no loss has bounded the window: the
/// queue was slow start's own burst). An authoritative server with small
/// socket buffers (Knot's hold ~2 ms) is held just short of dropping.
///
/// Rate: a window cannot hold a rate below one window per round trip, and a
/// resolver that polices queries per second (Unbound's ip-ratelimit)
/// answers in microseconds but drops past its rate with no queue to see.
/// So a loss event with no queue sets a pacing rate from R_loss, the
/// delivery rate over the last ten intervals (a policer counting per second
/// shows its rate only over a second): CUBIC's curve in time (RFC 9438),
/// from 0.9 R_loss to a plateau at 0.97 R_loss, then faster probing the
/// longer no loss comes. A loss in a queue is overflow: the smaller window
/// is the cure, and no rate is set. A loss-free path is never paced.
///
/// Why not delay alone (Vegas): a recursive resolver's RTTs are bimodal,
/// microseconds from its cache, round trips to authorities on a miss, and a
/// policer shows no delay at all; bench/pacing_sim.cc compares the pacer
/// with a fixed window and with Vegas on four server models.
///
/// Timer (RFC 6298): SRTT and RTTVAR from answers to first tries only
/// (Karn's rule: a resolver that answers a retry right after finishing the
/// recursion the first try started would make the sample look short), RTO =
/// SRTT + 4 RTTVAR within [min_rto, max_rto], doubled per further try of a
/// query, and never below 5/4 of the recent 99th percentile of the RTTs (a
/// recursive resolver's tail of slow recursions, which RTTVAR fed per query
/// forgets between thousands of fast answers). No back-off of the shared timer per loss event: each query's
/// retries double theirs, and a silent server is handled by health.
///
/// Health: a server with `down_after` timeouts in a row and no answer for
/// max(1 s, RTO) is down: the resolver moves its work to the others and
/// sends it one probe at a time; its first answer brings it back with at
/// most the initial window.
class dns_pacer {
 public:
  static constexpr uint32_t down_after = 8;

  dns_pacer() = default;
  explicit dns_pacer(const pacer_options& o, int64_t now_ns = 0) { reset(o, now_ns); }
  void reset(const pacer_options& o, int64_t now_ns);

  /// Room in the window and, when paced, a token: may one more try go out?
  /// Refills the token bucket to `now_ns`.
  bool can_send(int64_t now_ns);
  /// The same without the window: only the rate (for a server that is down
  /// when every server is, where only the ceilings hold).
  bool can_send_ignoring_window(int64_t now_ns);
  /// A try went on the wire. Returns its send sequence number, which the
  /// caller hands back with the answer or the loss of that try.
  uint64_t on_send(int64_t now_ns);
  /// The answer to a try (sent at `sent_ns` as `seq`) came. `rtt_sample`:
  /// the try was a query's first (Karn's rule).
  void on_answer(int64_t now_ns, uint64_t seq, int64_t sent_ns, bool rtt_sample);
  /// A try timed out: it leaves the window and counts as a loss.
  void on_timeout(int64_t now_ns, uint64_t seq);
  /// The answer to a try that had timed out came after all: the loss was
  /// spurious. Once every loss of a loss episode has proved spurious, the
  /// episode's cuts are undone (Eifel, RFC 3522).
  /// `rtt_sample` as for on_answer: the sample is unambiguous (the answer
  /// carries that try's ID) and teaches the timer the tail it missed.
  void on_late_answer(int64_t now_ns, uint64_t seq, int64_t sent_ns, bool rtt_sample);
  /// A try left the window with neither answer nor loss (the query ended
  /// through another try, or was handed to TCP).
  void on_abandon();

  /// Timeout of try `try_index` (0 = first): RTO doubled per further try,
  /// never above max_rto.
  int64_t timeout_ns(int try_index) const;
  /// When the next token is due, if sending waits only for one; else
  /// INT64_MAX.
  int64_t next_token_ns() const;

  bool down() const { return down_; }
  /// Queries of this server's window now on the wire.
  uint32_t in_flight() const { return in_flight_; }
  /// Current window, and its free room (0 when full).
  uint32_t window() const;
  uint32_t room() const;
  bool slow_start() const { return window_ < ssthresh_; }
  /// 0: not paced.
  double pacing_rate() const { return rate_; }
  /// The --dns-rate share this pacer holds to (pacer_options::rate_ceiling).
  double rate_ceiling() const { return o_.rate_ceiling; }
  int64_t srtt_ns() const { return rtt_.srtt_ns(); }
  int64_t rto_ns() const { return rto_ns_; }
  /// Delivery rate (answers/s) over the last ten closed intervals.
  double delivery_rate() const;

  // Counters over the pacer's life.
  uint64_t answers() const { return answers_; }
  uint64_t losses() const { return losses_; }
  uint64_t loss_events() const { return loss_events_; }
  uint64_t spurious() const { return spurious_; }
  /// Loss episodes undone because every loss of them proved spurious.
  uint64_t undos() const { return undos_; }
  uint64_t downs() const { return downs_; }
  /// The path's usual loss share, as learnt.
  double loss_floor() const { return loss_floor_; }

 private:
  void cut(int64_t now_ns);
  void sample_rtt(int64_t rtt_ns);
  void track_round(int64_t now_ns, int64_t rtt_ns);
  void end_round();
  bool queueing() const;
  int64_t queue_delay_threshold_ns() const;
  /// Closes the delivery-rate interval when it is over.
  void roll(int64_t now_ns);
  void refill(int64_t now_ns);
  double effective_rate(int64_t now_ns) const;

  pacer_options o_;
  double window_ = 0;
  double ssthresh_ = 0;
  uint32_t in_flight_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t recovery_seq_ = 0;  // losses of sends before this do not cut again
  uint64_t filled_seq_ = UINT64_MAX;  // the last send that filled the window
  int64_t last_cut_ns_ = 0;
  int64_t ss_round_start_ns_ = 0;
  // Rounds (a window of sends answered) and their smallest RTTs.
  uint64_t round_end_seq_ = 0;
  int64_t round_min_rtt_ns_ = INT64_MAX;
  uint32_t round_samples_ = 0;
  int64_t queue_rtt_ns_ = INT64_MAX;  // rounds' smallest RTTs, smoothed
  bool queue_ = false;
  int64_t last_round_min_rtt_ns_ = INT64_MAX;
  int64_t base_rtt_ns_ = INT64_MAX;  // smallest of the last base_window_s seconds
  static constexpr size_t base_window_s = 5;
  std::array<int64_t, base_window_s> base_second_{};  // which second each slot holds
  std::array<int64_t, base_window_s> base_min_{};
  double ss_round_window_ = 0;
  uint64_t answers_since_cut_ = 0;

  // The loss episode (from its first cut on) and the state before it, for
  // undoing it when every loss of it proves spurious.
  bool episode_ = false;
  uint64_t episode_losses_ = 0;  // losses of the episode not yet answered late
  int64_t last_loss_ns_ = 0;
  double undo_window_ = 0;
  double undo_ssthresh_ = 0;
  double undo_rate_base_ = 0;
  int64_t undo_rate_since_ns_ = 0;
  uint64_t undo_loss_events_ = 0;

  // RFC 6298 state.
  rtt_estimator rtt_;
  int64_t rto_ns_ = 0;
  // RTT histogram over timer_classes' quarter-octave steps, for the tail.
  std::array<uint32_t, 128> rtt_hist_{};
  uint64_t rtt_hist_total_ = 0;
  int64_t tail_rtt_ns_ = 0;

  // Delivery rate: answers of the last closed intervals, and when each
  // ended (0: not yet).
  static constexpr size_t rate_intervals = 11;
  int64_t interval_start_ns_ = 0;
  int64_t first_interval_ns_ = 0;
  std::array<uint64_t, rate_intervals> interval_answers_{};
  std::array<int64_t, rate_intervals> interval_ends_ns_{};
  size_t interval_next_ = 0;
  // Outcomes of the current and previous intervals, for the loss share.
  uint64_t cur_answers_ = 0;
  uint64_t cur_losses_ = 0;
  uint64_t prev_answers_ = 0;
  uint64_t prev_losses_ = 0;
  double loss_floor_ = 0;  // the usual loss share, smoothed over intervals
  // The run of lost tries sent one after the other.
  uint64_t last_lost_seq_ = UINT64_MAX - 1;
  uint32_t loss_run_ = 0;

  // Pacing: rate_ at rate_since_ns_, growing linearly; tokens for sends.
  double rate_ = 0;
  double rate_base_ = 0;
  int64_t rate_since_ns_ = 0;
  double tokens_ = 0;
  int64_t refilled_ns_ = 0;

  // Health.
  int64_t last_answer_ns_ = 0;
  uint32_t timeouts_in_row_ = 0;
  bool down_ = false;

  uint64_t answers_ = 0;
  uint64_t losses_ = 0;
  uint64_t loss_events_ = 0;
  uint64_t spurious_ = 0;
  uint64_t downs_ = 0;
  uint64_t undos_ = 0;
};

}  // namespace ptrscan
