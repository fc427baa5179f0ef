// Runs the naming classifier over the labelled set in datasets/rdns/names.tsv
// and prints precision and recall per class, beside two baselines for
// generic-dynamic: "any name that spells the IP is dynamic", and the generic
// rules of SpamAssassin's 20_dynrdns.cf (RDNS_DYNAMIC). Asserts only loose
// floors: the numbers are for reading, not for pinning.

#include "checks/rdns_dataset.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "checks/rdns_class.h"
#include "checks/rdns_ip_match.h"

namespace ptrscan {
namespace {

std::string dataset_path() {
  return (std::filesystem::path(PTRSCAN_SOURCE_DIR) / "datasets/rdns/names.tsv").string();
}

struct counts {
  int tp = 0;
  int fp = 0;
  int fn = 0;

  double precision() const { return tp + fp == 0 ? 1.0 : double(tp) / (tp + fp); }
  double recall() const { return tp + fn == 0 ? 1.0 : double(tp) / (tp + fn); }
  void add(bool predicted, bool actual) {
    tp += predicted && actual;
    fp += predicted && !actual;
    fn += !predicted && actual;
  }
};

// RDNS_DYNAMIC of SpamAssassin 4.0's rules/20_dynrdns.cf, its provider-neutral
// parts: __RDNS_DYNAMIC_{IPADDR,DHCP,HCC,DIALIN,HEXIP,SPLIT_IP,TTNET} and
// __RDNS_INDICATOR_{DYN,TYPE,RES,TYPE2}, minus __RDNS_STATIC. The header
// prefix "^[^\]]+ rdns=" becomes "^" on the bare name; the per-ISP rules
// (Comcast, Telia, Rogers, ...) are left out.
class spamassassin_like {
 public:
  bool dynamic(const std::string& name) const {
    if (name.empty() || std::regex_search(name, static_)) {
      return false;
    }
    for (const std::regex& r : rules_) {
      if (std::regex_search(name, r)) {
        return true;
      }
    }
    return false;
  }

 private:
  static constexpr auto flags = std::regex::ECMAScript | std::regex::icase | std::regex::optimize;
  std::regex static_{R"(^\S*(?:fix|static|fixip))", flags};
  std::array<std::regex, 11> rules_{
      std::regex(R"(^\S*\d+[^\d\s]\d+[^\d\s]\d+[^\d\s]\d+\S*\.\S+\.\S)", flags),
      std::regex(R"(^\S*(?:cm|catv|docsis|cable|dsl|dhcp|cpe|node)\S*\d+[^\d\s]+\d)", flags),
      std::regex(R"(^\S*\d+[^\d\s]+\d+\S*\.(?:docsis|cable|dsl|adsl|dhcp|cpe)\.)", flags),
      std::regex(R"(^[a-z][a-f0-9]+\.dip\.)", flags),
      std::regex(R"(^0x[a-f0-9]{8}\.)", flags),
      std::regex(R"(^\d+\.\S+\d+[^\d\s]\d+[^\d\s]\d+[^\d\s])", flags),
      std::regex(R"(^\S+[\-\.]dyn(?:amic)?[\-\.])", flags),
      std::regex(R"(^\S+[\-\.](?:dial|modem|isdn|dov|\S?dsl|cable|wireless)[\-\.])", flags),
      std::regex(R"(^\S+[\-\.](?:res|resnet|client)[\-\.])", flags),
      std::regex(R"(^\S+[\-\.](?:docsis|dhcp|cpe|catv)[\-\.])", flags),
      std::regex(R"(^\S+[\-\.]dyn(?:amic)?\d)", flags),
  };
};

void print_row(const char* label, const counts& c) {
  std::printf("  %-34s %5d %5d %5d   %5.3f  %5.3f\n", label, c.tp, c.fp, c.fn, c.precision(),
              c.recall());
}

TEST(RdnsDatasetTest, PrecisionAndRecallPerClass) {
  const auto rows = load_rdns_dataset(dataset_path());
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_GE(rows->size(), 300u);

  const rdns_classifier classifier;
  const spamassassin_like sa;
  std::array<counts, rdns_class_count> per_class{};
  counts ip_shaped;
  counts sa_dynamic;
  int correct = 0;
  rdns_verdict v;
  for (const rdns_labelled_name& row : *rows) {
    classifier.classify(row.name, row.ip, v);
    const bool actual_dynamic = row.expected == rdns_class::generic_dynamic;
    for (int i = 0; i < rdns_class_count; ++i) {
      const auto c = static_cast<rdns_class>(i);
      per_class[static_cast<size_t>(i)].add(v.cls == c, row.expected == c);
    }
    correct += v.cls == row.expected;
    if (v.cls != row.expected) {
      std::printf("  miss: %-58s %-15s want %-19s got %-19s [%s]\n", row.name.c_str(),
                  row.ip.to_string().c_str(), std::string(to_string(row.expected)).c_str(),
                  std::string(to_string(v.cls)).c_str(), v.ip_encoded.c_str());
    }
    // Baseline 1: the name spells the IP (our own detector), so "dynamic".
    const bool shaped = !row.name.empty() && rdns::find_ip(row.name, row.ip).found();
    ip_shaped.add(shaped, actual_dynamic);
    sa_dynamic.add(sa.dynamic(row.name), actual_dynamic);
  }

  std::printf("\nrDNS naming classes over %zu labelled names (%s)\n", rows->size(),
              "datasets/rdns/names.tsv");
  std::printf("  %-34s %5s %5s %5s   %5s  %5s\n", "class", "tp", "fp", "fn", "prec", "recall");
  for (int i = 0; i < rdns_class_count; ++i) {
    print_row(std::string(to_string(static_cast<rdns_class>(i))).c_str(),
              per_class[static_cast<size_t>(i)]);
  }
  std::printf("  accuracy %.3f (%d of %zu)\n", double(correct) / rows->size(), correct,
              rows->size());
  std::printf("generic-dynamic baselines on the same names:\n");
  print_row("any IP-shaped name = dynamic", ip_shaped);
  print_row("SpamAssassin-like RDNS_DYNAMIC", sa_dynamic);
  std::printf("\n");

  // Loose floors; the printed table is the measurement.
  const counts& dyn = per_class[static_cast<size_t>(rdns_class::generic_dynamic)];
  EXPECT_GE(dyn.precision(), 0.85);
  EXPECT_GE(dyn.recall(), 0.75);
  EXPECT_GT(dyn.precision(), sa_dynamic.precision() + 0.15);
  EXPECT_GE(double(correct) / rows->size(), 0.80);
  for (rdns_class c : {rdns_class::mail_like, rdns_class::generic_static, rdns_class::custom}) {
    EXPECT_GE(per_class[static_cast<size_t>(c)].precision(), 0.7) << to_string(c);
    EXPECT_GE(per_class[static_cast<size_t>(c)].recall(), 0.7) << to_string(c);
  }
}

TEST(RdnsDatasetTest, ParserNamesTheBadLine) {
  const auto rows = parse_rdns_dataset(
      "# comment\nmx.example.com\t192.0.2.1\tmail-like\tx\n"
      "mx.example.com\t192.0.2.300\tmail-like\tx\n");
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("line 3"), std::string::npos) << rows.status();
  EXPECT_FALSE(parse_rdns_dataset("a.example\t192.0.2.1\tdynamic\tx\n").ok());
  EXPECT_FALSE(parse_rdns_dataset("a.example\t192.0.2.1\n").ok());
}

}  // namespace
}  // namespace ptrscan
