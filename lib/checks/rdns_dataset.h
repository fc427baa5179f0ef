#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "checks/rdns_class.h"
#include "net/ip_address.h"

namespace ptrscan {

/// One row of a labelled rDNS name set (datasets/rdns/names.tsv).
struct rdns_labelled_name {
  std::string name;  ///< empty: the IP has no PTR
  ip_address ip;
  rdns_class expected = rdns_class::none;
  std::string source;  ///< where the naming pattern comes from
};

/// Parses a labelled set: one `name \t ip \t class \t source` row per line,
/// `#` comments and blank lines ignored. An error names the line.
absl::StatusOr<std::vector<rdns_labelled_name>> parse_rdns_dataset(std::string_view text);

/// Reads and parses the file at `path`.
absl::StatusOr<std::vector<rdns_labelled_name>> load_rdns_dataset(const std::string& path);

/// The two parts of a labelled set: rules are tuned on `tune` and measured on
/// `heldout`. The split is by registrable domain (organisation label +
/// public suffix, "isp.co.uk"), so every name of one provider falls on the
/// same side and a rule written for a provider's template cannot be scored
/// on that same template.
enum class rdns_part : uint8_t { tune, heldout };

/// The part of `registrable_domain`: FNV-1a of its text, modulo 100, below
/// rdns_heldout_percent is `heldout`. Fixed, so the split never moves when
/// rows are added; a row without a name (class none) has domain "".
rdns_part rdns_part_of(std::string_view registrable_domain);
inline constexpr int rdns_heldout_percent = 35;

/// The registrable domain of a labelled name, as the classifier splits it
/// (rdns_classifier::split_name): "c-1-2-3-4.hsd1.ca.comcast.net" ->
/// "comcast.net". Empty for an empty name.
std::string rdns_registrable_domain(const rdns_classifier& classifier, std::string_view name);

/// True positives, false positives and false negatives of one yes/no question
/// ("is it class X?", "is it dynamic?").
struct rdns_counts {
  int tp = 0;
  int fp = 0;
  int fn = 0;

  void add(bool predicted, bool actual) {
    tp += predicted && actual;
    fp += predicted && !actual;
    fn += !predicted && actual;
  }
  /// 1.0 when nothing was predicted (no false positive either).
  double precision() const { return tp + fp == 0 ? 1.0 : double(tp) / (tp + fp); }
  /// 1.0 when nothing was there to find.
  double recall() const { return tp + fn == 0 ? 1.0 : double(tp) / (tp + fn); }
  /// Harmonic mean of precision and recall; 0 when both are 0.
  double f1() const {
    const double p = precision();
    const double r = recall();
    return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
  }
};

/// The classifier's scores over some rows of a labelled set.
struct rdns_scores {
  int rows = 0;
  int correct = 0;
  std::array<rdns_counts, rdns_class_count> per_class{};  ///< indexed by rdns_class
  /// "generic-dynamic or not": what a receiver's generic-rDNS rule acts on.
  rdns_counts dynamic;

  const rdns_counts& of(rdns_class c) const { return per_class[static_cast<size_t>(c)]; }
  double accuracy() const { return rows == 0 ? 1.0 : double(correct) / rows; }
};

/// Adds one row: `expected` is the label, `got` the classifier's answer.
void add_to_scores(rdns_scores& scores, rdns_class expected, rdns_class got);

}  // namespace ptrscan
