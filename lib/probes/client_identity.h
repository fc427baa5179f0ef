#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checks/fcrdns.h"
#include "checks/helo_rules.h"
#include "checks/helo_verdict.h"
#include "checks/policy.h"
#include "checks/rdns_class.h"
#include "checks/spf.h"
#include "dns/dns_status.h"
#include "dns/reply.h"
#include "net/ip_address.h"
#include "output/json_writer.h"
#include "probes/spf.h"

namespace ptrscan {

/// A record member the checks write, for `ptrscan listen --list-fields`.
struct identity_field {
  std::string_view name;  // dotted path: "helo.resolves", "fcrdns.forward[].name"
  std::string_view type;  // "string", "bool", "number", "object", "array", "status"
  std::string_view help;
};

/// Every member client_identity::write_json writes.
std::span<const identity_field> client_identity_fields();

/// The `policy` section: one array per rule set of evaluate_policy()'s
/// verdicts, {rule, result, evidence, fix}; a set without verdicts is left
/// out. Also for the scanner's records (the evidence from a host's parts).
void write_policy_json(json_writer& w, std::span<const policy_verdict> verdicts);

/// The members write_policy_json writes, for --list-fields.
std::span<const identity_field> policy_fields();

/// One DNS question the identity checks need sent; `tag` comes back with
/// the answer.
struct identity_question {
  std::string name;
  uint16_t type = 0;
  uint32_t tag = 0;
};

struct identity_limits {
  /// PTR names whose A/AAAA are looked up (the first ones, canonical order).
  size_t max_forward_names = 10;
  /// DNS questions per session, CNAME re-asks included; past it a question
  /// is not sent and ends as error "cap" (`truncated` "dns").
  size_t max_questions = 400;
  /// MAIL FROM domains evaluated per session (a client may RSET and send
  /// another); later ones are not (`truncated` "mail_from_checks").
  size_t max_sender_checks = 4;
};

/// The checks a mail receiver runs on a connecting client, run by the
/// listener (`ptrscan listen`) for each session: PTR, FCrDNS and the naming
/// class of the client's address, the HELO rules, and check_host() for the
/// MAIL FROM identity and for the HELO identity (RFC 7208 §2.3, §2.4). Pure:
/// no loop, no sockets. The owner sends take_questions() on its DNS channel
/// and gives every answer to on_answer(); the checks start as the dialogue
/// gives them their inputs (start(), set_helo(), set_mail_from()).
class client_identity {
 public:
  client_identity(const ip_address& client, const rdns_classifier& classifier,
                  const identity_limits& limits = {});
  client_identity(const client_identity&) = delete;
  client_identity& operator=(const client_identity&) = delete;

  /// Asks the PTR question (at connect).
  void start();
  /// The client's HELO/EHLO argument (again after STARTTLS: a changed name
  /// starts the HELO checks over).
  void set_helo(std::string_view arg);
  /// A MAIL FROM reverse-path ("" is the null sender: its identity is
  /// postmaster@HELO, RFC 7208 §2.4).
  void set_mail_from(std::string_view path);

  /// Questions to send now; empties the list.
  std::vector<identity_question> take_questions();
  /// The answer to the question `tag`: a packet with `transport` ok, else
  /// what the transport reports (as resolver_client::on_dns_result).
  void on_answer(uint32_t tag, dns_status transport, std::string_view reason,
                 std::span<const uint8_t> packet);

  /// Every check the RCPT verdict names is decided (or cannot start).
  bool verdict_ready() const;
  /// No question is outstanding: the record can be written.
  bool idle() const { return outstanding_ == 0 && outbox_.empty(); }
  /// The one-line verdict of the RCPT reply: "ptr=ok fcrdns=pass
  /// rdns=mail-like helo=match spf=softfail"; a check still running is
  /// "timeout" (the caller waited as long as it may).
  std::string verdict_line() const;
  /// The record's sections: ptr, fcrdns, rdns, helo, and the check_host
  /// results under one key.
  void write_json(json_writer& w) const;
  /// Caps that cut something ("dns", "mail_from_checks"), for the record's
  /// `truncated`.
  const std::vector<std::string>& truncated() const { return truncated_; }
  /// What the receiver-policy rules (checks/policy.h) look at, as far as
  /// the lookups have got: role client; TLS is the caller's to fill.
  policy_evidence evidence() const;
  bool ptr_done() const { return ptr_answered_; }
  bool fcrdns_done() const { return fcrdns_decided_; }

 private:
  enum class purpose : uint8_t {
    ptr,
    forward_a,
    forward_aaaa,
    helo_a,
    helo_aaaa,
    helo_mx,
    sender,
    helo_id
  };
  struct ask {
    std::string name;
    uint16_t type = 0;
    purpose what = purpose::ptr;
    uint32_t index = 0;       // forward name, or the evaluation's question index
    uint32_t generation = 0;  // of the HELO name / sender evaluation it belongs to
    uint32_t step = 0;        // the evaluation's step when asked
    uint8_t hops = 0;         // CNAMEs followed to get here
    bool answered = false;
  };
  /// One check_host() of an identity, through the scanner's spf_check.
  struct evaluation {
    std::string domain;
    spf_check check;
    /// check.evaluation(): null when the identity is not evaluated.
    const spf_evaluation* e = nullptr;
    uint32_t generation = 0;
  };

  void send(std::string name, uint16_t type, purpose what, uint32_t index, uint32_t generation,
            uint32_t step, uint8_t hops);
  void ask_step(const evaluation& ev, purpose what);
  void answer(const ask& a, dns_status status, const dns_reply& reply);
  void on_ptr(dns_status status, const dns_reply& reply);
  void decide_fcrdns_if_done();
  bool helo_lookups_done() const;
  /// The HELO rules and verdict by assess_helo(), as the scanner's sender
  /// and SMTP probes decide them.
  helo_assessment assess() const;
  std::string helo_word() const;

  ip_address client_;
  const rdns_classifier& classifier_;
  identity_limits limits_;

  std::vector<ask> asks_;
  std::vector<identity_question> outbox_;
  uint32_t outstanding_ = 0;
  std::vector<std::string> truncated_;

  // PTR and FCrDNS
  bool ptr_started_ = false;
  bool ptr_answered_ = false;
  dns_status ptr_status_ = dns_status::error;
  std::string ptr_error_;
  std::vector<std::string> ptr_names_;
  uint32_t ptr_names_total_ = 0;
  std::vector<forward_lookup> forward_;
  std::vector<uint8_t> forward_pending_;  // lookups outstanding per name
  uint32_t fcrdns_unchecked_ = 0;
  bool fcrdns_decided_ = false;
  fcrdns_verdict fcrdns_;
  rdns_verdict rdns_;

  // HELO
  bool helo_seen_ = false;
  std::string helo_arg_;
  helo_form helo_;
  uint32_t helo_generation_ = 0;
  uint8_t helo_pending_ = 0;
  std::vector<ip_address> helo_addrs_;
  uint32_t helo_addrs_total_ = 0;
  // The A, AAAA and MX lookups of the name (Postfix's
  // reject_unknown_helo_hostname counts an MX too), by type.
  std::optional<dns_status> helo_status_[3];
  bool helo_null_mx_ = false;
  bool helo_mx_found_ = false;  // mx_names_a_host()
  evaluation helo_id_;

  // MAIL FROM
  bool mail_seen_ = false;
  std::string mail_from_;
  uint32_t sender_generation_ = 0;
  size_t sender_checks_ = 0;
  bool sender_skipped_ = false;
  evaluation sender_;
};

}  // namespace ptrscan
