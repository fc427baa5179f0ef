#include "report/host_facts.h"

#include <gtest/gtest.h>

#include <string>

namespace ptrscan::report {
namespace {

using kind = parsed_record::kind;

TEST(ParseRecord, ReadsAFullRecord) {
  const parsed_record r = parse_record(
      R"({"ip":"198.18.0.7","ptr":{"status":"ok","names":["mx1.example.org","b.example.org"]},)"
      R"("fcrdns":{"status":"pass","name":"mx1.example.org"},)"
      R"("rdns":{"name":"mx1.example.org","class":"mail-like","tokens":["mx"]},)"
      R"("smtp":[{"port":25,"status":"ok","banner":"220 mx1.example.org ESMTP",)"
      R"("banner_host":"mx1.example.org","ehlo":{"host":"mx1.example.org",)"
      R"("extensions":["PIPELINING","SIZE 10240000","STARTTLS"]},)"
      R"("tls":{"version":"TLSv1.3","cipher":"TLS_AES_128_GCM_SHA256"}}],)"
      R"("checks":{"banner_ptr_match":true,"ehlo_ptr_match":false}})");
  ASSERT_EQ(r.what, kind::host) << r.error;
  const host_facts& h = r.host;
  EXPECT_EQ(h.ip.to_string(), "198.18.0.7");
  EXPECT_EQ(h.ptr, ptr_outcome::found);
  EXPECT_EQ(h.ptr_name, "mx1.example.org");
  EXPECT_EQ(h.fcrdns, fcrdns_outcome::pass);
  EXPECT_EQ(h.naming, rdns_class::mail_like);
  EXPECT_TRUE(h.smtp_probed);
  EXPECT_TRUE(h.smtp_ok);
  EXPECT_TRUE(h.starttls_offered);
  EXPECT_TRUE(h.tls_negotiated);
  EXPECT_EQ(h.banner_host, "mx1.example.org");
  EXPECT_EQ(h.banner_ptr_match, true);
  EXPECT_EQ(h.ehlo_ptr_match, false);
  EXPECT_EQ(verdict_of(h), map_verdict::pass);
}

// One field at a time: what the record says, what the report makes of it.
struct facts_case {
  const char* name;
  const char* line;
  ptr_outcome ptr;
  fcrdns_outcome fcrdns;
  map_verdict verdict;
};

class ParseRecordVerdict : public ::testing::TestWithParam<facts_case> {};

TEST_P(ParseRecordVerdict, FoldsStatusesToTheMapVerdict) {
  const facts_case& c = GetParam();
  const parsed_record r = parse_record(c.line);
  ASSERT_EQ(r.what, kind::host) << r.error;
  EXPECT_EQ(r.host.ptr, c.ptr);
  EXPECT_EQ(r.host.fcrdns, c.fcrdns);
  EXPECT_EQ(verdict_of(r.host), c.verdict);
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, ParseRecordVerdict,
    ::testing::Values(
        facts_case{"fail",
                   R"({"ip":"192.0.2.1","ptr":{"status":"ok","names":["a.test"]},)"
                   R"("fcrdns":{"status":"fail"}})",
                   ptr_outcome::found, fcrdns_outcome::fail, map_verdict::fail},
        facts_case{"nxdomain",
                   R"({"ip":"192.0.2.1","ptr":{"status":"nxdomain"},)"
                   R"("fcrdns":{"status":"none"}})",
                   ptr_outcome::absent, fcrdns_outcome::none, map_verdict::no_ptr},
        facts_case{"nodata_without_fcrdns", R"({"ip":"192.0.2.1","ptr":{"status":"nodata"}})",
                   ptr_outcome::absent, fcrdns_outcome::not_run, map_verdict::no_ptr},
        facts_case{"servfail",
                   R"({"ip":"192.0.2.1","ptr":{"status":"servfail"},)"
                   R"("fcrdns":{"status":"error"}})",
                   ptr_outcome::lookup_error, fcrdns_outcome::error, map_verdict::error},
        facts_case{"timeout_without_fcrdns", R"({"ip":"192.0.2.1","ptr":{"status":"timeout"}})",
                   ptr_outcome::lookup_error, fcrdns_outcome::not_run, map_verdict::error},
        facts_case{"ptr_only", R"({"ip":"192.0.2.1","ptr":{"status":"ok","names":["a.test"]}})",
                   ptr_outcome::found, fcrdns_outcome::not_run, map_verdict::unchecked},
        facts_case{"smtp_only", R"({"ip":"192.0.2.1","smtp":[{"port":25,"status":"refused"}]})",
                   ptr_outcome::not_run, fcrdns_outcome::not_run, map_verdict::unchecked},
        facts_case{"future_status",
                   R"({"ip":"192.0.2.1","ptr":{"status":"ok","names":["a"]},)"
                   R"("fcrdns":{"status":"partial"}})",
                   ptr_outcome::found, fcrdns_outcome::error, map_verdict::error}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(ParseRecord, StarttlsNeedsAnOkSession) {
  // STARTTLS offered on a port whose session was cut short is not counted:
  // the base of the STARTTLS rate is the hosts answering `ok`.
  const parsed_record r = parse_record(
      R"({"ip":"192.0.2.1","smtp":[{"port":25,"status":"error","ehlo":{"extensions":["STARTTLS"]}},)"
      R"({"port":587,"status":"ok","ehlo":{"extensions":["starttls"]},)"
      R"("tls":{"version":"TLSv1.2","error":"handshake failed"}}]})");
  ASSERT_EQ(r.what, kind::host);
  EXPECT_TRUE(r.host.smtp_ok);
  EXPECT_TRUE(r.host.starttls_offered);  // keywords are case-insensitive
  EXPECT_FALSE(r.host.tls_negotiated);   // tls.error: the upgrade failed
}

TEST(ParseRecord, ImplicitTlsCountsAsOffered) {
  const parsed_record r = parse_record(
      R"({"ip":"192.0.2.1","smtp":[{"port":465,"status":"ok","tls":{"version":"TLSv1.3"},)"
      R"("ehlo":{"extensions":["PIPELINING"]}}]})");
  EXPECT_TRUE(r.host.starttls_offered);
  EXPECT_TRUE(r.host.tls_negotiated);
}

TEST(ParseRecord, StarttlsIsAKeywordNotAPrefix) {
  const parsed_record r = parse_record(
      R"({"ip":"192.0.2.1","smtp":[{"port":25,"status":"ok","ehlo":{"extensions":["STARTTLSX"]}}]})");
  EXPECT_FALSE(r.host.starttls_offered);
}

TEST(ParseRecord, NullChecksAreUnknownNotFalse) {
  const parsed_record r =
      parse_record(R"({"ip":"2001:db8::1","checks":{"banner_ptr_match":null}})");
  ASSERT_EQ(r.what, kind::host);
  EXPECT_FALSE(r.host.ip.is_v4());
  EXPECT_FALSE(r.host.banner_ptr_match.has_value());
  EXPECT_FALSE(r.host.ehlo_ptr_match.has_value());
}

TEST(ParseRecord, UnknownNamingClassIsCountedAsUnknown) {
  const parsed_record r = parse_record(R"({"ip":"192.0.2.1","rdns":{"class":"cloud"}})");
  EXPECT_FALSE(r.host.naming.has_value());
  EXPECT_TRUE(r.host.naming_unknown);
}

TEST(ParseRecord, WrongTypesOfOptionalFieldsAreIgnored) {
  const parsed_record r = parse_record(
      R"({"ip":"192.0.2.1","ptr":"ok","fcrdns":[1],"smtp":{"port":25},"checks":{"banner_ptr_match":"no"}})");
  ASSERT_EQ(r.what, kind::host) << r.error;
  EXPECT_EQ(r.host.ptr, ptr_outcome::not_run);
  EXPECT_EQ(r.host.fcrdns, fcrdns_outcome::not_run);
  EXPECT_FALSE(r.host.smtp_probed);
  EXPECT_FALSE(r.host.banner_ptr_match.has_value());
}

TEST(ParseRecord, DomainSummaryIsNotAHost) {
  EXPECT_EQ(parse_record(R"({"domain":"example.org","mx":[]})").what, kind::domain_summary);
}

struct bad_case {
  const char* line;
  const char* error;
};

class ParseRecordBad : public ::testing::TestWithParam<bad_case> {};

TEST_P(ParseRecordBad, SaysWhy) {
  const parsed_record r = parse_record(GetParam().line);
  EXPECT_EQ(r.what, kind::bad);
  EXPECT_EQ(r.error, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Lines, ParseRecordBad,
    ::testing::Values(bad_case{"not json", "not valid JSON"},
                      bad_case{R"({"ip":"192.0.2.1")", "not valid JSON"},
                      bad_case{R"({"ip":"192.0.2.1"}{"ip":"192.0.2.2"})", "not valid JSON"},
                      bad_case{"[1,2]", "not a JSON object"},
                      bad_case{R"("198.18.0.1")", "not a JSON object"},
                      bad_case{"{}", "neither \"ip\" nor \"domain\""},
                      bad_case{R"({"ip":"198.18.0.256"})", "\"ip\" is not an IP address"},
                      bad_case{R"({"ip":3323068417})", "\"ip\" is not an IP address"}));

}  // namespace
}  // namespace ptrscan::report
