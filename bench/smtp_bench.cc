// Micro-benchmarks for the SMTP reply path: every session reads a greeting
// and one or two EHLO replies, often in small TCP segments.

#include <benchmark/benchmark.h>

#include <string_view>

#include "smtp/reply_parser.h"

namespace ptrscan {
namespace {

constexpr std::string_view greeting = "220 mx1.example.org ESMTP Postfix (Debian/GNU)\r\n";

constexpr std::string_view ehlo_reply =
    "250-mx1.example.org\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 10240000\r\n"
    "250-STARTTLS\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-8BITMIME\r\n"
    "250 SMTPUTF8\r\n";

// Reads `input` in pieces of `piece` bytes (0: one piece) with one reader
// reused across iterations, as a session reuses its reader across replies.
void feed_reply(benchmark::State& state, std::string_view input, size_t piece) {
  reply_reader rd;
  for (auto _ : state) {
    rd.reset();
    std::string_view rest = input;
    reply_reader::result res = reply_reader::result::need_more;
    while (res == reply_reader::result::need_more && !rest.empty()) {
      std::string_view chunk = piece == 0 ? rest : rest.substr(0, piece);
      rest.remove_prefix(chunk.size());
      res = rd.feed(chunk);
    }
    benchmark::DoNotOptimize(res);
    benchmark::DoNotOptimize(rd.reply().lines.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
}

void BM_FeedGreeting(benchmark::State& state) { feed_reply(state, greeting, 0); }
BENCHMARK(BM_FeedGreeting);

void BM_FeedGreetingAndHost(benchmark::State& state) {
  reply_reader rd;
  for (auto _ : state) {
    rd.reset();
    std::string_view data = greeting;
    rd.feed(data);
    std::string host = reply_host(rd.reply());
    benchmark::DoNotOptimize(host.data());
  }
}
BENCHMARK(BM_FeedGreetingAndHost);

void BM_FeedEhloWhole(benchmark::State& state) { feed_reply(state, ehlo_reply, 0); }
BENCHMARK(BM_FeedEhloWhole);

void BM_FeedEhlo16BytePieces(benchmark::State& state) { feed_reply(state, ehlo_reply, 16); }
BENCHMARK(BM_FeedEhlo16BytePieces);

void BM_ParseEhlo(benchmark::State& state) {
  reply_reader rd;
  std::string_view data = ehlo_reply;
  rd.feed(data);
  const smtp_reply& r = rd.reply();
  for (auto _ : state) {
    ehlo_info e = parse_ehlo(r);
    bool tls = e.has("STARTTLS");
    benchmark::DoNotOptimize(tls);
    benchmark::DoNotOptimize(e.extensions.data());
  }
}
BENCHMARK(BM_ParseEhlo);

}  // namespace
}  // namespace ptrscan
