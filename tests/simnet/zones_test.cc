#include "simnet/zones.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "simnet/nft_script.h"

namespace ptrscan::simnet {
namespace {

// Owner -> "TYPE data" of every record line after the apex.
std::multimap<std::string, std::string> records(const std::string& zone_text) {
  std::multimap<std::string, std::string> out;
  std::istringstream in(zone_text);
  std::string owner, type, data;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    if (line.empty() || line[0] == '$' || line[0] == '@' || !(fields >> owner >> type >> data)) {
      continue;
    }
    out.emplace(owner, type + " " + data);
  }
  return out;
}

class Zones : public ::testing::Test {
 protected:
  static mix small_range() {
    mix m;
    m.range = *cidr::parse("198.18.4.0/23");
    return m;
  }
  const mix m_ = small_range();
  model sim_{m_};
};

TEST_F(Zones, HoldExactlyWhatTheServerAnswers) {
  const std::vector<cidr> zones = sim_.reverse_zones();
  ASSERT_EQ(zones.size(), 2u);
  std::multimap<std::string, std::string> reverse;
  for (const cidr& z : zones) {
    std::ostringstream text;
    write_reverse_zone(text, sim_, z);
    EXPECT_EQ(text.str().rfind("$ORIGIN " + reverse_zone_origin(z) + ".\n", 0), 0u);
    reverse.merge(records(text.str()));
  }
  std::ostringstream forward_text;
  write_forward_zone(forward_text, sim_);
  const auto forward = records(forward_text.str());

  size_t ptrs = 0, as = 0;
  for (uint64_t i = 0; i < m_.range.size(); ++i) {
    const host_truth t = sim_.truth(m_.range.at(i));
    const std::string rev = std::to_string(t.ip & 255) + "." + std::to_string(t.ip >> 8 & 255) +
                            ".18.198.in-addr.arpa.";
    ASSERT_EQ(reverse.count(rev), t.has_ptr ? 1u : 0u) << rev;
    if (!t.has_ptr) {
      continue;
    }
    ++ptrs;
    EXPECT_EQ(reverse.find(rev)->second, "PTR " + t.ptr_name + ".");
    const forward_record r = sim_.forward(t.ptr_name);
    const auto it = forward.find(t.ptr_name + ".");
    ASSERT_EQ(it != forward.end(), r.exists) << t.ptr_name;
    if (r.exists) {
      ++as;
      EXPECT_EQ(it->second, "A " + format_ipv4(*r.a));
    }
  }
  EXPECT_EQ(reverse.size(), ptrs);
  EXPECT_EQ(forward.size(), as);
  EXPECT_GT(as, 100u);
}

TEST_F(Zones, NftScriptListsOpenAndSilentHosts) {
  const std::string script = nft_script(sim_, 2525);
  size_t open = 0, silent = 0;
  for (uint64_t i = 0; i < m_.range.size(); ++i) {
    const host_truth t = sim_.truth(m_.range.at(i));
    open += t.smtp == smtp_kind::open;
    silent += t.smtp == smtp_kind::silent;
  }
  EXPECT_GT(open, 0u);
  EXPECT_GT(silent, 0u);
  // One address per element, comma-separated.
  auto elements = [](const std::string& block) {
    size_t n = 0;
    for (size_t at = block.find("198.18."); at != std::string::npos;
         at = block.find("198.18.", at + 1)) {
      ++n;
    }
    return n;
  };
  const size_t silent_at = script.find("set silent");
  const size_t chain_at = script.find("chain input");
  EXPECT_EQ(elements(script.substr(script.find("set open"), silent_at - script.find("set open"))),
            open);
  EXPECT_EQ(elements(script.substr(silent_at, chain_at - silent_at)), silent);
  EXPECT_NE(script.find("tcp dport 2525 ip daddr @open accept"), std::string::npos);
  EXPECT_NE(script.find("tcp dport 2525 ip daddr @silent drop"), std::string::npos);
  EXPECT_NE(script.find("tcp dport 2525 ip daddr 198.18.4.0/23 reject with tcp reset"),
            std::string::npos);
}

}  // namespace
}  // namespace ptrscan::simnet
