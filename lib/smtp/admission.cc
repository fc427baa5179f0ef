#include "smtp/admission.h"

#include <algorithm>
#include <cmath>

namespace ptrscan {
namespace {

constexpr int64_t ms = 1'000'000;
// The kernel resends an unanswered SYN after 1 s (TCP_TIMEOUT_INIT): a
// connect that took longer may be the answer to either SYN (Karn's rule).
constexpr int64_t syn_retransmit_ns = 1000 * ms;
// Shortest round of slow start: a loopback round trip is microseconds, far
// shorter than the time the queue it builds takes to show.
constexpr int64_t slow_start_round_ns = 5 * ms;
// Queueing delay that counts (target_ns()): base / 4 within these bounds,
// or four times the round minimums' mean deviation (as RFC 6298's RTO). The floor is above a loaded
// machine's scheduling jitter.
constexpr int64_t min_eta_ns = 1 * ms;
constexpr int64_t max_eta_ns = 16 * ms;
constexpr double eta_deviations = 4.0;
constexpr uint32_t min_round_samples = 32;
// Swift's multiplicative decrease: by beta times the excess delay's share,
// at most by this factor per round.
constexpr double delay_beta = 0.8;
constexpr double max_delay_decrease = 0.5;
// Loss cohorts, and what makes one congested (see the header).
constexpr int64_t min_cohort_ns = 100 * ms;
constexpr uint64_t min_cohort_outcomes = 32;
constexpr double min_share_rise = 0.05;
constexpr double share_z = 3.0;
constexpr double loss_beta = 0.7;
// Gains of the baseline share's average over ordinary cohorts: it follows
// a fall quickly and a rise slowly, so a share that creeps up with a window
// growing into a bottleneck is not taken for the targets' (a step up that
// is the targets' is found by the cut it causes, and adopted then).
constexpr double base_share_gain_down = 1.0 / 8;
constexpr double base_share_gain_up = 1.0 / 128;
constexpr int64_t granularity_ns = 1 * ms;

}  // namespace

void smtp_admission::reset(const admission_options& o, int64_t now_ns) {
  *this = smtp_admission();
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
  rto_ns_ = o_.max_rto_ns;  // RFC 6298 §2.1: 1 s before the first sample
  cohort_start_ns_ = now_ns;
}

uint32_t smtp_admission::window() const {
  const auto w = static_cast<uint32_t>(window_);
  return std::clamp(w, o_.min_window, o_.max_window);
}

uint64_t smtp_admission::on_start(uint64_t cookie) {
  ++pipe_;
  ++connecting_;
  connects_.push_back(connect_entry{-1, cookie, entry_state::outstanding});
  if (cut_pending_ && cut_seq_ == UINT64_MAX) {
    // The first start the cut let through: the pipe has drained to the new
    // window, and the cohorts from here on show what the cut did.
    cut_seq_ = next_seq_;
  }
  if (cohorts_.empty() || cohorts_.back().end_seq != UINT64_MAX) {
    cohorts_.push_back(cohort{next_seq_, UINT64_MAX, 0, 0, 0});
  }
  if (pipe_ >= window()) {
    filled_seq_ = next_seq_;
  }
  return next_seq_++;
}

void smtp_admission::on_submit(int64_t now_ns) {
  // Only the connects started since the last submission, at the back.
  for (; unsent_seq_ < next_seq_; ++unsent_seq_) {
    if (unsent_seq_ >= base_seq_) {
      connects_[unsent_seq_ - base_seq_].sent_ns = now_ns;
    }
  }
}

void smtp_admission::pop_front() {
  connects_.pop_front();
  ++base_seq_;
}

void smtp_admission::presume_front_lost() {
  if (pipe_ > 0) {
    --pipe_;
  }
  if (connecting_ > 0) {
    --connecting_;
  }
  ++presumed_lost_;
  count_outcome(base_seq_, true);
  pop_front();
}

smtp_admission::cohort* smtp_admission::cohort_of(uint64_t seq) {
  // A dozen cohorts at most (a second's worth): search from the back,
  // where most outcomes land.
  for (auto it = cohorts_.rbegin(); it != cohorts_.rend(); ++it) {
    if (seq >= it->first_seq) {
      return seq < it->end_seq ? &*it : nullptr;
    }
  }
  return nullptr;
}

void smtp_admission::count_outcome(uint64_t seq, bool lost) {
  if (cohort* c = cohort_of(seq)) {
    (lost ? c->losses : c->answers) += 1;
  }
}

void smtp_admission::close_cohort(int64_t now_ns) {
  if (now_ns - cohort_start_ns_ < std::max(min_cohort_ns, 2 * rtt_.srtt_ns())) {
    return;
  }
  cohort_start_ns_ = now_ns;
  if (!cohorts_.empty() && cohorts_.back().end_seq == UINT64_MAX) {
    cohorts_.back().end_seq = next_seq_;
    cohorts_.back().closed_ns = now_ns;
  }
}

void smtp_admission::judge_cohorts(int64_t now_ns) {
  // Every connect of a cohort has an outcome once the queue of connects has
  // moved past it (entries leave the front only answered or presumed lost);
  // a connect presumed lost may still answer until the kernel's first SYN
  // retransmission, which is when TCP itself calls it lost, so the cohort
  // waits that long (with an RTO below a target's round trip, the share
  // would follow the RTO, not the targets).
  while (!cohorts_.empty() && cohorts_.front().end_seq != UINT64_MAX &&
         base_seq_ >= cohorts_.front().end_seq &&
         now_ns - cohorts_.front().closed_ns >= o_.max_rto_ns) {
    const cohort c = cohorts_.front();
    cohorts_.pop_front();
    if (carry_first_seq_ == UINT64_MAX) {
      carry_first_seq_ = c.first_seq;
    }
    carry_answers_ += c.answers;
    carry_losses_ += c.losses;
    if (carry_answers_ + carry_losses_ >= min_cohort_outcomes) {
      judge(now_ns, carry_first_seq_, carry_answers_, carry_losses_);
      carry_first_seq_ = UINT64_MAX;
      carry_answers_ = 0;
      carry_losses_ = 0;
    }
  }
}

void smtp_admission::judge(int64_t now_ns, uint64_t first_seq, uint64_t answers,
                           uint64_t losses) {
  (void)now_ns;
  const double n = double(answers + losses);
  const double share = double(losses) / n;
  if (!have_base_share_) {
    have_base_share_ = true;
    base_share_ = share;
    return;
  }
  // Large and significant: past base + max(5%, base / 2), and 3 standard
  // deviations of what the baseline share gives on n outcomes.
  const double p = std::clamp(base_share_, 0.01, 0.99);
  const double z = (double(losses) - n * p) / std::sqrt(n * p * (1 - p));
  const bool congested =
      share > base_share_ + std::max(min_share_rise, base_share_ / 2) && z > share_z;
  const bool after_cut = cut_pending_ && first_seq >= cut_seq_;
  if (!congested) {
    base_share_ += (share - base_share_) *
                   (share < base_share_ ? base_share_gain_down : base_share_gain_up);
    if (after_cut) {
      cut_pending_ = false;  // the cut brought the share down: it was ours
    }
    return;
  }
  if (cut_pending_) {
    if (!after_cut) {
      // Started before the cut took effect: says nothing of it, but is the
      // latest share to compare with.
      cut_share_ = share;
      return;
    }
    cut_pending_ = false;
    // Did the share come down by more than its noise?
    const double sd = std::sqrt(cut_share_ * (1 - cut_share_) / n);
    if (share > cut_share_ - std::max(0.02, 3 * sd)) {
      // The cut changed nothing: the targets, not our load, drop these.
      // Undo it and take the share as the new baseline.
      if (!decreased_since_cut_) {
        window_ = std::max(window_, undo_window_);
        ssthresh_ = std::max(ssthresh_, undo_ssthresh_);
      }
      base_share_ = share;
      ++undone_;
      return;
    }
    // Down, but not back to the baseline: ours, and still too much.
  }
  undo_window_ = window_;
  undo_ssthresh_ = ssthresh_;
  decreased_since_cut_ = false;
  window_ = std::max(window_ * loss_beta, double(o_.min_window));
  ssthresh_ = window_;
  cut_share_ = share;
  cut_pending_ = true;
  cut_seq_ = UINT64_MAX;  // set by the first start after the cut
  ++loss_events_;
}

void smtp_admission::sample_rtt(int64_t rtt_ns) {
  rtt_ns = std::max<int64_t>(rtt_ns, 0);
  rtt_.sample(rtt_ns);
  rto_ns_ = std::clamp(rtt_.rto_ns(granularity_ns), o_.min_rto_ns, o_.max_rto_ns);
  round_min_rtt_ns_ = std::min(round_min_rtt_ns_, rtt_ns);
  ++round_samples_;
}

int64_t smtp_admission::target_ns() const {
  const auto noise = static_cast<int64_t>(eta_deviations * round_dev_ns_);
  return base_rtt_ns_ + std::max(std::clamp(base_rtt_ns_ / 4, min_eta_ns, max_eta_ns), noise);
}

void smtp_admission::end_round() {
  round_end_seq_ = next_seq_;
  if (round_samples_ < min_round_samples) {
    return;  // the round goes on until it has enough samples
  }
  const int64_t rm = round_min_rtt_ns_;
  round_min_rtt_ns_ = INT64_MAX;
  round_samples_ = 0;
  last_round_rtt_ns_ = rm;
  if (base_rtt_ns_ == INT64_MAX) {
    // As RFC 6298 starts RTTVAR at R / 2: the noise is assumed large until
    // rounds show otherwise.
    base_rtt_ns_ = rm;
    round_center_ns_ = double(rm);
    round_dev_ns_ = double(rm) / 2;
    return;
  }
  base_rtt_ns_ = std::min(base_rtt_ns_, rm);
  const bool was_delayed = delayed_;
  delayed_ = rm > target_ns();
  if (delayed_) {
    // A queue on our side: slow start is over; when the last round showed
    // it too, the window gives back the excess (the round after a decrease
    // shows what it did).
    ssthresh_ = std::min(ssthresh_, window_);
    if (was_delayed) {
      const double d = double(rm);
      const double excess = (d - double(target_ns())) / d;
      window_ *= std::max(1 - delay_beta * excess, max_delay_decrease);
      window_ = std::max(window_, double(o_.min_window));
      ssthresh_ = std::min(ssthresh_, window_);
      ++delay_decreases_;
      decreased_since_cut_ = true;
      delayed_ = false;  // the next decrease needs two more rounds
    }
  }
  round_dev_ns_ += (std::abs(double(rm) - round_center_ns_) - round_dev_ns_) / 16;
  round_center_ns_ += (double(rm) - round_center_ns_) / 8;
}

void smtp_admission::grow(int64_t now_ns, uint64_t seq) {
  // Grow only a window that limited starts while this connect was out
  // (RFC 7661), and not into a queue.
  if (filled_seq_ == UINT64_MAX || filled_seq_ + window() < seq || delayed_) {
    return;
  }
  if (window_ < ssthresh_) {
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

bool smtp_admission::on_answer(int64_t now_ns, uint64_t seq, bool established) {
  if (seq < base_seq_ || seq >= next_seq_ ||
      connects_[seq - base_seq_].state != entry_state::outstanding) {
    // Presumed lost before: the answer proves the path works but says
    // nothing of its latency, which was past the RTO. Its cohort, if not
    // yet judged, counts it answered.
    ++late_;
    if (cohort* c = cohort_of(seq); c != nullptr && c->losses > 0) {
      --c->losses;
      ++c->answers;
    }
    if (established && o_.count_established) {
      ++pipe_;  // it holds a server now
    }
    return true;
  }
  connect_entry& e = connects_[seq - base_seq_];
  e.state = entry_state::done;
  if (connecting_ > 0) {
    --connecting_;
  }
  if ((!established || !o_.count_established) && pipe_ > 0) {
    --pipe_;
  }
  ++answers_;
  count_outcome(seq, false);
  if (e.sent_ns >= 0 && now_ns - e.sent_ns < syn_retransmit_ns) {
    sample_rtt(now_ns - e.sent_ns);
  }
  if (seq >= round_end_seq_) {
    end_round();
  }
  grow(now_ns, seq);
  while (!connects_.empty() && connects_.front().state == entry_state::done) {
    pop_front();
  }
  return false;
}

void smtp_admission::on_no_answer(int64_t now_ns, uint64_t seq) {
  (void)now_ns;
  if (seq < base_seq_ || seq >= next_seq_ ||
      connects_[seq - base_seq_].state != entry_state::outstanding) {
    return;  // presumed lost already, and counted then
  }
  connects_[seq - base_seq_].state = entry_state::done;
  if (connecting_ > 0) {
    --connecting_;
  }
  if (pipe_ > 0) {
    --pipe_;
  }
  ++failed_;
  count_outcome(seq, true);
  while (!connects_.empty() && connects_.front().state == entry_state::done) {
    pop_front();
  }
}

void smtp_admission::on_session_end() {
  if (o_.count_established && pipe_ > 0) {
    --pipe_;
  }
}

}  // namespace ptrscan
