#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "core/rtt_estimator.h"

namespace ptrscan {

/// Settings of one shard's SMTP admission. The user's limits are ceilings;
/// the controller finds the operating point below them.
struct admission_options {
  /// Largest window: this shard's --max-sessions (which also bounds every
  /// open session, whatever the window says: each holds a descriptor).
  uint32_t max_window = 1000;
  /// Slow start begins here.
  uint32_t initial_window = 32;
  /// The window never shrinks below this.
  uint32_t min_window = 8;
  /// Bounds of the time after which an unanswered connect is presumed lost
  /// (leaves the window). The ceiling is the kernel's first SYN
  /// retransmission (1 s): past it TCP itself calls the SYN lost.
  int64_t min_rto_ns = 100'000'000;
  int64_t max_rto_ns = 1'000'000'000;
  /// Whether established sessions stay in the window until they end (else
  /// the window bounds connects only, and --max-sessions the rest).
  bool count_established = false;
};

/// How many SMTP sessions one shard runs at once: a congestion window over
/// sessions, as TCP keeps one over segments, learnt from connects (every
/// method takes the time, so tests drive it with a clock of their own).
///
/// What is counted. The window bounds the connects "in the pipe": every
/// connect from its submission to its answer, except one unanswered for
/// longer than the retransmit timeout (RTO, RFC 6298 from connect round
/// trips: SRTT + 4 RTTVAR within 100 ms..1 s). Such a connect is presumed
/// lost and leaves the pipe, as RFC 6675's `pipe` drops a segment deemed
/// lost; its socket stays open until --connect-timeout, so the record still
/// means the host had that long, and --max-sessions (the open-files
/// ceiling) still counts it. Without this, a scan of the internet fills any
/// window with silent hosts: at 9% silent and a 5 s connect timeout, 50k
/// hosts/s hold 22,500 connects that will never answer. Established
/// sessions (banner, EHLO, TLS) leave the window too: they cost descriptors
/// and memory, which --max-sessions bounds, and CPU, which shows as connect
/// latency (below); but a server that stalls or tarpits for seconds costs
/// the path nothing, and counting it would let a few such servers starve the
/// scan (`count_established` keeps them in, for experiments).
///
/// Signals, and what they say:
///
/// - Answers grow the window. A connect that completes, or is refused, reset
///   or unreachable, is the path delivering an answer (TCP's ACK): slow
///   start doubles the window per round trip (at least 5 ms: loopback round
///   trips are far shorter than the queue they build), then one session per
///   window of answers; only while the window limited starts (RFC 7661).
///
/// - Connect latency says whether the scanner's side is congested (Swift,
///   SIGCOMM 2020, uses the same signal in data centres; HyStart++, RFC 9406,
///   the same filter). Targets' round trips differ by orders of magnitude,
///   but queueing on the scanner's side (its CPU, the kernel's softirq and
///   conntrack work, an uplink queue, loopback servers on the same cores)
///   delays every connect alike. So each round's smallest connect time (a
///   window of starts answered, with >= 32 samples: the nearest targets
///   that answered) is compared with the smallest round minimum seen:
///   above base + eta the window stops growing and ends slow start, and
///   when two rounds in a row are above it, shrinks by the excess,
///   W *= 1 - 0.8 (d - target) / d, at most by half (Swift's decrease).
///   eta is base / 4 within 1..16 ms, or four times the round minimums'
///   mean deviation when that is more (RFC 6298's RTO, starting from half
///   the first): on the internet a round's minimum depends on which
///   targets it happened to hold, and that noise must not read as a queue.
///   On loopback this is what finds the knee where more sessions only make
///   each slower (at 2,000 sessions the median connect took ~200 ms and the
///   CPU per session doubled). Samples run from the ring submission to the
///   wait that returned the completion, not to when the loop got to it, so
///   the shard's own busy time (DNS parsing, TLS) does not read as a queue.
///   Connects that took longer than 1 s are no samples: the kernel resent
///   the SYN (Karn's rule).
///
/// - Losses: the share of connects presumed lost, not their number. A silent
///   host is a property of the target, and with a permuted scan order the
///   share of silent targets is stationary. Connects are grouped in cohorts
///   by start time (100 ms or two SRTTs each) and a cohort is judged once
///   every connect in it has an outcome and 1 s has passed (a connect
///   answered after being presumed lost counts as answered: the loss that
///   counts is TCP's own, no answer before the SYN is resent): counting
///   outcomes by the time they are known would mix answers after one RTT
///   with losses after one RTO, and read every change of rate (slow start,
///   a cut) as a change of share. A cohort's share is
///   compared with a baseline (an average over the cohorts that were not
///   congested, quick to follow a fall and slow to follow a rise, so that a
///   share creeping up with a window growing into a bottleneck is not taken
///   for the targets'); only a rise both large (past base + max(5%, base / 2)) and
///   significant (3 standard deviations of a binomial at the baseline) is a
///   loss event: the window is cut to 0.7 (CUBIC's beta). The first cohort
///   started after the cut says whose the losses were: if its share is
///   down, they were ours (still above the baseline: cut again); if it is
///   not (a firewalled block in unpermuted input, a region that drops), the
///   cut is undone and the baseline takes the new share, like an Eifel undo
///   decided by experiment. A connect that failed locally (no source port
///   free, ENOBUFS) counts as a loss too: it is the scanner's congestion.
class smtp_admission {
 public:
  smtp_admission() = default;
  explicit smtp_admission(const admission_options& o, int64_t now_ns = 0) { reset(o, now_ns); }
  void reset(const admission_options& o, int64_t now_ns);

  /// May one more session start?
  bool can_start() const { return pipe_ < window(); }

  /// A session's connect goes out. Returns its sequence number, which the
  /// caller hands back with the connect's outcome; `cookie` is what
  /// expire() hands back when the connect is presumed lost.
  uint64_t on_start(uint64_t cookie);
  /// The ring submitted what was queued: connects started since the last
  /// call are on the wire from `now_ns` (the start of their samples).
  void on_submit(int64_t now_ns);
  /// The connect of `seq` was answered: `established`, or refused, reset,
  /// unreachable (the session ends; no on_session_end). Returns true when it
  /// had been presumed lost: a late answer (the session, when established,
  /// is back in the pipe).
  bool on_answer(int64_t now_ns, uint64_t seq, bool established);
  /// The connect of `seq` failed without an answer: --connect-timeout, or a
  /// local failure. Counts as a loss unless it had been presumed lost.
  void on_no_answer(int64_t now_ns, uint64_t seq);
  /// An established session ended (after on_answer(..., true)).
  void on_session_end();
  /// Presumes lost every connect older than the RTO: each leaves the pipe
  /// and `presumed_lost(cookie)` is called for it. Also judges the loss
  /// cohorts whose connects all have an outcome. Call once per loop turn.
  template <class F>
  void expire(int64_t now_ns, F&& presumed_lost) {
    close_cohort(now_ns);
    while (!connects_.empty()) {
      connect_entry& e = connects_.front();
      if (e.state == entry_state::outstanding) {
        if (e.sent_ns < 0 || now_ns - e.sent_ns <= rto_ns_) {
          break;  // not yet submitted, or still in time; later ones are younger
        }
        const uint64_t cookie = e.cookie;
        presume_front_lost();
        presumed_lost(cookie);
        continue;
      }
      pop_front();
    }
    judge_cohorts(now_ns);
  }

  /// Current window (between min_window and max_window).
  uint32_t window() const;
  /// Connects in the pipe (and established sessions with
  /// count_established), less connects presumed lost.
  uint32_t in_pipe() const { return pipe_; }
  /// Connects outstanding and not presumed lost.
  uint32_t connecting() const { return connecting_; }
  bool slow_start() const { return window_ < ssthresh_; }
  int64_t rto_ns() const { return rto_ns_; }
  int64_t srtt_ns() const { return rtt_.srtt_ns(); }
  /// Smallest round minimum seen (INT64_MAX before the first round).
  int64_t base_rtt_ns() const { return base_rtt_ns_; }
  /// The last round's smallest connect time (INT64_MAX before a round).
  int64_t round_rtt_ns() const { return last_round_rtt_ns_; }
  /// Share of connects presumed lost in an ordinary cohort (the targets'
  /// share of silent hosts); negative before the first cohort.
  double base_loss_share() const { return have_base_share_ ? base_share_ : -1; }

  // Counters over the controller's life.
  uint64_t answers() const { return answers_; }
  /// Connects presumed lost (RTO) or failed without an answer.
  uint64_t losses() const { return presumed_lost_ + failed_; }
  uint64_t presumed_lost() const { return presumed_lost_; }
  /// Presumed lost, then answered.
  uint64_t late_answers() const { return late_; }
  uint64_t loss_events() const { return loss_events_; }
  /// Loss events found to be the targets' (undone).
  uint64_t undone() const { return undone_; }
  uint64_t delay_decreases() const { return delay_decreases_; }

 private:
  enum class entry_state : uint8_t { outstanding, done };
  struct connect_entry {
    int64_t sent_ns = -1;  // -1: not yet submitted
    uint64_t cookie = 0;
    entry_state state = entry_state::outstanding;
  };

  void pop_front();
  void presume_front_lost();
  void sample_rtt(int64_t rtt_ns);
  void end_round();
  void grow(int64_t now_ns, uint64_t seq);
  struct cohort;
  /// The cohort not yet judged that connect `seq` belongs to, or null.
  cohort* cohort_of(uint64_t seq);
  /// Outcome of connect `seq` for the loss share of its cohort.
  void count_outcome(uint64_t seq, bool lost);
  /// Closes the cohort taking starts when it is old enough.
  void close_cohort(int64_t now_ns);
  /// Judges every closed cohort whose connects all have an outcome.
  void judge_cohorts(int64_t now_ns);
  void judge(int64_t now_ns, uint64_t first_seq, uint64_t answers, uint64_t losses);
  int64_t target_ns() const;

  admission_options o_;
  double window_ = 0;
  double ssthresh_ = 0;
  uint32_t pipe_ = 0;
  uint32_t connecting_ = 0;

  // Connects in start order; connects_.front() has sequence number base_seq_.
  std::deque<connect_entry> connects_;
  uint64_t base_seq_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t unsent_seq_ = 0;  // first connect not yet submitted
  uint64_t filled_seq_ = UINT64_MAX;  // the last start that filled the window

  // Slow start's rounds.
  int64_t ss_round_start_ns_ = 0;
  double ss_round_window_ = 0;

  // Delay rounds: a window of starts answered, with enough samples.
  uint64_t round_end_seq_ = 0;
  int64_t round_min_rtt_ns_ = INT64_MAX;
  uint32_t round_samples_ = 0;
  int64_t last_round_rtt_ns_ = INT64_MAX;
  int64_t base_rtt_ns_ = INT64_MAX;
  double round_center_ns_ = 0;  // average of round minimums
  double round_dev_ns_ = 0;     // their mean deviation from it
  bool delayed_ = false;        // the last round was above the target

  // RFC 6298 state.
  rtt_estimator rtt_;
  int64_t rto_ns_ = 0;

  // Loss cohorts: connects grouped by start time; the back one takes starts
  // until it is closed (end_seq set).
  struct cohort {
    uint64_t first_seq = 0;
    uint64_t end_seq = UINT64_MAX;
    int64_t closed_ns = 0;
    uint64_t answers = 0;
    uint64_t losses = 0;
  };
  std::deque<cohort> cohorts_;
  int64_t cohort_start_ns_ = 0;
  // Cohorts too small to judge alone are judged together.
  uint64_t carry_first_seq_ = UINT64_MAX;
  uint64_t carry_answers_ = 0;
  uint64_t carry_losses_ = 0;
  bool have_base_share_ = false;
  double base_share_ = 0;
  // A cut awaiting its verdict from the first cohort started after it.
  bool cut_pending_ = false;
  uint64_t cut_seq_ = 0;
  double cut_share_ = 0;
  double undo_window_ = 0;
  double undo_ssthresh_ = 0;
  bool decreased_since_cut_ = false;

  uint64_t answers_ = 0;
  uint64_t presumed_lost_ = 0;
  uint64_t failed_ = 0;
  uint64_t late_ = 0;
  uint64_t loss_events_ = 0;
  uint64_t undone_ = 0;
  uint64_t delay_decreases_ = 0;
};

}  // namespace ptrscan
