#include "output/output_sink.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ptrscan {
namespace {

using steady = std::chrono::steady_clock;

// strerror() may share a buffer between threads; the GNU strerror_r does not.
std::string errno_text(int err) {
  char buf[128];
  return strerror_r(err, buf, sizeof buf);
}

// Writes every byte of the iovecs, resuming after EINTR and short writes.
// Returns 0 or the errno of the failed write. `on_written` sees each
// successful write's byte count. The iovecs are consumed (modified).
template <typename OnWritten>
int write_all_v(int fd, iovec* iov, size_t count, OnWritten on_written) {
  while (count > 0) {
    const int n_iov = static_cast<int>(std::min<size_t>(count, IOV_MAX));
    const ssize_t n = ::writev(fd, iov, n_iov);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        // An inherited stdout can be non-blocking (a pipe set up by the
        // parent); wait until it drains instead of calling that an error.
        pollfd pfd{fd, POLLOUT, 0};
        if (::poll(&pfd, 1, -1) < 0 && errno != EINTR) {
          return errno;
        }
        continue;
      }
      return errno;
    }
    if (n == 0) {
      // Not expected for a non-empty write; treat it as an I/O error rather
      // than spin.
      return EIO;
    }
    on_written(static_cast<size_t>(n));
    auto left = static_cast<size_t>(n);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return 0;
}

}  // namespace

struct output_sink::impl {
  std::string path;
  output_sink_options options;
  int fd = -1;
  bool owns_fd = false;

  // Shared between producers, the writer thread and close().
  mutable std::mutex mu;
  std::condition_variable has_work;   // queue non-empty or closing
  std::condition_variable has_space;  // queue below the limit, or failed/closing
  std::deque<std::string> queue;
  std::vector<uint64_t> queued_ordinals;  // of the chunks in `queue`
  bool closing = false;
  bool failed = false;
  absl::Status status;

  // close() is idempotent and may race with the destructor's call.
  std::mutex close_mu;
  bool closed = false;
  std::thread thread;

  // Writer thread only.
  ZSTD_CCtx* cctx = nullptr;
  std::string frame;       // compressed bytes of the frame being built
  std::vector<char> zbuf;  // ZSTD output window
  size_t frame_in = 0;     // uncompressed bytes in the open frame
  steady::time_point frame_deadline;
  bool any_frame_written = false;
  bool write_failed = false;  // writer's own copy of `failed`, read without the lock
  uint64_t file_size = 0;     // where the next byte goes
  std::vector<uint64_t> written_ordinals;  // since the last checkpoint
  steady::time_point next_checkpoint;
  std::vector<iovec> iov;

  ~impl() {
    if (cctx != nullptr) {
      ZSTD_freeCCtx(cctx);
    }
  }

  void fail(absl::Status s) {
    write_failed = true;
    {
      std::lock_guard lk(mu);
      if (!failed) {
        failed = true;
        status = std::move(s);
      }
    }
    // Producers blocked on a full queue must not wait for a writer that no
    // longer writes.
    has_space.notify_all();
  }

  void fail_errno(int err) {
    fail(absl::UnavailableError(absl::StrCat("write to '", path, "' failed: ", errno_text(err))));
  }
};

absl::StatusOr<std::unique_ptr<output_sink>> output_sink::open(const std::string& path,
                                                               output_sink_options options) {
  auto s = std::unique_ptr<output_sink>(new output_sink());
  s->impl_ = std::make_unique<impl>();
  impl& m = *s->impl_;
  m.path = path;
  m.options = options;
  if (m.options.max_queued_chunks == 0) {
    m.options.max_queued_chunks = 1;
  }

  if (path == "-") {
    m.fd = STDOUT_FILENO;
    m.owns_fd = false;
  } else {
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (options.append ? O_APPEND : O_TRUNC);
    const int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot open '", path, "' for writing: ", errno_text(errno)));
    }
    m.fd = fd;
    m.owns_fd = true;
    struct stat st{};
    if (options.append && ::fstat(fd, &st) == 0) {
      m.file_size = static_cast<uint64_t>(st.st_size);
    }
  }

  auto fail_open = [&](absl::Status st) {
    if (m.owns_fd) {
      ::close(m.fd);
      m.fd = -1;
    }
    return st;
  };

  if (path != "-" && absl::EndsWith(path, ".zst")) {
    m.cctx = ZSTD_createCCtx();
    if (m.cctx == nullptr) {
      return fail_open(absl::ResourceExhaustedError("cannot create zstd context"));
    }
    size_t r = ZSTD_CCtx_setParameter(m.cctx, ZSTD_c_compressionLevel, m.options.zstd_level);
    if (!ZSTD_isError(r)) {
      // A per-frame checksum lets `zstd -t` spot a damaged file.
      r = ZSTD_CCtx_setParameter(m.cctx, ZSTD_c_checksumFlag, 1);
    }
    if (ZSTD_isError(r)) {
      return fail_open(absl::InvalidArgumentError(
          absl::StrCat("zstd setup for '", path, "' failed: ", ZSTD_getErrorName(r))));
    }
    m.zbuf.resize(ZSTD_CStreamOutSize());
  }

  try {
    m.thread = std::thread([raw = s.get()] { raw->run(); });
  } catch (const std::system_error& e) {
    return fail_open(absl::ResourceExhaustedError(
        absl::StrCat("cannot start the writer thread for '", path, "': ", e.what())));
  }
  return s;
}

output_sink::~output_sink() {
  if (impl_ != nullptr) {
    close().IgnoreError();
  }
}

void output_sink::submit(std::string chunk) { submit(std::move(chunk), {}); }

void output_sink::submit(std::string chunk, std::vector<uint64_t> ordinals) {
  if (chunk.empty()) {
    return;
  }
  impl& m = *impl_;
  const size_t size = chunk.size();
  {
    std::unique_lock lk(m.mu);
    m.has_space.wait(lk, [&] {
      return m.queue.size() < m.options.max_queued_chunks || m.failed || m.closing;
    });
    if (m.failed || m.closing) {
      return;  // discarded: the error (if any) is reported by error()/close()
    }
    m.queue.push_back(std::move(chunk));
    m.queued_ordinals.insert(m.queued_ordinals.end(), ordinals.begin(), ordinals.end());
    bytes_in_.fetch_add(size, std::memory_order_relaxed);
  }
  m.has_work.notify_one();
}

absl::Status output_sink::error() const {
  std::lock_guard lk(impl_->mu);
  return impl_->status;
}

absl::Status output_sink::close() {
  impl& m = *impl_;
  std::lock_guard close_lk(m.close_mu);
  if (!m.closed) {
    m.closed = true;
    {
      std::lock_guard lk(m.mu);
      m.closing = true;
    }
    m.has_work.notify_all();
    m.has_space.notify_all();
    if (m.thread.joinable()) {
      m.thread.join();
    }
    if (m.owns_fd && m.fd >= 0) {
      // close() can report a deferred write error (NFS, some FUSE mounts).
      // EINTR is not retried: on Linux the fd is released either way.
      if (::close(m.fd) != 0 && errno != EINTR) {
        m.fail_errno(errno);
      }
    }
    m.fd = -1;
  }
  return error();
}

void output_sink::run() {
  impl& m = *impl_;
  const bool compress = m.cctx != nullptr;
  const size_t frame_max =
      m.options.frame_max_bytes == 0 ? SIZE_MAX : m.options.frame_max_bytes;
  const auto interval = std::chrono::milliseconds(m.options.frame_interval_ms);

  // Appends whatever ZSTD produced into the frame buffer.
  auto drain_zbuf = [&](const ZSTD_outBuffer& out) { m.frame.append(m.zbuf.data(), out.pos); };

  // A write that fails part-way (ENOSPC after some bytes) would leave a cut
  // zstd frame or a cut line at the end of the file: cut the file back to
  // where the failed write began, so it still ends at a complete frame or
  // record. Only a file we opened is cut (file_size is then its true
  // offset); stdout, a pipe or a file the shell opened, keeps what it got.
  auto write_failed_at = [&](uint64_t start, int err) {
    if (m.owns_fd && m.file_size != start &&
        ::ftruncate(m.fd, static_cast<off_t>(start)) == 0) {
      m.file_size = start;
    }
    m.fail_errno(err);
  };
  auto write_bytes = [&](const char* data, size_t len) {
    const uint64_t start = m.file_size;
    iovec one{const_cast<char*>(data), len};
    const int err = write_all_v(m.fd, &one, 1, [&](size_t n) {
      bytes_out_.fetch_add(n, std::memory_order_relaxed);
      m.file_size += n;
    });
    if (err != 0) {
      write_failed_at(start, err);
    }
  };

  // Ends the open frame and writes it out whole, so the file always holds
  // complete frames up to the last moment.
  auto end_frame = [&] {
    ZSTD_inBuffer in{nullptr, 0, 0};
    for (;;) {
      ZSTD_outBuffer out{m.zbuf.data(), m.zbuf.size(), 0};
      const size_t r = ZSTD_compressStream2(m.cctx, &out, &in, ZSTD_e_end);
      if (ZSTD_isError(r)) {
        m.fail(absl::InternalError(
            absl::StrCat("zstd compression for '", m.path, "' failed: ", ZSTD_getErrorName(r))));
        return;
      }
      drain_zbuf(out);
      if (r == 0) {
        break;
      }
    }
    write_bytes(m.frame.data(), m.frame.size());
    m.frame.clear();
    m.frame_in = 0;
    m.any_frame_written = true;
  };

  auto compress_chunk = [&](const std::string& chunk) {
    size_t pos = 0;
    while (pos < chunk.size() && !m.write_failed) {
      if (m.frame_in == 0) {
        m.frame_deadline = steady::now() + interval;
      }
      const size_t take = std::min(chunk.size() - pos, frame_max - m.frame_in);
      ZSTD_inBuffer in{chunk.data() + pos, take, 0};
      while (in.pos < in.size) {
        ZSTD_outBuffer out{m.zbuf.data(), m.zbuf.size(), 0};
        const size_t r = ZSTD_compressStream2(m.cctx, &out, &in, ZSTD_e_continue);
        if (ZSTD_isError(r)) {
          m.fail(absl::InternalError(absl::StrCat("zstd compression for '", m.path,
                                                  "' failed: ", ZSTD_getErrorName(r))));
          return;
        }
        drain_zbuf(out);
      }
      pos += take;
      m.frame_in += take;
      if (m.frame_in >= frame_max) {
        end_frame();
      }
    }
  };

  auto write_plain = [&](std::deque<std::string>& batch) {
    m.iov.clear();
    for (auto& c : batch) {
      m.iov.push_back(iovec{c.data(), c.size()});
    }
    // A batch is whole chunks, and a chunk whole records.
    const uint64_t start = m.file_size;
    const int err = write_all_v(m.fd, m.iov.data(), m.iov.size(), [&](size_t n) {
      bytes_out_.fetch_add(n, std::memory_order_relaxed);
      m.file_size += n;
    });
    if (err != 0) {
      write_failed_at(start, err);
    }
  };

  std::deque<std::string> batch;
  std::vector<uint64_t> batch_ordinals;
  uint32_t checkpoints_with_hosts = 0;  // for kill_after_checkpoints
  bool stop_sent = false;               // stop_after_checkpoints fired
  m.next_checkpoint = steady::now() + std::chrono::milliseconds(m.options.checkpoint_interval_ms);
  // Between chunks: close the frame, make the file durable, report.
  auto checkpoint = [&] {
    if (compress && m.frame_in > 0) {
      end_frame();
    }
    if (m.write_failed) {
      return;
    }
    if (m.owns_fd && ::fdatasync(m.fd) != 0 && errno != EINVAL) {
      m.fail_errno(errno);
      return;
    }
    std::vector<uint64_t> done;
    done.swap(m.written_ordinals);
    checkpoints_with_hosts += done.empty() ? 0 : 1;
    m.options.on_checkpoint(m.file_size, std::move(done));
    if (m.options.stop_after_checkpoints != 0 &&
        checkpoints_with_hosts == m.options.stop_after_checkpoints && !stop_sent) {
      // The test hook: a Ctrl-C at a known point. To the process, not
      // raise(): main reads signals from a signalfd on its own thread.
      stop_sent = true;
      ::kill(::getpid(), SIGINT);
    }
    m.next_checkpoint =
        steady::now() + std::chrono::milliseconds(m.options.checkpoint_interval_ms);
  };
  for (;;) {
    bool closing = false;
    {
      std::unique_lock lk(m.mu);
      auto ready = [&] { return !m.queue.empty() || m.closing; };
      if (compress && m.frame_in > 0) {
        m.has_work.wait_until(
            lk, m.options.on_checkpoint ? std::min(m.frame_deadline, m.next_checkpoint)
                                        : m.frame_deadline,
            ready);
      } else if (m.options.on_checkpoint) {
        m.has_work.wait_until(lk, m.next_checkpoint, ready);
      } else {
        m.has_work.wait(lk, ready);
      }
      // Take the whole queue: one wakeup per batch, and producers blocked on
      // a full queue can go on while this batch is written.
      batch.swap(m.queue);
      batch_ordinals.swap(m.queued_ordinals);
      closing = m.closing;
    }
    if (!batch.empty()) {
      m.has_space.notify_all();
    }

    if (!m.write_failed && !batch.empty()) {
      if (compress) {
        for (const auto& chunk : batch) {
          compress_chunk(chunk);
          if (m.write_failed) {
            break;
          }
        }
      } else {
        write_plain(batch);
      }
    }
    batch.clear();  // after an error, this is where chunks are discarded
    if (!m.write_failed) {
      m.written_ordinals.insert(m.written_ordinals.end(), batch_ordinals.begin(),
                                batch_ordinals.end());
    }
    if (m.options.kill_after_checkpoints != 0 && !m.write_failed && !batch_ordinals.empty() &&
        checkpoints_with_hosts >= m.options.kill_after_checkpoints) {
      // The test hook: these records are in the file, the state file does
      // not know them.
      if (compress && m.frame_in > 0) {
        end_frame();
      }
      ::raise(SIGKILL);
    }
    batch_ordinals.clear();

    if (compress && !m.write_failed && m.frame_in > 0 &&
        (closing || steady::now() >= m.frame_deadline)) {
      end_frame();
    }
    if (closing) {
      // submit() refuses chunks once closing is set, so the batch taken above
      // was the last. An output with no records is still a valid zstd file.
      if (compress && !m.write_failed && !m.any_frame_written) {
        end_frame();
      }
      if (m.options.on_checkpoint && !m.write_failed) {
        checkpoint();
      }
      return;
    }
    if (m.options.on_checkpoint && !m.write_failed && steady::now() >= m.next_checkpoint) {
      checkpoint();
    }
  }
}

}  // namespace ptrscan
