#include "simnet/dns_answer.h"

#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace ptrscan::simnet {
namespace {

using bytes = std::vector<uint8_t>;

void put16(bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

void put_name(bytes& b, const std::string& dotted) {
  size_t start = 0;
  while (start < dotted.size()) {
    size_t dot = dotted.find('.', start);
    if (dot == std::string::npos) {
      dot = dotted.size();
    }
    b.push_back(static_cast<uint8_t>(dot - start));
    b.insert(b.end(), dotted.begin() + static_cast<ptrdiff_t>(start),
             dotted.begin() + static_cast<ptrdiff_t>(dot));
    start = dot + 1;
  }
  b.push_back(0);
}

struct query_spec {
  std::string name;
  uint16_t qtype = dns::type_a;
  uint16_t qclass = dns::class_in;
  bool edns = false;
  uint8_t edns_version = 0;
  bool dnssec_ok = false;
};

bytes make_query(const query_spec& q) {
  bytes b = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, q.edns ? uint8_t{1} : uint8_t{0}};
  put_name(b, q.name);
  put16(b, q.qtype);
  put16(b, q.qclass);
  if (q.edns) {
    b.push_back(0);
    put16(b, dns::type_opt);
    put16(b, 4096);
    b.push_back(0);
    b.push_back(q.edns_version);
    put16(b, q.dnssec_ok ? 0x8000 : 0);
    put16(b, 0);
  }
  return b;
}

/// The parts of a reply the tests look at.
struct reply {
  bool valid = false;
  uint16_t id = 0;
  bool aa = false;
  bool tc = false;
  bool rd = false;
  int rcode = -1;  // with the OPT record's extended bits
  uint16_t qdcount = 0, ancount = 0, arcount = 0;
  bytes question;  // as echoed
  uint16_t answer_type = 0;
  std::string ptr;  // PTR answer
  uint32_t a = 0;   // A answer
  bool opt = false;
  uint16_t opt_payload = 0;
  bool opt_do = false;
};

std::string read_name(const bytes& b, size_t& pos) {
  std::string name;
  while (pos < b.size() && b[pos] != 0) {
    const size_t len = b[pos];
    name += (name.empty() ? "" : ".") + std::string(b.begin() + pos + 1, b.begin() + pos + 1 + len);
    pos += 1 + len;
  }
  ++pos;
  return name;
}

reply parse(const bytes& b) {
  reply r;
  if (b.size() < 12) {
    return r;
  }
  auto u16 = [&](size_t at) { return static_cast<uint16_t>(b.at(at) << 8 | b.at(at + 1)); };
  r.id = u16(0);
  const uint16_t flags = u16(2);
  r.aa = (flags & 0x0400) != 0;
  r.tc = (flags & 0x0200) != 0;
  r.rd = (flags & 0x0100) != 0;
  r.rcode = flags & 15;
  r.qdcount = u16(4);
  r.ancount = u16(6);
  r.arcount = u16(10);
  size_t pos = 12;
  if (r.qdcount == 1) {
    read_name(b, pos);
    pos += 4;
    r.question.assign(b.begin() + 12, b.begin() + static_cast<ptrdiff_t>(pos));
  }
  if (r.ancount == 1) {
    EXPECT_EQ(u16(pos), 0xC00C);  // compressed to the question's name
    r.answer_type = u16(pos + 2);
    const uint16_t rdlen = u16(pos + 10);
    pos += 12;
    if (r.answer_type == dns::type_a) {
      EXPECT_EQ(rdlen, 4);
      r.a = uint32_t{u16(pos)} << 16 | u16(pos + 2);
      pos += 4;
    } else {
      const size_t start = pos;
      r.ptr = read_name(b, pos);
      EXPECT_EQ(pos - start, rdlen);
    }
  }
  if (r.arcount == 1) {
    EXPECT_EQ(b.at(pos), 0);
    EXPECT_EQ(u16(pos + 1), dns::type_opt);
    r.opt = true;
    r.opt_payload = u16(pos + 3);
    r.rcode |= b.at(pos + 5) << 4;
    r.opt_do = (u16(pos + 7) & 0x8000) != 0;
    pos += 11;
  }
  EXPECT_EQ(pos, b.size()) << "trailing bytes";
  r.valid = true;
  return r;
}

class DnsAnswer : public ::testing::Test {
 protected:
  bytes answer(const bytes& query, size_t room = max_reply_size) const {
    bytes out(room);
    out.resize(answer_query(sim_, query, out));
    return out;
  }
  reply ask(const query_spec& q) const { return parse(answer(make_query(q))); }

  // The first address of the range whose truth satisfies `want`.
  host_truth find(const std::function<bool(const host_truth&)>& want) const {
    for (uint32_t ip = 0xC6120000;; ++ip) {
      host_truth t = sim_.truth(ip);
      if (want(t)) {
        return t;
      }
    }
  }

  static std::string reverse(uint32_t ip) {
    return std::to_string(ip & 255) + "." + std::to_string(ip >> 8 & 255) + "." +
           std::to_string(ip >> 16 & 255) + "." + std::to_string(ip >> 24) + ".in-addr.arpa";
  }

  static std::string upper(std::string s) {
    for (char& c : s) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return s;
  }

  model sim_{mix{}};
};

TEST_F(DnsAnswer, AnswersFromTheModel) {
  const host_truth with_ptr = find([](const host_truth& t) { return t.has_ptr; });
  const host_truth without = find([](const host_truth& t) { return !t.has_ptr; });
  const host_truth confirmed =
      find([](const host_truth& t) { return t.forward == forward_kind::confirmed; });
  const host_truth elsewhere =
      find([](const host_truth& t) { return t.forward == forward_kind::elsewhere; });
  const host_truth no_forward =
      find([](const host_truth& t) { return t.has_ptr && t.forward == forward_kind::nxdomain; });

  const struct {
    const char* what;
    query_spec q;
    int rcode;
    bool aa;
    uint16_t answer_type;
    std::string ptr;
    uint32_t a;
  } cases[] = {
      {"ptr", {reverse(with_ptr.ip), dns::type_ptr}, 0, true, dns::type_ptr, with_ptr.ptr_name, 0},
      {"no ptr", {reverse(without.ip), dns::type_ptr}, 3, true, 0, "", 0},
      {"A of a ptr name", {reverse(with_ptr.ip), dns::type_a}, 0, true, 0, "", 0},
      {"confirmed", {confirmed.ptr_name, dns::type_a}, 0, true, dns::type_a, "", confirmed.ip},
      {"elsewhere",
       {elsewhere.ptr_name, dns::type_a},
       0,
       true,
       dns::type_a,
       "",
       elsewhere.forward_ip},
      {"forward nxdomain", {no_forward.ptr_name, dns::type_a}, 3, true, 0, "", 0},
      {"forward nxdomain aaaa", {no_forward.ptr_name, dns::type_aaaa}, 3, true, 0, "", 0},
      {"aaaa nodata", {confirmed.ptr_name, dns::type_aaaa}, 0, true, 0, "", 0},
      {"mx nodata", {confirmed.ptr_name, 15}, 0, true, 0, "", 0},
      {"case-insensitive",
       {upper(confirmed.ptr_name), dns::type_a},
       0,
       true,
       dns::type_a,
       "",
       confirmed.ip},
      {"unknown sim.test name", {"www.sim.test", dns::type_a}, 3, true, 0, "", 0},
      {"banner-only name", {without.banner_name, dns::type_a}, 3, true, 0, "", 0},
      {"odd label bytes", {"a b.sim.test", dns::type_a}, 3, true, 0, "", 0},
      {"forward apex", {"sim.test", dns::type_a}, 0, true, 0, "", 0},
      {"reverse apex", {"18.198.in-addr.arpa", dns::type_ptr}, 0, true, 0, "", 0},
      {"empty non-terminal", {"3.19.198.in-addr.arpa", dns::type_ptr}, 0, true, 0, "", 0},
      {"five octets", {"1." + reverse(with_ptr.ip), dns::type_ptr}, 3, true, 0, "", 0},
      {"leading zero", {"07.3.18.198.in-addr.arpa", dns::type_ptr}, 3, true, 0, "", 0},
      {"beside the range", {"7.3.20.198.in-addr.arpa", dns::type_ptr}, 5, false, 0, "", 0},
      {"above the zones", {"198.in-addr.arpa", dns::type_ptr}, 5, false, 0, "", 0},
      {"outside", {"example.com", dns::type_a}, 5, false, 0, "", 0},
      {"class CH", {"sim.test", dns::type_a, 3}, 5, false, 0, "", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const bytes query = make_query(c.q);
    const reply r = parse(answer(query));
    ASSERT_TRUE(r.valid);
    EXPECT_EQ(r.id, 0x1234);
    EXPECT_TRUE(r.rd);
    EXPECT_FALSE(r.tc);
    EXPECT_EQ(r.rcode, c.rcode);
    EXPECT_EQ(r.aa, c.aa);
    ASSERT_EQ(r.qdcount, 1);
    EXPECT_EQ(r.question, bytes(query.begin() + 12, query.end()));  // mirrored byte for byte
    EXPECT_EQ(r.answer_type, c.answer_type);
    EXPECT_EQ(r.ptr, c.ptr);
    EXPECT_EQ(r.a, c.a);
    EXPECT_FALSE(r.opt);
  }
}

TEST_F(DnsAnswer, EchoesEdns) {
  const reply plain = ask({"sim.test", dns::type_a, dns::class_in, true});
  EXPECT_TRUE(plain.opt);
  EXPECT_EQ(plain.opt_payload, dns::edns_payload);
  EXPECT_FALSE(plain.opt_do);
  EXPECT_EQ(plain.rcode, 0);
  EXPECT_TRUE(ask({"sim.test", dns::type_a, dns::class_in, true, 0, true}).opt_do);
  const reply badvers = ask({"sim.test", dns::type_a, dns::class_in, true, 1});
  EXPECT_TRUE(badvers.opt);
  EXPECT_EQ(badvers.rcode, 16);
  EXPECT_EQ(badvers.ancount, 0);
}

TEST_F(DnsAnswer, MalformedQueries) {
  const bytes good = make_query({"sim.test", dns::type_a});
  auto with = [&](const std::function<void(bytes&)>& edit) {
    bytes b = good;
    edit(b);
    return b;
  };
  bytes two_opts = make_query({"sim.test", dns::type_a, dns::class_in, true});
  two_opts[11] = 2;
  two_opts.insert(two_opts.end(), two_opts.end() - 11, two_opts.end());
  bytes pointer = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
  bytes long_label = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0x40};
  long_label.resize(long_label.size() + 64, 'a');
  long_label.insert(long_label.end(), {0, 0, 1, 0, 1});
  bytes long_name = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 5; ++i) {
    long_name.push_back(63);
    long_name.resize(long_name.size() + 63, 'a');
  }
  long_name.insert(long_name.end(), {0, 0, 1, 0, 1});

  const struct {
    const char* what;
    bytes query;
    int rcode;  // -1: no reply at all
  } cases[] = {
      {"empty", {}, -1},
      {"short header", bytes(good.begin(), good.begin() + 11), -1},
      {"a response", with([](bytes& b) { b[2] |= 0x80; }), -1},
      {"header only", bytes(good.begin(), good.begin() + 12), 1},
      {"no question", with([](bytes& b) { b[5] = 0; }), 1},
      {"two questions", with([](bytes& b) { b[5] = 2; }), 1},
      {"an answer", with([](bytes& b) { b[7] = 1; }), 1},
      {"truncated name", bytes(good.begin(), good.begin() + 16), 1},
      {"no qtype", bytes(good.begin(), good.end() - 3), 1},
      {"compressed question", pointer, 1},
      {"label type bits", long_label, 1},
      {"name over 255", long_name, 1},
      {"additional record cut", with([](bytes& b) { b[11] = 1; }), 1},
      {"two OPT records", two_opts, 1},
      {"opcode STATUS", with([](bytes& b) { b[2] = 0x10; }), 4},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const bytes out = answer(c.query);
    if (c.rcode < 0) {
      EXPECT_TRUE(out.empty());
      continue;
    }
    const reply r = parse(out);
    ASSERT_TRUE(r.valid);
    EXPECT_EQ(r.rcode, c.rcode);
    EXPECT_EQ(r.qdcount, 0);
    EXPECT_EQ(r.ancount, 0);
  }
}

TEST_F(DnsAnswer, NoReplyWhenTheBufferIsTooSmall) {
  const host_truth t = find([](const host_truth& h) { return h.has_ptr; });
  const bytes query = make_query({reverse(t.ip), dns::type_ptr});
  EXPECT_TRUE(answer(query, 40).empty());
  EXPECT_FALSE(answer(query).empty());
}

// Whatever arrives, the builder returns a reply that fits (or none).
TEST_F(DnsAnswer, SurvivesGarbage) {
  std::mt19937 rng(7);
  const bytes good = make_query({"ip-198-18-0-7.dyn.sim.test", dns::type_a, 1, true});
  for (int i = 0; i < 20000; ++i) {
    bytes b = good;
    if (i % 2 == 0) {
      b.resize(rng() % (good.size() + 8));
    }
    for (int flips = 1 + static_cast<int>(rng() % 4); flips > 0 && !b.empty(); --flips) {
      b[rng() % b.size()] = static_cast<uint8_t>(rng());
    }
    bytes out(max_reply_size);
    ASSERT_LE(answer_query(sim_, b, out), max_reply_size);
  }
}

}  // namespace
}  // namespace ptrscan::simnet
