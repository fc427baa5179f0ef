// Hot pieces of the DNS path: building reverse names and parsing answers.
#include <benchmark/benchmark.h>

#include "../tests/dns/dns_packet_builder.h"
#include "checks/fcrdns.h"
#include "net/ip_address.h"
#include "dns/reply.h"

namespace ptrscan {
namespace {

using testing::dns_packet_builder;

void BM_ReverseNameV4(benchmark::State& state) {
  char buf[ip_address::max_reverse_len];
  uint32_t v = 0xc6120000;
  for (auto _ : state) {
    size_t n = ip_address::v4(v++).reverse_name(buf);
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_ReverseNameV4);

void BM_ReverseNameV6(benchmark::State& state) {
  char buf[ip_address::max_reverse_len];
  ip_address a = *ip_address::parse("2001:db8:1234:5678:9abc:def0:1234:5678");
  for (auto _ : state) {
    size_t n = a.reverse_name(buf);
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_ReverseNameV6);

void BM_ParsePtrAnswer(benchmark::State& state) {
  const std::string q = "7.0.18.198.in-addr.arpa";
  std::vector<uint8_t> p =
      dns_packet_builder(1, 0, q, dns_type_ptr)
          .rr_at_question(dns_type_ptr, dns_packet_builder::name("mx1.mail.example.org"))
          .bytes();
  dns_reply a;
  for (auto _ : state) {
    parse_reply(p, q, dns_type_ptr, a);
    benchmark::DoNotOptimize(a.names.data());
  }
}
BENCHMARK(BM_ParsePtrAnswer);

void BM_ParseAAnswerThroughCname(benchmark::State& state) {
  using b = dns_packet_builder;
  std::vector<uint8_t> p = b(1, 0, "www.example.org", dns_type_a)
                               .rr("www.example.org", dns_type_cname, b::name("edge.example.net"))
                               .rr("edge.example.net", dns_type_a, b::ipv4(198, 18, 0, 7))
                               .bytes();
  dns_reply a;
  for (auto _ : state) {
    parse_reply(p, "www.example.org", dns_type_a, a);
    benchmark::DoNotOptimize(a.addrs.data());
  }
}
BENCHMARK(BM_ParseAAnswerThroughCname);

void BM_FcrdnsVerdict(benchmark::State& state) {
  const ip_address ip = *ip_address::parse("198.18.0.7");
  std::vector<forward_lookup> f(2);
  f[0].name = "a.example";
  f[0].a = dns_status::ok;
  f[0].aaaa = dns_status::nodata;
  f[0].addrs = {*ip_address::parse("198.18.9.9")};
  f[1] = f[0];
  f[1].addrs.push_back(ip);
  for (auto _ : state) {
    fcrdns_verdict v = decide_fcrdns(ip, dns_status::ok, f);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_FcrdnsVerdict);

}  // namespace
}  // namespace ptrscan
