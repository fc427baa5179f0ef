#include "testnet/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>

#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

void ip_or_throw(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  run_options o;
  o.deadline = std::chrono::seconds(20);
  run_result r = run_process(argv, o);
  if (r.exit_code != 0) {
    std::string cmd;
    for (const auto& a : argv) {
      cmd += a + " ";
    }
    throw std::runtime_error("failed: " + cmd + "(" + r.describe() + ")");
  }
}

std::string random_name() {
  std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string s = "ptrscan-test-";
  uint64_t v = rng();
  for (int i = 0; i < 10; ++i) {
    s += hex[v & 15];
    v >>= 4;
  }
  return s;
}

}  // namespace

std::string net_namespace::unavailable_reason() {
  if (::geteuid() != 0) {
    return "network namespaces need root";
  }
  if (find_executable("ip").empty()) {
    return "the ip command (iproute2) is missing";
  }
  return {};
}

std::unique_ptr<net_namespace> net_namespace::create() {
  if (const std::string why = unavailable_reason(); !why.empty()) {
    throw std::runtime_error(why);
  }
  std::unique_ptr<net_namespace> ns(new net_namespace());
  const std::string name = random_name();
  ip_or_throw({"netns", "add", name});
  ns->name_ = name;  // from here on the destructor deletes it
  ip_or_throw({"-n", name, "link", "set", "lo", "up"});
  return ns;
}

net_namespace::~net_namespace() {
  leave();
  if (!name_.empty()) {
    run_process({"ip", "netns", "delete", name_});
  }
}

void net_namespace::add_local_route(const std::string& cidr) {
  ip_or_throw({"-n", name_, "route", "add", "local", cidr, "dev", "lo"});
}

void net_namespace::enter() {
  if (original_fd_ >= 0) {
    return;
  }
  const int original = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  const int target = ::open(("/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC);
  if (original < 0 || target < 0 || ::setns(target, CLONE_NEWNET) != 0) {
    const std::string err = std::strerror(errno);
    if (original >= 0) {
      ::close(original);
    }
    if (target >= 0) {
      ::close(target);
    }
    throw std::runtime_error("cannot enter network namespace " + name_ + ": " + err);
  }
  ::close(target);
  original_fd_ = original;
}

void net_namespace::leave() {
  if (original_fd_ < 0) {
    return;
  }
  if (::setns(original_fd_, CLONE_NEWNET) != 0) {
    // Staying inside would put every later test in the namespace: stop here.
    std::fprintf(stderr, "net_namespace: cannot return from %s: %s\n", name_.c_str(),
                 std::strerror(errno));
    std::abort();
  }
  ::close(original_fd_);
  original_fd_ = -1;
}

}  // namespace ptrscan::testnet
