#include "listen/listen_record.h"

namespace ptrscan {
namespace {

constexpr identity_field own_fields[] = {
    {"ts", "string", "accept time, RFC 3339 UTC, ms"},
    {"client", "string", "client address (IPv4 for a mapped IPv6 client)"},
    {"client_port", "number", "client port"},
    {"local", "string", "the address:port it connected to"},
    {"session", "object", "the dialogue"},
    {"session.end", "string", "quit closed reset tls_error timeout commands shutdown refused stopped"},
    {"session.commands", "number", "command lines read"},
    {"session.unknown_commands", "number", "answered 500"},
    {"session.helo_verb", "string", "EHLO or HELO (the last)"},
    {"session.mail_from", "string", "the last reverse-path; \"\" null sender"},
    {"session.rcpt", "array", "forward-paths, at most 16"},
    {"session.rcpt_total", "number", "RCPT commands answered"},
    {"session.data_attempted", "bool", "DATA or BDAT was sent (always refused)"},
    {"session.early_talker", "bool", "sent bytes before the greeting"},
    {"session.early_bytes", "number", "how many"},
    {"session.violations", "array", "protocol violations, each once"},
    {"session.verdict", "string", "the last RCPT reply's verdict line"},
    {"session.verdict_timeout", "bool", "a RCPT reply stopped waiting for lookups"},
    {"tls", "object", "after STARTTLS"},
    {"tls.version", "string", "TLSv1.3 ..."},
    {"tls.cipher", "string", "IANA cipher name"},
    {"tls.sni", "string", "server name the client sent (\"\" none)"},
    {"tls.error", "string", "why the handshake failed"},
    {"ms", "object", "milliseconds since accept of each step"},
    {"truncated", "array", "caps that cut something"},
};

}  // namespace

std::string listen_fields_text() {
  std::string out;
  auto add = [&out](const identity_field& f) {
    out.append(f.name).append("\t").append(f.type).append("\t").append(f.help).append("\n");
  };
  for (const identity_field& f : own_fields) {
    add(f);
  }
  for (const identity_field& f : client_identity_fields()) {
    add(f);
  }
  for (const identity_field& f : policy_fields()) {
    add(f);
  }
  return out;
}

void write_listen_policy(const session_facts& s, const listen_dialogue& d,
                         const client_identity& id, json_writer& w) {
  (void)d;
  policy_evidence e = id.evidence();
  e.tls_offered = s.tls_offered || s.tls_started;
  e.tls_used = s.tls_started && !s.tls_version.empty() && s.tls_error.empty();
  const std::vector<policy_verdict> v = evaluate_policy(e);
  write_policy_json(w, v);
}

void write_session_record(json_writer& w, const session_facts& s, const listen_dialogue& d,
                          const client_identity& id, const listen_policy& policy) {
  w.begin_object();
  w.key("ts").value(s.ts);
  w.key("client").value(s.client);
  w.key("client_port").value(uint64_t{s.client_port});
  w.key("local").value(s.local);
  w.key("session").begin_object();
  w.key("end").value(d.end);
  w.key("commands").value(uint64_t{d.commands});
  if (d.unknown_commands > 0) {
    w.key("unknown_commands").value(uint64_t{d.unknown_commands});
  }
  if (!d.helo_verb.empty()) {
    w.key("helo_verb").value(d.helo_verb);
  }
  if (d.mail_seen) {
    w.key("mail_from").value(d.mail_from);
  }
  if (d.rcpts_total > 0) {
    w.key("rcpt").begin_array();
    for (const std::string& r : d.rcpts) {
      w.value(r);
    }
    w.end_array();
    w.key("rcpt_total").value(uint64_t{d.rcpts_total});
  }
  w.key("data_attempted").value(d.data_attempted);
  w.key("early_talker").value(d.early_talker);
  if (d.early_talker) {
    w.key("early_bytes").value(uint64_t{d.early_bytes});
  }
  w.key("violations").begin_array();
  for (const std::string& v : d.violations) {
    w.value(v);
  }
  w.end_array();
  if (!s.verdict.empty()) {
    w.key("verdict").value(s.verdict);
  }
  w.key("verdict_timeout").value(s.verdict_timeout);
  w.end_object();
  if (s.tls_started) {
    w.key("tls").begin_object();
    if (!s.tls_version.empty()) {
      w.key("version").value(s.tls_version);
      w.key("cipher").value(s.tls_cipher);
      w.key("sni").value(s.tls_sni);
    }
    if (!s.tls_error.empty()) {
      w.key("error").value(s.tls_error);
    } else if (s.tls_version.empty()) {
      w.key("error").value("handshake not finished");
    }
    w.end_object();
  }
  id.write_json(w);
  if (policy) {
    policy(s, d, id, w);
  }
  w.key("ms").begin_object();
  auto t = [&w](const char* k, int64_t v) {
    if (v >= 0) {
      w.key(k).value(v);
    }
  };
  t("greeting", d.ms_greeting);
  t("helo", d.ms_helo);
  t("mail", d.ms_mail);
  t("rcpt", d.ms_rcpt);
  t("data", d.ms_data);
  t("starttls", d.ms_starttls);
  t("tls", s.ms_tls);
  t("ptr", s.ms_ptr);
  t("fcrdns", s.ms_fcrdns);
  t("verdict", s.ms_verdict);
  t("end", d.ms_end);
  t("total", s.ms_total);
  w.end_object();
  if (!d.truncated.empty() || !id.truncated().empty()) {
    w.key("truncated").begin_array();
    for (const std::string& v : d.truncated) {
      w.value(v);
    }
    for (const std::string& v : id.truncated()) {
      w.value(v);
    }
    w.end_array();
  }
  w.end_object();
  w.end_line();
}

void write_refused_record(json_writer& w, std::string_view ts, std::string_view client,
                          uint16_t client_port, std::string_view local, std::string_view end,
                          std::string_view reason) {
  w.begin_object();
  w.key("ts").value(ts);
  w.key("client").value(client);
  w.key("client_port").value(uint64_t{client_port});
  w.key("local").value(local);
  w.key("session").begin_object().key("end").value(end).end_object();
  if (!reason.empty()) {
    w.key("truncated").begin_array().value(reason).end_array();
  }
  w.end_object();
  w.end_line();
}

}  // namespace ptrscan
