#include "output/resume_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "net/absl_compat.h"
#include "input/permutation.h"

namespace ptrscan {
namespace {

// Format 2: zone record keys are per group, free of the thread (format 1
// keyed them by thread; resuming one of those would write its zones again).
constexpr std::string_view magic = "ptrscan-state 2";
constexpr std::string_view magic_v1 = "ptrscan-state 1";
// Set in record keys, never in an ordinal.
constexpr uint64_t record_bit = uint64_t{1} << 63;

}  // namespace

uint64_t resume_point::record_key(uint64_t id) {
  // splitmix64: stable across runs and builds, as a state file must be.
  uint64_t x = id + 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return record_bit | ((x ^ (x >> 31)) >> 1);
}

void resume_point::add(const std::vector<uint64_t>& ordinals) {
  for (uint64_t o : ordinals) {
    if ((o & record_bit) != 0) {
      records_done.insert(o);
    } else if (o >= watermark) {
      done_above.insert(o);
    }
  }
  while (done_above.erase(watermark) != 0) {
    ++watermark;
  }
}

std::string resume_point::serialise() const {
  std::vector<uint64_t> above(done_above.begin(), done_above.end());
  std::sort(above.begin(), above.end());
  std::string out = absl::StrCat(av(magic), "\nfingerprint ", fingerprint, "\nseed ", seed,
                                 "\nfile_size ", file_size, "\nwatermark ", watermark,
                                 "\ndone_above ", above.size(), "\n");
  for (uint64_t o : above) {
    absl::StrAppend(&out, o, "\n");
  }
  if (!records_done.empty()) {
    std::vector<uint64_t> records(records_done.begin(), records_done.end());
    std::sort(records.begin(), records.end());
    absl::StrAppend(&out, "records ", records.size(), "\n");
    for (uint64_t k : records) {
      absl::StrAppend(&out, k, "\n");
    }
  }
  absl::StrAppend(&out, "end\n");
  return out;
}

absl::StatusOr<resume_point> resume_point::parse(std::string_view text, std::string_view source) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(av(source), ": not a ptrscan state file (", av(why), ")"));
  };
  std::vector<absl::string_view> lines = absl::StrSplit(av(text), '\n');
  if (!lines.empty() && sv(lines[0]) == magic_v1) {
    return absl::FailedPreconditionError(
        absl::StrCat(av(source), ": a state file of an older ptrscan (format 1), which this one "
                                 "cannot resume without writing zone records twice: start the "
                                 "scan again without it"));
  }
  if (lines.size() < 7 || sv(lines[0]) != magic) {
    return bad("header");
  }
  resume_point p;
  uint64_t count = 0;
  auto field = [&](size_t i, std::string_view key, uint64_t& out) {
    std::vector<absl::string_view> kv = absl::StrSplit(lines[i], ' ');
    return kv.size() == 2 && sv(kv[0]) == key && absl::SimpleAtoi(kv[1], &out);
  };
  if (!field(1, "fingerprint", p.fingerprint) || !field(2, "seed", p.seed) ||
      !field(3, "file_size", p.file_size) || !field(4, "watermark", p.watermark) ||
      !field(5, "done_above", count)) {
    return bad("fields");
  }
  // A state file is replaced by rename, never written in place: a missing
  // "end" means it was damaged, and resuming from it could lose hosts.
  if (lines.size() < 6 + count + 1) {
    return bad("truncated");
  }
  for (size_t i = 0; i < count; ++i) {
    uint64_t o = 0;
    if (!absl::SimpleAtoi(lines[6 + i], &o) || (o & record_bit) != 0) {
      return bad("ordinal");
    }
    p.done_above.insert(o);
  }
  // Then, when the scan wrote records of no target: "records N" and N keys.
  size_t at = 6 + count;
  uint64_t records = 0;
  if (field(at, "records", records)) {
    if (lines.size() < at + 1 + records + 1) {
      return bad("truncated");
    }
    for (size_t i = 0; i < records; ++i) {
      uint64_t k = 0;
      if (!absl::SimpleAtoi(lines[at + 1 + i], &k) || (k & record_bit) == 0) {
        return bad("record key");
      }
      p.records_done.insert(k);
    }
    at += 1 + records;
  }
  if (sv(lines[at]) != "end") {
    return bad("truncated");
  }
  return p;
}

absl::StatusOr<std::optional<resume_point>> resume_point::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) {
      return std::optional<resume_point>();
    }
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read: ", strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  absl::StatusOr<resume_point> p = parse(text.str(), path);
  if (!p.ok()) {
    return p.status();
  }
  return std::optional<resume_point>(std::move(*p));
}

absl::Status resume_point::save(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  const std::string text = serialise();
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("--state ", tmp, ": ", strerror(errno)));
  }
  size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      return absl::UnavailableError(absl::StrCat("--state ", tmp, ": ", strerror(err)));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return absl::UnavailableError(absl::StrCat("--state ", tmp, ": ", strerror(errno)));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("--state ", path, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

uint64_t arguments_fingerprint(const std::vector<std::string>& args) {
  uint64_t h = 0x70747273636e31ULL;  // "ptrscn1"
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    // Presentation only: the same scan with or without a progress line,
    // a summary (-q) or status lines (-u FILE).
    if (a == "--progress" || a == "--no-progress" || a == "-q" || a == "--quiet" ||
        a.rfind("--status-updates-file=", 0) == 0 || (a.size() > 2 && a.rfind("-u", 0) == 0)) {
      continue;
    }
    if (a == "-u" || a == "--status-updates-file") {
      ++i;
      continue;
    }
    // The thread count: a scan resumes on a machine with other cores (zmap
    // users expect that), and nothing --state keeps depends on it.
    if (a == "-T" || a == "--threads") {
      ++i;
      continue;
    }
    if (a.rfind("--threads=", 0) == 0 || (a.size() > 2 && a.rfind("-T", 0) == 0)) {
      continue;
    }
    for (unsigned char c : a) {
      h = mix64(h ^ c);
    }
    h = mix64(h ^ 0x1f);  // argument separator
  }
  return h;
}

}  // namespace ptrscan
