// The simulator's reverse delegations (tools/simnet/zone_model.h): what the
// resolver address and each name server answer, read back with ptrscan's own
// whole-message parser, and the check of zone records against the model.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dns/message.h"
#include "simnet/checker.h"
#include "simnet/dns_answer.h"
#include "simnet/zone_check.h"
#include "simnet/zone_model.h"

namespace ptrscan::simnet {
namespace {

using bytes = std::vector<uint8_t>;

mix zone_mix() {
  mix m;
  m.range = *cidr::parse("10.0.0.0/12");
  return m;
}

bytes make_query(const std::string& name, uint16_t qtype, bool rd) {
  bytes b = {0x43, 0x21, static_cast<uint8_t>(rd ? 0x01 : 0x00), 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (start < name.size()) {
    const size_t dot = std::min(name.find('.', start), name.size());
    b.push_back(static_cast<uint8_t>(dot - start));
    b.insert(b.end(), name.begin() + static_cast<ptrdiff_t>(start),
             name.begin() + static_cast<ptrdiff_t>(dot));
    start = dot + 1;
  }
  b.push_back(0);
  b.insert(b.end(), {static_cast<uint8_t>(qtype >> 8), static_cast<uint8_t>(qtype), 0, 1});
  return b;
}

dns_message ask(const model& m, const zone_server_id* who, const std::string& name,
                uint16_t qtype) {
  const bytes q = make_query(name, qtype, who == nullptr);
  bytes out(max_reply_size);
  const size_t n =
      who == nullptr ? answer_query(m, q, out, true) : answer_server_query(m, *who, q, out);
  dns_message msg;
  EXPECT_GT(n, 0u) << name;
  EXPECT_TRUE(parse_message({out.data(), n}, msg)) << name;
  return msg;
}

std::vector<std::string> names_in(const dns_message& msg, dns_section s, uint16_t type) {
  std::vector<std::string> v;
  for (const dns_rr& rr : msg.records) {
    if (rr.section == s && rr.type == type) {
      v.push_back(rr.target);
    }
  }
  std::sort(v.begin(), v.end());
  return v;
}

// A /24 of each fault, found by walking the range.
std::map<zone_fault, uint32_t> one_of_each(const model& m) {
  std::map<zone_fault, uint32_t> found;
  for (uint32_t net24 = 0x0a0000; net24 < 0x0a1000 && found.size() < 5; ++net24) {
    found.emplace(child_fault(m, net24), net24);
  }
  return found;
}

TEST(SimnetZones, FaultSharesAreNearTheModelsOverTheBlock) {
  const model m(zone_mix());
  std::map<zone_fault, int> count;
  for (uint32_t net24 = 0x0a0000; net24 < 0x0a1000; ++net24) {
    ++count[child_fault(m, net24)];
  }
  // 4,096 draws: each share within a few standard deviations.
  EXPECT_NEAR(count[zone_fault::lame] / 4096.0, share_lame, 0.02);
  EXPECT_NEAR(count[zone_fault::stale_serial] / 4096.0, share_stale_serial, 0.02);
  EXPECT_NEAR(count[zone_fault::ns_mismatch] / 4096.0, share_ns_mismatch, 0.02);
  EXPECT_NEAR(count[zone_fault::single_ns] / 4096.0, share_single_ns, 0.02);
  EXPECT_EQ(parent_zones(m).size(), 16u);
  EXPECT_EQ(all_servers(m).size(), 64u);
}

TEST(SimnetZones, ServerNamesAndAddressesRoundTrip) {
  const model m(zone_mix());
  for (const zone_server_id& s : all_servers(m)) {
    const auto back = parse_server_name(server_name(s));
    ASSERT_TRUE(back.has_value()) << server_name(s);
    EXPECT_TRUE(*back == s);
  }
  EXPECT_EQ(server_name({0x0a03, server_role::pns2}), "pns2.z10-3.sim.test");
  EXPECT_FALSE(parse_server_name("ns3.z10-3.sim.test"));
  EXPECT_FALSE(parse_server_name("ns1.z10-03.sim.test"));
  // ns1 and ns2 of one /16 in different /24s (no same_subnet finding).
  const uint32_t a = server_address(m, {0x0a03, server_role::ns1});
  const uint32_t b = server_address(m, {0x0a03, server_role::ns2});
  EXPECT_NE(a >> 8, b >> 8);
  EXPECT_EQ(a >> 24, 127u);
}

TEST(SimnetZones, ResolverAnswersTheCutTheParentAndTheServersAddresses) {
  const model m(zone_mix());
  const dns_message soa = ask(m, nullptr, "7.3.10.in-addr.arpa", dns::type_soa);
  ASSERT_EQ(soa.records.size(), 1u);
  EXPECT_EQ(soa.records[0].owner, "7.3.10.in-addr.arpa");
  EXPECT_EQ(soa.records[0].serial, child_serial(0x0a0307));
  const dns_message parent = ask(m, nullptr, "3.10.in-addr.arpa", dns::type_ns);
  EXPECT_EQ(names_in(parent, dns_section::answer, dns_type_ns),
            (std::vector<std::string>{"pns1.z10-3.sim.test", "pns2.z10-3.sim.test"}));
  const dns_message a = ask(m, nullptr, "pns1.z10-3.sim.test", dns::type_a);
  ASSERT_EQ(a.records.size(), 1u);
  EXPECT_EQ(a.records[0].addr.v4_value(), server_address(m, {0x0a03, server_role::pns1}));
  const dns_message aaaa = ask(m, nullptr, "pns1.z10-3.sim.test", dns::type_aaaa);
  EXPECT_EQ(aaaa.rcode, 0);
  EXPECT_TRUE(aaaa.records.empty());
  // Without --zone-servers the same question gets what it always got.
  {
    const bytes q = make_query("7.3.10.in-addr.arpa", dns::type_soa, true);
    bytes out(max_reply_size);
    const size_t n = answer_query(m, q, out);
    dns_message msg;
    ASSERT_TRUE(parse_message({out.data(), n}, msg));
    EXPECT_EQ(msg.rcode, 0);
    EXPECT_TRUE(msg.records.empty());
  }
  // Outside the range: as before (REFUSED).
  EXPECT_EQ(ask(m, nullptr, "7.3.11.in-addr.arpa", dns::type_soa).rcode, dns::rcode_refused);
}

TEST(SimnetZones, ParentServersReferWithGlueAndChildServersAnswerAsTheFaultSays) {
  const model m(zone_mix());
  for (const auto& [fault, net24] : one_of_each(m)) {
    SCOPED_TRACE(std::string(to_string(fault)));
    const uint32_t net16 = net24 >> 8;
    const std::string zone = child_origin(net24);
    const zone_server_id pns1{net16, server_role::pns1};
    const dns_message ref = ask(m, &pns1, zone, dns_type_ns);
    EXPECT_FALSE(ref.aa);
    EXPECT_EQ(ref.rcode, 0);
    EXPECT_TRUE(names_in(ref, dns_section::answer, dns_type_ns).empty());
    const std::vector<std::string> delegated = names_in(ref, dns_section::authority, dns_type_ns);
    EXPECT_EQ(delegated.size(), fault == zone_fault::single_ns ? 1u : 2u);
    for (const dns_rr& rr : ref.records) {
      if (rr.section == dns_section::additional) {
        EXPECT_EQ(rr.addr.v4_value(), server_address(m, *parse_server_name(rr.owner)));
      }
    }
    const zone_server_id ns1{net16, server_role::ns1};
    const zone_server_id ns2{net16, server_role::ns2};
    const dns_message soa1 = ask(m, &ns1, zone, dns_type_soa);
    EXPECT_TRUE(soa1.aa);
    ASSERT_EQ(soa1.records.size(), 1u);
    EXPECT_EQ(soa1.records[0].serial, child_serial(net24));
    const dns_message soa2 = ask(m, &ns2, zone, dns_type_soa);
    if (fault == zone_fault::lame || fault == zone_fault::single_ns) {
      EXPECT_EQ(soa2.rcode, dns::rcode_refused);
      EXPECT_FALSE(soa2.aa);
    } else {
      ASSERT_EQ(soa2.records.size(), 1u);
      EXPECT_EQ(soa2.records[0].serial,
                child_serial(net24) - (fault == zone_fault::stale_serial ? 1 : 0));
    }
    const dns_message ns = ask(m, &ns1, zone, dns_type_ns);
    EXPECT_EQ(names_in(ns, dns_section::answer, dns_type_ns).size(),
              fault == zone_fault::none || fault == zone_fault::lame ||
                      fault == zone_fault::stale_serial
                  ? 2u
                  : 1u);
    // Another /16's servers know nothing of it.
    const zone_server_id other{net16 ^ 1, server_role::ns1};
    EXPECT_EQ(ask(m, &other, zone, dns_type_soa).rcode, dns::rcode_refused);
  }
}

nlohmann::json good_record(const model& m, uint32_t net24, const cidr& targets) {
  const uint32_t net16 = net24 >> 8;
  const zone_fault f = child_fault(m, net24);
  const std::string ns1 = server_name({net16, server_role::ns1});
  const std::string ns2 = server_name({net16, server_role::ns2});
  nlohmann::json servers = nlohmann::json::array();
  servers.push_back({{"name", ns1},
                     {"ip", format_ipv4(server_address(m, {net16, server_role::ns1}))},
                     {"soa", "ok"}, {"aa", true}, {"serial", child_serial(net24)},
                     {"ns", "ok"}, {"tcp", "ok"}});
  nlohmann::json findings = nlohmann::json::array();
  if (f != zone_fault::single_ns) {
    nlohmann::json s = {{"name", ns2},
                        {"ip", format_ipv4(server_address(m, {net16, server_role::ns2}))},
                        {"ns", "ok"}, {"tcp", "ok"}};
    if (f == zone_fault::lame) {
      s.update({{"soa", "refused"}, {"ns", "refused"}});
      findings.push_back({{"kind", "lame_server"}, {"server", ns2}, {"address", s["ip"]},
                          {"reason", "refused"}});
    } else {
      s.update({{"soa", "ok"},
                {"serial", child_serial(net24) - (f == zone_fault::stale_serial ? 1 : 0)}});
    }
    servers.push_back(s);
  }
  if (f == zone_fault::stale_serial) {
    findings.push_back({{"kind", "serial_mismatch"},
                        {"serials", nlohmann::json::array({child_serial(net24) - 1,
                                                           child_serial(net24)})}});
  }
  if (f == zone_fault::ns_mismatch) {
    findings.push_back({{"kind", "ns_mismatch"},
                        {"parent_only", nlohmann::json::array({ns2})},
                        {"child_only", nlohmann::json::array()}});
  }
  if (f == zone_fault::single_ns) {
    findings.push_back({{"kind", "single_ns"}, {"server", ns1}});
  }
  uint64_t with_ptr = 0;
  for (uint32_t i = 0; i < 256; ++i) {
    with_ptr += m.truth(net24 << 8 | i).has_ptr ? 1 : 0;
  }
  (void)targets;
  nlohmann::json parent_ns = f == zone_fault::single_ns ? nlohmann::json::array({ns1})
                                                        : nlohmann::json::array({ns1, ns2});
  nlohmann::json child_ns =
      f == zone_fault::single_ns || f == zone_fault::ns_mismatch ? nlohmann::json::array({ns1})
                                                                  : nlohmann::json::array({ns1, ns2});
  return {{"type", "zone"},          {"zone", child_origin(net24)},
          {"status", "ok"},          {"parent", parent_origin(net16)},
          {"parent_ns", parent_ns},  {"child_ns", child_ns},
          {"servers", servers},      {"findings", findings},
          {"hosts", {{"scanned", 256}, {"with_ptr", with_ptr}, {"coverage", 0.5}}},
          {"queries", 18}};
}

TEST(SimnetZones, CheckAcceptsWhatTheModelSaysAndNamesWhatDiffers) {
  const model m(zone_mix());
  const cidr targets = m.settings().range;
  for (const auto& [fault, net24] : one_of_each(m)) {
    SCOPED_TRACE(std::string(to_string(fault)));
    const nlohmann::json good = good_record(m, net24, targets);
    EXPECT_EQ(zone_mismatch(m, targets, net24, good), "");
    nlohmann::json no_finding = good;
    no_finding["findings"] = nlohmann::json::array();
    EXPECT_EQ(zone_mismatch(m, targets, net24, no_finding).empty(), fault == zone_fault::none);
    nlohmann::json extra = good;
    extra["findings"].push_back({{"kind", "same_subnet"}, {"address", "127.150.3.53"}});
    EXPECT_NE(zone_mismatch(m, targets, net24, extra), "");
    nlohmann::json fewer_hosts = good;
    fewer_hosts["hosts"]["scanned"] = 255;
    EXPECT_NE(zone_mismatch(m, targets, net24, fewer_hosts), "");
    nlohmann::json wrong_serial = good;
    wrong_serial["servers"][0]["serial"] = 1;
    EXPECT_NE(zone_mismatch(m, targets, net24, wrong_serial), "");
  }
  EXPECT_EQ(zone_record_net24("7.3.10.in-addr.arpa"), 0x0a0307u);
  EXPECT_FALSE(zone_record_net24("3.10.in-addr.arpa"));
  EXPECT_FALSE(zone_record_net24("x.3.10.in-addr.arpa"));
}

TEST(SimnetZones, CheckerCountsZoneRecordsApartFromHosts) {
  const model m(zone_mix());
  const cidr block = *cidr::parse("10.0.2.0/23");  // two /24 zones
  const nlohmann::json first = good_record(m, 0x0a0002, m.settings().range);
  checker c(m, *probe_set::parse("zone"), block);
  c.add_line(first.dump());
  c.add_line(first.dump());
  check_summary s = c.finish();
  EXPECT_EQ(s.records, 0u);  // zone records are not host records
  EXPECT_EQ(s.zones, 2u);
  EXPECT_EQ(s.zones_checked, 1u);
  EXPECT_EQ(s.zone_duplicates, 1u);
  EXPECT_EQ(s.zones_missing, 1u);  // 10.0.3.0/24
  EXPECT_EQ(s.zone_mismatched, 0u) << (s.examples.empty() ? "" : s.examples.front());
  EXPECT_EQ(s.missing, 512u);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.to_json().find("\"zones_missing\":1"), std::string::npos) << s.to_json();
  // Without the zone probe a zone record is a mismatch.
  checker plain(m, *probe_set::parse("ptr"), block);
  plain.add_line(first.dump());
  EXPECT_EQ(plain.finish().mismatched, 1u);
}

}  // namespace
}  // namespace ptrscan::simnet
