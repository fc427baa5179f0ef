#include "diff/spill.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace ptrscan::diff {
namespace {

constexpr size_t io_block = 64 * 1024;

std::string sys_error(const std::string& what) { return what + ": " + std::strerror(errno); }

uint64_t key_prefix(std::string_view key) {
  uint64_t p = 0;
  for (size_t i = 0; i < 8; ++i) {
    p = (p << 8) | (i < key.size() ? static_cast<unsigned char>(key[i]) : 0u);
  }
  return p;
}

bool entry_less(const entry_view& a, const entry_view& b) {
  const int c = a.key.compare(b.key);
  return c < 0 || (c == 0 && a.seq < b.seq);
}

}  // namespace

temp_dir::temp_dir(const std::string& parent) {
  std::string base = parent;
  if (base.empty()) {
    const char* env = std::getenv("TMPDIR");
    base = env != nullptr && *env != '\0' ? env : "/tmp";
  }
  std::string pattern = base + "/ptrscan-diff.XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    error_ = sys_error("cannot create a temporary directory in " + base);
    return;
  }
  path_ = pattern;
}

temp_dir::~temp_dir() {
  if (!path_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
}

std::string temp_dir::next_file() {
  char name[32];
  std::snprintf(name, sizeof name, "/run-%06llu.zst", static_cast<unsigned long long>(++files_));
  return path_ + name;
}

zstd_writer::zstd_writer(const std::string& path, bool compress) : path_(path) {
  if (path == "-") {
    file_ = stdout;
  } else {
    file_ = std::fopen(path.c_str(), "wbe");
    owns_ = true;
    if (file_ == nullptr) {
      error_ = sys_error("cannot create " + path);
      return;
    }
  }
  if (compress) {
    cctx_.reset(ZSTD_createCCtx());
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_compressionLevel, 1);
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_windowLog, 17);
    out_.resize(ZSTD_CStreamOutSize());
  }
}

zstd_writer::~zstd_writer() {
  if (owns_ && file_ != nullptr) {
    std::fclose(file_);
  }
}

bool zstd_writer::put(const char* data, size_t size) {
  if (size > 0 && std::fwrite(data, 1, size, file_) != size) {
    error_ = sys_error("cannot write " + (path_ == "-" ? std::string("standard output") : path_));
    return false;
  }
  return true;
}

bool zstd_writer::write(std::string_view bytes) {
  if (file_ == nullptr || !error_.empty()) {
    return false;
  }
  if (!cctx_) {
    return put(bytes.data(), bytes.size());
  }
  ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer out{out_.data(), out_.size(), 0};
    const size_t rc = ZSTD_compressStream2(cctx_.get(), &out, &in, ZSTD_e_continue);
    if (ZSTD_isError(rc)) {
      error_ = std::string("zstd: ") + ZSTD_getErrorName(rc);
      return false;
    }
    if (!put(out_.data(), out.pos)) {
      return false;
    }
  }
  return true;
}

bool zstd_writer::close() {
  if (file_ == nullptr || !error_.empty()) {
    return false;
  }
  if (cctx_) {
    ZSTD_inBuffer in{nullptr, 0, 0};
    size_t remaining = 0;
    do {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      remaining = ZSTD_compressStream2(cctx_.get(), &out, &in, ZSTD_e_end);
      if (ZSTD_isError(remaining)) {
        error_ = std::string("zstd: ") + ZSTD_getErrorName(remaining);
        return false;
      }
      if (!put(out_.data(), out.pos)) {
        return false;
      }
    } while (remaining != 0);
  }
  const bool ok = owns_ ? std::fclose(file_) == 0 : std::fflush(file_) == 0;
  if (owns_) {
    file_ = nullptr;
  }
  if (!ok) {
    error_ = sys_error("cannot write " + (path_ == "-" ? std::string("standard output") : path_));
  }
  return ok;
}

void append_entry(std::string& out, std::string_view key, uint64_t seq, std::string_view payload) {
  char head[16];
  const uint32_t k = static_cast<uint32_t>(key.size());
  const uint32_t p = static_cast<uint32_t>(payload.size());
  std::memcpy(head, &k, 4);
  std::memcpy(head + 4, &p, 4);
  std::memcpy(head + 8, &seq, 8);
  out.append(head, sizeof head);
  out.append(key);
  out.append(payload);
}

run_reader::run_reader(const std::string& path) {
  file_ = std::fopen(path.c_str(), "rbe");
  if (file_ == nullptr) {
    error_ = sys_error("cannot open " + path);
    return;
  }
  dctx_.reset(ZSTD_createDCtx());
  in_.resize(io_block);
}

run_reader::~run_reader() {
  if (file_ != nullptr) {
    std::fclose(file_);
  }
}

bool run_reader::fill(size_t need) {
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  char out[io_block];
  while (buf_.size() - pos_ < need) {
    if (zin_.pos == zin_.size) {
      if (eof_) {
        return false;
      }
      const size_t got = std::fread(in_.data(), 1, in_.size(), file_);
      if (got == 0) {
        if (std::ferror(file_)) {
          error_ = sys_error("cannot read a spilled run");
        }
        eof_ = true;
        continue;
      }
      zin_ = ZSTD_inBuffer{in_.data(), got, 0};
    }
    ZSTD_outBuffer zout{out, sizeof out, 0};
    const size_t rc = ZSTD_decompressStream(dctx_.get(), &zout, &zin_);
    if (ZSTD_isError(rc)) {
      error_ = std::string("a spilled run is damaged: ") + ZSTD_getErrorName(rc);
      return false;
    }
    buf_.append(out, zout.pos);
  }
  return true;
}

bool run_reader::next(entry_view& e) {
  if (file_ == nullptr || !error_.empty()) {
    return false;
  }
  if (!fill(16)) {
    if (error_.empty() && buf_.size() != pos_) {
      error_ = "a spilled run ends inside an entry";
    }
    return false;
  }
  uint32_t k = 0;
  uint32_t p = 0;
  std::memcpy(&k, buf_.data() + pos_, 4);
  std::memcpy(&p, buf_.data() + pos_ + 4, 4);
  std::memcpy(&e.seq, buf_.data() + pos_ + 8, 8);
  if (!fill(16 + size_t{k} + p)) {
    if (error_.empty()) {
      error_ = "a spilled run ends inside an entry";
    }
    return false;
  }
  const char* base = buf_.data() + pos_ + 16;
  e.key = std::string_view(base, k);
  e.payload = std::string_view(base + k, p);
  pos_ += 16 + size_t{k} + p;
  return true;
}

run_builder::run_builder(uint64_t budget, temp_dir& dir)
    : budget_(std::max<uint64_t>(budget, 4096) & ~uint64_t{63}), dir_(dir) {
  // new char[] leaves the bytes uninitialised: the kernel maps pages only as
  // entries reach them, so a small input never costs the whole budget.
  arena_ = new char[budget_];
}

run_builder::~run_builder() { delete[] arena_; }

bool run_builder::add(std::string_view key, uint64_t seq, std::string_view payload) {
  const uint64_t need = key.size() + payload.size();
  const auto fits = [&] {
    const uint64_t refs_start = budget_ - (refs_ + 1) * sizeof(ref);
    return used_ + need <= refs_start && (refs_ + 1) * sizeof(ref) <= budget_;
  };
  if (!fits()) {
    if (!spill()) {
      return false;
    }
    if (!fits()) {
      // One entry bigger than the whole budget: a run of its own.
      scratch_.clear();
      append_entry(scratch_, key, seq, payload);
      const std::string path = dir_.next_file();
      zstd_writer w(path, true);
      if (!w.write(scratch_) || !w.close()) {
        error_ = w.error();
        return false;
      }
      runs_.push_back(path);
      return true;
    }
  }
  ref r{key_prefix(key), used_, static_cast<uint32_t>(key.size()),
        static_cast<uint32_t>(payload.size()), seq};
  std::memcpy(arena_ + used_, key.data(), key.size());
  std::memcpy(arena_ + used_ + key.size(), payload.data(), payload.size());
  used_ += need;
  ++refs_;
  std::memcpy(arena_ + budget_ - refs_ * sizeof(ref), &r, sizeof r);
  return true;
}

void run_builder::sort_refs() {
  // The refs sit at the end of the arena (the budget is a multiple of 64, so
  // they are aligned) and are sorted where they are: nothing beyond the
  // budget is allocated.
  ref* first = reinterpret_cast<ref*>(arena_ + budget_ - refs_ * sizeof(ref));
  const char* a = arena_;
  std::sort(first, first + refs_, [a](const ref& x, const ref& y) {
    if (x.prefix != y.prefix) {
      return x.prefix < y.prefix;
    }
    const int c = std::string_view(a + x.offset, x.key_size)
                      .compare(std::string_view(a + y.offset, y.key_size));
    return c < 0 || (c == 0 && x.seq < y.seq);
  });
}

class run_builder::memory_source : public entry_source {
 public:
  memory_source(const char* arena, const ref* first, const ref* last)
      : arena_(arena), at_(first), last_(last) {}
  bool next(entry_view& e) override {
    if (at_ == last_) {
      return false;
    }
    e.key = std::string_view(arena_ + at_->offset, at_->key_size);
    e.seq = at_->seq;
    e.payload = std::string_view(arena_ + at_->offset + at_->key_size, at_->payload_size);
    ++at_;
    return true;
  }
  const std::string& error() const override { return error_; }

 private:
  const char* arena_;
  const ref* at_;
  const ref* last_;
  std::string error_;
};

std::unique_ptr<entry_source> run_builder::memory_run() const {
  const ref* first = reinterpret_cast<const ref*>(arena_ + budget_ - refs_ * sizeof(ref));
  return std::make_unique<memory_source>(arena_, first, first + refs_);
}

bool run_builder::spill() {
  if (refs_ == 0) {
    return true;
  }
  sort_refs();
  ref* first = reinterpret_cast<ref*>(arena_ + budget_ - refs_ * sizeof(ref));
  ref* last = first + refs_;
  const char* a = arena_;
  const std::string path = dir_.next_file();
  zstd_writer w(path, true);
  scratch_.clear();
  for (const ref* r = first; r != last; ++r) {
    append_entry(scratch_, std::string_view(a + r->offset, r->key_size), r->seq,
                 std::string_view(a + r->offset + r->key_size, r->payload_size));
    if (scratch_.size() >= io_block) {
      if (!w.write(scratch_)) {
        break;
      }
      scratch_.clear();
    }
  }
  if (!w.write(scratch_) || !w.close()) {
    error_ = w.error();
    return false;
  }
  runs_.push_back(path);
  used_ = 0;
  refs_ = 0;
  return true;
}

bool run_builder::finish() {
  if (runs_.empty()) {
    // Everything fitted: no run is written and read back.
    sort_refs();
    in_memory_ = true;
    return true;
  }
  const bool ok = spill();
  // The merge reads runs only: give the buffer back to the system for it.
  delete[] arena_;
  arena_ = nullptr;
  return ok;
}

run_merger::run_merger(const std::vector<std::string>& runs) {
  for (const std::string& path : runs) {
    readers_.push_back(std::make_unique<run_reader>(path));
    if (!readers_.back()->error().empty()) {
      error_ = readers_.back()->error();
    }
  }
  heads_.resize(readers_.size());
}

run_merger::run_merger(std::vector<std::unique_ptr<entry_source>> sources)
    : readers_(std::move(sources)) {
  for (const auto& r : readers_) {
    if (!r->error().empty()) {
      error_ = r->error();
    }
  }
  heads_.resize(readers_.size());
}

bool run_merger::next(entry_view& e) {
  if (!error_.empty()) {
    return false;
  }
  const auto greater = [this](size_t a, size_t b) { return entry_less(heads_[b], heads_[a]); };
  if (!started_) {
    started_ = true;
    for (size_t i = 0; i < readers_.size(); ++i) {
      if (readers_[i]->next(heads_[i])) {
        heap_.push_back(i);
      } else if (!readers_[i]->error().empty()) {
        error_ = readers_[i]->error();
        return false;
      }
    }
    std::make_heap(heap_.begin(), heap_.end(), greater);
  } else if (last_ != SIZE_MAX) {
    // The entry handed out last stayed valid until now; advance its reader.
    if (readers_[last_]->next(heads_[last_])) {
      heap_.push_back(last_);
      std::push_heap(heap_.begin(), heap_.end(), greater);
    } else if (!readers_[last_]->error().empty()) {
      error_ = readers_[last_]->error();
      return false;
    }
    last_ = SIZE_MAX;
  }
  if (heap_.empty()) {
    return false;
  }
  std::pop_heap(heap_.begin(), heap_.end(), greater);
  last_ = heap_.back();
  heap_.pop_back();
  e = heads_[last_];
  return true;
}

bool reduce_runs(std::vector<std::string>& runs, size_t fan_in, size_t target, temp_dir& dir,
                 std::string& error) {
  fan_in = std::max<size_t>(fan_in, 2);
  target = std::max<size_t>(target, 1);
  std::string scratch;
  while (runs.size() > target) {
    // Merge just enough runs that the count comes down to target (or by
    // fan_in - 1 when that is not yet possible).
    const size_t group = std::min(fan_in, runs.size() - target + 1);
    std::vector<std::string> inputs(runs.begin(), runs.begin() + static_cast<long>(group));
    const std::string path = dir.next_file();
    {
      run_merger merger(inputs);
      zstd_writer w(path, true);
      entry_view e;
      scratch.clear();
      while (merger.next(e)) {
        append_entry(scratch, e.key, e.seq, e.payload);
        if (scratch.size() >= io_block) {
          if (!w.write(scratch)) {
            break;
          }
          scratch.clear();
        }
      }
      if (!merger.error().empty()) {
        error = merger.error();
        return false;
      }
      if (!w.write(scratch) || !w.close()) {
        error = w.error();
        return false;
      }
    }
    for (const std::string& in : inputs) {
      ::unlink(in.c_str());
    }
    runs.erase(runs.begin(), runs.begin() + static_cast<long>(group));
    runs.push_back(path);
  }
  return true;
}

}  // namespace ptrscan::diff
