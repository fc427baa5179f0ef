#include "simnet/smtp_session.h"

#include <cctype>

namespace ptrscan::simnet {
namespace {

// The command verb, upper-cased.
std::string verb_of(std::string_view line) {
  std::string verb(line.substr(0, line.find(' ')));
  for (char& c : verb) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return verb;
}

}  // namespace

smtp_reply smtp_session::greeting() const { return {"220 " + name_ + " ESMTP simnet\r\n"}; }

smtp_reply smtp_session::on_line(std::string_view line) const {
  const std::string verb = verb_of(line);
  const bool starttls_open = offers_starttls_ && !in_tls_;
  if (verb == "EHLO") {
    return {"250-" + name_ + " hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n" +
            (starttls_open ? "250-8BITMIME\r\n250 STARTTLS\r\n" : "250 8BITMIME\r\n")};
  }
  if (verb == "HELO") {
    return {"250 " + name_ + "\r\n"};
  }
  if (verb == "STARTTLS" && starttls_open) {
    return {"220 2.0.0 Ready to start TLS\r\n", smtp_reply::then_do::start_tls};
  }
  if (verb == "NOOP" || verb == "RSET") {
    return {"250 2.0.0 OK\r\n"};
  }
  if (verb == "QUIT") {
    return {"221 2.0.0 " + name_ + " closing\r\n", smtp_reply::then_do::close};
  }
  return {"502 5.5.2 Command not implemented\r\n"};
}

smtp_reply smtp_session::line_too_long() const {
  return {"500 5.5.2 Line too long\r\n", smtp_reply::then_do::close};
}

}  // namespace ptrscan::simnet
