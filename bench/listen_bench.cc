// The listener's per-connection work outside the kernel: one whole SMTP
// dialogue through the responder (greeting, EHLO, MAIL, RCPT with its
// verdict, DATA refused, QUIT), as one pipelined read and line by line.
// The connections/s target against an epoll acceptor (issue 19) needs the
// end-to-end harness; this is the part of it that is ours alone.
#include <benchmark/benchmark.h>

#include <string>

#include "listen/responder.h"

namespace ptrscan {
namespace {

const char* const dialogue[] = {"EHLO mail.sender.example\r\n", "MAIL FROM:<bounce@sender.example>\r\n",
                                "RCPT TO:<check@listen.example>\r\n", "DATA\r\n", "QUIT\r\n"};

void BM_ResponderDialogueLineByLine(benchmark::State& state) {
  responder_config c;
  c.hostname = "listen.example";
  c.tls_available = true;
  for (auto _ : state) {
    responder r(c);
    r.send_greeting(0);
    size_t bytes = r.take_output().size();
    for (const char* line : dialogue) {
      r.on_bytes(line, 1);
      if (r.waiting_verdict()) {
        r.answer_rcpt("ptr=ok fcrdns=pass rdns=mail-like helo=match spf=pass", 1);
      }
      bytes += r.take_output().size();
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ResponderDialogueLineByLine);

void BM_ResponderDialoguePipelined(benchmark::State& state) {
  responder_config c;
  c.hostname = "listen.example";
  std::string all;
  for (const char* line : dialogue) {
    all += line;
  }
  for (auto _ : state) {
    responder r(c);
    r.send_greeting(0);
    r.on_bytes(all, 1);
    while (r.waiting_verdict()) {
      r.answer_rcpt("ptr=ok fcrdns=pass rdns=mail-like helo=match spf=pass", 1);
    }
    benchmark::DoNotOptimize(r.take_output());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ResponderDialoguePipelined);

}  // namespace
}  // namespace ptrscan
