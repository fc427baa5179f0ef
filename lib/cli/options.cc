#include "cli/options.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "input/target.h"

namespace ptrscan::cli {
namespace {

/// CLI11's formatter with option names as help2man and GNU tools write them
/// ("-o, --output FILE"), the given usage lines, and group headings that
/// print their text even when the group has no options yet.
class help_formatter : public CLI::Formatter {
 public:
  void describe(const std::string& group, const std::string& text) {
    for (auto& [g, t] : groups_) {
      if (g == group) {
        t = text;
        return;
      }
    }
    groups_.emplace_back(group, text);
  }

  explicit help_formatter(std::string usage) : usage_(std::move(usage)) {}

  std::string make_usage(const CLI::App*, std::string) const override { return usage_; }

  std::string make_option_name(const CLI::Option* opt, bool is_positional) const override {
    if (is_positional) {
      return opt->get_name(true, false);
    }
    std::vector<std::string> names;
    for (const std::string& s : opt->get_snames()) {
      names.push_back("-" + s);
    }
    for (const std::string& l : opt->get_lnames()) {
      names.push_back("--" + l);
    }
    return absl::StrJoin(names, ", ");
  }

  std::string make_option_opts(const CLI::Option* opt) const override {
    if (opt->get_type_size() == 0 || opt->get_type_name().empty()) {
      return "";
    }
    return " " + opt->get_type_name();
  }

  // make_groups is not virtual in CLI11 2.1, so the whole page is composed
  // here from the same parts as CLI::Formatter::make_help.
  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode) const override {
    return make_description(app) + "\n" + make_usage(app, name) + make_positionals(app) +
           described_groups(app) + "\n" + make_footer(app);
  }

 private:
  std::string described_groups(const CLI::App* app) const {
    std::string out;
    auto group_text = [&](const std::string& group, const std::string& text) {
      std::vector<const CLI::Option*> opts = app->get_options([&](const CLI::Option* o) {
        return o->get_group() == group && o->nonpositional();
      });
      if (opts.empty() && text.empty()) {
        return;
      }
      absl::StrAppend(&out, "\n", group, ":\n");
      if (!text.empty()) {
        // Indented like an option's description, so help2man keeps it as a
        // paragraph of the section.
        for (absl::string_view line : absl::StrSplit(text, '\n')) {
          absl::StrAppend(&out, "  ", line, "\n");
        }
      }
      for (const CLI::Option* o : opts) {
        out += make_option(o, false);
      }
    };
    for (const auto& [group, text] : groups_) {
      group_text(group, text);
    }
    for (const std::string& group : app->get_groups()) {
      const bool described = std::any_of(groups_.begin(), groups_.end(),
                                         [&](const auto& g) { return g.first == group; });
      if (!described && !group.empty()) {
        group_text(group, "");
      }
    }
    return out;
  }

  std::string usage_;
  std::vector<std::pair<std::string, std::string>> groups_;
};

/// A DNS name as target lines accept it (LDH labels, at most 253 octets).
bool is_domain_name(std::string_view text) {
  const parsed_line p = parse_target_line(text);
  const target_spec* t = std::get_if<target_spec>(&p);
  return t != nullptr && t->kind == target_spec::kind_t::domain && t->domain == text;
}

/// The name messages use for an option: its first long name.
std::string flag_name(const std::string& names) {
  std::string first;
  for (absl::string_view n : absl::StrSplit(names, ',')) {
    if (absl::StartsWith(n, "--")) {
      return std::string(n);
    }
    if (first.empty()) {
      first = std::string(n);
    }
  }
  return first;
}

}  // namespace

std::optional<uint64_t> parse_uint(std::string_view s, uint64_t min, uint64_t max) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < min || v > max) {
    return std::nullopt;
  }
  return v;
}

[[noreturn]] void reject(std::string message) { throw CLI::ValidationError(std::move(message)); }

/// An option with one value per use; `each` sees every use's value in order
/// (so the last one wins where it assigns) with the option's long name.
CLI::Option* add_value(CLI::App& app, const std::string& names, const std::string& type,
                       const std::string& help,
                       std::function<void(const std::string& flag, const std::string& v)> each) {
  const std::string flag = flag_name(names);
  CLI::Option* o = app.add_option(
      names,
      [flag, each = std::move(each)](const CLI::results_t& values) {
        for (const std::string& v : values) {
          each(flag, v);
        }
        return true;
      },
      help);
  o->type_name(type)->type_size(1)->expected(1);
  o->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  return o;
}

/// A switch: no value ("--allow-reserved=yes" is an error).
CLI::Option* add_switch(CLI::App& app, const std::string& names, const std::string& help,
                        std::function<void()> on) {
  CLI::Option* o = app.add_flag_callback(names, std::move(on), help);
  o->disable_flag_override();
  return o;
}

/// Lower-cased, without a trailing dot; empty when not a domain name.
std::string domain_arg(const std::string& text) {
  std::string domain = absl::AsciiStrToLower(text);
  if (!domain.empty() && domain.back() == '.') {
    domain.pop_back();
  }
  return is_domain_name(domain) ? domain : std::string();
}

void use_help_formatter(CLI::App& app, std::string usage) {
  app.formatter(std::make_shared<help_formatter>(std::move(usage)));
}

void describe_group(CLI::App& app, const std::string& group, const std::string& text) {
  if (auto f = std::dynamic_pointer_cast<help_formatter>(app.get_formatter())) {
    f->describe(group, text);
  }
}

}  // namespace ptrscan::cli
