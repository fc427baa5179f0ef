#include "checks/spf_lint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace ptrscan {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

/// "code" or "code:detail" or "code=count", in order.
std::vector<std::string> lint(std::string_view record,
                              const std::vector<spf_evaluation_facts>& evaluated = {}) {
  std::vector<std::string> out;
  for (const spf_lint_finding& f : lint_spf_record(record, record.size(), evaluated)) {
    std::string s(f.code);
    if (!f.detail.empty()) {
      s += ":" + f.detail;
    }
    if (f.count) {
      s += "=" + std::to_string(*f.count);
    }
    out.push_back(s);
  }
  return out;
}

TEST(SpfLint, CleanRecordHasNoFindings) {
  EXPECT_THAT(lint("v=spf1 mx ip4:192.0.2.0/24 include:_spf.example.net -all"), IsEmpty());
  EXPECT_THAT(lint("v=spf1 ~all"), IsEmpty());
  EXPECT_THAT(lint("v=spf1 redirect=_spf.example.net"), IsEmpty());  // the target has the all
}

TEST(SpfLint, AllQualifiers) {
  EXPECT_THAT(lint("v=spf1 mx +all"), ElementsAre("spf_all_pass:+all"));
  EXPECT_THAT(lint("v=spf1 mx all"), ElementsAre("spf_all_pass:all"));
  EXPECT_THAT(lint("v=spf1 mx ?all"), ElementsAre("spf_all_neutral:?all"));
  // Only the first all is ever reached.
  EXPECT_THAT(lint("v=spf1 -all +all"), IsEmpty());
  EXPECT_THAT(lint("v=spf1 ?all -all"), ElementsAre("spf_all_neutral:?all"));
}

TEST(SpfLint, NoAllAndNoRedirect) {
  EXPECT_THAT(lint("v=spf1 mx"), ElementsAre("spf_no_all"));
  EXPECT_THAT(lint("v=spf1"), ElementsAre("spf_no_all"));
  EXPECT_THAT(lint("v=spf1 mx redirect=_spf.example.net"), IsEmpty());
}

TEST(SpfLint, PtrUsed) {
  EXPECT_THAT(lint("v=spf1 ptr -all"), ElementsAre("spf_ptr:ptr"));
  EXPECT_THAT(lint("v=spf1 ?ptr:example.net -all"), ElementsAre("spf_ptr:?ptr:example.net"));
}

TEST(SpfLint, RecordOver450Octets) {
  std::string record = "v=spf1";
  while (record.size() <= 440) {
    record += " ip4:192.0.2.1";
  }
  record += " -all";
  ASSERT_GT(record.size(), 450U);
  EXPECT_THAT(lint(record), ElementsAre("spf_too_long=" + std::to_string(record.size())));
  // The length as published counts, not the (cut) text kept.
  EXPECT_THAT(lint_spf_record("v=spf1 -all", 451, {}).front().code, "spf_too_long");
  EXPECT_THAT(lint_spf_record("v=spf1 -all", 450, {}), IsEmpty());
}

TEST(SpfLint, TooManyLookupTermsInTheRecordItself) {
  EXPECT_THAT(lint("v=spf1 a mx a mx a mx a mx a mx -all"), IsEmpty());  // ten
  EXPECT_THAT(lint("v=spf1 a mx a mx a mx a mx a mx redirect=x.example.net"),
              ElementsAre("spf_too_many_lookups=11"));
}

TEST(SpfLint, WhatEvaluationsFound) {
  const std::vector<spf_evaluation_facts> evaluated = {
      {4, 1, ""},
      {11, 3, "gone.example.net"},
      {2, 0, "gone.example.net"},
  };
  EXPECT_THAT(lint("v=spf1 include:a.example.net include:gone.example.net -all", evaluated),
              ElementsAre("spf_too_many_lookups=11", "spf_too_many_void_lookups=3",
                          "spf_include_without_spf:gone.example.net"));
  // At the limits: nothing.
  EXPECT_THAT(lint("v=spf1 include:a.example.net -all", {{10, 2, ""}}), IsEmpty());
}

/// Drives a real evaluation over a tiny zone (TXT and A only), so the facts
/// the lint reads are the evaluator's own counts.
spf_evaluation_facts evaluate(const std::map<std::string, std::string>& txt,
                              std::string_view domain) {
  spf_evaluation e(domain, *ip_address::parse("192.0.2.3"));
  for (int guard = 0; !e.done() && guard < 100; ++guard) {
    const std::vector<spf_query> step(e.pending().begin(), e.pending().end());
    for (size_t i = 0; i < step.size(); ++i) {
      dns_reply r;
      const auto it = txt.find(step[i].name);
      if (step[i].type == dns_type_txt && it != txt.end()) {
        r.status = dns_status::ok;
        r.texts = {it->second};
      } else {
        r.status = dns_status::nxdomain;
      }
      e.on_answer(i, r.status, r);
    }
  }
  EXPECT_TRUE(e.done());
  return facts_of(e);
}

TEST(SpfLint, FactsFromARealEvaluation) {
  const spf_evaluation_facts missing =
      evaluate({{"example.com", "v=spf1 include:_spf.example.net -all"}}, "example.com");
  EXPECT_EQ(missing.include_without_spf, "_spf.example.net");
  EXPECT_THAT(lint("v=spf1 include:_spf.example.net -all", {missing}),
              ElementsAre("spf_include_without_spf:_spf.example.net"));

  const spf_evaluation_facts voids = evaluate(
      {{"example.com", "v=spf1 a:n1.example.com a:n2.example.com a:n3.example.com -all"}},
      "example.com");
  EXPECT_EQ(voids.void_lookups, 3);

  std::map<std::string, std::string> chain;
  for (int i = 0; i < 11; ++i) {
    chain["d" + std::to_string(i) + ".example.com"] =
        "v=spf1 include:d" + std::to_string(i + 1) + ".example.com -all";
  }
  const spf_evaluation_facts deep = evaluate(chain, "d0.example.com");
  EXPECT_EQ(deep.lookups, 11);
  EXPECT_THAT(lint(chain["d0.example.com"], {deep}), ElementsAre("spf_too_many_lookups=11"));
}

}  // namespace
}  // namespace ptrscan
