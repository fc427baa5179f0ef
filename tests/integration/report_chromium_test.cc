// The HTML report in a real browser: hand-made records with known counts go
// through `ptrscan report` (linked directly), headless Chromium loads the
// page, and the DOM it dumps must show the numbers the records imply, with
// the page's script run to its end (maps drawn, table sorted). A screenshot
// must come out as a 1280x2000 PNG. Skipped when Debian's `chromium` is not
// installed.
//
// Chromium must not reach the network: the page has no external URL (and a
// CSP forbidding one), the flags below turn off Chromium's own background
// traffic, and where we can (root) it runs in a network namespace of its own
// that has nothing but lo.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <cstdio>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "../support/missing_fixture.h"
#include "report/report_main.h"
#include "testnet/netns.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

struct scratch_dir {
  scratch_dir() {
    char templ[] = "/tmp/ptrscan-report-chromium-XXXXXX";
    if (::mkdtemp(templ) != nullptr) {
      path = templ;
    }
  }
  ~scratch_dir() {
    std::error_code ec;
    if (!path.empty()) {
      std::filesystem::remove_all(path, ec);
    }
  }
  std::string path;
};

std::string slurp(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return "";
  }
  std::string content(size, '\0');
  std::ifstream(path, std::ios::binary).read(content.data(), static_cast<std::streamsize>(size));
  return content;
}

// What the generated records must add up to, counted while generating them
// (independently of the report code under test).
struct expected {
  int records = 0, ipv6 = 0, domain_summaries = 0, bad_lines = 0;
  int ptr_found = 0, ptr_absent = 0, ptr_errors = 0;
  int fcrdns_pass = 0, fcrdns_fail = 0, fcrdns_none = 0, fcrdns_error = 0;
  int generic_dynamic = 0, smtp_ok = 0, starttls = 0, tls = 0;
  int banner_match = 0, banner_mismatch = 0;
  std::map<std::string, int> per_16_pass;  // "198.18.0.0/16" -> FCrDNS pass addresses
  std::map<std::string, int> problems_per_24;
};

// 3,000 addresses in 198.18.0.0/16 and 200 in 198.19.0.0/16 with a fixed mix
// of verdicts, some SMTP hosts, one IPv6 record, one domain summary, two bad
// lines and a hostile PTR name.
std::string make_results(expected& e) {
  std::string out;
  auto host = [&](int n, const std::string& ip, const std::string& net16,
                  const std::string& net24) {
    std::string rec = "{\"ip\":\"" + ip + "\"";
    const int kind = n % 10;
    const std::string name = kind == 3 ? "<img src=x onerror=alert(1)>.evil.test"
                                       : "h" + std::to_string(n) + ".example.test";
    int problems = 0;
    if (kind <= 3) {
      rec += ",\"ptr\":{\"status\":\"ok\",\"names\":[\"" + name +
             "\"]},\"fcrdns\":{\"status\":"
             "\"pass\"},\"rdns\":{\"name\":\"" +
             name + "\",\"class\":\"mail-like\"}";
      ++e.ptr_found, ++e.fcrdns_pass, ++e.per_16_pass[net16];
    } else if (kind <= 5) {
      rec += ",\"ptr\":{\"status\":\"ok\",\"names\":[\"dyn-" + std::to_string(n) +
             ".pool.test\"]},\"fcrdns\":{\"status\":\"fail\"},\"rdns\":{\"class\":"
             "\"generic-dynamic\"}";
      ++e.ptr_found, ++e.fcrdns_fail, ++e.generic_dynamic;
      problems += 2;
    } else if (kind <= 8) {
      rec +=
          ",\"ptr\":{\"status\":\"nxdomain\"},\"fcrdns\":{\"status\":\"none\"},"
          "\"rdns\":{\"class\":\"none\"}";
      ++e.ptr_absent, ++e.fcrdns_none;
      problems += 1;
    } else {
      rec += ",\"ptr\":{\"status\":\"timeout\"},\"fcrdns\":{\"status\":\"error\"}";
      ++e.ptr_errors, ++e.fcrdns_error;
    }
    if (n % 7 == 0 && kind <= 5) {
      const bool starttls = n % 2 == 0;
      const bool match = n % 3 != 0;
      rec += ",\"smtp\":[{\"port\":25,\"status\":\"ok\",\"banner_host\":\"" +
             std::string(match ? "same" : "other") + ".test\",\"ehlo\":{\"extensions\":[" +
             (starttls ? "\"STARTTLS\"" : "\"8BITMIME\"") + "]}" +
             (starttls ? ",\"tls\":{\"version\":\"TLSv1.3\"}" : "") +
             "}],\"checks\":{\"banner_ptr_match\":" + (match ? "true" : "false") + "}";
      ++e.smtp_ok;
      e.starttls += starttls ? 1 : 0;
      e.tls += starttls ? 1 : 0;
      ++(match ? e.banner_match : e.banner_mismatch);
      problems += match ? 0 : 1;
    }
    out += rec + "}\n";
    ++e.records;
    e.problems_per_24[net24] += problems;
  };
  for (int n = 0; n < 3000; ++n) {
    const std::string third = std::to_string(n / 256 * 3);  // spread over the /16
    host(n, "198.18." + third + "." + std::to_string(n % 256), "198.18.0.0/16",
         "198.18." + third + ".0/24");
  }
  for (int n = 3000; n < 3200; ++n) {
    host(n, "198.19.7." + std::to_string(n - 3000), "198.19.0.0/16", "198.19.7.0/24");
  }
  out += R"({"ip":"2001:db8::25","ptr":{"status":"nxdomain"},"fcrdns":{"status":"none"}})"
         "\n";
  ++e.records, ++e.ipv6, ++e.ptr_absent, ++e.fcrdns_none;
  e.problems_per_24["2001:db8::/48"] += 1;
  out += R"({"domain":"example.test","mx":[]})"
         "\nthis is not json\n{\"truncated\":\n";
  ++e.domain_summaries;
  e.bad_lines += 2;
  return out;
}

// The mail sections' input: domain summaries with findings and SPF lint, MX
// addresses with SPF verdicts, DNSBL listings, relay verdicts, SMTP
// violations and certificates around the 30-day line of the reference time
// (2026-12-07, given with --as-of). Counted while generating, independently
// of the report code.
struct mail_expected {
  int domains = 0, domains_with_findings = 0, spf_pass = 0, spf_softfail = 0, spf_fail = 0;
  int dnsbl_checked = 0, dnsbl_listed = 0;
  int relay_open = 0, relay_closed = 0, relay_untested = 0;
  int violation_hosts = 0, smtp_probed = 0;
  int certs_expired = 0, certs_expiring = 0;
  std::vector<std::string> expiring_ips;
};

std::string make_mail_results(mail_expected& e) {
  std::string out;
  for (int d = 0; d < 12; ++d) {
    const std::string domain = "d" + std::to_string(d) + ".example.test";
    for (int m = 0; m < 2; ++m) {
      const int n = d * 2 + m;
      const std::string ip = "127.77.1." + std::to_string(n + 1);
      const char* spf = n % 4 == 0 ? "fail" : n % 3 == 0 ? "softfail" : "pass";
      ++(n % 4 == 0 ? e.spf_fail : n % 3 == 0 ? e.spf_softfail : e.spf_pass);
      std::string rec = R"({"ip":")" + ip + R"(","input":")" + domain +
                        R"(","mx":{"host":"mx)" + std::to_string(m + 1) + "." + domain +
                        R"(","preference":10},"spf":{"result":")" + spf +
                        R"(","mechanism":"-all","domain":")" + domain + R"("})";
      rec += R"(,"dnsbl":[{"zone":"bl.test","status":")" +
             std::string(n % 5 == 0 ? R"(listed","codes":["127.0.0.2"],"reason":"listed for spam)"
                                    : "not_listed") +
             R"("}])";
      ++e.dnsbl_checked;
      e.dnsbl_listed += n % 5 == 0 ? 1 : 0;
      // Certificates: n days around the reference 2026-12-07 (day 0).
      const int days = n * 3 - 10;  // -10 .. 59
      char not_after[32];
      const int64_t base = 1796644800;  // 2026-12-07T12:00:00Z
      const int64_t t = base + int64_t{days} * 86400;
      const time_t tt = static_cast<time_t>(t);
      struct tm tm {};
      gmtime_r(&tt, &tm);
      std::strftime(not_after, sizeof not_after, "%Y-%m-%dT%H:%M:%SZ", &tm);
      if (days < 0) {
        ++e.certs_expired;
      } else if (days <= 30) {
        ++e.certs_expiring;
        e.expiring_ips.push_back(ip);
      }
      const char* relay = n % 6 == 0 ? "open" : n % 6 == 1 ? "untested" : "closed";
      ++(n % 6 == 0 ? e.relay_open : n % 6 == 1 ? e.relay_untested : e.relay_closed);
      const bool violation = n % 6 == 1;
      e.violation_hosts += violation ? 1 : 0;
      ++e.smtp_probed;
      rec += R"(,"smtp":[{"port":25,"status":"ok","banner_host":"mx.test","tls":{"version":"TLSv1.3","cert_names":["mx.test"],"not_after":")" +
             std::string(not_after) + "\"}" +
             (violation ? R"(,"violations":["early_talker"])" : "") + "}]" +
             R"(,"relay":{"status":")" + relay + "\"" +
             (n % 6 == 1 ? R"(,"reason":"protocol_violation")" : R"(,"port":25)") + "}}\n";
      out += rec;
    }
    const bool findings = d % 3 != 0;
    out += R"({"domain":")" + domain +
           R"(","mx":{"status":"ok","null":false,"implicit":false,"hosts":[]},"spf":{"status":"ok","records":["v=spf1 ptr ?all"]},"addresses":{"probed":2,"skipped":[]},"findings":[)" +
           (findings ? R"({"code":"mx_spf_not_pass","host":"mx1.)" + domain +
                           R"(","result":"fail"},{"code":"spf_ptr","detail":"ptr"},{"code":"spf_all_neutral","detail":"?all"})"
                     : std::string()) +
           "]}\n";
    ++e.domains;
    e.domains_with_findings += findings ? 1 : 0;
  }
  return out;
}

std::vector<std::string> chromium_command(const std::string& chromium, const std::string& home) {
  return {"/usr/bin/env",
          "HOME=" + home,  // crash reports and caches stay in the scratch dir
          chromium,
          "--headless=new",
          "--no-sandbox",  // we run as root in CI
          "--disable-gpu",
          "--user-data-dir=" + home + "/profile",
          "--no-first-run",
          "--no-default-browser-check",
          "--disable-background-networking",
          "--disable-sync",
          "--disable-extensions",
          "--disable-default-apps",
          "--disable-component-update",
          "--disable-domain-reliability",
          "--disable-client-side-phishing-detection",
          "--disable-breakpad",
          "--metrics-recording-only",
          "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
          "--host-resolver-rules=MAP * ~NOTFOUND",
          "--proxy-server=127.0.0.1:9",
          "--hide-scrollbars"};
}

// data-count of the element with `id` in the dumped DOM, or -1.
long long count_of(const std::string& dom, const std::string& id) {
  const std::regex re("id=\"" + id + "\" data-count=\"([0-9]+)\"");
  std::smatch m;
  return std::regex_search(dom, m, re) ? std::stoll(m[1]) : -1;
}

// The value of attribute `name` in the first start tag matching `tag_re`.
std::string attribute(const std::string& dom, const std::string& tag_re, const std::string& name) {
  std::smatch tag;
  if (!std::regex_search(dom, tag, std::regex(tag_re))) {
    return "<no tag>";
  }
  const std::string text = tag[0];
  std::smatch m;
  const std::regex re(" " + name + "=\"([^\"]*)\"");
  return std::regex_search(text, m, re) ? std::string(m[1]) : "<no attribute>";
}

class ReportChromium : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = find_executable("chromium");
    if (chromium_.empty()) {
      PTRSCAN_MISSING_FIXTURE("chromium is not installed (apt-get install chromium)");
    }
    ASSERT_FALSE(dir_.path.empty());
    results_ = dir_.path + "/results.ndjson";
    html_ = dir_.path + "/report.html";
    std::ofstream(results_) << make_results(want_);
    ASSERT_EQ(report::report_main({"-o", html_, results_}), 0);
    // A namespace of our own with only lo: Chromium cannot reach anything.
    if (net_namespace::unavailable_reason().empty()) {
      try {
        ns_ = net_namespace::create();
      } catch (const std::exception& e) {
        FAIL() << e.what();
      }
    }
  }

  run_result run_chromium(const std::vector<std::string>& extra) {
    return run_chromium(extra, html_);
  }
  run_result run_chromium(const std::vector<std::string>& extra, const std::string& page) {
    std::vector<std::string> argv = chromium_command(chromium_, dir_.path);
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("file://" + page);
    run_options o;
    o.deadline = std::chrono::seconds(120);
    if (ns_) {
      netns_scope inside(*ns_);
      return run_process(argv, o);
    }
    return run_process(argv, o);
  }

  std::string chromium_;
  scratch_dir dir_;
  std::string results_;
  std::string html_;
  expected want_;
  std::unique_ptr<net_namespace> ns_;
};

TEST_F(ReportChromium, RendersTheTotalsTheRecordsImply) {
  const run_result r = run_chromium({"--dump-dom"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const std::string& dom = r.out;
  ASSERT_NE(dom.find("data-rendered=\"1\""), std::string::npos)
      << "the page's script did not run to its end";

  EXPECT_EQ(count_of(dom, "total-records"), want_.records);
  EXPECT_EQ(count_of(dom, "total-ipv6"), want_.ipv6);
  EXPECT_EQ(count_of(dom, "total-domain-summaries"), want_.domain_summaries);
  EXPECT_EQ(count_of(dom, "total-bad-lines"), want_.bad_lines);
  EXPECT_EQ(count_of(dom, "ptr-found"), want_.ptr_found);
  EXPECT_EQ(count_of(dom, "ptr-absent"), want_.ptr_absent);
  EXPECT_EQ(count_of(dom, "ptr-errors"), want_.ptr_errors);
  EXPECT_EQ(count_of(dom, "ptr-coverage"), want_.ptr_found);
  EXPECT_EQ(count_of(dom, "fcrdns-pass"), want_.fcrdns_pass);
  EXPECT_EQ(count_of(dom, "fcrdns-fail"), want_.fcrdns_fail);
  EXPECT_EQ(count_of(dom, "fcrdns-none"), want_.fcrdns_none);
  EXPECT_EQ(count_of(dom, "fcrdns-error"), want_.fcrdns_error);
  EXPECT_EQ(count_of(dom, "class-generic-dynamic"), want_.generic_dynamic);
  EXPECT_EQ(count_of(dom, "smtp-ok"), want_.smtp_ok);
  EXPECT_EQ(count_of(dom, "starttls-offered"), want_.starttls);
  EXPECT_EQ(count_of(dom, "tls-negotiated"), want_.tls);
  EXPECT_EQ(count_of(dom, "banner-match"), want_.banner_match);
  EXPECT_EQ(count_of(dom, "banner-mismatch"), want_.banner_mismatch);
  EXPECT_EQ(count_of(dom, "networks-seen"), static_cast<long long>(want_.problems_per_24.size()));
  EXPECT_EQ(count_of(dom, "blocks-seen"), 2);

  // The text a reader sees, not only the attributes.
  const int pct10 = (want_.ptr_found * 1000 + (want_.records / 2)) / want_.records;
  const std::string coverage = std::to_string(pct10 / 10) + "." + std::to_string(pct10 % 10) + " %";
  EXPECT_EQ(attribute(dom, "<div class=\"value\" id=\"ptr-coverage\"[^>]*>", "data-percent") + " %",
            coverage);
  EXPECT_NE(dom.find(coverage + "</div>"), std::string::npos) << coverage;

  // Each map was drawn by the script with exactly the cells the records say.
  for (const auto& [network, passes] : want_.per_16_pass) {
    const std::string figure = "<figure[^>]*data-network=\"" + network + "\"[^>]*>";
    EXPECT_EQ(attribute(dom, figure, "data-pass"), std::to_string(passes)) << network;
    EXPECT_EQ(attribute(dom, figure, "data-drawn-pass"), std::to_string(passes)) << network;
    EXPECT_EQ(attribute(dom, figure, "data-drawn-fail"), attribute(dom, figure, "data-fail"));
    EXPECT_EQ(attribute(dom, figure, "data-drawn-no-ptr"), attribute(dom, figure, "data-no-ptr"));
    EXPECT_EQ(attribute(dom, figure, "data-drawn-not-scanned"),
              attribute(dom, figure, "data-not-scanned"));
  }

  // The table: sorted by the script on problems, descending, worst first.
  EXPECT_EQ(attribute(dom, "<th data-key=\"problems\"[^>]*>", "aria-sort"), "descending");
  EXPECT_EQ(attribute(dom, "<table id=\"networks\"[^>]*>", "data-sorted-by"), "problems");
  const std::regex row_re("<tr data-network=\"([^\"]+)\" data-problems=\"([0-9]+)\"");
  std::vector<std::pair<std::string, int>> rows;
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), row_re); it != std::sregex_iterator();
       ++it) {
    rows.emplace_back((*it)[1], std::stoi((*it)[2]));
  }
  ASSERT_EQ(rows.size(), want_.problems_per_24.size());
  int worst = 0;
  for (const auto& [net, problems] : want_.problems_per_24) {
    worst = std::max(worst, problems);
  }
  EXPECT_EQ(rows.front().second, worst);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].second, want_.problems_per_24[rows[i].first]) << rows[i].first;
    if (i > 0) {
      EXPECT_GE(rows[i - 1].second, rows[i].second) << "row " << i << " out of order";
    }
  }

  // The hostile PTR name is text in the page, never an element.
  EXPECT_EQ(dom.find("<img"), std::string::npos);
  EXPECT_NE(dom.find("&lt;img src=x onerror=alert(1)&gt;.evil.test"), std::string::npos);
}

// Cell (x, y) of address `d` in a side x side Hilbert layout (the textbook
// d2xy, written here again rather than taken from the report code).
std::pair<int, int> hilbert_cell(int side, int d) {
  int x = 0;
  int y = 0;
  for (int s = 1; s < side; s *= 2) {
    const int rx = 1 & (d / 2);
    const int ry = 1 & (d ^ rx);
    if (ry == 0) {
      if (rx == 1) {
        x = s - 1 - x;
        y = s - 1 - y;
      }
      std::swap(x, y);
    }
    x += s * rx;
    y += s * ry;
    d /= 4;
  }
  return {x, y};
}

TEST_F(ReportChromium, MapCellsArePaintedInTheirVerdictsColour) {
  // The legend's colours (tools/report/page_maps.cc), as a reader sees them.
  const std::string pass = "26,152,80", fail = "215,48,39", no_ptr = "84,39,136",
                    error = "253,174,97", not_scanned = "238,238,238";
  // make_results: host n of 198.18.0.0/16 is 198.18.(n / 256 * 3).(n % 256),
  // its verdict n % 10 (0-3 pass, 4-5 fail, 6-8 no PTR, 9 error); host n of
  // 198.19.0.0/16 (n >= 3000) is 198.19.7.(n - 3000). The cell of an
  // address is its offset in the /16 along the Hilbert curve.
  auto verdict = [&](int n) {
    const int kind = n % 10;
    return kind <= 3 ? pass : kind <= 5 ? fail : kind <= 8 ? no_ptr : error;
  };
  struct probe {
    std::string network;
    int offset;
    std::string rgb;
  };
  std::vector<probe> probes;
  for (int n : {0, 1, 3, 4, 5, 6, 8, 9, 19, 255, 256, 1001, 1234, 2047, 2994, 2999}) {
    probes.push_back({"198.18.0.0/16", (n / 256 * 3) * 256 + n % 256, verdict(n)});
  }
  for (int n : {3000, 3004, 3006, 3009, 3199}) {
    probes.push_back({"198.19.0.0/16", 7 * 256 + (n - 3000), verdict(n)});
  }
  for (int offset : {256, 2 * 256 + 200, 40'000, 65'535}) {  // 198.18.1.0, .2.200, ...
    probes.push_back({"198.18.0.0/16", offset, not_scanned});
  }
  probes.push_back({"198.19.0.0/16", 0, not_scanned});

  // A copy of the page with a script after the page's own: it reads the
  // drawn canvas pixel of each probe into an attribute the dumped DOM shows.
  std::string list;
  for (const probe& p : probes) {
    const auto [x, y] = hilbert_cell(256, p.offset);
    list += (list.empty() ? "" : ",") + std::string("[\"") + p.network + "\"," +
            std::to_string(x) + "," + std::to_string(y) + "]";
  }
  const std::string script =
      "<script>(function () {\n"
      "  var probes = [" + list + "];\n"
      "  var out = probes.map(function (p) {\n"
      "    var figure = document.querySelector('figure.block[data-network=\"' + p[0] + '\"]');\n"
      "    if (!figure) { return 'no map'; }\n"
      "    var ctx = figure.querySelector('canvas').getContext('2d');\n"
      "    var d = ctx.getImageData(p[1], p[2], 1, 1).data;\n"
      "    return d[0] + ',' + d[1] + ',' + d[2];\n"
      "  });\n"
      "  document.body.setAttribute('data-test-pixels', out.join(';'));\n"
      "})();</script>\n";
  std::string page = slurp(html_);
  const size_t body_end = page.rfind("</body>");
  ASSERT_NE(body_end, std::string::npos);
  page.insert(body_end, script);
  const std::string probed = dir_.path + "/probed.html";
  std::ofstream(probed) << page;

  const run_result r = run_chromium({"--dump-dom"}, probed);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_NE(r.out.find("data-rendered=\"1\""), std::string::npos)
      << "the page's script did not run to its end";
  const std::string pixels = attribute(r.out, "<body[^>]*>", "data-test-pixels");
  std::vector<std::string> got;
  std::stringstream split(pixels);
  for (std::string item; std::getline(split, item, ';');) {
    got.push_back(item);
  }
  ASSERT_EQ(got.size(), probes.size()) << pixels;
  for (size_t i = 0; i < probes.size(); ++i) {
    const auto [x, y] = hilbert_cell(256, probes[i].offset);
    EXPECT_EQ(got[i], probes[i].rgb) << probes[i].network << " offset " << probes[i].offset
                                     << " at (" << x << ", " << y << ")";
  }
}

// Issue 16 item 8: the mail sections render in a browser with the numbers the
// records imply; the page's script still runs to its end.
TEST_F(ReportChromium, RendersTheMailSections) {
  mail_expected e;
  const std::string results = dir_.path + "/mail.ndjson";
  const std::string page = dir_.path + "/mail.html";
  std::ofstream(results) << make_mail_results(e);
  ASSERT_EQ(report::report_main({"--as-of", "2026-12-07T12:00:00Z", "-o", page, results}), 0);
  const run_result r = run_chromium({"--dump-dom"}, page);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const std::string& dom = r.out;
  ASSERT_NE(dom.find("data-rendered=\"1\""), std::string::npos);

  EXPECT_EQ(count_of(dom, "domains-seen"), e.domains);
  EXPECT_EQ(count_of(dom, "domains-with-findings"), e.domains_with_findings);
  const std::regex domain_row("<tr data-domain=\"(d[0-9]+\\.example\\.test)\" data-findings=\"([0-9]+)\"");
  int rows = 0;
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), domain_row);
       it != std::sregex_iterator(); ++it) {
    const int d = std::stoi(std::string((*it)[1]).substr(1));
    EXPECT_EQ(std::stoi((*it)[2]), d % 3 != 0 ? 3 : 0) << (*it)[1];
    ++rows;
  }
  EXPECT_EQ(rows, e.domains);
  EXPECT_NE(dom.find("data-code=\"spf_all_neutral\""), std::string::npos);
  EXPECT_NE(dom.find("v=spf1 ptr ?all"), std::string::npos);

  EXPECT_EQ(count_of(dom, "spf-evaluated"), e.spf_pass + e.spf_softfail + e.spf_fail);
  EXPECT_EQ(count_of(dom, "spf-pass"), e.spf_pass);
  EXPECT_EQ(count_of(dom, "spf-fail"), e.spf_fail);
  EXPECT_EQ(count_of(dom, "spf-softfail"), e.spf_softfail);
  EXPECT_EQ(count_of(dom, "dnsbl-checked"), e.dnsbl_checked);
  EXPECT_EQ(count_of(dom, "dnsbl-listed-hosts"), e.dnsbl_listed);
  EXPECT_EQ(attribute(dom, "<tr data-zone=\"bl.test\"[^>]*>", "data-listed"),
            std::to_string(e.dnsbl_listed));
  EXPECT_EQ(count_of(dom, "relay-open"), e.relay_open);
  EXPECT_EQ(count_of(dom, "relay-closed"), e.relay_closed);
  EXPECT_EQ(count_of(dom, "relay-untested"), e.relay_untested);
  EXPECT_EQ(count_of(dom, "relay-untested-protocol_violation"), e.relay_untested);
  EXPECT_EQ(count_of(dom, "violation-hosts"), e.violation_hosts);
  EXPECT_EQ(count_of(dom, "certs-expired"), e.certs_expired);
  EXPECT_EQ(count_of(dom, "certs-expiring"), e.certs_expiring);
  const size_t certs_at = dom.find("<section id=\"certificates-section\"");
  ASSERT_NE(certs_at, std::string::npos);
  const std::string certs = dom.substr(certs_at);
  for (const std::string& ip : e.expiring_ips) {
    EXPECT_NE(certs.find(">" + ip + "<"), std::string::npos) << ip;
  }
}

TEST_F(ReportChromium, ScreenshotIsAPng) {
  const std::string png = dir_.path + "/report.png";
  const run_result r = run_chromium({"--screenshot=" + png, "--window-size=1280,2000"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const std::string bytes = slurp(png);
  ASSERT_GT(bytes.size(), 24u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  auto be32 = [&](size_t at) {
    return uint32_t(uint8_t(bytes[at])) << 24 | uint32_t(uint8_t(bytes[at + 1])) << 16 |
           uint32_t(uint8_t(bytes[at + 2])) << 8 | uint32_t(uint8_t(bytes[at + 3]));
  };
  EXPECT_EQ(bytes.substr(12, 4), "IHDR");
  EXPECT_EQ(be32(16), 1280u);
  EXPECT_EQ(be32(20), 2000u);
}

}  // namespace
}  // namespace ptrscan::testnet
