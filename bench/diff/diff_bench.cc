// ptrscan-diff-bench: two generated scans of N records each (default 1M),
// a known set of them changed, then `ptrscan diff OLD NEW` with default
// flags; prints records/s and the diff's peak RSS, and checks that the diff
// found exactly the changes made. Numbers are printed, never asserted.
//
//   ptrscan-diff-bench [--records N] [--changed FRACTION] [--dir DIR]
//                      [--max-memory SIZE] [--keep]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "output/json_writer.h"

namespace {

// Streams NDJSON into a .zst file.
class zst_file {
 public:
  explicit zst_file(const std::string& path) : f_(std::fopen(path.c_str(), "wb")) {
    ZSTD_CCtx_setParameter(c_, ZSTD_c_compressionLevel, 1);
    out_.resize(ZSTD_CStreamOutSize());
  }
  ~zst_file() { ZSTD_freeCCtx(c_); }
  bool ok() const { return f_ != nullptr; }
  void write(const std::string& s, ZSTD_EndDirective mode = ZSTD_e_continue) {
    ZSTD_inBuffer in{s.data(), s.size(), 0};
    size_t left = 0;
    do {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      left = ZSTD_compressStream2(c_, &out, &in, mode);
      std::fwrite(out_.data(), 1, out.pos, f_);
    } while (in.pos < in.size || (mode == ZSTD_e_end && left != 0));
  }
  void close() {
    write("", ZSTD_e_end);
    std::fclose(f_);
  }

 private:
  std::FILE* f_;
  ZSTD_CCtx* c_ = ZSTD_createCCtx();
  std::vector<char> out_;
};

std::string address(uint64_t i) {
  // 10.0.0.0/8 first, then the /8s after it: enough for 100M and more.
  const uint64_t v = (uint64_t{10} << 24) + i;
  return std::to_string((v >> 24) & 255) + "." + std::to_string((v >> 16) & 255) + "." +
         std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255);
}

enum mutation { none, ptr_name, fcrdns_fail, class_change, banner_mismatch, port_closed, gone };

// One host record shaped like a scan's (PTR, FCrDNS, naming, one SMTP port
// with TLS, checks, timings). `m` changes it the way the new scan differs.
void write_record(std::string& out, uint64_t i, std::mt19937_64& rng, mutation m,
                  const char* ts) {
  const bool generic = i % 3 == 0;
  std::string name = generic ? "dyn-" + std::to_string(i) + ".pool.isp" + std::to_string(i % 50) + ".net"
                             : "mx" + std::to_string(i % 10) + ".example" + std::to_string(i % 5000) + ".org";
  if (m == ptr_name) {
    name = "renamed-" + name;
  }
  auto ms = [&] { return static_cast<double>(rng() % 100000) / 100.0; };
  ptrscan::json_writer w(out);
  w.begin_object();
  w.key("ip").value(address(i));
  w.key("ptr").begin_object().key("status").value("ok");
  w.key("names").begin_array().value(name).end_array().end_object();
  w.key("fcrdns").begin_object().key("status").value(m == fcrdns_fail ? "fail" : "pass");
  w.key("name").value(name).end_object();
  w.key("rdns").begin_object().key("name").value(name);
  const bool dynamic = generic != (m == class_change);
  w.key("class").value(dynamic ? "generic-dynamic" : "mail-like").end_object();
  w.key("smtp").begin_array().begin_object();
  w.key("port").value(25).key("status").value(m == port_closed ? "refused" : "ok");
  if (m != port_closed) {
    w.key("banner").value("220 " + name + " ESMTP Postfix");
    w.key("banner_host").value(name);
    w.key("ehlo").begin_object().key("host").value(name);
    w.key("extensions").begin_array().value("PIPELINING").value("SIZE 10240000").value("STARTTLS");
    w.end_array().end_object();
    w.key("tls").begin_object().key("version").value("TLSv1.3");
    w.key("cipher").value("TLS_AES_256_GCM_SHA384");
    w.key("cert_names").begin_array().value(name).end_array();
    w.key("name_match").value(true).key("chain_valid").value(false);
    w.key("not_after").value("2030-01-01T00:00:00Z").end_object();
  }
  w.key("ms").begin_object().key("connect").value_fixed(ms(), 2).key("banner").value_fixed(ms(), 2);
  w.key("total").value_fixed(ms(), 2).end_object();
  w.end_object().end_array();
  w.key("checks").begin_object().key("banner_ptr_match").value(m != banner_mismatch);
  w.key("ehlo_ptr_match").value(true).end_object();
  w.key("ts").value(ts);
  w.end_object();
  w.end_line();
}

uint64_t gcd(uint64_t a, uint64_t b) { return b == 0 ? a : gcd(b, a % b); }

}  // namespace

int main(int argc, char** argv) {
  uint64_t records = 1'000'000;
  double changed = 0.05;
  std::string dir;
  std::string max_memory;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--records" && has_value) {
      records = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--changed" && has_value) {
      changed = std::strtod(argv[++i], nullptr);
    } else if (a == "--dir" && has_value) {
      dir = argv[++i];
    } else if (a == "--max-memory" && has_value) {
      max_memory = argv[++i];
    } else if (a == "--keep") {
      keep = true;
    } else {
      std::fprintf(stderr,
                   "usage: ptrscan-diff-bench [--records N] [--changed FRACTION] [--dir DIR] "
                   "[--max-memory SIZE] [--keep]\n");
      return 2;
    }
  }
  if (records == 0 || changed < 0 || changed > 1) {
    std::fprintf(stderr, "ptrscan-diff-bench: --records > 0, --changed in [0, 1]\n");
    return 2;
  }
  if (dir.empty()) {
    const char* t = std::getenv("TMPDIR");
    dir = std::string(t != nullptr && *t ? t : "/tmp") + "/ptrscan-diff-bench." +
          std::to_string(::getpid());
  }
  std::filesystem::create_directories(dir);
  const std::string old_path = dir + "/old.ndjson.zst";
  const std::string new_path = dir + "/new.ndjson.zst";
  const std::string out_path = dir + "/changes.ndjson";

  // Each scan lists the addresses in its own permuted order, as scans do.
  const auto t0 = std::chrono::steady_clock::now();
  std::mt19937_64 rng(2026);
  uint64_t expect_changed = 0;
  {
    zst_file old_file(old_path);
    zst_file new_file(new_path);
    if (!old_file.ok() || !new_file.ok()) {
      std::fprintf(stderr, "ptrscan-diff-bench: cannot write in %s\n", dir.c_str());
      return 1;
    }
    uint64_t step_old = 1'000'003 % records;
    while (records > 1 && gcd(step_old, records) != 1) {
      ++step_old;
    }
    uint64_t step_new = 999'983 % records;
    while (records > 1 && gcd(step_new, records) != 1) {
      ++step_new;
    }
    if (records == 1) {
      step_old = step_new = 1;
    }
    std::string old_buf;
    std::string new_buf;
    const uint64_t threshold = static_cast<uint64_t>(changed * 1e6);
    for (uint64_t k = 0; k < records; ++k) {
      write_record(old_buf, (k * step_old) % records, rng, none, "2026-11-07T10:00:00.000Z");
      const uint64_t i = (k * step_new) % records;
      // Which records change is a function of the address: the same in
      // both files whatever their order.
      const uint64_t h = (i * 0x9e3779b97f4a7c15ull) >> 20;
      const mutation m = (h % 1'000'000) < threshold ? static_cast<mutation>(1 + (h >> 20) % 6) : none;
      if (m != none) {
        ++expect_changed;
      }
      if (m != gone) {
        write_record(new_buf, i, rng, m, "2026-12-07T10:00:00.000Z");
      }
      if (old_buf.size() > (1 << 20)) {
        old_file.write(old_buf);
        new_file.write(new_buf);
        old_buf.clear();
        new_buf.clear();
      }
    }
    old_file.write(old_buf);
    new_file.write(new_buf);
    old_file.close();
    new_file.close();
  }
  const double gen_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "generated 2 x %" PRIu64 " records (%" PRIu64 " changed) in %.1f s: %s\n",
               records, expect_changed, gen_s, dir.c_str());

  std::vector<std::string> args = {PTRSCAN_BINARY, "diff", old_path, new_path, "-o", out_path};
  if (!max_memory.empty()) {
    args.push_back("--max-memory");
    args.push_back(max_memory);
  }
  const auto t1 = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> cargs;
    for (std::string& s : args) {
      cargs.push_back(s.data());
    }
    cargs.push_back(nullptr);
    ::execv(cargs[0], cargs.data());
    std::perror("execv");
    ::_exit(127);
  }
  int status = 0;
  rusage ru{};
  ::wait4(pid, &status, 0, &ru);
  const double diff_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "ptrscan-diff-bench: ptrscan diff failed (status %d)\n", status);
    return 1;
  }
  // The summary is the last line of the output.
  std::ifstream in(out_path);
  std::string line;
  std::string last;
  uint64_t change_lines = 0;
  while (std::getline(in, line)) {
    if (line.rfind("{\"type\":\"change\"", 0) == 0) {
      ++change_lines;
    }
    last = line;
  }
  const double cpu = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                     double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  std::printf("ptrscan diff of 2 x %" PRIu64 " records: %.2f s wall, %.2f s cpu, %.0f records/s "
              "(both sides), peak RSS %.1f MiB; %" PRIu64 " change records, %" PRIu64
              " expected: %s\n",
              records, diff_s, cpu, double(2 * records) / diff_s, double(ru.ru_maxrss) / 1024,
              change_lines, expect_changed, change_lines == expect_changed ? "match" : "MISMATCH");
  std::printf("%s\n", last.c_str());
  if (!keep) {
    std::filesystem::remove_all(dir);
  }
  return change_lines == expect_changed ? 0 : 1;
}
