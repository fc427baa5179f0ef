#include "simnet/checker.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zstd.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "simnet/ndjson_reader.h"

namespace ptrscan::simnet {
namespace {

using json = nlohmann::json;

/// A record as ptrscan writes it when it agrees with the model.
json record_for(const host_truth& t, const probe_set& p) {
  json r = {{"ip", format_ipv4(t.ip)}};
  if (p.ptr) {
    r["ptr"] =
        t.has_ptr ? json{{"status", "ok"}, {"names", {t.ptr_name}}} : json{{"status", "nxdomain"}};
  }
  if (p.fcrdns) {
    if (!t.has_ptr) {
      r["fcrdns"] = {{"status", "none"}};
    } else if (t.forward == forward_kind::confirmed) {
      r["fcrdns"] = {{"status", "pass"}, {"name", t.ptr_name}};
    } else {
      r["fcrdns"] = {{"status", "fail"}};
    }
  }
  if (!p.smtp) {
    return r;
  }
  json s = {{"port", 25}};
  json match = nullptr;
  switch (t.smtp) {
    case smtp_kind::open: {
      s["status"] = "ok";
      s["banner"] = "220 " + t.banner_name + " ESMTP simnet";
      s["banner_host"] = t.banner_name;
      json ext = {"PIPELINING", "SIZE 10240000", "8BITMIME"};
      if (t.starttls) {
        ext.push_back("STARTTLS");
        if (p.starttls) {
          s["tls"] = {{"version", "TLSv1.3"}, {"cipher", "TLS_AES_128_GCM_SHA256"}};
        }
      }
      s["ehlo"] = {{"host", t.banner_name}, {"extensions", ext}};
      if (t.has_ptr && p.ptr) {
        match = t.banner_match;
      }
      break;
    }
    case smtp_kind::refused:
      s["status"] = "refused";
      break;
    case smtp_kind::silent:
      s["status"] = "timeout";
      break;
  }
  r["smtp"] = json::array({s});
  r["checks"] = {{"banner_ptr_match", match}, {"ehlo_ptr_match", match}};
  return r;
}

class Checker : public ::testing::Test {
 protected:
  static mix small_range() {
    mix m;
    m.range = *cidr::parse("198.18.0.0/26");
    m.open = 0.5;  // plenty of every SMTP case in 64 addresses
    m.refused = 0.5;
    return m;
  }

  std::vector<std::string> perfect_lines(const probe_set& p) const {
    std::vector<std::string> lines;
    for (uint64_t i = 0; i < m_.range.size(); ++i) {
      lines.push_back(record_for(sim_.truth(m_.range.at(i)), p).dump());
    }
    return lines;
  }

  check_summary run(const std::vector<std::string>& lines, const probe_set& p) const {
    checker c(sim_, p, m_.range);
    for (const std::string& l : lines) {
      c.add_line(l);
    }
    return c.finish();
  }

  // The first address of the range whose truth satisfies `want`.
  size_t index_of(const std::function<bool(const host_truth&)>& want) const {
    for (size_t i = 0;; ++i) {
      if (want(sim_.truth(m_.range.at(i)))) {
        return i;
      }
    }
  }

  const mix m_ = small_range();
  model sim_{m_};
  const probe_set all_ = *probe_set::parse("ptr,fcrdns,smtp,starttls");
};

TEST_F(Checker, AgreeingRecordsPass) {
  for (const char* probes : {"ptr", "ptr,fcrdns", "smtp", "ptr,fcrdns,smtp,starttls"}) {
    const probe_set p = *probe_set::parse(probes);
    const check_summary s = run(perfect_lines(p), p);
    EXPECT_TRUE(s.ok()) << probes << ": " << (s.examples.empty() ? "" : s.examples[0]);
    EXPECT_EQ(s.records, 64u);
    EXPECT_EQ(s.checked, 64u);
    EXPECT_EQ(
        s.to_json(),
        R"({"records":64,"checked":64,"mismatched":0,"missing":0,"duplicates":0,"outside":0})");
  }
}

TEST_F(Checker, CountsWhatIsWrong) {
  const size_t open_tls = index_of(
      [](const host_truth& t) { return t.smtp == smtp_kind::open && t.starttls && t.has_ptr; });
  const size_t pass =
      index_of([](const host_truth& t) { return t.forward == forward_kind::confirmed; });
  const size_t silent = index_of([](const host_truth& t) { return t.smtp == smtp_kind::silent; });
  auto edit = [&](size_t i, const std::function<void(json&)>& f) {
    std::vector<std::string> lines = perfect_lines(all_);
    json r = json::parse(lines[i]);
    f(r);
    lines[i] = r.dump();
    return lines;
  };
  auto add = [&](const std::string& extra) {
    std::vector<std::string> lines = perfect_lines(all_);
    lines.push_back(extra);
    return lines;
  };
  auto drop = [&](size_t i) {
    std::vector<std::string> lines = perfect_lines(all_);
    lines.erase(lines.begin() + static_cast<ptrdiff_t>(i));
    return lines;
  };
  const struct {
    const char* what;
    std::vector<std::string> lines;
    uint64_t mismatched, missing, duplicates, outside;
    std::string reason;  // part of the first example
  } cases[] = {
      {"fcrdns verdict", edit(pass, [](json& r) { r["fcrdns"]["status"] = "fail"; }), 1, 0, 0, 0,
       "/fcrdns/status is \"fail\", expected \"pass\""},
      {"no STARTTLS",
       edit(open_tls, [](json& r) { r["smtp"][0]["ehlo"]["extensions"] = {"PIPELINING"}; }), 1, 0,
       0, 0, "lacks \"STARTTLS\""},
      {"no tls", edit(open_tls, [](json& r) { r["smtp"][0].erase("tls"); }), 1, 0, 0, 0,
       "/smtp/0/tls/version is absent"},
      {"banner", edit(open_tls, [](json& r) { r["smtp"][0]["banner_host"] = "x.sim.test"; }), 1, 0,
       0, 0, "/smtp/0/banner_host"},
      {"silent seen as refused", edit(silent, [](json& r) { r["smtp"][0]["status"] = "refused"; }),
       1, 0, 0, 0, "expected \"timeout\""},
      {"duplicate", add(perfect_lines(all_)[3]), 0, 0, 1, 0, ""},
      {"missing", drop(5), 0, 1, 0, 0, ""},
      {"outside", add(R"({"ip":"198.18.1.1","ptr":{"status":"nxdomain"}})"), 0, 0, 0, 1, ""},
      {"not json", add("{\"ip\":"), 1, 0, 0, 0, "not a record"},
      {"domain summary", add(R"({"domain":"example.org"})"), 1, 0, 0, 0, "not a record"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const check_summary s = run(c.lines, all_);
    EXPECT_EQ(s.mismatched, c.mismatched);
    EXPECT_EQ(s.missing, c.missing);
    EXPECT_EQ(s.duplicates, c.duplicates);
    EXPECT_EQ(s.outside, c.outside);
    EXPECT_FALSE(s.ok());
    if (!c.reason.empty()) {
      ASSERT_FALSE(s.examples.empty());
      EXPECT_NE(s.examples[0].find(c.reason), std::string::npos) << s.examples[0];
    }
  }
}

TEST_F(Checker, TimedOutLookupsAreCountedApartOnlyWhenAllowed) {
  const probe_set ptr_fcrdns = *probe_set::parse("ptr,fcrdns");
  const size_t named = index_of([](const host_truth& t) { return t.has_ptr; });
  const size_t unnamed = index_of([](const host_truth& t) { return !t.has_ptr; });
  std::vector<std::string> lines = perfect_lines(ptr_fcrdns);
  // Two hosts whose PTR lookup timed out after every try, as ptrscan writes
  // them behind a rate limiter; and one with a wrong verdict.
  for (const size_t i : {named, unnamed}) {
    json r = json::parse(lines[i]);
    r["ptr"] = {{"status", "timeout"}};
    r["fcrdns"] = {{"status", "none"}};
    lines[i] = r.dump();
  }
  const size_t wrong = named + 1 == unnamed ? named + 2 : named + 1;
  json r = json::parse(lines[wrong]);
  r["ptr"] = {{"status", "ok"}, {"names", {"other.sim.test"}}};
  lines[wrong] = r.dump();

  const check_summary strict = run(lines, ptr_fcrdns);
  EXPECT_EQ(strict.mismatched, 3u);
  EXPECT_EQ(strict.to_json().find("timed_out"), std::string::npos);

  checker c(sim_, ptr_fcrdns, m_.range, /*timeouts_ok=*/true);
  for (const std::string& l : lines) {
    c.add_line(l);
  }
  const check_summary lenient = c.finish();
  EXPECT_EQ(lenient.checked, 64u);
  EXPECT_EQ(lenient.timed_out, 2u);
  EXPECT_EQ(lenient.mismatched, 1u);  // a wrong answer is still wrong
  EXPECT_FALSE(lenient.ok());
  EXPECT_NE(lenient.to_json().find(R"("timed_out":2)"), std::string::npos) << lenient.to_json();
}

TEST_F(Checker, FieldsOfProbesNotRunAreNotChecked) {
  // ptrscan --probes ptr writes no fcrdns, smtp or checks.
  const probe_set ptr_only = *probe_set::parse("ptr");
  EXPECT_TRUE(run(perfect_lines(ptr_only), ptr_only).ok());
  EXPECT_FALSE(run(perfect_lines(ptr_only), all_).ok());
}

TEST(ProbeSet, ImpliesLikePtrscan) {
  const probe_set p = *probe_set::parse("starttls");
  EXPECT_TRUE(!p.ptr && p.smtp && p.starttls && !p.fcrdns);  // smtp alone asks no DNS
  EXPECT_TRUE(probe_set::parse("fcrdns")->ptr);
  EXPECT_FALSE(probe_set::parse("ptr,relay").has_value());
  EXPECT_FALSE(probe_set::parse("").has_value());
}

TEST(NdjsonReader, ReadsPlainAndZstdFiles) {
  const std::string text = "{\"a\":1}\n\n{\"b\":2}\n" + std::string(300000, 'x') + "\nlast";
  const std::vector<std::string> want = {"{\"a\":1}", "", "{\"b\":2}", std::string(300000, 'x'),
                                         "last"};
  std::string packed(ZSTD_compressBound(text.size()), '\0');
  packed.resize(ZSTD_compress(packed.data(), packed.size(), text.data(), text.size(), 3));
  const std::string dir = ::testing::TempDir();
  for (const auto& [name, content] :
       {std::pair{"plain.ndjson", text}, std::pair{"packed.ndjson.zst", packed}}) {
    const std::string path = dir + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    std::vector<std::string> got;
    for_each_line(path, [&](std::string_view l) { got.emplace_back(l); });
    EXPECT_EQ(got, want) << name;
    ::unlink(path.c_str());
  }
  const std::string cut = dir + "/cut.zst";
  std::ofstream(cut, std::ios::binary) << packed.substr(0, packed.size() - 5);
  EXPECT_THROW(for_each_line(cut, [](std::string_view) {}), std::runtime_error);
  ::unlink(cut.c_str());
  EXPECT_THROW(for_each_line(dir + "/absent", [](std::string_view) {}), std::runtime_error);
}

}  // namespace
}  // namespace ptrscan::simnet
