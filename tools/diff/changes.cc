#include "diff/changes.h"

#include <algorithm>
#include <vector>

#include "report/report_time.h"

namespace ptrscan::diff {
namespace {

constexpr std::array<std::string_view, change_kind_count> kind_names = {
    "ptr_added",     "ptr_removed",       "ptr_changed",
    "fcrdns_failed", "fcrdns_fixed",      "naming_changed",
    "banner_mismatch_appeared",           "banner_mismatch_fixed",
    "cert_changed",  "cert_expiring",     "dnsbl_listed",
    "dnsbl_cleared", "relay_changed",     "smtp_port_opened",
    "smtp_port_closed", "only_in_old",    "only_in_new",
    "finding_new",   "finding_fixed",
};

// PTR answers that say "no name" for certain. Timeouts, SERVFAIL and
// malformed answers say nothing about the zone: never a PTR change.
bool definitely_no_ptr(std::string_view status) {
  return status == "\"nxdomain\"" || status == "\"nodata\"";
}

// A port is open when a server greeted (even with a refusal code), closed
// when the connection was refused or never answered; reset, error and
// stopped say nothing certain.
int port_state(std::string_view status) {
  if (status == "\"ok\"" || status == "\"rejected\"") {
    return 1;
  }
  if (status == "\"refused\"" || status == "\"timeout\"") {
    return 0;
  }
  return -1;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    out.append(names[i]);
  }
  out.push_back(']');
  return out;
}

// A certificate's identity in a record: its names and its expiry (records
// carry no fingerprint; a renewed certificate has a new not_after).
std::string cert_identity(const record_facts::port& p) {
  return p.cert_names + "|" + p.not_after;
}

bool expiring(const record_facts::port& p, std::string_view ts) {
  if (p.not_after.empty()) {
    return false;
  }
  const std::optional<int64_t> until = token_time(p.not_after);
  const std::optional<int64_t> now = token_time(ts);
  return until && now && *until - *now < expiring_window_seconds;
}

const char* bool_token(int v) { return v == 1 ? "true" : v == 0 ? "false" : "null"; }

class change_list {
 public:
  change_list(std::string& out, kind_counts& counts) : out_(out), counts_(counts) {}

  void add(change_kind k, std::string_view old_value, std::string_view new_value,
           std::string_view extra_member = {}, std::string_view extra_value = {}) {
    body_.append(body_.empty() ? "{\"kind\":\"" : ",{\"kind\":\"");
    body_.append(kind_name(k));
    body_.push_back('"');
    if (!extra_member.empty()) {
      body_.append(",\"").append(extra_member).append("\":").append(extra_value);
    }
    if (!old_value.empty()) {
      body_.append(",\"old\":").append(old_value);
    }
    if (!new_value.empty()) {
      body_.append(",\"new\":").append(new_value);
    }
    body_.push_back('}');
    ++counts_[static_cast<size_t>(k)];
  }

  bool flush(const record_facts& which) {
    if (body_.empty()) {
      return false;
    }
    const char* member = which.what == record_facts::kind::host     ? "ip"
                         : which.what == record_facts::kind::domain ? "domain"
                                                                    : "zone";
    out_.append("{\"type\":\"change\",\"").append(member).append("\":").append(which.key);
    if (!which.input.empty()) {
      out_.append(",\"input\":").append(which.input);
    }
    out_.append(",\"changes\":[").append(body_).append("]}\n");
    return true;
  }

 private:
  std::string& out_;
  kind_counts& counts_;
  std::string body_;
};

void compare_ptr(const record_facts& o, const record_facts& n, change_list& c) {
  if (!o.has_ptr || !n.has_ptr) {
    return;
  }
  const bool o_names = o.ptr_status == "\"ok\"";
  const bool n_names = n.ptr_status == "\"ok\"";
  if (!o_names && n_names && definitely_no_ptr(o.ptr_status)) {
    c.add(change_kind::ptr_added, o.ptr_status, join_names(n.ptr_names));
  } else if (o_names && !n_names && definitely_no_ptr(n.ptr_status)) {
    c.add(change_kind::ptr_removed, join_names(o.ptr_names), n.ptr_status);
  } else if (o_names && n_names && o.ptr_names != n.ptr_names) {
    c.add(change_kind::ptr_changed, join_names(o.ptr_names), join_names(n.ptr_names));
  }
}

void compare_host(const record_facts& o, const record_facts& n, change_list& c) {
  compare_ptr(o, n, c);
  if (o.fcrdns_status == "\"pass\"" && n.fcrdns_status == "\"fail\"") {
    c.add(change_kind::fcrdns_failed, o.fcrdns_status, n.fcrdns_status);
  } else if (o.fcrdns_status == "\"fail\"" && n.fcrdns_status == "\"pass\"") {
    c.add(change_kind::fcrdns_fixed, o.fcrdns_status, n.fcrdns_status);
  }
  // "none" is the class of no PTR name: that change is ptr_added/removed.
  if (!o.rdns_class.empty() && !n.rdns_class.empty() && o.rdns_class != n.rdns_class &&
      o.rdns_class != "\"none\"" && n.rdns_class != "\"none\"") {
    c.add(change_kind::naming_changed, o.rdns_class, n.rdns_class);
  }
  if (o.banner_match == 1 && n.banner_match == 0) {
    c.add(change_kind::banner_mismatch_appeared, bool_token(1), bool_token(0));
  } else if (o.banner_match == 0 && n.banner_match == 1) {
    c.add(change_kind::banner_mismatch_fixed, bool_token(0), bool_token(1));
  }
  if (o.has_smtp && n.has_smtp) {
    for (const record_facts::port& np : n.smtp) {
      const auto op = std::find_if(o.smtp.begin(), o.smtp.end(),
                                   [&](const record_facts::port& p) { return p.number == np.number; });
      if (op == o.smtp.end()) {
        continue;  // not probed before: neither opened nor closed
      }
      const std::string port = std::to_string(np.number);
      const int was = port_state(op->status);
      const int is = port_state(np.status);
      if (was == 0 && is == 1) {
        c.add(change_kind::smtp_port_opened, op->status, np.status, "port", port);
      } else if (was == 1 && is == 0) {
        c.add(change_kind::smtp_port_closed, op->status, np.status, "port", port);
      }
      if (op->has_cert() && np.has_cert() && cert_identity(*op) != cert_identity(np)) {
        c.add(change_kind::cert_changed,
              "{\"cert_names\":" + (op->cert_names.empty() ? "null" : op->cert_names) +
                  ",\"not_after\":" + (op->not_after.empty() ? "null" : op->not_after) + "}",
              "{\"cert_names\":" + (np.cert_names.empty() ? "null" : np.cert_names) +
                  ",\"not_after\":" + (np.not_after.empty() ? "null" : np.not_after) + "}",
              "port", port);
      }
      // Only against a certificate the old scan saw: without one (TLS
      // failed, the port was closed) whether it was expiring is unknown.
      if (op->has_cert() && expiring(np, n.ts) && !expiring(*op, o.ts)) {
        c.add(change_kind::cert_expiring, op->not_after.empty() ? "null" : op->not_after,
              np.not_after, "port", port);
      }
    }
  }
  if (o.has_dnsbl && n.has_dnsbl) {
    for (const record_facts::listing& nl : n.dnsbl) {
      const auto ol = std::find_if(o.dnsbl.begin(), o.dnsbl.end(),
                                   [&](const record_facts::listing& l) { return l.zone == nl.zone; });
      if (ol == o.dnsbl.end()) {
        continue;  // a zone not asked before: nothing to compare
      }
      if (ol->status == "\"not_listed\"" && nl.status == "\"listed\"") {
        c.add(change_kind::dnsbl_listed, ol->status, nl.status, "zone", nl.zone);
      } else if (ol->status == "\"listed\"" && nl.status == "\"not_listed\"") {
        c.add(change_kind::dnsbl_cleared, ol->status, nl.status, "zone", nl.zone);
      }
    }
  }
  // Between verdicts only: `untested` is a session that ended before a
  // reply decided (a failed probe), never a change of the server's policy.
  auto decided = [](const std::string& r) { return !r.empty() && r != "\"untested\""; };
  if (decided(o.relay_status) && decided(n.relay_status) && o.relay_status != n.relay_status) {
    c.add(change_kind::relay_changed, o.relay_status, n.relay_status);
  }
}

void compare_findings(const record_facts& o, const record_facts& n, change_list& c) {
  if (!o.has_findings || !n.has_findings) {
    return;
  }
  auto has = [](const record_facts& r, const std::string& id) {
    return std::any_of(r.findings.begin(), r.findings.end(),
                       [&](const record_facts::finding& f) { return f.id == id; });
  };
  for (const record_facts::finding& f : n.findings) {
    if (!has(o, f.id)) {
      c.add(change_kind::finding_new, {}, f.raw);
    }
  }
  for (const record_facts::finding& f : o.findings) {
    if (!has(n, f.id)) {
      c.add(change_kind::finding_fixed, f.raw, {});
    }
  }
}

}  // namespace

std::string_view kind_name(change_kind k) { return kind_names[static_cast<size_t>(k)]; }

std::optional<int64_t> token_time(std::string_view raw) {
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') {
    return std::nullopt;
  }
  return report::parse_rfc3339(raw.substr(1, raw.size() - 2));
}

bool compare(const record_facts* o, const record_facts* n, std::string& out, kind_counts& counts) {
  change_list c(out, counts);
  if (o == nullptr && n == nullptr) {
    return false;
  }
  if (n == nullptr) {
    c.add(change_kind::only_in_old, {}, {});
    return c.flush(*o);
  }
  if (o == nullptr) {
    c.add(change_kind::only_in_new, {}, {});
    return c.flush(*n);
  }
  if (n->what == record_facts::kind::host) {
    compare_host(*o, *n, c);
  }
  compare_findings(*o, *n, c);
  return c.flush(*n);
}

}  // namespace ptrscan::diff
