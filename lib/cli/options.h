#pragma once

// The command-line kit every option of ptrscan is declared with, on CLI11:
// the scanner's general groups (scanner/flags.cc) and each probe's own group
// (lib/probes) use the same helpers, so every option reads, checks and
// reports its value the same way ("--x 'v': expected ...").

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace ptrscan::cli {

/// A whole number in [min, max] written as decimal digits and nothing else.
std::optional<uint64_t> parse_uint(std::string_view s, uint64_t min, uint64_t max);

/// Ends the parse with `message` as the usage error (a CLI::ValidationError).
[[noreturn]] void reject(std::string message);

/// An option with one value per use; `each` sees every use's value in order
/// (so the last one wins where it assigns) with the option's long name.
CLI::Option* add_value(CLI::App& app, const std::string& names, const std::string& type,
                       const std::string& help,
                       std::function<void(const std::string& flag, const std::string& v)> each);

/// A whole number in [min, max] into `out`; a bad value is "--x 'v':
/// expected a whole number from MIN to MAX".
template <class T>
CLI::Option* add_number(CLI::App& app, const std::string& names, T& out, uint64_t min,
                        uint64_t max, const std::string& type, const std::string& help) {
  return add_value(app, names, type, help,
                   [&out, min, max](const std::string& flag, const std::string& v) {
                     const std::optional<uint64_t> n = parse_uint(v, min, max);
                     if (!n) {
                       reject(flag + " '" + v + "': expected a whole number from " +
                              std::to_string(min) + " to " + std::to_string(max));
                     }
                     out = static_cast<T>(*n);
                   });
}

/// A switch: no value ("--allow-reserved=yes" is an error).
CLI::Option* add_switch(CLI::App& app, const std::string& names, const std::string& help,
                        std::function<void()> on);

/// A domain name argument, lower-cased, without a trailing dot; empty when
/// it is not a name a target line would accept (LDH labels, <= 253 octets).
std::string domain_arg(const std::string& text);

/// The help page: option names as help2man and GNU tools write them
/// ("-o, --output FILE"), `usage` as the usage lines, and groups in the order
/// described, each with its heading text even when it has no options.
void use_help_formatter(CLI::App& app, std::string usage);

/// Gives a --help group a heading text (app must use the formatter above);
/// groups print in the order they are first described.
void describe_group(CLI::App& app, const std::string& group, const std::string& text);

}  // namespace ptrscan::cli
