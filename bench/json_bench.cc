// Micro-benchmarks for the output path: serialising a record, escaping
// strings, and compressing a chunk through the writer.

#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>

#include "output/json_writer.h"
#include "output/output_sink.h"
#include "output/timestamp.h"
#include "sample_records.h"

namespace ptrscan {
namespace {

// The record of DESIGN.md: one host with PTR, FCrDNS, naming and one SMTP
// session with STARTTLS.
void write_typical_record(std::string& out, int n, rfc3339_ms* ts = nullptr) {
  json_writer w(out);
  w.begin_object();
  w.key("ip").value("198.18.0.7");
  w.key("input").value("example.org");
  w.key("ptr").begin_object();
  w.key("status").value("ok");
  w.key("names").begin_array().value("mx1.example.org").end_array();
  w.end_object();
  w.key("fcrdns").begin_object().key("status").value("pass").key("name").value("mx1.example.org");
  w.end_object();
  w.key("rdns").begin_object();
  w.key("name").value("mx1.example.org").key("class").value("mail-like");
  w.key("tokens").begin_array().value("mx").end_array();
  w.end_object();
  w.key("smtp").begin_array().begin_object();
  w.key("port").value(25).key("status").value("ok");
  w.key("banner").value("220 mx1.example.org ESMTP Postfix");
  w.key("banner_host").value("mx1.example.org");
  w.key("ehlo").begin_object().key("host").value("mx1.example.org");
  w.key("extensions").begin_array().value("PIPELINING").value("SIZE 10240000").value("STARTTLS");
  w.end_array().end_object();
  w.key("tls").begin_object();
  w.key("version").value("TLSv1.3").key("cipher").value("TLS_AES_128_GCM_SHA256");
  w.key("cert_names").begin_array().value("mx1.example.org").end_array();
  w.key("name_match").value(true).key("chain_valid").value(false);
  w.end_object();
  w.key("ms").begin_object();
  w.key("connect").value_fixed(0.21 + n * 1e-3, 2).key("banner").value_fixed(0.40, 2);
  w.key("ehlo").value_fixed(0.33, 2).key("tls").value_fixed(2.10, 2);
  w.key("total").value_fixed(3.50, 2);
  w.end_object();
  w.end_object().end_array();
  w.key("checks").begin_object().key("banner_ptr_match").value(true);
  w.key("ehlo_ptr_match").value(true).end_object();
  if (ts != nullptr) {
    w.key("ts").value(ts->format(realtime_ns()));
  }
  w.end_object();
  w.end_line();
}

void BM_WriteTypicalRecord(benchmark::State& state) {
  std::string out;
  out.reserve(4096);
  int n = 0;
  for (auto _ : state) {
    out.clear();
    write_typical_record(out, n++ & 63);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(out.size()));
  state.counters["record_bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_WriteTypicalRecord);

// The same record with its `ts` as shard.cc writes it: a clock read and the
// cached text (compare with BM_WriteTypicalRecord for the cost per record).
void BM_WriteTypicalRecordWithTs(benchmark::State& state) {
  std::string out;
  out.reserve(4096);
  rfc3339_ms ts;
  int n = 0;
  for (auto _ : state) {
    out.clear();
    write_typical_record(out, n++ & 63, &ts);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["record_bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_WriteTypicalRecordWithTs);

// `ts` alone: the clock read and the formatting, cached and not.
void BM_RecordTimestamp(benchmark::State& state) {
  rfc3339_ms ts;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ts.format(realtime_ns()).data());
  }
}
BENCHMARK(BM_RecordTimestamp);

void BM_RecordTimestampUncached(benchmark::State& state) {
  int64_t t = realtime_ns();
  for (auto _ : state) {
    rfc3339_ms ts;  // a fresh cache: every call a gmtime_r
    t += 1'000'000'007;
    benchmark::DoNotOptimize(ts.format(t).data());
  }
}
BENCHMARK(BM_RecordTimestampUncached);

std::string ascii_input(size_t len) {
  const std::string banner = "220 mx1.example.org ESMTP Postfix (Debian/GNU) ready at ";
  std::string s;
  while (s.size() < len) {
    s += banner;
  }
  s.resize(len);
  return s;
}

// What a hostile server might send: controls, quotes, invalid and valid
// multi-byte sequences, all mixed.
std::string hostile_input(size_t len) {
  std::mt19937_64 rng(42);
  std::string s;
  s.reserve(len);
  while (s.size() < len) {
    s.push_back(static_cast<char>(rng() & 0xff));
  }
  return s;
}

// Valid non-ASCII text (mixed 2-, 3- and 4-byte sequences).
std::string utf8_input(size_t len) {
  const std::string piece =
      "Gr\xc3\xbc\xc3\x9f"
      "e \xe2\x82\xac \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x93\xa7 ";
  std::string s;
  while (s.size() + piece.size() <= len) {
    s += piece;
  }
  return s;
}

void run_append(benchmark::State& state, const std::string& in) {
  std::string out;
  out.reserve(in.size() * 6 + 2);
  for (auto _ : state) {
    out.clear();
    append_json_string(out, in);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(in.size()));
}

void BM_AppendJsonStringAscii(benchmark::State& state) {
  run_append(state, ascii_input(static_cast<size_t>(state.range(0))));
}
BENCHMARK(BM_AppendJsonStringAscii)->Arg(16)->Arg(64)->Arg(512)->Arg(4096);

void BM_AppendJsonStringUtf8(benchmark::State& state) {
  run_append(state, utf8_input(static_cast<size_t>(state.range(0))));
}
BENCHMARK(BM_AppendJsonStringUtf8)->Arg(64)->Arg(4096);

void BM_AppendJsonStringHostile(benchmark::State& state) {
  run_append(state, hostile_input(static_cast<size_t>(state.range(0))));
}
BENCHMARK(BM_AppendJsonStringHostile)->Arg(64)->Arg(4096);

// One 256 KiB chunk through a sink per iteration: open, submit, close (which
// ends the frame and writes it). The ".zst" name is a link to /dev/null, so
// the numbers are compression and syscalls, not disk.
void run_sink(benchmark::State& state, const char* name) {
  std::error_code ec;
  std::string dir = (std::filesystem::temp_directory_path() / "ptrscan-bench-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  const std::string path = dir + "/" + name;
  std::filesystem::create_symlink("/dev/null", path, ec);
  if (ec) {
    state.SkipWithError("symlink failed");
    return;
  }
  const std::string chunk = bench::ndjson_chunk(256 * 1024);
  output_sink_options opt;
  opt.zstd_level = static_cast<int>(state.range(0));
  uint64_t out_bytes = 0;
  for (auto _ : state) {
    auto sink = output_sink::open(path, opt);
    if (!sink.ok()) {
      state.SkipWithError("open failed");
      break;
    }
    (*sink)->submit(chunk);
    if (!(*sink)->close().ok()) {
      state.SkipWithError("close failed");
      break;
    }
    out_bytes = (*sink)->bytes_out();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(chunk.size()));
  state.counters["ratio"] =
      out_bytes == 0 ? 0.0 : static_cast<double>(chunk.size()) / static_cast<double>(out_bytes);
  std::filesystem::remove_all(dir, ec);
}

void BM_SinkZstd256KiB(benchmark::State& state) { run_sink(state, "out.ndjson.zst"); }
BENCHMARK(BM_SinkZstd256KiB)->Arg(1)->Arg(3)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_SinkPlain256KiB(benchmark::State& state) { run_sink(state, "out.ndjson"); }
BENCHMARK(BM_SinkPlain256KiB)->Arg(0)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ptrscan
