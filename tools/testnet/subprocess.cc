#include "testnet/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace ptrscan::testnet {
namespace {

using clock_type = std::chrono::steady_clock;

// An owned file descriptor, closed on scope exit.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    if (this != &other) {
      reset(other.release());
    }
    return *this;
  }
  ~unique_fd() { reset(); }

  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct pipe_pair {
  unique_fd read_end;
  unique_fd write_end;
};

pipe_pair make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  }
  return {unique_fd(fds[0]), unique_fd(fds[1])};
}

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// A write end that survives the reader going away: SIGPIPE would kill the
// whole test binary, so it is ignored here (and restored in every child).
void ignore_sigpipe_once() {
  static const bool done = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)done;
}

// fork + exec with the three standard descriptors replaced. The child dies
// with us (PR_SET_PDEATHSIG) so a crashed test leaves no servers behind.
// Returns the PID, or -1 with `error` set (exec failures are reported back
// through a close-on-exec pipe).
pid_t spawn(const std::string& path, const std::vector<std::string>& argv, int in_fd, int out_fd,
            int err_fd, std::string& error) {
  // Everything the child needs is prepared before fork: after fork only
  // async-signal-safe calls are allowed.
  std::vector<char*> c_argv;
  c_argv.reserve(argv.size() + 1);
  for (const auto& a : argv) {
    c_argv.push_back(const_cast<char*>(a.c_str()));
  }
  c_argv.push_back(nullptr);
  pipe_pair report = make_pipe();
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    return -1;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      ::_exit(127);
    }
    const int targets[3] = {in_fd, out_fd, err_fd};
    for (int i = 0; i < 3; ++i) {
      if (targets[i] == i) {
        ::fcntl(i, F_SETFD, 0);
      } else if (::dup2(targets[i], i) < 0) {
        ::_exit(127);
      }
    }
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, nullptr);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(path.c_str(), c_argv.data());
    const int err = errno;
    [[maybe_unused]] ssize_t n = ::write(report.write_end.get(), &err, sizeof err);
    ::_exit(127);
  }
  report.write_end.reset();
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(report.read_end.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    ::waitpid(pid, nullptr, 0);
    error = "exec " + path + ": " + std::strerror(child_errno);
    return -1;
  }
  return pid;
}

std::string resolve_or_throw(const std::string& name) {
  std::string path = find_executable(name);
  if (path.empty()) {
    throw std::runtime_error("executable not found: " + name);
  }
  return path;
}

// Reads what is available; returns false at EOF or on a hard error.
bool drain(int fd, std::string& into) {
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return true;
    }
    return false;
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) {
    return "exit " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return "signal " + std::to_string(WTERMSIG(status));
  }
  return "status " + std::to_string(status);
}

}  // namespace

std::string find_executable(const std::string& name) {
  auto usable = [](const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) {
    return usable(name) ? name : std::string();
  }
  std::string dirs;
  if (const char* path = std::getenv("PATH")) {
    dirs = path;
  }
  dirs += ":/usr/sbin:/usr/bin:/sbin:/bin";
  std::stringstream ss(dirs);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) {
      continue;
    }
    std::string candidate = dir + "/" + name;
    if (usable(candidate)) {
      return candidate;
    }
  }
  return {};
}

std::string run_result::describe() const {
  std::string s;
  if (spawn_failed) {
    s = "could not start";
  } else if (timed_out) {
    s = "killed after deadline";
  } else if (term_signal != 0) {
    s = "killed by signal " + std::to_string(term_signal);
  } else {
    s = "exit " + std::to_string(exit_code);
  }
  if (!err.empty()) {
    constexpr size_t tail = 2'000;
    s += "; stderr: ";
    s += err.size() > tail ? "..." + err.substr(err.size() - tail) : err;
  }
  return s;
}

run_result run_process(const std::vector<std::string>& argv, const run_options& options) {
  ignore_sigpipe_once();
  run_result result;
  if (argv.empty()) {
    result.spawn_failed = true;
    result.err = "empty argv";
    return result;
  }
  const std::string path = find_executable(argv[0]);
  if (path.empty()) {
    result.spawn_failed = true;
    result.err = "executable not found: " + argv[0];
    return result;
  }

  pipe_pair out = make_pipe();
  pipe_pair err = make_pipe();
  pipe_pair in;
  unique_fd devnull;
  const bool feed = !options.stdin_data.empty();
  if (feed) {
    in = make_pipe();
  } else {
    devnull.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  }
  std::string spawn_error;
  const pid_t pid =
      spawn(path, argv, feed ? in.read_end.get() : devnull.get(), out.write_end.get(),
            options.pass_stderr ? STDERR_FILENO : err.write_end.get(), spawn_error);
  out.write_end.reset();
  err.write_end.reset();
  in.read_end.reset();
  devnull.reset();
  if (pid < 0) {
    result.spawn_failed = true;
    result.err = spawn_error;
    return result;
  }
  if (options.pass_stderr) {
    err.read_end.reset();
  }

  set_nonblocking(out.read_end.get());
  if (err.read_end.get() >= 0) {
    set_nonblocking(err.read_end.get());
  }
  if (feed) {
    set_nonblocking(in.write_end.get());
  }

  const auto started = clock_type::now();
  const auto deadline = started + options.deadline;
  const auto interrupt_at = options.interrupt_after.count() > 0
                                ? started + options.interrupt_after
                                : clock_type::time_point::max();
  auto kill_at = clock_type::time_point::max();
  size_t written = 0;
  bool reaped = false;
  int status = 0;
  while (true) {
    if (!reaped) {
      pid_t r = ::waitpid(pid, &status, WNOHANG);
      if (r == pid) {
        reaped = true;
      }
    }
    const auto now = clock_type::now();
    if (!reaped && !result.interrupted && now >= interrupt_at) {
      result.interrupted = true;
      ::kill(pid, options.interrupt_signal);
    }
    if (!reaped && !result.timed_out && now >= deadline) {
      result.timed_out = true;
      ::kill(pid, SIGTERM);
      kill_at = now + std::chrono::seconds(2);
    }
    if (!reaped && now >= kill_at) {
      ::kill(pid, SIGKILL);
      kill_at = clock_type::time_point::max();
    }

    std::vector<pollfd> fds;
    if (out.read_end.get() >= 0) {
      fds.push_back({out.read_end.get(), POLLIN, 0});
    }
    if (err.read_end.get() >= 0) {
      fds.push_back({err.read_end.get(), POLLIN, 0});
    }
    if (in.write_end.get() >= 0) {
      fds.push_back({in.write_end.get(), POLLOUT, 0});
    }
    if (fds.empty() && reaped) {
      break;
    }
    // Once the child is gone, whatever is still open (a grandchild holding a
    // pipe) gets one last non-blocking read and no more waiting.
    ::poll(fds.data(), fds.size(), reaped ? 0 : 20);
    if (out.read_end.get() >= 0 && !drain(out.read_end.get(), result.out)) {
      out.read_end.reset();
    }
    if (err.read_end.get() >= 0 && !drain(err.read_end.get(), result.err)) {
      err.read_end.reset();
    }
    if (in.write_end.get() >= 0) {
      while (written < options.stdin_data.size()) {
        ssize_t n = ::write(in.write_end.get(), options.stdin_data.data() + written,
                            options.stdin_data.size() - written);
        if (n > 0) {
          written += static_cast<size_t>(n);
        } else if (n < 0 && errno == EINTR) {
          continue;
        } else {
          if (n < 0 && errno != EAGAIN) {
            written = options.stdin_data.size();  // reader gone: give up feeding
          }
          break;
        }
      }
      if (written >= options.stdin_data.size()) {
        in.write_end.reset();
      }
    }
    if (reaped) {
      break;
    }
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }
  return result;
}

daemon_process::daemon_process(daemon_process&& other) noexcept
    : pid_(other.pid_),
      wait_status_(other.wait_status_),
      exited_(other.exited_),
      name_(std::move(other.name_)),
      log_path_(std::move(other.log_path_)) {
  other.pid_ = -1;
}

daemon_process& daemon_process::operator=(daemon_process&& other) noexcept {
  if (this != &other) {
    stop();
    pid_ = other.pid_;
    wait_status_ = other.wait_status_;
    exited_ = other.exited_;
    name_ = std::move(other.name_);
    log_path_ = std::move(other.log_path_);
    other.pid_ = -1;
  }
  return *this;
}

daemon_process::~daemon_process() { stop(); }

daemon_process daemon_process::start(const std::vector<std::string>& argv,
                                     const std::string& log_path) {
  if (argv.empty()) {
    throw std::runtime_error("daemon_process::start: empty argv");
  }
  const std::string path = resolve_or_throw(argv[0]);
  unique_fd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (log.get() < 0) {
    throw std::runtime_error("open " + log_path + ": " + std::strerror(errno));
  }
  unique_fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  std::string error;
  const pid_t pid = spawn(path, argv, devnull.get(), log.get(), log.get(), error);
  if (pid < 0) {
    throw std::runtime_error(error);
  }
  daemon_process d;
  d.pid_ = pid;
  d.name_ = argv[0];
  d.log_path_ = log_path;
  return d;
}

bool daemon_process::running() {
  if (pid_ < 0 || exited_) {
    return false;
  }
  pid_t r = ::waitpid(pid_, &wait_status_, WNOHANG);
  if (r == pid_) {
    exited_ = true;
    return false;
  }
  return true;
}

bool daemon_process::wait_ready(const std::function<bool()>& ready,
                                std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  while (true) {
    if (!running()) {
      return false;
    }
    if (ready()) {
      return true;
    }
    if (clock_type::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void daemon_process::stop(std::chrono::milliseconds grace) {
  if (pid_ < 0) {
    return;
  }
  if (!exited_ && running()) {
    ::kill(pid_, SIGTERM);
    const auto deadline = clock_type::now() + grace;
    while (running() && clock_type::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!exited_) {
      ::kill(pid_, SIGKILL);
      if (::waitpid(pid_, &wait_status_, 0) == pid_) {
        exited_ = true;
      }
    }
  }
  pid_ = -1;
}

std::string daemon_process::exit_description() const {
  if (!exited_) {
    return "running";
  }
  return describe_status(wait_status_);
}

std::string daemon_process::log_tail(size_t max_bytes) const {
  // Plain read(2): istreambuf_iterator trips g++ 12's -Wnull-dereference.
  unique_fd fd(::open(log_path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return {};
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return {};
  }
  const auto size = static_cast<size_t>(st.st_size);
  const size_t from = size > max_bytes ? size - max_bytes : 0;
  std::string text(size - from, '\0');
  const ssize_t n = ::pread(fd.get(), text.data(), text.size(), static_cast<off_t>(from));
  text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return from > 0 ? "..." + text : text;
}

}  // namespace ptrscan::testnet
