#include "checks/zone_audit.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ptrscan {
namespace {

ip_address ip(const char* text) { return *ip_address::parse(text); }

zone_server healthy(const char* name, const char* addr, uint32_t serial = 7) {
  zone_server s;
  s.name = name;
  s.ip = ip(addr);
  s.soa = dns_status::ok;
  s.aa = true;
  s.serial = serial;
  s.soa_ttl = 86400;
  s.ns = dns_status::ok;
  s.ns_names = {"ns1.isp.test", "ns2.other.test"};
  s.ns_ttl = 86400;
  s.tcp = zone_server::tcp_t::ok;
  return s;
}

/// Two servers in different /24s, parent and child agreeing: nothing to fix.
zone_facts healthy_zone() {
  zone_facts f;
  f.zone = "1.77.10.in-addr.arpa";
  f.parent = "77.10.in-addr.arpa";
  f.parent_ns = {"ns1.isp.test", "ns2.other.test"};
  f.parent_ns_ttl = 86400;
  f.parent_asked = true;
  f.parent_answered = true;
  f.resolved = {{"ns1.isp.test", {ip("192.0.2.1")}}, {"ns2.other.test", {ip("198.51.100.1")}}};
  f.servers = {healthy("ns1.isp.test", "192.0.2.1"), healthy("ns2.other.test", "198.51.100.1")};
  return f;
}

std::vector<zone_finding_kind> kinds(const zone_facts& f) {
  std::vector<zone_finding_kind> out;
  for (const zone_finding& x : audit_zone(f)) {
    out.push_back(x.kind);
  }
  return out;
}

TEST(ZoneAudit, HealthyZoneHasNoFindings) {
  EXPECT_TRUE(audit_zone(healthy_zone()).empty());
  EXPECT_EQ(child_ns_set(healthy_zone()), healthy_zone().parent_ns);
}

TEST(ZoneAudit, EveryLameAnswerIsALameServerWithItsReason) {
  struct row {
    dns_status soa;
    bool aa;
    zone_server::tcp_t tcp;
    const char* reason;
  };
  const row rows[] = {
      {dns_status::refused, false, zone_server::tcp_t::ok, "refused"},
      {dns_status::servfail, false, zone_server::tcp_t::ok, "servfail"},
      {dns_status::timeout, false, zone_server::tcp_t::failed, "timeout"},
      {dns_status::ok, false, zone_server::tcp_t::ok, "not_authoritative"},
      {dns_status::nodata, true, zone_server::tcp_t::ok, "no_zone"},
      {dns_status::nxdomain, true, zone_server::tcp_t::ok, "no_zone"},
      {dns_status::ok, true, zone_server::tcp_t::failed, "no_tcp"},
  };
  for (const row& r : rows) {
    zone_facts f = healthy_zone();
    f.servers[1].soa = r.soa;
    f.servers[1].aa = r.aa;
    f.servers[1].tcp = r.tcp;
    const std::vector<zone_finding> x = audit_zone(f);
    ASSERT_EQ(x.size(), 1u) << r.reason;
    EXPECT_EQ(x[0].kind, zone_finding_kind::lame_server);
    EXPECT_EQ(x[0].reason, r.reason);
    EXPECT_EQ(x[0].server, "ns2.other.test");
    EXPECT_EQ(x[0].address, "198.51.100.1");
  }
}

TEST(ZoneAudit, ParentAndChildNsSetsDiffer) {
  zone_facts f = healthy_zone();
  for (zone_server& s : f.servers) {
    s.ns_names = {"ns1.isp.test", "ns3.isp.test"};
  }
  f.resolved.push_back({"ns3.isp.test", {ip("203.0.113.3")}});
  const std::vector<zone_finding> x = audit_zone(f);
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].kind, zone_finding_kind::ns_mismatch);
  EXPECT_EQ(x[0].parent_only, std::vector<std::string>{"ns2.other.test"});
  EXPECT_EQ(x[0].child_only, std::vector<std::string>{"ns3.isp.test"});
}

TEST(ZoneAudit, SerialsDisagree) {
  zone_facts f = healthy_zone();
  f.servers[1].serial = 5;
  const std::vector<zone_finding> x = audit_zone(f);
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].kind, zone_finding_kind::serial_mismatch);
  EXPECT_EQ(x[0].serials, (std::vector<uint32_t>{5, 7}));
  // A lame server's serial is not a disagreement.
  f.servers[1].aa = false;
  EXPECT_EQ(kinds(f), std::vector<zone_finding_kind>{zone_finding_kind::lame_server});
}

TEST(ZoneAudit, GlueInsideTheZoneMustBeThereAndRight) {
  zone_facts f = healthy_zone();
  f.parent_ns = {"ns1.1.77.10.in-addr.arpa", "ns2.other.test"};
  for (zone_server& s : f.servers) {
    s.ns_names = f.parent_ns;
  }
  f.resolved[0].name = "ns1.1.77.10.in-addr.arpa";
  f.servers[0].name = "ns1.1.77.10.in-addr.arpa";
  EXPECT_EQ(kinds(f), std::vector<zone_finding_kind>{zone_finding_kind::missing_glue});
  f.glue = {{"ns1.1.77.10.in-addr.arpa", {ip("192.0.2.1")}}};
  EXPECT_TRUE(audit_zone(f).empty());
  // The name has an AAAA too: glue of one family is not wrong.
  f.resolved[0].addrs = {ip("192.0.2.1"), ip("2001:db8::1")};
  EXPECT_TRUE(audit_zone(f).empty());
  f.glue[0].addrs = {ip("192.0.2.99")};
  const std::vector<zone_finding> x = audit_zone(f);
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].kind, zone_finding_kind::wrong_glue);
  EXPECT_EQ(x[0].address, "192.0.2.99");
}

TEST(ZoneAudit, Rfc2182SingleNsAndOneSubnet) {
  zone_facts f = healthy_zone();
  f.servers[1].ip = ip("192.0.2.200");  // same /24 as the first
  f.resolved[1].addrs = {ip("192.0.2.200")};
  EXPECT_EQ(kinds(f), std::vector<zone_finding_kind>{zone_finding_kind::same_subnet});
  zone_facts one = healthy_zone();
  one.parent_ns = {"ns1.isp.test"};
  one.servers.resize(1);
  one.servers[0].ns_names = {"ns1.isp.test"};
  EXPECT_EQ(kinds(one), std::vector<zone_finding_kind>{zone_finding_kind::single_ns});
}

TEST(ZoneAudit, LowNsTtlUnresolvableNameAndSilentParent) {
  zone_facts f = healthy_zone();
  f.servers[0].ns_ttl = 300;
  std::vector<zone_finding> x = audit_zone(f);
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].kind, zone_finding_kind::low_ns_ttl);
  EXPECT_EQ(x[0].ttl, 300u);
  f = healthy_zone();
  f.resolved[1].addrs.clear();
  EXPECT_EQ(kinds(f), std::vector<zone_finding_kind>{zone_finding_kind::ns_unresolvable});
  f = healthy_zone();
  f.parent_answered = false;
  EXPECT_EQ(kinds(f), std::vector<zone_finding_kind>{zone_finding_kind::parent_unreachable});
}

// A local failure (no v6 route, no socket) or a malformed answer says
// nothing about the server: recorded on the server, never lame_server.
TEST(ZoneAudit, ALocalOrMalformedFailureIsNoLameVerdict) {
  zone_facts f = healthy_zone();
  f.servers[1].ip = ip("2001:db8::53");
  f.servers[1].soa = dns_status::error;
  f.servers[1].soa_error = dns_reason::local;
  f.servers[1].aa = false;
  f.servers[1].ns = dns_status::error;
  f.servers[1].tcp = zone_server::tcp_t::failed;
  EXPECT_TRUE(audit_zone(f).empty());
  f.servers[1].soa_error = dns_reason::malformed;
  EXPECT_TRUE(audit_zone(f).empty());
  // UDP answered; the TCP try never left: no no_tcp.
  f = healthy_zone();
  f.servers[1].tcp = zone_server::tcp_t::error;
  EXPECT_TRUE(audit_zone(f).empty());
}

// Only an answered lookup says a name has no address or other addresses
// than its glue; a failed one, or one the names cap left unasked, does not.
TEST(ZoneAudit, FailedOrUnaskedLookupsGiveNoFinding) {
  zone_facts f = healthy_zone();
  f.resolved[1].addrs.clear();
  f.resolved[1].failed = true;  // A and AAAA timed out at the resolver
  EXPECT_TRUE(audit_zone(f).empty());
  f = healthy_zone();
  f.resolved.pop_back();  // past the names cap: never asked
  EXPECT_TRUE(audit_zone(f).empty());
  // v6 glue while the AAAA lookup failed: not wrong_glue.
  f = healthy_zone();
  f.parent_ns = {"ns1.1.77.10.in-addr.arpa", "ns2.other.test"};
  for (zone_server& s : f.servers) {
    s.ns_names = f.parent_ns;
  }
  f.resolved[0].name = "ns1.1.77.10.in-addr.arpa";
  f.resolved[0].failed = true;
  f.servers[0].name = "ns1.1.77.10.in-addr.arpa";
  f.glue = {{"ns1.1.77.10.in-addr.arpa", {ip("192.0.2.1"), ip("2001:db8::1")}}};
  EXPECT_TRUE(audit_zone(f).empty());
  // No parent server address was found, so none was asked: no verdict on
  // the parent.
  f = healthy_zone();
  f.parent_answered = false;
  f.parent_asked = false;
  EXPECT_TRUE(audit_zone(f).empty());
}

// A referral or NS answer over the parser's record cap may have lost glue
// or NS names: no glue or NS-set finding is drawn from it.
TEST(ZoneAudit, ACutMessageGivesNoGlueOrNsSetFinding) {
  zone_facts f = healthy_zone();
  f.parent_ns = {"ns1.1.77.10.in-addr.arpa", "ns2.other.test"};
  f.resolved[0].name = "ns1.1.77.10.in-addr.arpa";
  f.servers[0].name = "ns1.1.77.10.in-addr.arpa";
  // The glue and the child's second name were past the cap.
  for (zone_server& s : f.servers) {
    s.ns_names = {"ns1.1.77.10.in-addr.arpa"};
  }
  ASSERT_FALSE(audit_zone(f).empty());  // missing_glue, ns_mismatch
  f.records_cut = true;
  EXPECT_TRUE(audit_zone(f).empty());
}

TEST(ZoneAudit, NameTemplates) {
  struct row {
    const char* name;
    const char* ip;
    const char* want;
  };
  const row rows[] = {
      {"10-77-1-5.dyn.isp.example", "10.77.1.5", "{a}-{b}-{c}-{d}.dyn.isp.example"},
      {"5.1.77.10.static.isp.example", "10.77.1.5", "{d}.{c}.{b}.{a}.static.isp.example"},
      {"host-1-5.pool.example", "10.77.1.5", "host-{c}-{d}.pool.example"},
      {"Cust5.Example", "10.77.1.5", "cust{d}.example"},
      {"dsl0a4d0105.pool.example", "10.77.1.5", "dsl{hex}.pool.example"},
      {"mail.example", "10.77.1.5", "mail.example"},
      {"010-077-001-005.example", "10.77.1.5", "{a}-{b}-{c}-{d}.example"},
      {"host-1a.v6.example", "2001:db8::1a", "host-{h8}.v6.example"},
  };
  for (const row& r : rows) {
    EXPECT_EQ(name_template(r.name, ip(r.ip)), r.want) << r.name;
  }
  // Hosts of one template share it; a static name does not.
  EXPECT_EQ(name_template("10-77-1-6.dyn.isp.example", ip("10.77.1.6")),
            name_template("10-77-1-200.dyn.isp.example", ip("10.77.1.200")));
}

}  // namespace
}  // namespace ptrscan
