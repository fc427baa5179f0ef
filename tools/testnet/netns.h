#pragma once

#include <memory>
#include <string>

namespace ptrscan::testnet {

/// A network namespace of our own ("ptrscan-test-<random>"), with only `lo`,
/// brought up. Tests use it to give servers addresses outside 127.0.0.0/8
/// (`add_local_route("198.18.0.0/15")` makes that whole range answer on lo)
/// without any traffic leaving the namespace: it has no other interface.
/// Deleted (`ip netns delete`) on destruction, after leaving it.
class net_namespace {
 public:
  /// Creates the namespace and brings lo up. Throws std::runtime_error when
  /// that fails (see unavailable_reason()).
  static std::unique_ptr<net_namespace> create();

  /// Why namespaces cannot be used here ("" when they can): not root, no
  /// `ip`, or the kernel refuses. Tests skip (exit 77) on a non-empty reason.
  static std::string unavailable_reason();

  net_namespace(const net_namespace&) = delete;
  net_namespace& operator=(const net_namespace&) = delete;
  ~net_namespace();

  const std::string& name() const { return name_; }

  /// `ip route add local CIDR dev lo` inside the namespace.
  void add_local_route(const std::string& cidr);

  /// Moves the calling thread into the namespace (setns): every socket it
  /// opens and every process it forks from then on (testnet's daemon_process
  /// and run_process) lives in the namespace. Only this thread moves.
  void enter();
  /// Moves the calling thread back to where enter() found it. Idempotent.
  void leave();

 private:
  net_namespace() = default;
  std::string name_;
  int original_fd_ = -1;  // the entering thread's namespace, while inside
};

/// enter() for a scope: leaves again when destroyed (before the namespace
/// itself is deleted, if declared after it).
class netns_scope {
 public:
  explicit netns_scope(net_namespace& ns) : ns_(ns) { ns_.enter(); }
  netns_scope(const netns_scope&) = delete;
  netns_scope& operator=(const netns_scope&) = delete;
  ~netns_scope() { ns_.leave(); }

 private:
  net_namespace& ns_;
};

}  // namespace ptrscan::testnet
