#include "checks/fcrdns.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "output/json_writer.h"
#include "probes/fcrdns.h"

namespace ptrscan {
namespace {

const ip_address ip = *ip_address::parse("198.18.0.7");
const ip_address other = *ip_address::parse("198.18.9.9");
const ip_address v6 = *ip_address::parse("2001:db8::7");

forward_lookup fwd(std::string name, dns_status a, dns_status aaaa,
                   std::vector<ip_address> addrs = {}) {
  forward_lookup f;
  f.name = std::move(name);
  f.a = a;
  f.aaaa = aaaa;
  f.addrs = std::move(addrs);
  return f;
}

struct verdict_case {
  std::string label;
  dns_status ptr;
  std::vector<forward_lookup> forward;
  fcrdns_status want;
  size_t matched;
};

TEST(FcrdnsTest, VerdictTable) {
  using s = dns_status;
  const std::vector<verdict_case> cases = {
      {"no ptr record", s::nxdomain, {}, fcrdns_status::none, SIZE_MAX},
      {"ptr nodata", s::nodata, {}, fcrdns_status::none, SIZE_MAX},
      {"ptr servfail", s::servfail, {}, fcrdns_status::error, SIZE_MAX},
      {"ptr timeout", s::timeout, {}, fcrdns_status::error, SIZE_MAX},
      {"pass", s::ok, {fwd("a", s::ok, s::nodata, {ip})}, fcrdns_status::pass, 0},
      {"points elsewhere", s::ok, {fwd("a", s::ok, s::nodata, {other})}, fcrdns_status::fail,
       SIZE_MAX},
      {"no address", s::ok, {fwd("a", s::nodata, s::nodata)}, fcrdns_status::fail, SIZE_MAX},
      {"forward nxdomain", s::ok, {fwd("a", s::nxdomain, s::nxdomain)}, fcrdns_status::fail,
       SIZE_MAX},
      {"aaaa only for an ipv4 address", s::ok, {fwd("a", s::nodata, s::ok, {v6})},
       fcrdns_status::fail, SIZE_MAX},
      {"second name passes", s::ok,
       {fwd("a", s::ok, s::nodata, {other}), fwd("b", s::ok, s::nodata, {other, ip})},
       fcrdns_status::pass, 1},
      {"failure of one name does not hide a pass", s::ok,
       {fwd("a", s::timeout, s::timeout), fwd("b", s::ok, s::nodata, {ip})}, fcrdns_status::pass,
       1},
      {"a failed lookup makes a miss unknown", s::ok,
       {fwd("a", s::ok, s::nodata, {other}), fwd("b", s::servfail, s::nodata)},
       fcrdns_status::error, SIZE_MAX},
      {"aaaa failure alone also makes it unknown", s::ok,
       {fwd("a", s::nodata, s::refused)}, fcrdns_status::error, SIZE_MAX},
  };
  for (const verdict_case& c : cases) {
    SCOPED_TRACE(c.label);
    fcrdns_verdict v = decide_fcrdns(ip, c.ptr, c.forward);
    EXPECT_EQ(v.status, c.want);
    EXPECT_EQ(v.matched, c.matched);
  }
}

TEST(FcrdnsTest, CombinedStatusPerName) {
  using s = dns_status;
  EXPECT_EQ(fwd("a", s::ok, s::nodata, {ip}).combined(), s::ok);
  EXPECT_EQ(fwd("a", s::nodata, s::timeout).combined(), s::timeout);
  EXPECT_EQ(fwd("a", s::servfail, s::timeout).combined(), s::servfail);
  EXPECT_EQ(fwd("a", s::nxdomain, s::nodata).combined(), s::nxdomain);
  EXPECT_EQ(fwd("a", s::nodata, s::nodata).combined(), s::nodata);
}

TEST(FcrdnsTest, JsonNamesTheMatchingName) {
  using s = dns_status;
  std::vector<forward_lookup> f = {fwd("a.example", s::ok, s::nodata, {other}),
                                   fwd("b.example", s::ok, s::nodata, {ip})};
  std::string out;
  json_writer w(out);
  w.begin_object();
  write_fcrdns_json(w, decide_fcrdns(ip, s::ok, f), f);
  w.end_object();
  EXPECT_EQ(out,
            R"({"status":"pass","name":"b.example","forward":[)"
            R"({"name":"a.example","status":"ok","addresses":["198.18.9.9"]},)"
            R"({"name":"b.example","status":"ok","addresses":["198.18.0.7"]}]})");
}

// An A answer can hold thousands of addresses: the record keeps 32, counts
// them all and marks the cut, and the scanned address is never the one cut
// (the verdict would turn from pass to fail).
TEST(FcrdnsTest, ForwardAddressesAreCappedButKeepTheScannedOne) {
  using s = dns_status;
  std::vector<ip_address> many;
  for (uint32_t i = 0; i < 100; ++i) {
    many.push_back(ip_address::v4(0xC6120A00u + i));  // 198.18.10.0 ...
  }
  many.insert(many.begin() + 80, ip);
  forward_lookup f;
  f.name = "big.example";
  f.a = s::ok;
  f.aaaa = s::nodata;
  f.add_addrs(many, ip);
  f.add_addrs(std::vector<ip_address>{v6}, ip);
  ASSERT_EQ(f.addrs.size(), max_forward_addrs);
  EXPECT_EQ(f.addrs_total, 102u);
  EXPECT_NE(std::find(f.addrs.begin(), f.addrs.end(), ip), f.addrs.end());
  std::vector<forward_lookup> fl = {f};
  EXPECT_EQ(decide_fcrdns(ip, s::ok, fl).status, fcrdns_status::pass);
  std::string out;
  json_writer w(out);
  w.begin_object();
  write_fcrdns_json(w, decide_fcrdns(ip, s::ok, fl), fl);
  w.end_object();
  EXPECT_NE(out.find(R"("addresses_total":102,"truncated":["addresses"])"), std::string::npos) << out;
  // Under the cap nothing is marked; repeats count once.
  forward_lookup g;
  g.add_addrs(std::vector<ip_address>{other, other, ip}, ip);
  EXPECT_EQ(g.addrs.size(), 2u);
  EXPECT_EQ(g.addrs_total, 2u);
}

}  // namespace
}  // namespace ptrscan
