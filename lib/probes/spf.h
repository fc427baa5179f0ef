#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "checks/spf.h"
#include "probes/table.h"

namespace ptrscan {

/// One check_host() for one identity of a sender (RFC 7208 §2.3 HELO,
/// §2.4 MAIL FROM) driven through a probe's asks: the question index of
/// the current step is the ask's tag (a step ends only when every answer
/// of it is in, so an answer never belongs to an earlier step). Written as
/// the listener's client_identity writes its check_host results
/// ({identity, domain, result, reason, mechanism, explanation, lookups}).
class spf_check {
 public:
  /// Starts check_host(`ip`, `domain`, `local`@`domain`) as `identity`
  /// ("mailfrom" or "helo"); `helo` feeds %{h} (empty: the domain), `local`
  /// the %{l} of the sender (the listener's MAIL FROM local part).
  void start(std::string_view identity, std::string_view domain, const ip_address& ip,
             std::string_view helo, std::string_view local = "postmaster");
  /// The identity is not evaluated, for `reason`: its result is `result`,
  /// "none" where RFC 7208 gives none without a lookup (no domain, not a
  /// multi-label name), "unchecked" where a cap skipped it (no verdict).
  void skip(std::string_view identity, std::string_view domain, std::string_view reason,
            std::string_view result = "none");
  void reset();
  /// start() or skip() was called.
  bool active() const { return active_; }
  /// The identity's domain (as given to start() or skip()).
  const std::string& domain() const { return domain_; }
  /// The evaluation, or null (skipped, not active).
  const spf_evaluation* evaluation() const { return e_.get(); }
  /// The questions to ask now: after start(), and after an on_answer()
  /// that returned true. Empty when done.
  std::span<const spf_query> pending() const;
  /// The answer to pending()[i] of the current step; true when the step
  /// moved on and pending() holds new questions.
  bool on_answer(size_t i, const dns_reply& reply);
  /// The object (opened and closed here): {identity, domain, result,
  /// reason, mechanism, explanation, decided_by (the domain whose record
  /// held the deciding term or caused the error), lookups}. An evaluation
  /// not done is written with result `unfinished` (the listener writes a
  /// record while lookups run on a second signal, and says "timeout").
  void write_json(json_writer& w, std::string_view unfinished = "temperror") const;

 private:
  bool active_ = false;
  std::string identity_;
  std::string domain_;
  std::string skip_reason_;
  std::string skip_result_;
  std::unique_ptr<spf_evaluation> e_;
};

/// The SPF verdict (RFC 7208 check_host) for each address a domain target's
/// mail exchangers resolve to, as a sender for that domain with its MX host
/// as the HELO name: "may my own mail servers send for my domain?". Runs
/// only on a name job's children.
class spf_worker final : public probe_worker {
 public:
  spf_worker(probe_services& s, uint8_t id, size_t code_counter);

  absl::Status init() override;
  void start_host(uint32_t slot) override;
  void on_answer(job_kind kind, uint32_t slot, uint32_t tag, std::string_view qname,
                 const dns_reply& reply) override;
  void write_host(uint32_t slot, json_writer& w) override;

  /// The finished evaluation of host `slot`, or null (read by the domain
  /// probe when the host ends).
  const spf_evaluation* evaluation(uint32_t slot) const;

 private:
  void ask_step(uint32_t slot);

  probe_services& s_;
  const uint8_t id_;
  const size_t code_counter_;
  class domain_worker* domains_ = nullptr;
  /// Made for the first MX address a slot holds, then kept (a scan of
  /// addresses pays one pointer per slot).
  std::vector<std::unique_ptr<spf_check>> hosts_;
};

/// Writes the members of the `spf` object (the caller opens it):
/// "result", then "reason", "mechanism", "domain" and "explanation" when
/// not empty.
void write_spf_json(json_writer& w, const spf_result& r);

std::shared_ptr<probe> make_spf_probe(const probe_options& o);

}  // namespace ptrscan
