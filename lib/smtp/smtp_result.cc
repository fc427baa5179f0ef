#include "smtp/smtp_result.h"

#include <cerrno>
#include <cmath>
#include <utility>

#include "output/json_writer.h"
#include "tls/cert_names.h"

namespace ptrscan {

std::string_view to_string(smtp_status s) {
  switch (s) {
    case smtp_status::ok:
      return "ok";
    case smtp_status::refused:
      return "refused";
    case smtp_status::timeout:
      return "timeout";
    case smtp_status::reset:
      return "reset";
    case smtp_status::rejected:
      return "rejected";
    case smtp_status::error:
      return "error";
    case smtp_status::stopped:
      return "stopped";
  }
  return "error";
}

std::string_view to_string(relay_status s) {
  switch (s) {
    case relay_status::untested:
      return "untested";
    case relay_status::open:
      return "open";
    case relay_status::closed:
      return "closed";
    case relay_status::tempfail:
      return "tempfail";
  }
  return "untested";
}

std::string_view to_string(relay_untested_reason r) {
  switch (r) {
    case relay_untested_reason::protocol_violation:
      return "protocol_violation";
    case relay_untested_reason::session_ended:
      return "session_ended";
    case relay_untested_reason::scan_stopped:
      return "scan_stopped";
  }
  return "session_ended";
}

std::string_view to_string(smtp_violation v) {
  switch (v) {
    case smtp_violation::early_talker:
      return "early_talker";
    case smtp_violation::unsolicited_reply:
      return "unsolicited_reply";
    case smtp_violation::unexpected_code:
      return "unexpected_code";
  }
  return "unexpected_code";
}

smtp_status smtp_status_from_errno(int err) {
  switch (err < 0 ? -err : err) {
    case ECONNREFUSED:
      return smtp_status::refused;
    case ETIMEDOUT:
    case ECANCELED:  // our linked timeout cancelled the operation
    case ETIME:
      return smtp_status::timeout;
    case ECONNRESET:
    case ECONNABORTED:
    case EPIPE:
      return smtp_status::reset;
    default:
      return smtp_status::error;
  }
}

void smtp_result::clear() {
  port = 0;
  status = smtp_status::error;
  error.clear();
  has_banner = false;
  banner.clear();
  banner_truncated = false;
  banner_host.clear();
  has_ehlo = false;
  helo = false;
  ehlo = ehlo_info{};
  tls_attempted = false;
  tls_unadvertised = false;
  tls_ok = false;
  tls = tls_info{};
  tls_error.clear();
  tls_local_error = false;
  has_ehlo_tls = false;
  ehlo_tls = ehlo_info{};
  relay_enabled = false;
  relay = relay_status::untested;
  relay_mail = relay_reply{};
  relay_rcpt = relay_reply{};
  violations = 0;
  ms_connect = ms_banner = ms_ehlo = ms_tls = ms_relay = ms_total = -1;
}

namespace {

void write_ehlo(json_writer& w, const ehlo_info& e, bool helo) {
  w.begin_object();
  if (!e.host.empty()) {
    w.key("host").value(e.host);
  } else {
    w.key("host").null();
  }
  w.key("extensions").begin_array();
  for (const std::string& x : e.extensions) {
    w.value(x);
  }
  w.end_array();
  if (helo) {
    w.key("helo").value(true);
  }
  w.end_object();
}

void write_relay_reply(json_writer& w, std::string_view key, const relay_reply& r) {
  if (!r.received) {
    return;
  }
  w.key(key).begin_object();
  w.key("code").value(r.code);
  w.key("text").value(r.text);
  if (std::string_view e = enhanced_status(r.code, r.text); !e.empty()) {
    w.key("enhanced").value(e);
  }
  w.end_object();
}

// What a cap cut in this entry (output `smtp[].truncated`), in a fixed
// order; nothing is written when nothing was cut.
void write_truncated(json_writer& w, const smtp_result& r) {
  const std::pair<bool, std::string_view> cuts[] = {
      {r.banner_truncated, "banner"},
      {r.has_ehlo && r.ehlo.extensions_truncated, "ehlo.extensions"},
      {r.has_ehlo && r.ehlo.line_truncated, "ehlo.line"},
      {r.tls_attempted && r.tls.cert_names_truncated, "tls.cert_names"},
      {r.has_ehlo_tls && r.ehlo_tls.extensions_truncated, "ehlo_tls.extensions"},
      {r.has_ehlo_tls && r.ehlo_tls.line_truncated, "ehlo_tls.line"},
      {r.relay_enabled && r.relay_mail.received && r.relay_mail.truncated, "relay.mail.text"},
      {r.relay_enabled && r.relay_rcpt.received && r.relay_rcpt.truncated, "relay.rcpt.text"},
  };
  bool any = false;
  for (const auto& [cut, name] : cuts) {
    if (!cut) {
      continue;
    }
    if (!any) {
      w.key("truncated").begin_array();
      any = true;
    }
    w.value(name);
  }
  if (any) {
    w.end_array();
  }
}

void write_ms(json_writer& w, std::string_view key, double ms) {
  if (ms >= 0 && std::isfinite(ms)) {
    w.key(key).value_fixed(ms, 2);
  }
}

}  // namespace

void smtp_result::write_json(json_writer& w, std::span<const std::string> ptr_names) const {
  w.begin_object();
  w.key("port").value(static_cast<int64_t>(port));
  w.key("status").value(to_string(status));
  if (!error.empty()) {
    w.key("error").value(error);
  }
  if (has_banner) {
    w.key("banner").value(banner);
    if (!banner_host.empty()) {
      w.key("banner_host").value(banner_host);
    } else {
      w.key("banner_host").null();
    }
    w.key("greet_pause").value(ms_banner >= greet_pause_ms);
  }
  // What a firewall's SMTP inspection changed, from the evidence it leaves.
  const bool masked_banner = has_banner && banner_masked(banner);
  const bool masked_starttls = has_ehlo && ehlo.starttls_masked && !ehlo.starttls;
  if (masked_banner || masked_starttls) {
    w.key("middlebox").begin_array();
    if (masked_banner) {
      w.value("banner_masked");
    }
    if (masked_starttls) {
      w.value("starttls_masked");
    }
    w.end_array();
  }
  if (has_ehlo) {
    w.key("ehlo");
    write_ehlo(w, ehlo, helo);
  }
  if (tls_attempted) {
    w.key("tls").begin_object();
    if (tls_unadvertised) {
      w.key("advertised").value(false);
    }
    if (!tls.version.empty()) {
      w.key("version").value(tls.version);
      w.key("cipher").value(tls.cipher);
    }
    if (!tls.cert_names.empty() || !tls.not_after.empty()) {
      w.key("cert_names").begin_array();
      for (const std::string& n : tls.cert_names) {
        w.value(n);
      }
      w.end_array();
      std::vector<std::string> hosts(ptr_names.begin(), ptr_names.end());
      if (!banner_host.empty()) {
        hosts.push_back(banner_host);
      }
      w.key("name_match").value(any_cert_name_matches(tls.cert_names, hosts));
      w.key("chain_valid").value(tls.chain_valid);
      if (!tls.chain_valid && !tls.chain_error.empty()) {
        w.key("chain_error").value(tls.chain_error);
      }
      if (!tls.not_after.empty()) {
        w.key("not_after").value(tls.not_after);
      }
    }
    if (!tls_error.empty()) {
      w.key("error").value(tls_error);
    }
    w.end_object();
  }
  if (has_ehlo_tls) {
    w.key("ehlo_tls");
    write_ehlo(w, ehlo_tls, false);
  }
  if (relay_enabled) {
    w.key("relay").begin_object();
    w.key("status").value(to_string(relay));
    if (relay == relay_status::untested) {
      w.key("reason").value(to_string(untested_reason()));
    }
    if (relay == relay_status::tempfail) {
      // The reply that decided (RCPT's, or MAIL's when MAIL was refused).
      const relay_reply& decided = relay_rcpt.received ? relay_rcpt : relay_mail;
      w.key("greylisted").value(says_greylisted(decided.code, decided.text));
    }
    write_relay_reply(w, "mail", relay_mail);
    write_relay_reply(w, "rcpt", relay_rcpt);
    w.end_object();
  }
  if (violations != 0) {
    w.key("violations").begin_array();
    for (int v = 0; v < smtp_violation_count; ++v) {
      if (has_violation(static_cast<smtp_violation>(v))) {
        w.value(to_string(static_cast<smtp_violation>(v)));
      }
    }
    w.end_array();
  }
  write_truncated(w, *this);
  w.key("ms").begin_object();
  write_ms(w, "connect", ms_connect);
  write_ms(w, "banner", ms_banner);
  write_ms(w, "ehlo", ms_ehlo);
  write_ms(w, "tls", ms_tls);
  write_ms(w, "relay", ms_relay);
  write_ms(w, "total", ms_total);
  w.end_object();
  w.end_object();
}

}  // namespace ptrscan
