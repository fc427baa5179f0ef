#include "checks/spf.h"

#include <algorithm>
#include <array>
#include <utility>

#include "net/ascii.h"
#include "dns/wire.h"

namespace ptrscan {
namespace {

/// §4.6.2: the qualifier is the result when its mechanism matches.
spf_code code_of(spf_qualifier q) {
  switch (q) {
    case spf_qualifier::pass:
      return spf_code::pass;
    case spf_qualifier::fail:
      return spf_code::fail;
    case spf_qualifier::softfail:
      return spf_code::softfail;
    case spf_qualifier::neutral:
      return spf_code::neutral;
  }
  return spf_code::neutral;
}

std::string_view type_name(uint16_t type) {
  switch (type) {
    case dns_type_a:
      return "A";
    case dns_type_aaaa:
      return "AAAA";
    case dns_type_mx:
      return "MX";
    case dns_type_txt:
      return "TXT";
    case dns_type_ptr:
      return "PTR";
    default:
      return "?";
  }
}

/// ::ffff:a.b.c.d as a.b.c.d (§5: clients on IPv4-mapped addresses are
/// handled as IPv4).
ip_address unmap(const ip_address& ip) {
  if (ip.is_v4()) {
    return ip;
  }
  for (size_t i = 0; i < 10; ++i) {
    if (ip.bytes[i] != 0) {
      return ip;
    }
  }
  if (ip.bytes[10] != 0xff || ip.bytes[11] != 0xff) {
    return ip;
  }
  return ip_address::v4((uint32_t{ip.bytes[12]} << 24) | (uint32_t{ip.bytes[13]} << 16) |
                        (uint32_t{ip.bytes[14]} << 8) | uint32_t{ip.bytes[15]});
}

/// True when the first `bits` bits of two addresses of one family agree.
bool in_prefix(const ip_address& a, const ip_address& network, unsigned bits) {
  if (a.family != network.family) {
    return false;
  }
  const size_t whole = bits / 8;
  for (size_t i = 0; i < whole; ++i) {
    if (a.bytes[i] != network.bytes[i]) {
      return false;
    }
  }
  const unsigned rest = bits % 8;
  if (rest == 0) {
    return true;
  }
  const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a.bytes[whole] & mask) == (network.bytes[whole] & mask);
}

/// A name a DNS query can carry: labels of 1..63 octets, at most 255 in all.
bool is_queryable(std::string_view name) {
  std::array<uint8_t, max_wire_name> wire{};
  return !name.empty() && encode_name(name, wire) != 0;
}

/// §4.3: check_host() returns none at once for a malformed domain or one
/// that is not multi-label.
bool is_multi_label_domain(std::string_view name) {
  std::array<uint8_t, max_wire_name> wire{};
  const size_t n = encode_name(name, wire);
  // One label encodes as its length octet, the label, and the root octet.
  return n != 0 && n > static_cast<size_t>(wire[0]) + 2;
}

/// A name built from SPF text, where every octet stands for itself, in the
/// presentation form DNS names travel in (RFC 1035 §5.1): '\' and octets
/// outside 0x21..0x7e escaped, so "a%_b" (a space) asks for "a\032b" and
/// matches the owner name the reply parser reads back.
std::string to_presentation(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      out.append("\\\\");
    } else if (c < 0x21 || c > 0x7e) {
      const char esc[4] = {'\\', static_cast<char>('0' + c / 100),
                           static_cast<char>('0' + c / 10 % 10), static_cast<char>('0' + c % 10)};
      out.append(esc, 4);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// The reverse: a name read from a reply ("\032", "\.") as the octets it
/// stands for, lower-cased, for comparisons with SPF text and for %{p}.
std::string from_presentation(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '\\' || i + 1 >= name.size()) {
      out.push_back(ascii_lower(name[i]));
    } else if (i + 3 < name.size() && is_digit(name[i + 1]) && is_digit(name[i + 2]) &&
               is_digit(name[i + 3])) {
      out.push_back(ascii_lower(static_cast<char>((name[i + 1] - '0') * 100 +
                                                  (name[i + 2] - '0') * 10 + (name[i + 3] - '0'))));
      i += 3;
    } else {
      out.push_back(ascii_lower(name[++i]));
    }
  }
  return out;
}

/// `name` is `domain` or a name under it (§5.5), both lower-case.
bool is_same_or_subdomain(std::string_view name, std::string_view domain) {
  if (name.size() == domain.size()) {
    return name == domain;
  }
  return name.size() > domain.size() && name.ends_with(domain) &&
         name[name.size() - domain.size() - 1] == '.';
}

std::string limit_reason(std::string_view what, int limit) {
  std::string out(what);
  out.append(" (limit ").append(std::to_string(limit)).append(")");
  return out;
}

}  // namespace

std::string_view to_string(spf_code c) {
  switch (c) {
    case spf_code::none:
      return "none";
    case spf_code::neutral:
      return "neutral";
    case spf_code::pass:
      return "pass";
    case spf_code::fail:
      return "fail";
    case spf_code::softfail:
      return "softfail";
    case spf_code::temperror:
      return "temperror";
    case spf_code::permerror:
      return "permerror";
  }
  return "permerror";
}

spf_evaluation::spf_evaluation(std::string_view domain, const ip_address& ip,
                               std::string_view sender_local, std::string_view helo,
                               const spf_limits& limits)
    : sender_domain_(strip_root_dot(domain)),
      local_(sender_local.empty() ? "postmaster" : sender_local),
      helo_(helo.empty() ? sender_domain_ : std::string(helo)),
      ip_(unmap(ip)),
      limits_(limits) {
  // Every include adds a frame and counts as a lookup, so the default limit
  // bounds the depth at 11: reserve that once.
  stack_.reserve(static_cast<size_t>(std::clamp(limits_.max_lookups + 2, 1, 16)));
  stack_.push_back(frame{sender_domain_, {}, 0, role::root, false});
  load_record();
}

std::span<const spf_query> spf_evaluation::pending() const { return queries_; }

bool spf_evaluation::answered(size_t i) const { return i < slots_.size() && slots_[i].answered; }

// ---- DNS steps ----

void spf_evaluation::load_record() {
  std::string name = to_presentation(top().domain);
  if (!is_multi_label_domain(name)) {
    complete_frame(spf_code::none, {}, "malformed or single-label domain");
    return;
  }
  ask(std::move(name), dns_type_txt, wait::txt);
}

void spf_evaluation::ask(std::string name, uint16_t type, wait what) {
  queries_.clear();
  slots_.clear();
  queries_.push_back(spf_query{std::move(name), type});
  slots_.resize(1);
  unanswered_ = 1;
  waiting_ = what;
  ++step_;
}

void spf_evaluation::ask_hosts(const std::vector<mx_record>& hosts) {
  queries_.clear();
  for (const mx_record& mx : hosts) {
    if (!mx.exchange.empty()) {  // "." (null MX, RFC 7505) has no addresses
      queries_.push_back(spf_query{mx.exchange, address_type()});
    }
  }
  slots_.assign(queries_.size(), answer_slot{});
  unanswered_ = queries_.size();
  waiting_ = wait::mx_hosts;
  ++step_;
}

void spf_evaluation::on_answer(size_t i, dns_status status, const dns_reply& records) {
  if (done_ || i >= slots_.size() || slots_[i].answered) {
    return;
  }
  answer_slot& slot = slots_[i];
  slot.answered = true;
  slot.status = status;
  --unanswered_;
  if (waiting_ == wait::txt) {
    handle_txt(status, records);
  } else if (waiting_ == wait::ptr_names) {
    handle_ptr_names(status, records);
  } else if (waiting_ == wait::ptr_hosts) {
    // §5.5: a name is validated when one of its addresses is the IP; a
    // lookup that fails only skips that name.
    slot.matched = status == dns_status::ok && std::find(records.addrs.begin(), records.addrs.end(),
                                                         ip_) != records.addrs.end();
    if (unanswered_ == 0) {
      for (size_t k = 0; k < slots_.size(); ++k) {
        if (slots_[k].matched) {
          validated_.push_back(from_presentation(ptr_names_[k]));
        }
      }
      ptr_validated();
    }
  } else if (waiting_ == wait::exp_txt) {
    handle_explanation(status, records);
  } else if (waiting_ == wait::mx_names && status == dns_status::ok && !records.mx.empty()) {
    handle_mx_names(records);
  } else {
    if (status == dns_status::ok) {
      slot.empty = records.addrs.empty() && records.mx.empty();
      slot.matched = waiting_ == wait::exists ? !records.addrs.empty()
                                              : address_matches(records, current_directive());
    }
    if (unanswered_ == 0) {
      finish_step();
    }
  }
  run();
}

void spf_evaluation::handle_txt(dns_status status, const dns_reply& records) {
  if (is_lookup_failure(status)) {
    finish(spf_code::temperror, lookup_failure(status, 0));  // §4.4
    return;
  }
  // §4.3: NXDOMAIN is none; §4.5: so is a name without an SPF record.
  const std::span<const std::string> texts = status == dns_status::ok
                                                 ? std::span<const std::string>(records.texts)
                                                 : std::span<const std::string>();
  const spf_selection sel = select_spf_record(texts);
  if (sel.found == spf_selection::kind::none) {
    complete_frame(spf_code::none, {}, "no SPF record");
    return;
  }
  if (sel.found == spf_selection::kind::multiple) {
    finish(spf_code::permerror, "multiple SPF records");  // §4.5
    return;
  }
  spf_parse_result parsed = parse_spf_record(texts[sel.index]);
  if (!parsed.ok()) {
    finish(spf_code::permerror, std::move(parsed.error));  // §4.6
    return;
  }
  top().record = std::move(parsed.record);
  top().next = 0;
}

void spf_evaluation::handle_mx_names(const dns_reply& records) {
  // §4.6.4: an mx mechanism that would look at more than 10 MX records is
  // a permerror, not a truncation (the publisher controls the set).
  if (records.mx.size() > limits_.max_mx_names) {
    finish(spf_code::permerror,
           limit_reason("too many MX records", static_cast<int>(limits_.max_mx_names)));
    return;
  }
  // With only a null MX (or root exchanges) nothing is asked: the mechanism
  // does not match, and the lookup was not void (records came back).
  ask_hosts(records.mx);
}

void spf_evaluation::finish_step() {
  // Answers are read in the order they were asked (MX answer order for the
  // hosts of an mx mechanism), as a one-at-a-time evaluator would read
  // them: a match before a failed lookup wins, a failure before a match is
  // temperror (§5: DNS errors during evaluation).
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].matched) {
      mechanism_matched({});
      return;
    }
    if (is_lookup_failure(slots_[i].status)) {
      finish(spf_code::temperror, lookup_failure(slots_[i].status, i));
      return;
    }
  }
  // §4.6.4: a term whose lookup found no records (NXDOMAIN or NODATA) is a
  // void lookup. The hosts of an mx count through their MX lookup only.
  if (waiting_ != wait::mx_hosts && !slots_.empty() && slots_[0].empty) {
    count_void_lookup();
  }
}

// ---- evaluation ----

void spf_evaluation::run() {
  // Runs until the next DNS step or the end; each pass either evaluates one
  // directive or closes one frame, so the loop is bounded by the record
  // sizes and the lookup limit.
  if (!done_ && unanswered_ == 0) {
    queries_.clear();  // the last step is fully read
    slots_.clear();
  }
  while (!done_ && !explaining_ && unanswered_ == 0) {
    frame& f = top();
    if (f.next < f.record.directives.size()) {
      if (needs_validation(f.record.directives[f.next])) {
        start_ptr_validation(after_ptr::run);  // then this directive again
        continue;
      }
      const spf_directive d = f.record.directives[f.next++];
      evaluate(d);
    } else if (f.record.has_redirect()) {
      if (ptr_ == ptr_state::unknown && lookups_ < limits_.max_lookups &&
          uses_validated_name(f.record.view(f.record.redirect))) {
        start_ptr_validation(after_ptr::run);
        continue;
      }
      follow_redirect();
    } else {
      complete_frame(spf_code::neutral, {}, "no mechanism matched");  // §4.7
    }
  }
}

void spf_evaluation::evaluate(const spf_directive& d) {
  switch (d.mechanism) {
    case spf_mechanism::all:
      mechanism_matched({});
      return;
    case spf_mechanism::ip4:
      if (ip_.is_v4() && in_prefix(ip_, d.network, d.cidr4)) {
        mechanism_matched({});
      }
      return;
    case spf_mechanism::ip6:
      if (!ip_.is_v4() && in_prefix(ip_, d.network, d.cidr6)) {
        mechanism_matched({});
      }
      return;
    case spf_mechanism::ptr:
      // §5.5, on the names validated before this directive ran (run()).
      if (!count_lookup() || (ptr_void_ && !count_void_lookup())) {
        return;
      }
      if (ptr_matches(ascii_lower(target_name(d.domain_spec)))) {
        mechanism_matched({});
      }
      return;
    case spf_mechanism::include:
    case spf_mechanism::a:
    case spf_mechanism::mx:
    case spf_mechanism::exists:
      start_lookup_term(d);
      return;
  }
}

void spf_evaluation::start_lookup_term(const spf_directive& d) {
  if (!count_lookup()) {
    return;
  }
  std::string name = target_name(d.domain_spec);
  if (d.mechanism == spf_mechanism::include) {
    stack_.push_back(frame{std::move(name), {}, 0, role::include, false});
    load_record();
    return;
  }
  std::string qname = to_presentation(name);
  if (!is_queryable(qname)) {
    return;  // a name no query can carry has no records: no match
  }
  switch (d.mechanism) {
    case spf_mechanism::a:
      ask(std::move(qname), address_type(), wait::a);  // §5.3
      return;
    case spf_mechanism::mx:
      // §5.4: no implicit MX here; a domain without MX records matches nothing.
      ask(std::move(qname), dns_type_mx, wait::mx_names);
      return;
    default:
      ask(std::move(qname), dns_type_a, wait::exists);  // §5.7: always A
      return;
  }
}

void spf_evaluation::follow_redirect() {
  // §6.1: only reached when no mechanism matched; the target's result
  // becomes this record's, with the target as the new <domain>.
  if (!count_lookup()) {
    return;
  }
  frame& f = top();
  std::string name = target_name(f.record.redirect);
  f.domain = std::move(name);
  f.record = spf_record{};
  f.next = 0;
  f.redirected = true;
  load_record();
}

void spf_evaluation::mechanism_matched(std::string detail) {
  const frame& f = top();
  const spf_directive& d = f.record.directives[f.next - 1];
  complete_frame(code_of(d.qualifier), std::string(f.record.view(d.text)), std::move(detail));
}

void spf_evaluation::complete_frame(spf_code code, std::string mechanism, std::string reason) {
  if (code == spf_code::none && top().redirected) {
    finish(spf_code::permerror, "redirect target has no SPF record");  // §6.1
    return;
  }
  if (top().why == role::root) {
    finish(code, std::move(reason), std::move(mechanism));
    return;
  }
  // §5.2: what an include's result means to the record that includes it.
  if (code == spf_code::none) {
    include_without_spf_ = top().domain;
    finish(spf_code::permerror, "include target has no SPF record");
    return;
  }
  std::string detail;
  if (code == spf_code::pass) {
    detail = "matched " + mechanism + " in " + top().domain;
  }
  stack_.pop_back();
  if (code == spf_code::pass) {
    mechanism_matched(std::move(detail));
  }
  // fail, softfail, neutral: no match, the including record goes on.
}

void spf_evaluation::finish(spf_code code, std::string reason, std::string mechanism) {
  result_.code = code;
  result_.reason = std::move(reason);
  result_.mechanism = std::move(mechanism);
  result_.domain = top().domain;
  // §6.2: only a fail is explained, and only by the exp= of the record that
  // decided it (an include's frame never finishes; a redirect replaced the
  // record and its exp= with the target's).
  if (code == spf_code::fail && !explaining_ && top().why == role::root &&
      !top().record.explanation.empty()) {
    queries_.clear();
    slots_.clear();
    unanswered_ = 0;
    explaining_ = true;
    start_explanation();
    return;
  }
  end();
}

void spf_evaluation::end() {
  done_ = true;
  queries_.clear();
  slots_.clear();
  unanswered_ = 0;
}

// ---- reverse names (§5.5), for ptr and %{p} ----

bool spf_evaluation::needs_validation(const spf_directive& d) const {
  if (ptr_ != ptr_state::unknown) {
    return false;
  }
  // Terms that would break the lookup limit are not worth a PTR question:
  // they end the evaluation as soon as they are counted.
  const bool counts = d.mechanism != spf_mechanism::all && d.mechanism != spf_mechanism::ip4 &&
                      d.mechanism != spf_mechanism::ip6;
  if (counts && lookups_ >= limits_.max_lookups) {
    return false;
  }
  return d.mechanism == spf_mechanism::ptr ||
         uses_validated_name(top().record.view(d.domain_spec));
}

void spf_evaluation::start_ptr_validation(after_ptr then) {
  ptr_ = ptr_state::asking;
  after_ptr_ = then;
  ask(ip_.reverse_name(), dns_type_ptr, wait::ptr_names);
}

void spf_evaluation::handle_ptr_names(dns_status status, const dns_reply& records) {
  // §5.5: a failed PTR lookup makes ptr not match (never temperror); no
  // names is a void lookup when the ptr mechanism asked.
  ptr_void_ = status == dns_status::nxdomain || status == dns_status::nodata ||
              (status == dns_status::ok && records.names.empty());
  if (status == dns_status::ok) {
    // §4.6.4: past the first max_ptr_names names, the rest are ignored.
    const size_t n = std::min(records.names.size(), limits_.max_ptr_names);
    const auto first = records.names.begin();
    ptr_names_.assign(first, first + static_cast<std::ptrdiff_t>(n));
  }
  if (ptr_names_.empty()) {
    ptr_validated();
    return;
  }
  queries_.clear();
  for (const std::string& name : ptr_names_) {
    queries_.push_back(spf_query{name, address_type()});
  }
  slots_.assign(queries_.size(), answer_slot{});
  unanswered_ = queries_.size();
  waiting_ = wait::ptr_hosts;
  ++step_;
}

void spf_evaluation::ptr_validated() {
  ptr_ = ptr_state::known;
  queries_.clear();
  slots_.clear();
  unanswered_ = 0;
  switch (after_ptr_) {
    case after_ptr::run:
      return;  // run() goes on with the directive that asked
    case after_ptr::exp_query:
      explanation_query();
      return;
    case after_ptr::exp_text:
      complete_explanation();
      return;
  }
}

bool spf_evaluation::ptr_matches(std::string_view target) const {
  for (const std::string& name : validated_) {
    if (is_same_or_subdomain(name, target)) {
      return true;
    }
  }
  return false;
}

std::string_view spf_evaluation::validated_name() const {
  // §7.3: the <domain> itself if validated, else a name under it, else any.
  const std::string domain = ascii_lower(top().domain);
  for (const std::string& name : validated_) {
    if (name == domain) {
      return name;
    }
  }
  for (const std::string& name : validated_) {
    if (is_same_or_subdomain(name, domain)) {
      return name;
    }
  }
  return validated_.empty() ? std::string_view() : std::string_view(validated_.front());
}

// ---- explanation (§6.2) ----

void spf_evaluation::start_explanation() {
  if (ptr_ == ptr_state::unknown &&
      uses_validated_name(top().record.view(top().record.explanation))) {
    start_ptr_validation(after_ptr::exp_query);
    return;
  }
  explanation_query();
}

void spf_evaluation::explanation_query() {
  const std::string expanded =
      expand_macros(top().record.view(top().record.explanation), macro_context());
  std::string name = to_presentation(truncate_domain(strip_root_dot(expanded)));
  if (!is_queryable(name)) {
    end();
    return;
  }
  // Not a term: neither the lookup nor the void limit counts it (§4.6.4).
  ask(std::move(name), dns_type_txt, wait::exp_txt);
}

void spf_evaluation::handle_explanation(dns_status status, const dns_reply& records) {
  // §6.2: a DNS error, no record, several records or a syntax error in the
  // text: as if there were no exp=.
  if (status != dns_status::ok || records.texts.size() != 1 ||
      !check_explanation(records.texts.front()).empty()) {
    end();
    return;
  }
  exp_text_ = records.texts.front();
  if (ptr_ == ptr_state::unknown && uses_validated_name(exp_text_)) {
    start_ptr_validation(after_ptr::exp_text);
    return;
  }
  complete_explanation();
}

void spf_evaluation::complete_explanation() {
  result_.explanation = expand_macros(exp_text_, macro_context());
  end();
}

bool spf_evaluation::count_lookup() {
  // §4.6.4: include, a, mx, ptr, exists and redirect count; more than the
  // limit is a permerror.
  if (++lookups_ > limits_.max_lookups) {
    finish(spf_code::permerror, limit_reason("too many DNS lookups", limits_.max_lookups));
    return false;
  }
  return true;
}

bool spf_evaluation::count_void_lookup() {
  if (++void_lookups_ > limits_.max_void_lookups) {
    finish(spf_code::permerror,
           limit_reason("too many void DNS lookups", limits_.max_void_lookups));
    return false;
  }
  return true;
}

// ---- helpers ----

std::string spf_evaluation::lookup_failure(dns_status status, size_t i) const {
  std::string out = "DNS ";
  out.append(to_string(status)).append(" for ");
  if (i < queries_.size()) {
    out.append(type_name(queries_[i].type)).append(" ").append(queries_[i].name);
  }
  return out;
}

std::string spf_evaluation::target_name(spf_text_ref spec) const {
  if (spec.empty()) {
    return top().domain;  // a, mx and ptr default to the current domain
  }
  const std::string expanded = expand_macros(top().record.view(spec), macro_context());
  return std::string(truncate_domain(strip_root_dot(expanded)));
}

spf_macro_context spf_evaluation::macro_context() const {
  return spf_macro_context{local_,         sender_domain_, top().domain,
                           helo_,          ip_,            validated_name()};
}

uint16_t spf_evaluation::address_type() const { return ip_.is_v4() ? dns_type_a : dns_type_aaaa; }

bool spf_evaluation::address_matches(const dns_reply& records, const spf_directive& d) const {
  const unsigned bits = ip_.is_v4() ? d.cidr4 : d.cidr6;
  for (const ip_address& a : records.addrs) {
    if (in_prefix(ip_, a, bits)) {
      return true;
    }
  }
  return false;
}

const spf_directive& spf_evaluation::current_directive() const {
  const frame& f = top();
  return f.record.directives[f.next - 1];
}

}  // namespace ptrscan
