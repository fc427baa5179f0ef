#include "reference/options.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>
#include <optional>
#include <string_view>

namespace ptrscan::ref {
namespace {

constexpr const char* usage_text =
    "usage: ptrscan-epoll-ref --resolver IP:PORT --range CIDR --probes LIST --max-inflight N\n"
    "         [--port 25] [--connect-timeout MS (5000)] [--read-timeout MS (10000)]\n"
    "         [--dns-timeout MS (2000)] [--retries N (2)] [--ehlo-name NAME (ptrscan-ref.test)]\n"
    "         [--dns-inflight N (4096)]\n"
    "LIST: comma list of ptr, fcrdns, smtp, starttls (fcrdns implies ptr, starttls smtp).\n"
    "--resolver is needed with ptr/fcrdns. Prints one JSON line of counts on stdout:\n"
    "{\"hosts\",\"done\",\"ptr_ok\",\"fcrdns_pass\",\"smtp_ok\",\"tls_ok\",\"dns_queries\","
    "\"dns_timeouts\",\"wall_s\"}\n";

struct usage_error {
  std::string text;
};

std::optional<uint64_t> number(std::string_view text, uint64_t min, uint64_t max) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || v < min || v > max) {
    return std::nullopt;
  }
  return v;
}

std::optional<uint32_t> ipv4(std::string_view text) {
  const std::string s(text);
  in_addr a{};
  if (::inet_pton(AF_INET, s.c_str(), &a) != 1) {
    return std::nullopt;
  }
  return ntohl(a.s_addr);
}

uint64_t num(std::string_view flag, std::string_view text, uint64_t min, uint64_t max) {
  const auto v = number(text, min, max);
  if (!v) {
    throw usage_error{std::string(flag) + " wants an integer from " + std::to_string(min) + " to " +
                      std::to_string(max) + ", not '" + std::string(text) + "'"};
  }
  return *v;
}

void parse_probes(std::string_view list, options& o) {
  o.ptr = o.fcrdns = o.smtp = o.starttls = false;
  while (true) {
    const size_t comma = list.find(',');
    const std::string_view p = list.substr(0, comma);
    if (p == "ptr") {
      o.ptr = true;
    } else if (p == "fcrdns") {
      o.fcrdns = o.ptr = true;
    } else if (p == "smtp") {
      o.smtp = true;
    } else if (p == "starttls") {
      o.starttls = o.smtp = true;
    } else {
      throw usage_error{"--probes: unknown probe '" + std::string(p) + "'"};
    }
    if (comma == std::string_view::npos) {
      return;
    }
    list.remove_prefix(comma + 1);
  }
}

void parse_range(std::string_view text, options& o) {
  const size_t slash = text.find('/');
  const auto ip = ipv4(text.substr(0, slash));
  const auto prefix = slash == std::string_view::npos ? std::optional<uint64_t>(32)
                                                      : number(text.substr(slash + 1), 0, 32);
  if (!ip || !prefix) {
    throw usage_error{"--range wants an IPv4 CIDR, not '" + std::string(text) + "'"};
  }
  const uint32_t mask = *prefix == 0 ? 0 : ~uint32_t{0} << (32 - *prefix);
  o.range_base = *ip & mask;
  o.range_size = uint64_t{1} << (32 - *prefix);
}

void parse_resolver(std::string_view text, options& o) {
  const size_t colon = text.rfind(':');
  const auto ip = ipv4(text.substr(0, colon));
  const auto port = colon == std::string_view::npos ? std::optional<uint64_t>(53)
                                                    : number(text.substr(colon + 1), 1, 65535);
  if (!ip || !port) {
    throw usage_error{"--resolver wants IPV4:PORT, not '" + std::string(text) + "'"};
  }
  o.resolver_ip = *ip;
  o.resolver_port = static_cast<uint16_t>(*port);
  o.have_resolver = true;
}

}  // namespace

int parse_options(int argc, char** argv, options& o) {
  try {
    bool have_range = false;
    bool have_probes = false;
    for (int i = 1; i < argc; ++i) {
      const std::string_view flag = argv[i];
      if (flag == "-h" || flag == "--help") {
        std::fputs(usage_text, stdout);
        return 0;
      }
      if (i + 1 >= argc) {
        throw usage_error{flag.starts_with("--") ? "missing value for " + std::string(flag)
                                                 : "unknown argument " + std::string(flag)};
      }
      const std::string_view v = argv[++i];
      constexpr uint64_t max_ms = 3'600'000;
      if (flag == "--resolver") {
        parse_resolver(v, o);
      } else if (flag == "--range") {
        parse_range(v, o);
        have_range = true;
      } else if (flag == "--probes") {
        parse_probes(v, o);
        have_probes = true;
      } else if (flag == "--max-inflight") {
        o.max_inflight = static_cast<uint32_t>(num(flag, v, 1, 10'000'000));
      } else if (flag == "--port") {
        o.port = static_cast<uint16_t>(num(flag, v, 1, 65535));
      } else if (flag == "--connect-timeout") {
        o.connect_timeout_ns = static_cast<int64_t>(num(flag, v, 1, max_ms)) * 1'000'000;
      } else if (flag == "--read-timeout") {
        o.read_timeout_ns = static_cast<int64_t>(num(flag, v, 1, max_ms)) * 1'000'000;
      } else if (flag == "--dns-timeout") {
        o.dns_timeout_ns = static_cast<int64_t>(num(flag, v, 1, max_ms)) * 1'000'000;
      } else if (flag == "--retries") {
        o.retries = static_cast<uint32_t>(num(flag, v, 0, 100));
      } else if (flag == "--ehlo-name") {
        if (v.empty() || v.find_first_of(" \r\n") != std::string_view::npos) {
          throw usage_error{"--ehlo-name wants a host name"};
        }
        o.ehlo_name = std::string(v);
      } else if (flag == "--dns-inflight") {
        o.dns_inflight = static_cast<uint32_t>(num(flag, v, 1, 1'000'000));
      } else {
        throw usage_error{"unknown argument " + std::string(flag)};
      }
    }
    if (!have_range || !have_probes || o.max_inflight == 0) {
      throw usage_error{"--range, --probes and --max-inflight are required"};
    }
    if (o.ptr && !o.have_resolver) {
      throw usage_error{"--resolver is required with ptr/fcrdns"};
    }
    return -1;
  } catch (const usage_error& e) {
    std::fprintf(stderr, "ptrscan-epoll-ref: %s\n%s", e.text.c_str(), usage_text);
    return 2;
  }
}

}  // namespace ptrscan::ref
