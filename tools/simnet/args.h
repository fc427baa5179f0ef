#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "simnet/model.h"

namespace ptrscan::simnet {

/// A bad command line; main prints it with the usage and exits 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Walks the arguments of one subcommand. Every accessor throws usage_error
/// with the flag's name when a value is missing or malformed.
class arg_reader {
 public:
  arg_reader(int argc, char** argv, int first) : argc_(argc), argv_(argv), next_(first) {}

  bool done() const { return next_ >= argc_; }
  /// The next argument (a flag or an operand).
  std::string_view next();
  /// The value after `flag`.
  std::string_view value(std::string_view flag);
  /// An integer value in [min, max].
  int64_t integer(std::string_view flag, int64_t min, int64_t max);
  /// A number in [0, 1].
  double share(std::string_view flag);

 private:
  int argc_;
  char** argv_;
  int next_;
};

/// Consumes `flag` and its value when it is one of the MIX flags every
/// subcommand takes (--range, --seed, --ptr, ...); false when it is not.
bool take_mix_flag(std::string_view flag, arg_reader& args, mix& m);

/// "--range CIDR ..." help text of the MIX flags, with their defaults.
std::string mix_usage();

}  // namespace ptrscan::simnet
