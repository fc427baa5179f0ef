#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checks/spf_macro.h"
#include "checks/spf_record.h"
#include "net/ip_address.h"
#include "dns/dns_status.h"
#include "dns/reply.h"

namespace ptrscan {

/// The results of check_host() (RFC 7208 §2.6).
enum class spf_code : uint8_t { none, neutral, pass, fail, softfail, temperror, permerror };
inline constexpr int spf_code_count = 7;
std::string_view to_string(spf_code c);

struct spf_result {
  spf_code code = spf_code::none;
  /// Why, in a few words: "too many DNS lookups", "multiple SPF records",
  /// "syntax error at 'ip4:1.2.3': invalid ip4 address", "matched".
  std::string reason;
  /// The term that decided, as written ("ip4:192.0.2.0/24",
  /// "include:_spf.example.net", "-all"); empty when none did.
  std::string mechanism;
  /// The domain whose record holds that term or caused the error.
  std::string domain;
  /// For fail only: the explanation the domain publishes through exp=
  /// (RFC 7208 §6.2), macros expanded; empty when it has none or it could
  /// not be used.
  std::string explanation;
};

/// One DNS question the evaluation needs answered.
struct spf_query {
  std::string name;   // presentation form (RFC 1035 §5.1 escapes), no trailing dot
  uint16_t type = 0;  // dns_type_txt, dns_type_a, dns_type_aaaa, dns_type_mx or dns_type_ptr
};

/// Limits of §4.6.4. The defaults are the RFC's.
struct spf_limits {
  int max_lookups = 10;      // include, a, mx, ptr, exists, redirect
  int max_void_lookups = 2;  // terms whose lookup found nothing
  size_t max_mx_names = 10;  // MX records one mx mechanism may look at
  size_t max_ptr_names = 10;  // PTR names validated (§4.6.4: the rest ignored)
};

/// check_host(<ip>, <domain>, <sender>) of RFC 7208 §4 as a resumable state
/// machine, so a shard can drive it from its own loop: no threads, no
/// callbacks, no DNS of its own. The owner asks pending() for the questions
/// of the current step, sends them on its channel, and feeds every answer
/// back with on_answer(); when the last answer of a step arrives the
/// evaluation runs on until it needs DNS again or is done.
///
///   spf_evaluation e("example.org", ip);
///   while (!e.done()) {
///     for (size_t i = 0; i < e.pending().size(); ++i) { send(e.pending()[i]); }
///     ... e.on_answer(i, status, records) for each answer, in any order ...
///   }
///   e.result();
///
/// Answers are expected with CNAMEs already followed (dns_reply's
/// dangling_cname re-asked by the owner); a timeout is on_answer with
/// dns_status::timeout and empty records. Address lookups ask for A when
/// the IP is IPv4 and AAAA when it is IPv6 (§5).
///
/// The ptr mechanism and the %{p} macro share one validation of the IP's
/// reverse names (§5.5): a PTR question for the IP's in-addr.arpa / ip6.arpa
/// name, then the addresses of at most max_ptr_names of its names, in answer
/// order; a name whose addresses include the IP is validated. It is done
/// once per evaluation, when first needed, and its lookups are not terms (only
/// the ptr mechanism counts against the lookup limit, and as a void lookup
/// when the PTR question found nothing).
///
/// When the result is fail, the exp= of the record that decided is looked up
/// and expanded (§6.2) into spf_result::explanation; a problem with it only
/// leaves the explanation empty.
class spf_evaluation {
 public:
  /// `domain` is the sender's domain; the sender is `sender_local`@`domain`
  /// (§4.3: "postmaster" stands in when there is no local-part). `helo`
  /// feeds %{h}; empty means `domain`. An IPv4-mapped IPv6 `ip` is
  /// evaluated as IPv4 (§5: mapped clients must be handled as IPv4).
  spf_evaluation(std::string_view domain, const ip_address& ip,
                 std::string_view sender_local = "postmaster", std::string_view helo = "",
                 const spf_limits& limits = {});

  spf_evaluation(const spf_evaluation&) = delete;
  spf_evaluation& operator=(const spf_evaluation&) = delete;

  /// The questions of the current step (several in parallel for the hosts
  /// of an mx mechanism); empty when done. Indices stay valid until the
  /// step's last answer arrives; step() then changes and the span (and the
  /// names in it) may be gone, so copy what the transport keeps.
  std::span<const spf_query> pending() const;
  /// Counts the steps: a changed value means pending() is a new batch.
  uint32_t step() const { return step_; }
  /// Whether pending()[i] has been answered in this step.
  bool answered(size_t i) const;

  /// The answer to pending()[i]. `records` is read only when `status` is
  /// ok. Answers to an index out of range or already answered are ignored.
  void on_answer(size_t i, dns_status status, const dns_reply& records);

  bool done() const { return done_; }
  const spf_result& result() const { return result_; }

  /// DNS-querying terms and void lookups so far (§4.6.4), for reports.
  /// Past a limit the count is one over it: the term that broke it.
  int lookups() const { return lookups_; }
  int void_lookups() const { return void_lookups_; }
  /// The include target that had no SPF record (§5.2: permerror), or empty.
  const std::string& include_without_spf() const { return include_without_spf_; }

 private:
  /// How a record came to be evaluated, which decides what its result
  /// means to the record above it.
  enum class role : uint8_t { root, include };
  /// What the current step is waiting for.
  enum class wait : uint8_t { txt, a, mx_names, mx_hosts, exists, ptr_names, ptr_hosts, exp_txt };
  /// Where the reverse-name validation stands, and what it was started for.
  enum class ptr_state : uint8_t { unknown, asking, known };
  enum class after_ptr : uint8_t { run, exp_query, exp_text };

  struct frame {
    std::string domain;  // <domain> of this check_host() (%{d})
    spf_record record;
    size_t next = 0;  // next directive to evaluate
    role why = role::root;
    bool redirected = false;  // reached through redirect= (§6.1: none -> permerror)
  };
  struct answer_slot {
    bool answered = false;
    dns_status status = dns_status::error;
    bool matched = false;  // an address in the CIDR range (a, mx hosts) or any (exists)
    bool empty = true;     // no records: a void lookup if it decides the term
  };

  void load_record();
  void ask(std::string name, uint16_t type, wait what);
  void ask_hosts(const std::vector<mx_record>& hosts);
  void handle_txt(dns_status status, const dns_reply& records);
  void handle_mx_names(const dns_reply& records);
  void finish_step();

  void start_ptr_validation(after_ptr then);
  void handle_ptr_names(dns_status status, const dns_reply& records);
  void ptr_validated();
  bool needs_validation(const spf_directive& d) const;
  bool ptr_matches(std::string_view target) const;
  std::string_view validated_name() const;

  void start_explanation();
  void explanation_query();
  void handle_explanation(dns_status status, const dns_reply& records);
  void complete_explanation();
  void end();

  void run();
  void evaluate(const spf_directive& d);
  void start_lookup_term(const spf_directive& d);
  void follow_redirect();
  void mechanism_matched(std::string detail);
  void complete_frame(spf_code code, std::string mechanism, std::string reason);
  void finish(spf_code code, std::string reason, std::string mechanism = {});
  bool count_lookup();
  bool count_void_lookup();

  std::string lookup_failure(dns_status status, size_t i) const;
  std::string target_name(spf_text_ref spec) const;
  spf_macro_context macro_context() const;
  uint16_t address_type() const;
  bool address_matches(const dns_reply& records, const spf_directive& d) const;

  frame& top() { return stack_.back(); }
  const frame& top() const { return stack_.back(); }
  const spf_directive& current_directive() const;

  std::string sender_domain_;
  std::string local_;
  std::string helo_;
  ip_address ip_;
  spf_limits limits_;

  std::vector<frame> stack_;  // at most max_lookups + 1 deep: each include counts
  std::vector<spf_query> queries_;
  std::vector<answer_slot> slots_;
  size_t unanswered_ = 0;
  wait waiting_ = wait::txt;
  uint32_t step_ = 0;

  int lookups_ = 0;
  int void_lookups_ = 0;
  std::string include_without_spf_;

  ptr_state ptr_ = ptr_state::unknown;
  after_ptr after_ptr_ = after_ptr::run;
  bool ptr_void_ = false;               // the PTR question found no names
  std::vector<std::string> ptr_names_;  // asked for addresses, presentation form
  std::vector<std::string> validated_;  // lower-case, escapes undone, PTR order

  bool explaining_ = false;  // the result is fail; its exp= is being looked up
  std::string exp_text_;

  bool done_ = false;
  spf_result result_;
};

}  // namespace ptrscan
