#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ptrscan::diff {

/// The members of one record that `ptrscan diff` compares, as raw JSON
/// tokens (strings keep their quotes) so a change record copies them as
/// they were written. A section absent from the record (its probe was not
/// run, or `truncated` left it out) is marked absent and never compared.
struct record_facts {
  enum class kind : char { host = 'h', domain = 'd', zone = 'z' };

  struct port {
    uint32_t number = 0;
    std::string status;      ///< smtp[].status
    std::string cert_names;  ///< smtp[].tls.cert_names, the raw array ("" absent)
    std::string not_after;   ///< smtp[].tls.not_after ("" absent)
    bool has_cert() const { return !cert_names.empty() || !not_after.empty(); }
  };
  struct listing {
    std::string zone;    ///< dnsbl[].zone
    std::string status;  ///< dnsbl[].status
  };
  struct finding {
    std::string id;   ///< what makes it the same finding: code, host, ip
    std::string raw;  ///< the finding object as written
  };

  kind what = kind::host;
  std::string key;    ///< ip, domain or zone: a raw string token
  std::string input;  ///< host records from a domain target: input ("" absent)
  std::string ts;     ///< raw token ("" absent)

  bool has_ptr = false;
  std::string ptr_status;
  std::vector<std::string> ptr_names;  ///< raw tokens, in record order (sorted by ptrscan)
  std::string fcrdns_status;           ///< "" absent
  std::string rdns_class;              ///< "" absent
  int banner_match = -2;               ///< checks.banner_ptr_match: 1, 0, -1 null, -2 absent
  bool has_smtp = false;
  std::vector<port> smtp;
  bool has_dnsbl = false;
  std::vector<listing> dnsbl;
  std::string relay_status;  ///< "" absent
  bool has_findings = false;
  std::vector<finding> findings;

  /// Empties every member, keeping capacity (one object is reused per line).
  void clear();

  /// The sort and join key: kind, the key (an address as its bytes, IPv4
  /// before IPv6), then input for host records.
  std::string sort_key() const;
};

/// Reads one NDJSON line into `out`. Returns "" or why the line is not a
/// record: not JSON, not an object, no string `ip`, `domain` or `zone`, or a
/// compared member of the wrong type.
std::string parse_record(std::string_view line, record_facts& out);

/// Appends `f` to `out` in the spill format (length-prefixed fields), and
/// reads it back. decode returns false on a short or damaged buffer.
void encode(const record_facts& f, std::string& out);
bool decode(std::string_view bytes, record_facts& out);

}  // namespace ptrscan::diff
