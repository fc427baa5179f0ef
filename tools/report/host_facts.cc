#include "report/host_facts.h"

#include <cctype>
#include <nlohmann/json.hpp>

namespace ptrscan::report {
namespace {

using json = nlohmann::json;

// Field accessors that treat a missing member and a member of the wrong type
// alike: the report counts what it understands and ignores the rest.
const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) {
    return nullptr;
  }
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

const json* object_member(const json& obj, const char* key) {
  const json* v = member(obj, key);
  return v != nullptr && v->is_object() ? v : nullptr;
}

std::string_view string_member(const json& obj, const char* key) {
  const json* v = member(obj, key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_ref<const std::string&>())
                                        : std::string_view();
}

std::optional<bool> bool_member(const json& obj, const char* key) {
  const json* v = member(obj, key);
  if (v == nullptr || !v->is_boolean()) {
    return std::nullopt;
  }
  return v->get<bool>();
}

ptr_outcome ptr_from(std::string_view status) {
  if (status == "ok") {
    return ptr_outcome::found;
  }
  if (status == "nxdomain" || status == "nodata") {
    return ptr_outcome::absent;
  }
  return ptr_outcome::lookup_error;
}

fcrdns_outcome fcrdns_from(std::string_view status) {
  if (status == "pass") {
    return fcrdns_outcome::pass;
  }
  if (status == "fail") {
    return fcrdns_outcome::fail;
  }
  if (status == "none") {
    return fcrdns_outcome::none;
  }
  return fcrdns_outcome::error;  // "error", and any status this version does not know
}

// An EHLO extension line is a keyword and optional parameters ("SIZE 10240000").
bool is_starttls(std::string_view extension) {
  const std::string_view keyword = extension.substr(0, extension.find(' '));
  constexpr std::string_view starttls = "STARTTLS";
  if (keyword.size() != starttls.size()) {
    return false;
  }
  for (size_t i = 0; i < keyword.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(keyword[i])) != starttls[i]) {
      return false;
    }
  }
  return true;
}

bool offers_starttls(const json& port) {
  const json* ehlo = object_member(port, "ehlo");
  const json* extensions = ehlo != nullptr ? member(*ehlo, "extensions") : nullptr;
  if (extensions == nullptr || !extensions->is_array()) {
    return false;
  }
  for (const json& e : *extensions) {
    if (e.is_string() && is_starttls(e.get_ref<const std::string&>())) {
      return true;
    }
  }
  return false;
}

void read_ptr(const json& record, host_facts& host) {
  if (const json* ptr = object_member(record, "ptr")) {
    host.ptr = ptr_from(string_member(*ptr, "status"));
    const json* names = member(*ptr, "names");
    if (names != nullptr && names->is_array() && !names->empty() && names->front().is_string()) {
      host.ptr_name = names->front().get<std::string>();
    }
  }
  if (const json* fcrdns = object_member(record, "fcrdns")) {
    host.fcrdns = fcrdns_from(string_member(*fcrdns, "status"));
  }
  if (const json* rdns = object_member(record, "rdns")) {
    host.naming = parse_rdns_class(string_member(*rdns, "class"));
    host.naming_unknown = !host.naming.has_value();
    if (const std::string_view name = string_member(*rdns, "name"); !name.empty()) {
      host.ptr_name = name;
    }
  }
}

void read_smtp(const json& record, host_facts& host) {
  const json* smtp = member(record, "smtp");
  if (smtp == nullptr || !smtp->is_array()) {
    return;
  }
  host.smtp_probed = true;
  for (const json& port : *smtp) {
    if (string_member(port, "status") != "ok") {
      continue;
    }
    if (!host.smtp_ok) {
      host.banner_host = string_member(port, "banner_host");
    }
    host.smtp_ok = true;
    const json* tls = object_member(port, "tls");
    host.starttls_offered = host.starttls_offered || offers_starttls(port) || tls != nullptr;
    if (tls != nullptr && member(*tls, "version") != nullptr && member(*tls, "error") == nullptr) {
      host.tls_negotiated = true;
    }
  }
}

void read_checks(const json& record, host_facts& host) {
  if (const json* checks = object_member(record, "checks")) {
    host.banner_ptr_match = bool_member(*checks, "banner_ptr_match");
    host.ehlo_ptr_match = bool_member(*checks, "ehlo_ptr_match");
  }
}

std::vector<std::string> string_array(const json& obj, const char* key) {
  std::vector<std::string> out;
  const json* v = member(obj, key);
  if (v != nullptr && v->is_array()) {
    for (const json& e : *v) {
      if (e.is_string()) {
        out.push_back(e.get<std::string>());
      }
    }
  }
  return out;
}

// The certificate and violations of each port, in `smtp[]` order.
void read_smtp_mail(const json& record, host_facts& host) {
  const json* smtp = member(record, "smtp");
  if (smtp == nullptr || !smtp->is_array()) {
    return;
  }
  for (const json& port : *smtp) {
    const json* number = member(port, "port");
    const auto p = number != nullptr && number->is_number_unsigned() && number->get<uint64_t>() <= 65535
                       ? static_cast<uint16_t>(number->get<uint64_t>())
                       : uint16_t{0};
    if (std::vector<std::string> kinds = string_array(port, "violations"); !kinds.empty()) {
      host.violations.push_back({p, std::move(kinds)});
    }
    if (const json* tls = object_member(port, "tls")) {
      if (const std::string_view not_after = string_member(*tls, "not_after"); !not_after.empty()) {
        const std::vector<std::string> names = string_array(*tls, "cert_names");
        host.certs.push_back({p, std::string(not_after), names.empty() ? "" : names.front()});
      }
    }
  }
}

// A result member, "(no result)" when it is absent or not a string.
std::string result_of(const json* obj, const char* key) {
  const std::string_view v = obj != nullptr ? string_member(*obj, key) : std::string_view();
  return v.empty() ? std::string("(no result)") : std::string(v);
}

void read_sender_and_policy(const json& record, host_facts& host) {
  if (const json* s = object_member(record, "sender")) {
    host.sender = true;
    host.sender_mailfrom = result_of(object_member(*s, "spf_mailfrom"), "result");
    if (member(*s, "spf_helo") != nullptr) {
      host.sender_helo_spf = result_of(object_member(*s, "spf_helo"), "result");
    }
    if (member(*s, "helo_rules") != nullptr) {
      host.sender_helo_verdict = result_of(object_member(*s, "helo_rules"), "verdict");
    }
  }
  const json* p = object_member(record, "policy");
  if (p == nullptr) {
    return;
  }
  host.has_policy = true;
  for (const auto& [set, verdicts] : p->items()) {
    if (!verdicts.is_array()) {
      continue;
    }
    for (const json& v : verdicts) {
      if (host.policy.size() >= host_facts::max_policy_facts) {
        return;  // a hostile record: the report's memory stays bounded
      }
      const std::string_view rule = v.is_object() ? string_member(v, "rule") : "";
      if (!rule.empty()) {
        const std::string_view fix = string_member(v, "fix");
        host.policy.push_back({set, std::string(rule), result_of(&v, "result"),
                               std::string(fix.substr(0, policy_fact::max_fix_bytes))});
      }
    }
  }
}

void read_mail(const json& record, host_facts& host) {
  host.input = string_member(record, "input");
  host.ts = string_member(record, "ts");
  if (const json* mx = object_member(record, "mx")) {
    host.mx_host = string_member(*mx, "host");
  }
  if (const json* spf = object_member(record, "spf")) {
    host.spf_result = string_member(*spf, "result");
    if (host.spf_result.empty()) {
      host.spf_result = "(no result)";
    }
    host.spf_mechanism = string_member(*spf, "mechanism");
    host.spf_detail = string_member(*spf, "reason");
    if (host.spf_detail.empty()) {
      host.spf_detail = string_member(*spf, "explanation");
    }
  }
  if (const json* lists = member(record, "dnsbl"); lists != nullptr && lists->is_array()) {
    for (const json& e : *lists) {
      dnsbl_fact f;
      f.zone = string_member(e, "zone");
      f.status = string_member(e, "status");
      f.codes = string_array(e, "codes");
      f.reason = string_member(e, f.status == "error" ? "error" : "reason");
      if (!f.zone.empty()) {
        host.dnsbl.push_back(std::move(f));
      }
    }
  }
  if (const json* relay = object_member(record, "relay")) {
    host.relay_status = string_member(*relay, "status");
    if (host.relay_status.empty()) {
      host.relay_status = "(no status)";
    }
    host.relay_reason = string_member(*relay, "reason");
    const json* port = member(*relay, "port");
    if (port != nullptr && port->is_number_unsigned() && port->get<uint64_t>() <= 65535) {
      host.relay_port = static_cast<uint16_t>(port->get<uint64_t>());
    }
  }
  read_smtp_mail(record, host);
  read_sender_and_policy(record, host);
}

// A finding's other members as "key value", in a fixed order.
std::string finding_detail(const json& f) {
  std::string out;
  for (const char* key : {"status", "result", "detail"}) {
    if (const std::string_view v = string_member(f, key); !v.empty()) {
      out += out.empty() ? "" : ", ";
      out += key;
      out += ' ';
      out += v;
    }
  }
  if (const json* count = member(f, "count"); count != nullptr && count->is_number()) {
    out += out.empty() ? "count " : ", count ";
    out += count->dump();
  }
  return out;
}

domain_facts read_domain(const json& record) {
  domain_facts d;
  d.domain = string_member(record, "domain");
  d.ts = string_member(record, "ts");
  if (const json* mx = object_member(record, "mx")) {
    d.mx_status = string_member(*mx, "status");
  }
  if (const json* spf = object_member(record, "spf")) {
    d.spf_status = string_member(*spf, "status");
    d.spf_records = string_array(*spf, "records");
  }
  if (const json* addresses = object_member(record, "addresses")) {
    const json* probed = member(*addresses, "probed");
    if (probed != nullptr && probed->is_number_unsigned()) {
      d.addresses_probed = probed->get<uint64_t>();
    }
  }
  if (const json* findings = member(record, "findings"); findings != nullptr && findings->is_array()) {
    for (const json& f : *findings) {
      finding_fact ff;
      ff.code = string_member(f, "code");
      if (ff.code.empty()) {
        continue;
      }
      ff.host = string_member(f, "host");
      ff.ip = string_member(f, "ip");
      ff.detail = finding_detail(f);
      d.findings.push_back(std::move(ff));
    }
  }
  return d;
}

parsed_record bad(std::string why) {
  parsed_record r;
  r.error = std::move(why);
  return r;
}

}  // namespace

bool is_spf_lint(std::string_view code) {
  for (std::string_view lint :
       {"spf_all_pass", "spf_all_neutral", "spf_no_all", "spf_ptr", "spf_too_long",
        "spf_too_many_lookups", "spf_too_many_void_lookups", "spf_include_without_spf"}) {
    if (code == lint) {
      return true;
    }
  }
  return false;
}

std::string_view to_string(map_verdict v) {
  switch (v) {
    case map_verdict::not_scanned:
      return "not-scanned";
    case map_verdict::pass:
      return "pass";
    case map_verdict::fail:
      return "fail";
    case map_verdict::no_ptr:
      return "no-ptr";
    case map_verdict::error:
      return "error";
    case map_verdict::unchecked:
      return "unchecked";
  }
  return "error";
}

map_verdict verdict_of(const host_facts& host) {
  if (host.oversized) {
    return map_verdict::error;  // whatever it says is unread: unknown
  }
  switch (host.fcrdns) {
    case fcrdns_outcome::pass:
      return map_verdict::pass;
    case fcrdns_outcome::fail:
      return map_verdict::fail;
    case fcrdns_outcome::none:
      return map_verdict::no_ptr;
    case fcrdns_outcome::error:
      return map_verdict::error;
    case fcrdns_outcome::not_run:
      break;
  }
  switch (host.ptr) {
    case ptr_outcome::absent:
      return map_verdict::no_ptr;
    case ptr_outcome::lookup_error:
      return map_verdict::error;
    case ptr_outcome::found:
    case ptr_outcome::not_run:
      break;
  }
  return map_verdict::unchecked;
}

parsed_record parse_record(std::string_view line) {
  // No exceptions on bad input (STYLE: the data path does not throw); a
  // discarded value says the text was not JSON.
  const json record = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (record.is_discarded()) {
    return bad("not valid JSON");
  }
  if (!record.is_object()) {
    return bad("not a JSON object");
  }
  const json* ip = member(record, "ip");
  if (ip == nullptr && string_member(record, "type") == "zone") {
    parsed_record r;
    r.what = parsed_record::kind::zone;
    r.zone.zone = string_member(record, "zone");
    r.zone.status = string_member(record, "status");
    r.zone.error = string_member(record, "error");
    if (const json* f = member(record, "findings"); f != nullptr && f->is_array()) {
      for (const json& x : *f) {
        if (x.is_object()) {
          r.zone.findings.emplace_back(string_member(x, "kind"));
        }
      }
    }
    if (const json* h = member(record, "hosts"); h != nullptr && h->is_object()) {
      const json* s = member(*h, "scanned");
      const json* p = member(*h, "with_ptr");
      r.zone.scanned = s != nullptr && s->is_number_unsigned() ? s->get<uint64_t>() : 0;
      r.zone.with_ptr = p != nullptr && p->is_number_unsigned() ? p->get<uint64_t>() : 0;
    }
    if (const json* t = member(record, "templates");
        t != nullptr && t->is_array() && !t->empty() && t->front().is_object()) {
      r.zone.main_template = string_member(t->front(), "template");
    }
    return r;
  }
  if (ip == nullptr) {
    if (!string_member(record, "domain").empty()) {
      parsed_record r;
      r.what = parsed_record::kind::domain_summary;
      r.domain = read_domain(record);
      return r;
    }
    return bad("neither \"ip\" nor \"domain\"");
  }
  const std::optional<ip_address> address =
      ip->is_string() ? ip_address::parse(ip->get_ref<const std::string&>()) : std::nullopt;
  if (!address) {
    return bad("\"ip\" is not an IP address");
  }
  parsed_record r;
  r.what = parsed_record::kind::host;
  r.host.ip = *address;
  read_ptr(record, r.host);
  read_smtp(record, r.host);
  read_checks(record, r.host);
  read_mail(record, r.host);
  return r;
}

parsed_record parse_oversized_head(std::string_view head) {
  constexpr std::string_view key = "\"ip\":\"";
  const size_t at = head.find(key);
  if (at == std::string_view::npos) {
    return bad("line longer than 1 MiB, without \"ip\" in its first bytes");
  }
  const size_t start = at + key.size();
  const size_t end = head.find('"', start);
  const std::optional<ip_address> address =
      end == std::string_view::npos ? std::nullopt
                                    : ip_address::parse(head.substr(start, end - start));
  if (!address) {
    return bad("line longer than 1 MiB, its \"ip\" is not an IP address");
  }
  parsed_record r;
  r.what = parsed_record::kind::host;
  r.host.ip = *address;
  r.host.oversized = true;
  return r;
}

}  // namespace ptrscan::report
