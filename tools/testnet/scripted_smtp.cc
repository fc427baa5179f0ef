#include "testnet/scripted_smtp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <utility>

namespace ptrscan::testnet {
namespace {

using clock_type = std::chrono::steady_clock;

// At most this many connections per server; more are closed at once (the
// tests make one or two).
constexpr int max_connections = 64;

// One accepted connection with a deadline and a stop signal.
class conn {
 public:
  conn(int fd, int wake_fd, clock_type::time_point deadline)
      : fd_(fd), wake_fd_(wake_fd), deadline_(deadline) {}
  conn(const conn&) = delete;
  conn& operator=(const conn&) = delete;
  ~conn() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }

  int fd() const { return fd_; }

  bool send(std::string_view data) {
    size_t sent = 0;
    while (sent < data.size()) {
      if (!wait(POLLOUT)) {
        return false;
      }
      const ssize_t n =
          ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        continue;
      }
      if (n <= 0) {
        return false;
      }
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  // The next line without its CRLF (or LF); nullopt on EOF, error, stop or
  // deadline. Lines are capped at 4 KiB.
  std::optional<std::string> read_line() {
    while (true) {
      const size_t eol = buffer_.find('\n');
      if (eol != std::string::npos) {
        std::string line = buffer_.substr(0, eol);
        buffer_.erase(0, eol + 1);
        if (!line.empty() && line.back() == '\r') {
          line.pop_back();
        }
        return line;
      }
      if (buffer_.size() > 4096 || !fill()) {
        return std::nullopt;
      }
    }
  }

  // Reads whatever arrives within `window` (a TLS ClientHello, say).
  void read_some(std::chrono::milliseconds window) {
    const auto saved = deadline_;
    deadline_ = std::min(deadline_, clock_type::now() + window);
    fill();
    deadline_ = saved;
  }

  // Waits until the peer closes, the deadline or a stop.
  void wait_close() {
    while (fill()) {
      buffer_.clear();
    }
  }

  // Closes with an RST instead of a FIN.
  void reset() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd_);
    fd_ = -1;
  }

 private:
  // Waits for `events` on the socket; false on stop or deadline.
  bool wait(short events) {
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - clock_type::now())
              .count();
      if (left <= 0) {
        return false;
      }
      pollfd p[2] = {{fd_, events, 0}, {wake_fd_, POLLIN, 0}};
      const int r = ::poll(p, 2, static_cast<int>(left));
      if (r < 0 && errno == EINTR) {
        continue;
      }
      if (r < 0 || (p[1].revents & POLLIN) != 0) {
        return false;
      }
      if (r > 0) {
        return true;
      }
    }
  }

  // Appends what arrives; false on EOF, error, stop or deadline.
  bool fill() {
    if (!wait(POLLIN)) {
      return false;
    }
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      return true;
    }
    if (n <= 0) {
      return false;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  int wake_fd_;
  clock_type::time_point deadline_;
  std::string buffer_;
};

std::string verb_of(const std::string& line) {
  std::string verb = line.substr(0, line.find(' '));
  std::transform(verb.begin(), verb.end(), verb.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return verb;
}

}  // namespace

std::string_view to_string(smtp_script s) {
  switch (s) {
    case smtp_script::multiline_greeting:
      return "multiline_greeting";
    case smtp_script::greeting_554:
      return "greeting_554";
    case smtp_script::ehlo_502:
      return "ehlo_502";
    case smtp_script::silent:
      return "silent";
    case smtp_script::reset_mid_reply:
      return "reset_mid_reply";
    case smtp_script::endless_line:
      return "endless_line";
    case smtp_script::garbage:
      return "garbage";
    case smtp_script::starttls_garbage:
      return "starttls_garbage";
    case smtp_script::ehlo_other_host:
      return "ehlo_other_host";
    case smtp_script::double_greeting:
      return "double_greeting";
    case smtp_script::ehlo_flood:
      return "ehlo_flood";
    case smtp_script::starttls_70th:
      return "starttls_70th";
    case smtp_script::display_hazards:
      return "display_hazards";
    case smtp_script::long_rcpt_text:
      return "long_rcpt_text";
    case smtp_script::firewall_masked:
      return "firewall_masked";
    case smtp_script::greylisting:
      return "greylisting";
    case smtp_script::tempfail_policy:
      return "tempfail_policy";
    case smtp_script::greet_pause:
      return "greet_pause";
    case smtp_script::named_hosts:
      return "named_hosts";
  }
  return "unknown";
}

std::string script_host(smtp_script s) {
  switch (s) {
    case smtp_script::multiline_greeting:
      return "a.example.test";
    case smtp_script::greeting_554:
      return "reject.example.test";
    case smtp_script::ehlo_502:
      return "helo.example.test";
    case smtp_script::reset_mid_reply:
      return "reset.example.test";
    case smtp_script::starttls_garbage:
      return "tlsbad.example.test";
    case smtp_script::ehlo_other_host:
      return "banner.example.test";
    case smtp_script::double_greeting:
      return "twice.example.test";
    case smtp_script::ehlo_flood:
      return "flood.example.test";
    case smtp_script::starttls_70th:
      return "many.example.test";
    case smtp_script::display_hazards:
      return "bidi.example.test";
    case smtp_script::long_rcpt_text:
      return "long.example.test";
    case smtp_script::greylisting:
      return "grey.example.test";
    case smtp_script::tempfail_policy:
      return "policy.example.test";
    case smtp_script::greet_pause:
      return "slow.example.test";
    default:
      return {};
  }
}

std::string script_ehlo_host(smtp_script s) {
  return s == smtp_script::ehlo_other_host ? "ehlo.example.test" : script_host(s);
}

std::string script_greeting(smtp_script s) {
  switch (s) {
    case smtp_script::multiline_greeting:
      return "220-a.example.test hello\r\n220-more\r\n220 done\r\n";
    case smtp_script::greeting_554:
      return "554 reject.example.test no SMTP service here\r\n";
    case smtp_script::ehlo_502:
      return "220 helo.example.test ESMTP scripted\r\n";
    case smtp_script::starttls_garbage:
      return "220 tlsbad.example.test ESMTP scripted\r\n";
    case smtp_script::ehlo_other_host:
      return "220 banner.example.test ESMTP scripted\r\n";
    case smtp_script::double_greeting:
      return "220 twice.example.test ESMTP scripted\r\n220 twice.example.test ESMTP scripted\r\n";
    case smtp_script::ehlo_flood:
      return "220 flood.example.test ESMTP scripted\r\n";
    case smtp_script::starttls_70th:
      return "220 many.example.test ESMTP scripted\r\n";
    case smtp_script::display_hazards:
      // U+202E (RLO), U+009B (CSI), U+2028 (LINE SEPARATOR), U+2066 (LRI).
      return "220 bidi.example.test \xe2\x80\xae ESMTP \xc2\x9b" "31m red\xe2\x80\xa8"
             "x\xe2\x81\xa6y\r\n";
    case smtp_script::long_rcpt_text:
      return "220 long.example.test ESMTP scripted\r\n";
    case smtp_script::firewall_masked:
      return "220 ****************************2*0**0*0*******0***0\r\n";
    case smtp_script::greylisting:
      return "220 grey.example.test ESMTP scripted\r\n";
    case smtp_script::tempfail_policy:
      return "220 policy.example.test ESMTP scripted\r\n";
    case smtp_script::greet_pause:
      return "220 slow.example.test ESMTP scripted\r\n";
    default:
      return {};
  }
}

scripted_smtp_server::scripted_smtp_server(smtp_script script, const std::string& host,
                                           uint16_t port,
                                           std::chrono::milliseconds connection_limit,
                                           std::string banner_host, std::string ehlo_host)
    : script_(script),
      banner_host_(std::move(banner_host)),
      ehlo_host_(std::move(ehlo_host)),
      address_{host, port},
      connection_limit_(connection_limit) {
  if (!is_loopback_v4(host)) {
    throw std::runtime_error("scripted_smtp_server: refusing a non-loopback address: " + host);
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (listen_fd_ < 0 || wake_fd_ < 0) {
    throw std::runtime_error(std::string("scripted_smtp_server: ") + std::strerror(errno));
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &sa.sin_addr);
  socklen_t len = sizeof sa;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    const std::string err = std::strerror(errno);
    ::close(listen_fd_);
    ::close(wake_fd_);
    throw std::runtime_error("scripted_smtp_server: bind " + address_.to_string() + ": " + err);
  }
  address_.port = ntohs(sa.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

scripted_smtp_server::~scripted_smtp_server() {
  stopping_ = true;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    workers.swap(workers_);
  }
  for (auto& w : workers) {
    w.join();
  }
  ::close(listen_fd_);
  ::close(wake_fd_);
}

std::vector<std::string> scripted_smtp_server::commands() const {
  std::lock_guard lock(mutex_);
  return commands_;
}

void scripted_smtp_server::record(const std::string& line) {
  std::lock_guard lock(mutex_);
  commands_.push_back(line);
}

void scripted_smtp_server::accept_loop() {
  while (!stopping_) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno != EINTR) {
      return;
    }
    if ((p[1].revents & POLLIN) != 0) {
      return;
    }
    if ((p[0].revents & POLLIN) == 0) {
      continue;
    }
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    if (connections_.fetch_add(1) >= max_connections) {
      ::close(fd);
      continue;
    }
    std::lock_guard lock(mutex_);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void scripted_smtp_server::serve(int fd) {
  conn c(fd, wake_fd_, clock_type::now() + connection_limit_);
  const std::string host = script_host(script_);

  // A plain command loop after the greeting: EHLO/HELO/STARTTLS per script,
  // QUIT answered 221 and the connection closed.
  auto dialogue = [&](const std::string& ehlo_reply, const std::string& helo_reply,
                      const std::string& other_reply) {
    while (auto line = c.read_line()) {
      record(*line);
      const std::string verb = verb_of(*line);
      if (verb == "QUIT") {
        c.send("221 2.0.0 " + (host.empty() ? std::string("scripted") : host) + " bye\r\n");
        return;
      }
      if (verb == "EHLO") {
        c.send(ehlo_reply);
      } else if (verb == "HELO") {
        c.send(helo_reply);
      } else if (verb == "STARTTLS" && script_ == smtp_script::starttls_garbage) {
        c.send("220 2.0.0 Ready to start TLS\r\n");
        c.read_some(std::chrono::milliseconds(2'000));  // the ClientHello
        c.send("this is not a TLS ServerHello\r\n");
        c.wait_close();
        return;
      } else {
        c.send(other_reply);
      }
    }
  };

  // A closed relay, whatever the extras: MAIL 250, RCPT 554, RSET 250.
  auto closed_relay = [&](const std::string& ehlo_reply, const std::string& rcpt_reply) {
    while (auto line = c.read_line()) {
      record(*line);
      const std::string verb = verb_of(*line);
      bool ok = true;
      if (verb == "QUIT") {
        c.send("221 2.0.0 " + host + " bye\r\n");
        return;
      }
      if (verb == "EHLO") {
        ok = c.send(ehlo_reply);
      } else if (verb == "HELO") {
        ok = c.send("250 " + host + "\r\n");
      } else if (verb == "STARTTLS") {
        ok = c.send("454 4.7.0 TLS not available due to local problem\r\n");
      } else if (verb == "MAIL") {
        ok = c.send("250 2.1.0 Ok\r\n");
      } else if (verb == "RCPT") {
        ok = c.send(rcpt_reply);
      } else if (verb == "RSET") {
        ok = c.send("250 2.0.0 Ok\r\n");
      } else {
        ok = c.send("502 5.5.2 not implemented\r\n");
      }
      if (!ok) {
        return;
      }
    }
  };
  const std::string relay_denied = "554 5.7.1 <" "relay>: Relay access denied\r\n";

  switch (script_) {
    case smtp_script::double_greeting:
    case smtp_script::ehlo_flood:
    case smtp_script::starttls_70th:
    case smtp_script::display_hazards:
    case smtp_script::long_rcpt_text:
    case smtp_script::firewall_masked:
    case smtp_script::greylisting:
    case smtp_script::tempfail_policy:
    case smtp_script::greet_pause: {
      if (script_ == smtp_script::greet_pause) {
        // Past greet_pause_ms (2 s): the measured delay cannot be shorter.
        std::this_thread::sleep_for(std::chrono::milliseconds(2'200));
      }
      if (!c.send(script_greeting(script_))) {
        return;
      }
      std::string ehlo = "250-" + host + " hello\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
      std::string rcpt = relay_denied;
      if (script_ == smtp_script::ehlo_flood) {
        ehlo += "250 ok\r\n250 ok\r\n250 ok\r\n";
      } else if (script_ == smtp_script::starttls_70th) {
        ehlo = "250-" + host + " hello\r\n";
        for (int i = 1; i < 70; ++i) {
          ehlo += "250-X-EXT" + std::to_string(i) + "\r\n";
        }
        ehlo += "250 STARTTLS\r\n";
      } else if (script_ == smtp_script::display_hazards) {
        ehlo = "250-" + host + " hello\r\n250-X-\xe2\x80\xae" "GNIRTS\r\n"
               "250 \xc2\x85" "8BITMIME\r\n";
      } else if (script_ == smtp_script::long_rcpt_text) {
        rcpt = "554 5.7.1 " + std::string(400, 'r') + "\r\n";
      } else if (script_ == smtp_script::firewall_masked) {
        // The inspection hides the host too: "250-****" where the name was.
        ehlo = "250-*********************\r\n250-PIPELINING\r\n250-XXXXXXXA\r\n"
               "250 8BITMIME\r\n";
      } else if (script_ == smtp_script::greylisting) {
        rcpt = "450 4.2.0 <relay@example.test>: Recipient address rejected: Greylisted, see "
               "http://postgrey.example.test/help/example.test.html\r\n";
      } else if (script_ == smtp_script::tempfail_policy) {
        rcpt = "451 4.7.1 Rate limit exceeded, try again later\r\n";
      }
      closed_relay(ehlo, rcpt);
      return;
    }
    case smtp_script::multiline_greeting:
    case smtp_script::ehlo_502:
    case smtp_script::greeting_554:
    case smtp_script::starttls_garbage:
    case smtp_script::ehlo_other_host: {
      if (!c.send(script_greeting(script_))) {
        return;
      }
      const std::string ehlo_host = script_ehlo_host(script_);
      const std::string helo = "250 " + ehlo_host + "\r\n";
      if (script_ == smtp_script::multiline_greeting) {
        dialogue("250-" + host + " greets you\r\n250-PIPELINING\r\n250 8BITMIME\r\n", helo,
                 "502 5.5.2 not implemented\r\n");
      } else if (script_ == smtp_script::ehlo_502) {
        dialogue("502 5.5.2 Error: command not recognized\r\n", helo,
                 "502 5.5.2 not implemented\r\n");
      } else if (script_ == smtp_script::ehlo_other_host) {
        // A front end greets with one name and a back end answers EHLO
        // with another: the two checks must each see their own name.
        dialogue("250-" + ehlo_host + " at your service\r\n250 PIPELINING\r\n", helo,
                 "502 5.5.2 not implemented\r\n");
      } else if (script_ == smtp_script::greeting_554) {
        dialogue("503 5.5.1 no service\r\n", "503 5.5.1 no service\r\n",
                 "503 5.5.1 no service\r\n");
      } else {
        dialogue("250-" + host + "\r\n250-PIPELINING\r\n250 STARTTLS\r\n", helo,
                 "502 5.5.2 not implemented\r\n");
      }
      return;
    }
    case smtp_script::named_hosts:
      if (!c.send("220 " + banner_host_ + " ESMTP scripted\r\n")) {
        return;
      }
      dialogue("250-" + ehlo_host_ + " hello\r\n250 PIPELINING\r\n",
               "250 " + ehlo_host_ + "\r\n", "502 5.5.2 not implemented\r\n");
      return;
    case smtp_script::silent:
      c.wait_close();
      return;
    case smtp_script::reset_mid_reply:
      c.send("220-" + host + " first line\r\n220-part");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      c.reset();
      return;
    case smtp_script::endless_line: {
      const std::string chunk(64 * 1024, 'x');
      if (c.send("220 ")) {
        for (int i = 0; i < 16 && c.send(chunk); ++i) {
        }
      }
      c.wait_close();
      return;
    }
    case smtp_script::garbage: {
      static constexpr char bytes[] = "\x00\x01\x02\xff\xfe\x80NOT SMTP\x1b[0m\r\n";
      c.send(std::string_view(bytes, sizeof bytes - 1));
      c.wait_close();
      return;
    }
  }
}

}  // namespace ptrscan::testnet
