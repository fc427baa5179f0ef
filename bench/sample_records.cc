// Sample output records for the benchmarks of the output path.

#include "sample_records.h"

#include <random>

#include "output/json_writer.h"

namespace ptrscan::bench {
namespace {

// Records that differ the way a scan's do (addresses, names, timings), so
// the compression ratio is not that of one line repeated.
void write_varied_record(std::string& out, std::mt19937_64& rng) {
  const unsigned a = static_cast<unsigned>(rng() % 256);
  const unsigned b = static_cast<unsigned>(rng() % 256);
  const std::string ip = "198.18." + std::to_string(a) + "." + std::to_string(b);
  const bool generic = rng() % 3 == 0;
  const std::string name = generic ? "dyn-198-18-" + std::to_string(a) + "-" + std::to_string(b) +
                                         ".pool.isp" + std::to_string(rng() % 50) + ".net"
                                   : "mx" + std::to_string(rng() % 10) + ".example" +
                                         std::to_string(rng() % 5000) + ".org";
  auto ms = [&] { return static_cast<double>(rng() % 100000) / 100.0; };
  json_writer w(out);
  w.begin_object();
  w.key("ip").value(ip);
  w.key("ptr").begin_object().key("status").value("ok");
  w.key("names").begin_array().value(name).end_array().end_object();
  w.key("fcrdns").begin_object().key("status").value("pass").key("name").value(name).end_object();
  w.key("rdns").begin_object().key("name").value(name);
  w.key("class").value(generic ? "generic-dynamic" : "mail-like").end_object();
  w.key("smtp").begin_array().begin_object();
  w.key("port").value(25).key("status").value("ok");
  w.key("banner").value("220 " + name + " ESMTP Postfix");
  w.key("banner_host").value(name);
  w.key("ehlo").begin_object().key("host").value(name);
  w.key("extensions").begin_array().value("PIPELINING").value("SIZE 10240000").value("STARTTLS");
  w.end_array().end_object();
  w.key("ms").begin_object().key("connect").value_fixed(ms(), 2).key("banner").value_fixed(ms(), 2);
  w.key("total").value_fixed(ms(), 2).end_object();
  w.end_object().end_array();
  w.key("checks").begin_object().key("banner_ptr_match").value(true).end_object();
  w.end_object();
  w.end_line();
}

}  // namespace

std::string ndjson_chunk(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string chunk;
  chunk.reserve(size + 2048);
  while (chunk.size() < size) {
    write_varied_record(chunk, rng);
  }
  return chunk;
}

}  // namespace ptrscan::bench
