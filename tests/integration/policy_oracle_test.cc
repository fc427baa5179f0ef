// Issue 16 item 4: real Postfix is the oracle of `ptrscan listen`'s policy
// verdicts. One Postfix receiver (its lookups through the test resolver, in
// a mount namespace whose /etc/resolv.conf names it) applies one
// restriction per recipient address (restriction classes chosen by
// check_recipient_access), with the reject codes set so that 5xx is a
// permanent reject and 4xx a temporary one. Each case connects from a
// loopback source address whose PTR/A records the test zones vary and says
// a HELO name that varies, first to Postfix (one RCPT per restriction),
// then to `ptrscan listen`; for every case and every rule, ptrscan's
// `policy.postfix` result equals Postfix's answer: 2xx pass, 5xx fail,
// 4xx unknown.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "../support/missing_fixture.h"
#include "testnet/dns_testbed.h"
#include "testnet/loopback.h"
#include "testnet/mta_fixture.h"
#include "testnet/ndjson.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

/// A blocking SMTP client bound to a loopback source address, with a
/// receive timeout (no wait is unbounded).
class smtp_peer {
 public:
  smtp_peer(const std::string& source, const endpoint& server) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{15, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &src.sin_addr);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(server.port);
    inet_pton(AF_INET, server.host.c_str(), &dst.sin_addr);
    ok_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&src), sizeof src) == 0 &&
          ::connect(fd_, reinterpret_cast<sockaddr*>(&dst), sizeof dst) == 0;
  }
  smtp_peer(const smtp_peer&) = delete;
  smtp_peer& operator=(const smtp_peer&) = delete;
  ~smtp_peer() { ::close(fd_); }
  bool ok() const { return ok_; }
  /// One whole reply (its last line "ddd "), or "" on timeout or close.
  std::string reply() {
    for (;;) {
      size_t start = 0;
      for (size_t lf; (lf = buf_.find('\n', start)) != std::string::npos; start = lf + 1) {
        if (lf - start >= 4 && buf_[start + 3] == ' ') {
          std::string r = buf_.substr(0, lf + 1);
          buf_.erase(0, lf + 1);
          return r;
        }
      }
      char b[4096];
      const ssize_t n = ::recv(fd_, b, sizeof b, 0);
      if (n <= 0) {
        return "";
      }
      buf_.append(b, static_cast<size_t>(n));
    }
  }
  std::string say(const std::string& line) {
    const std::string l = line + "\r\n";
    (void)::send(fd_, l.data(), l.size(), MSG_NOSIGNAL);
    return reply();
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
  std::string buf_;
};

/// The Postfix rules under test, each with the restriction class and the
/// recipient that selects it.
const std::vector<std::string> rules = {
    "reject_unknown_client_hostname", "reject_unknown_reverse_client_hostname",
    "reject_invalid_helo_hostname", "reject_non_fqdn_helo_hostname",
    "reject_unknown_helo_hostname"};

std::string word(const std::string& reply) {
  if (reply.empty()) {
    return "no reply";
  }
  switch (reply[0]) {
    case '2':
      return "pass";
    case '4':
      return "unknown";
    case '5':
      return "fail";
    default:
      return "odd reply " + reply;
  }
}

struct oracle_case {
  std::string label;
  std::string host;  // last octet of the source address
  std::string helo;  // "{P}" stands for the /24 prefix
  /// What Postfix is expected to answer, rule by rule (p/f/u): checks that
  /// the case exercises what its label says, whatever ptrscan says.
  std::string expect;
};

class PolicyOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = mta_missing(mta_kind::postfix); !why.empty()) {
      PTRSCAN_MISSING_FIXTURE(why);
    }
    prefix_ = random_loopback_24();  // "127.A.B."
    const std::string ab = prefix_.substr(4, prefix_.size() - 5);  // "A.B"
    const std::string a = ab.substr(0, ab.find('.'));
    const std::string b = ab.substr(ab.find('.') + 1);
    testbed_options o;
    reverse_ = b + "." + a + ".127.in-addr.arpa";
    o.zones.push_back({reverse_,
                       "10 PTR mail.sender.test.\n"
                       "12 PTR elsewhere.sender.test.\n"
                       "13 PTR noaddr.sender.test.\n"
                       "14 PTR host.dead.test.\n"
                       "15 CNAME 15.dead.test.\n"});
    o.zones.push_back({"sender.test",
                       "mail A " + prefix_ + "10\n"
                       "elsewhere A 192.0.2.1\n"
                       "mxonly MX 10 mail.sender.test.\n"});
    o.dead_zones = {"dead.test"};
    // glibc's resolver (Postfix's) takes no port: unbound answers on 53 too.
    nameserver_ = prefix_ + "53";
    o.unbound_extra = {"interface: " + nameserver_ + "@53"};
    bed_ = dns_testbed::start(o);
    ASSERT_TRUE(bed_);

    mta_options m;
    m.hostname = "oracle.test";
    m.hosts = {prefix_ + "1"};
    m.nameserver = nameserver_;
    std::string classes;
    std::string access;
    for (size_t i = 0; i < rules.size(); ++i) {
      const std::string cls = "c" + std::to_string(i);
      classes += (i ? ", " : "") + cls;
      m.main_cf_extra.push_back(cls + " = " + rules[i] + ", permit");
      access += (i ? ", " : "") + rules[i] + "@oracle.test=" + cls;
    }
    m.main_cf_extra.insert(
        m.main_cf_extra.begin(),
        {"mynetworks = 127.0.0.0/8",
         "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination",
         "smtpd_restriction_classes = " + classes,
         "smtpd_recipient_restrictions = check_recipient_access inline:{ " + access + " }",
         "smtpd_reject_unlisted_recipient = no",
         // 5xx only for a permanent reject: temporary failures stay 450.
         "unknown_client_reject_code = 550", "unknown_hostname_reject_code = 550",
         "smtpd_error_sleep_time = 0", "smtpd_soft_error_limit = 1000",
         "smtpd_hard_error_limit = 1000"});
    postfix_ = mta_server::start(mta_kind::postfix, m);

    dir_ = std::filesystem::temp_directory_path() /
           ("ptrscan-policy-oracle-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    out_ = (dir_ / "records.ndjson").string();
    listener_ = daemon_process::start(
        {PTRSCAN_BINARY, "listen", "-l", prefix_ + "2:0", "-o", out_, "--resolver",
         bed_->resolver().to_string(), "--hostname", "listen.test", "--per-subnet", "100"},
        (dir_ / "listen.log").string());
    ASSERT_TRUE(listener_.wait_ready(
        [this] { return listener_.log_tail().find("listening on") != std::string::npos; },
        std::chrono::milliseconds(20'000)))
        << listener_.log_tail();
    const std::string log = listener_.log_tail();
    const size_t at = log.find("listening on ");
    const std::string addr = log.substr(at + 13, log.find('\n', at) - at - 13);
    listen_.host = prefix_ + "2";
    listen_.port = static_cast<uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1)));
  }
  void TearDown() override {
    if (listener_.pid() > 0) {
      listener_.stop();
    }
    if (!dir_.empty()) {
      std::filesystem::remove_all(dir_);
    }
  }

  std::string helo_of(const oracle_case& c) const {
    std::string h = c.helo;
    if (const size_t at = h.find("{P}"); at != std::string::npos) {
      h.replace(at, 3, prefix_);
    }
    return h;
  }

  /// Postfix's answer to each rule's RCPT, as pass/fail/unknown.
  std::map<std::string, std::string> ask_postfix(const oracle_case& c) {
    std::map<std::string, std::string> out;
    smtp_peer p(prefix_ + c.host, {postfix_->hosts().front(), postfix_->port()});
    EXPECT_TRUE(p.ok());
    EXPECT_THAT(p.reply(), HasSubstr("220 "));
    EXPECT_THAT(p.say("EHLO " + helo_of(c)), HasSubstr("250"));
    EXPECT_THAT(p.say("MAIL FROM:<probe@sender.test>"), HasSubstr("250"));
    for (const std::string& rule : rules) {
      const std::string r = p.say("RCPT TO:<" + rule + "@oracle.test>");
      out[rule] = word(r);
      last_replies_ += c.label + " " + rule + ": " + r;
    }
    p.say("QUIT");
    return out;
  }

  /// The same client dialogue with `ptrscan listen`.
  void ask_listener(const oracle_case& c) {
    smtp_peer p(prefix_ + c.host, listen_);
    EXPECT_TRUE(p.ok());
    EXPECT_THAT(p.reply(), HasSubstr("220 "));
    EXPECT_THAT(p.say("EHLO " + helo_of(c)), HasSubstr("250"));
    EXPECT_THAT(p.say("MAIL FROM:<probe@sender.test>"), HasSubstr("250"));
    EXPECT_THAT(p.say("RCPT TO:<check@listen.test>"), HasSubstr("550 5.7.1"));
    p.say("QUIT");
  }

  std::vector<json> stop_and_read() {
    listener_.stop(std::chrono::milliseconds(20'000));
    EXPECT_THAT(listener_.exit_description(), HasSubstr("exit 0"));
    const run_result v =
        run_process({"python3", std::string(PTRSCAN_SOURCE_DIR) + "/tests/schema/validate_output.py",
                     std::string(PTRSCAN_SOURCE_DIR) + "/schema", "--listen", out_});
    if (v.exit_code != 77) {  // 77: python3-jsonschema missing
      EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    }
    std::ifstream in(out_);
    std::stringstream ss;
    ss << in.rdbuf();
    ndjson_lines lines = parse_ndjson(ss.str());
    EXPECT_TRUE(lines.bad_lines.empty());
    return lines.records;
  }

  std::string prefix_;
  std::string nameserver_;
  std::string reverse_;  // "B.A.127.in-addr.arpa"
  std::unique_ptr<dns_testbed> bed_;
  std::unique_ptr<mta_server> postfix_;
  std::filesystem::path dir_;
  std::string out_;
  daemon_process listener_;
  endpoint listen_;
  std::string last_replies_;
};

TEST_F(PolicyOracleTest, PtrscanAgreesWithPostfixOnEveryRule) {
  // expect: reject_unknown_client, _reverse_client, invalid_helo,
  // non_fqdn_helo, unknown_helo.
  const std::vector<oracle_case> cases = {
      {"FCrDNS ok, HELO ok", "10", "mail.sender.test", "ppppp"},
      {"no PTR", "11", "mail.sender.test", "ffppp"},
      {"PTR without matching A", "12", "mail.sender.test", "fpppp"},
      {"PTR name without A", "13", "mail.sender.test", "fpppp"},
      {"PTR name's A lookup fails", "14", "mail.sender.test", "upppp"},
      {"PTR lookup fails", "15", "mail.sender.test", "uuppp"},
      {"HELO invalid", "10", "bad..name", "ppfff"},
      {"HELO not a FQDN (its lookup refused)", "10", "mailserver", "pppfu"},
      {"HELO does not resolve", "10", "nohost.sender.test", "ppppf"},
      {"HELO with an MX only", "10", "mxonly.sender.test", "ppppp"},
      {"HELO with '_' (valid for Postfix), no record", "10", "under_score.sender.test", "ppppf"},
      {"HELO address literal", "10", "[{P}10]", "ppppp"},
      {"HELO bare address", "10", "192.0.2.9", "pppff"},
      {"HELO lookup fails", "10", "host.dead.test", "ppppu"},
      {"HELO with a trailing dot", "10", "mail.sender.test.", "ppppf"},
  };
  std::map<std::string, std::map<std::string, std::string>> postfix_says;
  for (const oracle_case& c : cases) {
    postfix_says[c.label] = ask_postfix(c);
    ask_listener(c);
  }
  const std::vector<json> records = stop_and_read();
  ASSERT_EQ(records.size(), cases.size()) << listener_.log_tail();
  const std::map<char, std::string> letter = {{'p', "pass"}, {'f', "fail"}, {'u', "unknown"}};
  for (const oracle_case& c : cases) {
    SCOPED_TRACE(c.label);
    const json* rec = nullptr;
    for (const json& r : records) {
      if (r.value("client", "") == prefix_ + c.host &&
          r.value("helo", json::object()).value("name", "") == helo_of(c)) {
        rec = &r;
      }
    }
    ASSERT_NE(rec, nullptr);
    std::map<std::string, json> verdicts;
    for (const json& v : rec->value("policy", json::object()).value("postfix", json::array())) {
      verdicts[v.value("rule", "")] = v;
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      SCOPED_TRACE(rules[i]);
      const std::string& oracle = postfix_says[c.label][rules[i]];
      EXPECT_EQ(oracle, letter.at(c.expect[i])) << "Postfix itself: " << last_replies_;
      ASSERT_TRUE(verdicts.count(rules[i])) << rec->dump();
      const json& v = verdicts[rules[i]];
      EXPECT_EQ(v.value("result", ""), oracle) << v.dump();
      // Every failure says what to change.
      EXPECT_EQ(v.contains("fix"), oracle == "fail") << v.dump();
    }
  }
  // The fixes name the exact lines: the PTR the address lacks, and the A
  // record of the HELO name it would name (which resolves elsewhere).
  for (const json& r : records) {
    if (r.value("client", "") == prefix_ + "11") {
      const json& v = r["policy"]["postfix"][0];
      EXPECT_EQ(v.value("rule", ""), "reject_unknown_reverse_client_hostname");
      EXPECT_EQ(v.value("fix", ""), "11." + reverse_ + ". PTR mail.sender.test.; "
                                    "mail.sender.test. A " + prefix_ + "11");
    }
  }
}

}  // namespace
}  // namespace ptrscan::testnet
