#include "metadata.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "build_info.h"
#include "output/json_writer.h"
#include "tls/tls_library.h"

#if __has_include(<liburing/io_uring_version.h>)
#include <liburing.h>
#define PTRSCAN_URING_RUNTIME_VERSION 1
#endif

namespace ptrscan {
namespace {

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string uring_version() {
#ifdef PTRSCAN_URING_RUNTIME_VERSION
  return absl::StrCat(io_uring_major_version(), ".", io_uring_minor_version());
#else
  return absl::StrCat(PTRSCAN_URING_BUILD_VERSION, " (build)");
#endif
}

/// The address part of "ip:port" / "[ip]:port", as a sockaddr with `port`.
bool parse_server(const std::string& server, sockaddr_storage& out, socklen_t& len) {
  std::string host = server;
  std::string port = "53";
  if (!host.empty() && host[0] == '[') {
    const size_t close = host.find(']');
    if (close == std::string::npos) {
      return false;
    }
    if (close + 2 < host.size() && host[close + 1] == ':') {
      port = host.substr(close + 2);
    }
    host = host.substr(1, close - 1);
  } else if (const size_t colon = host.rfind(':');
             colon != std::string::npos && host.find(':') == colon) {
    port = host.substr(colon + 1);
    host.resize(colon);
  }
  const int port_number = std::atoi(port.c_str());
  out = {};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port_number));
    len = sizeof(sockaddr_in);
    return true;
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port_number));
    len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

}  // namespace

std::string version_text() {
  return absl::StrCat("ptrscan ", PTRSCAN_VERSION, " (commit ", PTRSCAN_GIT_COMMIT, ")\n",
                      "c-ares ", ares_version(nullptr), ", zstd ", ZSTD_versionString(), ", ",
                      tls_library_version(), ", liburing ", uring_version(), "\n");
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) {
    return "";
  }
  return name;
}

std::vector<std::string> source_addresses(const std::vector<std::string>& resolvers) {
  std::vector<std::string> out;
  for (const std::string& r : resolvers) {
    sockaddr_storage to{};
    socklen_t to_len = 0;
    if (!parse_server(r, to, to_len)) {
      continue;
    }
    const int fd = socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      continue;
    }
    sockaddr_storage from{};
    socklen_t from_len = sizeof(from);
    char text[INET6_ADDRSTRLEN] = {};
    if (connect(fd, reinterpret_cast<const sockaddr*>(&to), to_len) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&from), &from_len) == 0) {
      const void* addr = from.ss_family == AF_INET
                             ? static_cast<const void*>(
                                   &reinterpret_cast<const sockaddr_in*>(&from)->sin_addr)
                             : static_cast<const void*>(
                                   &reinterpret_cast<const sockaddr_in6*>(&from)->sin6_addr);
      if (inet_ntop(from.ss_family, addr, text, sizeof(text)) != nullptr &&
          std::find(out.begin(), out.end(), text) == out.end()) {
        out.emplace_back(text);
      }
    }
    close(fd);
  }
  return out;
}

std::string metadata_json(const run_metadata& m) {
  std::string out;
  json_writer w(out);
  const scan_progress& p = m.progress;
  w.begin_object();
  w.key("tool").value("ptrscan");
  w.key("version").value(PTRSCAN_VERSION);
  w.key("commit").value(PTRSCAN_GIT_COMMIT);
  w.key("libraries").begin_object();
  w.key("c-ares").value(ares_version(nullptr));
  w.key("zstd").value(ZSTD_versionString());
  w.key("tls").value(tls_library_version());
  w.key("liburing").value(uring_version());
  w.end_object();
  w.key("hostname").value(m.hostname);
  w.key("source_addresses").begin_array();
  for (const std::string& a : m.source_addresses) {
    w.value(a);
  }
  w.end_array();
  if (!m.notes.empty()) {
    w.key("notes").value(m.notes);
  }
  w.key("start_time").value(rfc3339(m.start));
  w.key("end_time").value(rfc3339(m.end));
  w.key("duration_s").value_fixed(m.elapsed_s, 3);
  w.key("arguments").begin_array();
  for (const std::string& a : m.arguments) {
    w.value(a);
  }
  w.end_array();
  w.key("seed").value(m.seed);
  // jq 1.6 reads numbers as doubles: 15284988005112675655 would come back
  // as 15284988005112676000, another walk order.
  w.key("seed_text").value(absl::StrCat(m.seed));
  w.key("shard").value(absl::StrCat(m.shard_index, "/", m.shard_count));
  w.key("resolvers").begin_array();
  for (const std::string& r : m.resolvers) {
    w.value(r);
  }
  w.end_array();
  // The settings in effect, defaults included.
  w.key("probes").begin_array();
  for (const std::shared_ptr<probe>& pr : m.probes) {
    w.value(pr->name());
  }
  w.end_array();
  w.key("timeouts").begin_object();
  w.key("dns_ms").value(m.dns_timeout_ms);
  w.key("dns_tries").value(m.dns_tries);
  if (m.smtp != nullptr) {
    w.key("smtp_connect_ms").value(m.smtp->connect_timeout_ms);
    w.key("smtp_read_ms").value(m.smtp->read_timeout_ms);
    w.key("smtp_session_ms").value(m.smtp->session_timeout_ms);
  }
  w.end_object();
  if (m.smtp != nullptr) {
    w.key("ehlo_name").value(m.smtp->ehlo_name);
  }
  if (m.max_targets != 0) {
    w.key("max_targets").value(m.max_targets);
    w.key("capped").value(p.capped);
  }
  w.key("targets_read").value(p.targets_read);
  w.key("records").value(p.done);
  w.key("skipped").begin_object();
  for (const auto& [reason, n] : m.skipped) {
    w.key(reason).value(n);
  }
  w.end_object();
  w.key("lines_rejected").value(p.lines_rejected);
  w.key("dropped_in_flight").value(p.dropped);
  scan_totals totals;
  totals.records = p.done + p.children_done;
  totals.hosts = p.done;
  totals.names_read = p.names_read;
  totals.names_done = p.names_done;
  totals.names_dropped = p.names_dropped;
  totals.children_done = p.children_done;
  w.key("hosts_per_s").value_fixed(m.elapsed_s > 0 ? double(p.done) / m.elapsed_s : 0.0, 1);
  w.key("dns_queries").value(p.dns_queries);
  w.key("dns").begin_object();
  w.key("queries").value(p.dns_queries);
  w.key("retransmits").value(p.dns_retransmits);
  w.key("lost").value(p.dns_lost);
  w.key("timeouts").value(p.dns_timeouts);
  w.key("resolver_backoffs").value(p.dns_server_downs);
  w.key("retries_moved").value(p.dns_moved);
  w.key("resolvers").begin_array();
  for (const dns_server_stats& r : m.resolver_stats) {
    w.begin_object();
    w.key("address").value(r.address);
    w.key("queries").value(r.queries).key("answers").value(r.answers);
    w.key("lost").value(r.losses).key("loss_events").value(r.loss_events);
    w.key("spurious_timeouts").value(r.spurious).key("backoffs").value(r.downs);
    w.key("retries_moved").value(r.moved);
    // At the end of the scan, summed over the shards.
    w.key("window").value(uint64_t{r.window});
    w.key("pacing_rate").value_fixed(r.pacing_rate, 0);
    // --dns-rate as the shards' pacers hold it (0: no ceiling).
    w.key("rate_ceiling").value_fixed(r.rate_ceiling, 0);
    w.key("srtt_ms").value_fixed(double(r.srtt_ns) / 1e6, 3);
    w.key("rto_ms").value_fixed(double(r.rto_ns) / 1e6, 3);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  // Each probe's own counters and members, in table order.
  for (const std::shared_ptr<probe>& pr : m.probes) {
    pr->metadata(p.probes, totals, w);
  }
  w.key("exit_code").value(m.exit_code);
  w.end_object();
  w.end_line();
  return out;
}

absl::Status write_metadata(const std::string& path, const run_metadata& m) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << metadata_json(m);
    f.flush();
    if (!f) {
      return absl::InternalError(absl::StrCat("--metadata ", path, ": cannot write ", tmp));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("--metadata ", path, ": cannot rename ", tmp));
  }
  return absl::OkStatus();
}

}  // namespace ptrscan
