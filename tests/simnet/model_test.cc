#include "simnet/model.h"

#include <gtest/gtest.h>

#include "simnet/names.h"

namespace ptrscan::simnet {
namespace {

TEST(Model, SameSeedSameNetwork) {
  const model a(mix{});
  const model b(mix{});
  mix other;
  other.seed = 2;
  const model c(other);
  int differ = 0;
  for (uint32_t ip = 0xC6120000; ip < 0xC6120000 + 4096; ++ip) {
    const host_truth x = a.truth(ip);
    const host_truth y = b.truth(ip);
    EXPECT_EQ(x.ptr_name, y.ptr_name);
    EXPECT_EQ(x.forward, y.forward);
    EXPECT_EQ(x.smtp, y.smtp);
    EXPECT_EQ(x.banner_name, y.banner_name);
    differ += x.ptr_name != c.truth(ip).ptr_name ? 1 : 0;
  }
  EXPECT_GT(differ, 1000);  // another seed is another network
}

// Every share of the mix, measured over the whole default /15.
TEST(Model, SharesMatchTheMix) {
  const mix m;
  const model sim(m);
  uint64_t n = 0, ptr = 0, confirmed = 0, elsewhere = 0, generic = 0, open = 0, refused = 0,
           not_open = 0, match = 0, open_with_ptr = 0, starttls = 0;
  for (uint64_t i = 0; i < m.range.size(); ++i) {
    const host_truth t = sim.truth(m.range.at(i));
    ++n;
    if (t.has_ptr) {
      ++ptr;
      confirmed += t.forward == forward_kind::confirmed;
      elsewhere += t.forward == forward_kind::elsewhere;
      generic += t.generic;
    }
    if (t.smtp == smtp_kind::open) {
      ++open;
      starttls += t.starttls;
      if (t.has_ptr) {
        ++open_with_ptr;
        match += t.banner_match;
      }
    } else {
      ++not_open;
      refused += t.smtp == smtp_kind::refused;
    }
  }
  auto share = [](uint64_t part, uint64_t whole) { return double(part) / double(whole); };
  const struct {
    const char* what;
    double got, want, tolerance;
  } cases[] = {
      {"ptr", share(ptr, n), m.ptr, 0.01},
      {"fcrdns", share(confirmed, ptr), m.fcrdns, 0.01},
      {"elsewhere", share(elsewhere, ptr - confirmed), 0.5, 0.02},
      {"generic", share(generic, ptr), m.generic, 0.01},
      {"open", share(open, n), m.open, 0.003},
      {"refused", share(refused, not_open), m.refused, 0.01},
      {"banner_match", share(match, open_with_ptr), m.banner_match, 0.04},
      {"starttls", share(starttls, open), m.starttls, 0.03},
  };
  for (const auto& c : cases) {
    EXPECT_NEAR(c.got, c.want, c.tolerance) << c.what;
  }
}

TEST(Model, ExtremeSharesAreExact) {
  mix m;
  m.range = *cidr::parse("198.18.0.0/24");
  m.ptr = 1;
  m.fcrdns = 1;
  m.open = 1;
  m.banner_match = 0;
  const model sim(m);
  for (uint64_t i = 0; i < m.range.size(); ++i) {
    const host_truth t = sim.truth(m.range.at(i));
    EXPECT_TRUE(t.has_ptr);
    EXPECT_EQ(t.forward, forward_kind::confirmed);
    EXPECT_EQ(t.smtp, smtp_kind::open);
    EXPECT_NE(t.banner_name, t.ptr_name);
  }
}

// The DNS server finds a name's address by parsing it: every name the model
// hands out must parse back to its own address.
TEST(Model, EveryNameParsesBackToItsAddress) {
  const model sim(mix{});
  for (uint32_t ip = 0xC6120000; ip < 0xC6120000 + 8192; ++ip) {
    const host_truth t = sim.truth(ip);
    if (t.has_ptr) {
      ASSERT_EQ(parse_encoded_ip(t.ptr_name), ip) << t.ptr_name;
    } else {
      ASSERT_EQ(parse_encoded_ip(t.banner_name), ip) << t.banner_name;
    }
  }
  for (int s = 0; s < 5; ++s) {
    const std::string name = make_ptr_name(static_cast<name_style>(s), 0xC6120307);
    EXPECT_EQ(parse_encoded_ip(name), 0xC6120307u) << name;
  }
  EXPECT_EQ(make_ptr_name(name_style::dyn, 0xC6120307), "ip-198-18-3-7.dyn.sim.test");
  EXPECT_EQ(make_ptr_name(name_style::host, 0xC6120307), "host7.3.18.198.static.sim.test");
  EXPECT_EQ(make_ptr_name(name_style::corp, 0xC6120307), "mail-c6120307.corp.sim.test");
}

TEST(Model, OnlyCanonicalSpellingsParse) {
  for (const char* name :
       {"ip-198-18-3-07.dyn.sim.test", "ip-198-18-3.dyn.sim.test", "198-18-3-7-1.pool.sim.test",
        "mail-C6120307.corp.sim.test", "mx.c612030.sim.test", "host7.3.18.198.static.sim",
        "sim.test", "mta7.other.sim.test", "ip-198-18-3-256.dyn.sim.test"}) {
    EXPECT_FALSE(parse_encoded_ip(name).has_value()) << name;
  }
}

// The forward zone agrees with each address's truth.
TEST(Model, ForwardRecordsFollowTheVerdict) {
  const model sim(mix{});
  int kinds[3] = {};
  for (uint32_t ip = 0xC6120000; ip < 0xC6120000 + 4096; ++ip) {
    const host_truth t = sim.truth(ip);
    if (!t.has_ptr) {
      EXPECT_FALSE(sim.forward(t.banner_name).exists) << t.banner_name;
      continue;
    }
    ++kinds[static_cast<int>(t.forward)];
    const forward_record r = sim.forward(t.ptr_name);
    switch (t.forward) {
      case forward_kind::confirmed:
        EXPECT_EQ(r.a, ip);
        break;
      case forward_kind::elsewhere:
        ASSERT_TRUE(r.a.has_value());
        EXPECT_NE(*r.a, ip);
        EXPECT_TRUE(sim.in_range(*r.a));
        break;
      case forward_kind::nxdomain:
        EXPECT_FALSE(r.exists);
        break;
    }
    // Another address's style of the same name does not exist.
    for (int s = 0; s < 5; ++s) {
      const std::string other = make_ptr_name(static_cast<name_style>(s), ip);
      if (other != t.ptr_name) {
        EXPECT_FALSE(sim.forward(other).exists) << other;
      }
    }
  }
  for (int k : kinds) {
    EXPECT_GT(k, 100);
  }
  EXPECT_TRUE(sim.forward("sim.test").exists);
  EXPECT_FALSE(sim.forward("sim.test").a.has_value());
}

TEST(Model, ReverseZonesCoverTheRangeAtOctetBoundaries) {
  const struct {
    const char* range;
    std::vector<std::string> origins;
  } cases[] = {
      {"198.18.0.0/15", {"18.198.in-addr.arpa", "19.198.in-addr.arpa"}},
      {"198.18.0.0/16", {"18.198.in-addr.arpa"}},
      {"198.18.4.0/23", {"4.18.198.in-addr.arpa", "5.18.198.in-addr.arpa"}},
      {"10.0.0.0/8", {"10.in-addr.arpa"}},
      {"198.18.3.7/32", {"7.3.18.198.in-addr.arpa"}},
  };
  for (const auto& c : cases) {
    mix m;
    m.range = *cidr::parse(c.range);
    std::vector<std::string> got;
    for (const cidr& z : model(m).reverse_zones()) {
      got.push_back(reverse_zone_origin(z));
    }
    EXPECT_EQ(got, c.origins) << c.range;
  }
}

}  // namespace
}  // namespace ptrscan::simnet
