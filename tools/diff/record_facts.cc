#include "diff/record_facts.h"

#include <arpa/inet.h>

#include <cstring>

#include "diff/json_scan.h"

namespace ptrscan::diff {
namespace {

bool read_string(json_scan& s, std::string& out) {
  std::string_view raw;
  if (!s.string(raw)) {
    return false;
  }
  out.assign(raw);
  return true;
}

// One smtp[] entry: port, status, and the certificate's names and expiry.
void read_port(json_scan& s, std::vector<record_facts::port>& ports) {
  record_facts::port p;
  bool has_port = false;
  s.object([&](std::string_view key, json_scan& v) {
    if (key == "port") {
      has_port = v.uint32(p.number);
    } else if (key == "status") {
      read_string(v, p.status);
    } else if (key == "tls") {
      v.object([&](std::string_view tkey, json_scan& t) {
        std::string_view raw;
        if (tkey == "cert_names") {
          if (t.peek() != '[') {
            t.fail("tls.cert_names is not an array");
          } else if (t.skip(&raw)) {
            p.cert_names.assign(raw);
          }
        } else if (tkey == "not_after") {
          read_string(t, p.not_after);
        } else {
          t.skip();
        }
      });
    } else {
      v.skip();
    }
  });
  if (s.ok() && (!has_port || p.status.empty())) {
    s.fail("smtp[] entry without port or status");
    return;
  }
  ports.push_back(std::move(p));
}

void read_listing(json_scan& s, std::vector<record_facts::listing>& out) {
  record_facts::listing l;
  s.object([&](std::string_view key, json_scan& v) {
    if (key == "zone") {
      read_string(v, l.zone);
    } else if (key == "status") {
      read_string(v, l.status);
    } else {
      v.skip();
    }
  });
  if (s.ok() && (l.zone.empty() || l.status.empty())) {
    s.fail("dnsbl[] entry without zone or status");
    return;
  }
  out.push_back(std::move(l));
}

// A finding is the same finding in both scans when its code and what it is
// about (host, ip, server, ns) are the same; detail and counts may differ.
void read_finding(json_scan& s, std::vector<record_facts::finding>& out) {
  record_facts::finding f;
  std::string_view raw;
  std::string code;
  std::string about;
  // The object is scanned twice over the same bytes: once to keep it whole,
  // once for its members; both are cheap next to the line's other members.
  json_scan copy = s;
  if (!copy.skip(&raw)) {
    s.fail(copy.error());
    return;
  }
  s.object([&](std::string_view key, json_scan& v) {
    if (key == "code" || key == "kind") {
      // Domain findings name their code `code`; zone findings `kind`.
      read_string(v, code);
    } else if (key == "host" || key == "ip" || key == "server" || key == "ns" ||
               key == "address") {
      std::string_view token;
      if (v.skip(&token)) {
        about.append(key).append("=").append(token).append(" ");
      }
    } else {
      v.skip();
    }
  });
  if (s.ok() && code.empty()) {
    s.fail("finding without a string code or kind");
    return;
  }
  f.id = code + " " + about;
  f.raw.assign(raw);
  out.push_back(std::move(f));
}

void put_u32(std::string& out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out.append(b, 4);
}
void put(std::string& out, std::string_view s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

class reader {
 public:
  explicit reader(std::string_view b) : b_(b) {}
  bool u32(uint32_t& v) {
    if (b_.size() < 4) {
      return ok_ = false;
    }
    std::memcpy(&v, b_.data(), 4);
    b_.remove_prefix(4);
    return true;
  }
  bool str(std::string& s) {
    uint32_t n = 0;
    if (!u32(n) || b_.size() < n) {
      return ok_ = false;
    }
    s.assign(b_.data(), n);
    b_.remove_prefix(n);
    return true;
  }
  bool ok() const { return ok_ && b_.empty(); }

 private:
  std::string_view b_;
  bool ok_ = true;
};

}  // namespace

void record_facts::clear() {
  what = kind::host;
  key.clear();
  input.clear();
  ts.clear();
  has_ptr = false;
  ptr_status.clear();
  ptr_names.clear();
  fcrdns_status.clear();
  rdns_class.clear();
  banner_match = -2;
  has_smtp = false;
  smtp.clear();
  has_dnsbl = false;
  dnsbl.clear();
  relay_status.clear();
  has_findings = false;
  findings.clear();
}

std::string record_facts::sort_key() const {
  std::string k;
  k.reserve(key.size() + input.size() + 2);
  k.push_back(static_cast<char>(what));
  // An address sorts as its bytes: numeric order in the output, and the
  // first bytes of the key tell most keys apart (the text of every address
  // of a /8 starts the same). Anything else sorts as its text, after them.
  unsigned char bin[16];
  const std::string_view text =
      key.size() >= 2 ? std::string_view(key).substr(1, key.size() - 2) : std::string_view();
  char buf[64];
  if (what == kind::host && text.size() < sizeof buf) {
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    if (::inet_pton(AF_INET, buf, bin) == 1) {
      k.push_back('4');
      k.append(reinterpret_cast<const char*>(bin), 4);
    } else if (::inet_pton(AF_INET6, buf, bin) == 1) {
      k.push_back('6');
      k.append(reinterpret_cast<const char*>(bin), 16);
    } else {
      k.push_back('t');
      k.append(key);
    }
  } else {
    k.append(key);
  }
  if (!input.empty()) {
    k.push_back('\0');
    k.append(input);
  }
  return k;
}

std::string parse_record(std::string_view line, record_facts& out) {
  out.clear();
  json_scan s(line);
  if (s.peek() != '{') {
    return "not a JSON object";
  }
  // The key is `ip` when there is one (a host record may one day name its
  // zone or domain too), else `domain`, else `zone`.
  std::string keys[3];
  s.object([&](std::string_view key, json_scan& v) {
    if (key == "ip" || key == "domain" || key == "zone") {
      std::string& slot = keys[key == "ip" ? 0 : key == "domain" ? 1 : 2];
      if (!read_string(v, slot)) {
        v.fail("ip, domain or zone is not a string");
      }
    } else if (key == "input") {
      read_string(v, out.input);
    } else if (key == "ts") {
      read_string(v, out.ts);
    } else if (key == "ptr") {
      out.has_ptr = true;
      v.object([&](std::string_view pkey, json_scan& p) {
        if (pkey == "status") {
          read_string(p, out.ptr_status);
        } else if (pkey == "names") {
          p.array([&](json_scan& n) {
            std::string_view raw;
            if (n.string(raw)) {
              out.ptr_names.emplace_back(raw);
            }
          });
        } else {
          p.skip();
        }
      });
      if (v.ok() && out.ptr_status.empty()) {
        v.fail("ptr without status");
      }
    } else if (key == "fcrdns" || key == "rdns") {
      std::string& target = key == "fcrdns" ? out.fcrdns_status : out.rdns_class;
      const std::string_view member = key == "fcrdns" ? "status" : "class";
      v.object([&](std::string_view k, json_scan& m) {
        if (k == member) {
          read_string(m, target);
        } else {
          m.skip();
        }
      });
      if (v.ok() && target.empty()) {
        v.fail(key == "fcrdns" ? "fcrdns without status" : "rdns without class");
      }
    } else if (key == "checks") {
      v.object([&](std::string_view k, json_scan& c) {
        if (k == "banner_ptr_match") {
          c.boolean_or_null(out.banner_match);
        } else {
          c.skip();
        }
      });
    } else if (key == "smtp") {
      out.has_smtp = true;
      v.array([&](json_scan& e) { read_port(e, out.smtp); });
    } else if (key == "dnsbl") {
      out.has_dnsbl = true;
      v.array([&](json_scan& e) { read_listing(e, out.dnsbl); });
    } else if (key == "relay") {
      v.object([&](std::string_view k, json_scan& r) {
        if (k == "status") {
          read_string(r, out.relay_status);
        } else {
          r.skip();
        }
      });
      if (v.ok() && out.relay_status.empty()) {
        v.fail("relay without status");
      }
    } else if (key == "findings") {
      out.has_findings = true;
      v.array([&](json_scan& e) { read_finding(e, out.findings); });
    } else {
      v.skip();
    }
  });
  if (!s.finish()) {
    return std::string("not valid JSON: ") + s.error() + " at byte " +
           std::to_string(s.at(line));
  }
  const int which = !keys[0].empty() ? 0 : !keys[1].empty() ? 1 : !keys[2].empty() ? 2 : -1;
  if (which < 0) {
    return "no ip, domain or zone member";
  }
  out.what = which == 0   ? record_facts::kind::host
             : which == 1 ? record_facts::kind::domain
                          : record_facts::kind::zone;
  out.key = std::move(keys[which]);
  if (out.what != record_facts::kind::host) {
    // A domain summary's mx and spf are objects of its own, not host data.
    out.has_ptr = false;
    out.has_smtp = false;
    out.relay_status.clear();
  }
  return "";
}

void encode(const record_facts& f, std::string& out) {
  out.push_back(static_cast<char>(f.what));
  put(out, f.key);
  put(out, f.input);
  put(out, f.ts);
  const uint32_t flags = (f.has_ptr ? 1u : 0u) | (f.has_smtp ? 2u : 0u) |
                         (f.has_dnsbl ? 4u : 0u) | (f.has_findings ? 8u : 0u) |
                         (static_cast<uint32_t>(f.banner_match + 2) << 4);
  put_u32(out, flags);
  put(out, f.ptr_status);
  put_u32(out, static_cast<uint32_t>(f.ptr_names.size()));
  for (const std::string& n : f.ptr_names) {
    put(out, n);
  }
  put(out, f.fcrdns_status);
  put(out, f.rdns_class);
  put_u32(out, static_cast<uint32_t>(f.smtp.size()));
  for (const record_facts::port& p : f.smtp) {
    put_u32(out, p.number);
    put(out, p.status);
    put(out, p.cert_names);
    put(out, p.not_after);
  }
  put_u32(out, static_cast<uint32_t>(f.dnsbl.size()));
  for (const record_facts::listing& l : f.dnsbl) {
    put(out, l.zone);
    put(out, l.status);
  }
  put(out, f.relay_status);
  put_u32(out, static_cast<uint32_t>(f.findings.size()));
  for (const record_facts::finding& x : f.findings) {
    put(out, x.id);
    put(out, x.raw);
  }
}

bool decode(std::string_view bytes, record_facts& f) {
  f.clear();
  if (bytes.empty()) {
    return false;
  }
  const char k = bytes.front();
  if (k != 'h' && k != 'd' && k != 'z') {
    return false;
  }
  f.what = static_cast<record_facts::kind>(k);
  reader r(bytes.substr(1));
  uint32_t flags = 0;
  uint32_t n = 0;
  if (!r.str(f.key) || !r.str(f.input) || !r.str(f.ts) || !r.u32(flags) ||
      !r.str(f.ptr_status) || !r.u32(n)) {
    return false;
  }
  f.has_ptr = (flags & 1u) != 0;
  f.has_smtp = (flags & 2u) != 0;
  f.has_dnsbl = (flags & 4u) != 0;
  f.has_findings = (flags & 8u) != 0;
  f.banner_match = static_cast<int>((flags >> 4) & 0xf) - 2;
  f.ptr_names.resize(n);
  for (std::string& name : f.ptr_names) {
    if (!r.str(name)) {
      return false;
    }
  }
  if (!r.str(f.fcrdns_status) || !r.str(f.rdns_class) || !r.u32(n)) {
    return false;
  }
  f.smtp.resize(n);
  for (record_facts::port& p : f.smtp) {
    if (!r.u32(p.number) || !r.str(p.status) || !r.str(p.cert_names) || !r.str(p.not_after)) {
      return false;
    }
  }
  if (!r.u32(n)) {
    return false;
  }
  f.dnsbl.resize(n);
  for (record_facts::listing& l : f.dnsbl) {
    if (!r.str(l.zone) || !r.str(l.status)) {
      return false;
    }
  }
  if (!r.str(f.relay_status) || !r.u32(n)) {
    return false;
  }
  f.findings.resize(n);
  for (record_facts::finding& x : f.findings) {
    if (!r.str(x.id) || !r.str(x.raw)) {
      return false;
    }
  }
  return r.ok();
}

}  // namespace ptrscan::diff
