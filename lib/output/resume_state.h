#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ptrscan {

/// What --state FILE remembers of a scan: which targets (by ordinal, their
/// position in the deterministic emission order) have durable records, and
/// how long the output file was when they were. A scan restarted with the
/// same arguments truncates its output to that length, appends, and skips
/// exactly those ordinals, so killed-and-resumed output holds every host
/// once: records written after the last checkpoint are cut off and scanned
/// again.
struct resume_point {
  uint64_t fingerprint = 0;  // of the arguments; a different scan must not resume
  uint64_t seed = 0;         // the walk order to repeat
  uint64_t file_size = 0;    // output bytes that hold exactly the done records
  uint64_t watermark = 0;    // every ordinal below is done
  absl::flat_hash_set<uint64_t> done_above;  // done ordinals at or above it
  /// Records that belong to no target (a zone audit's per-zone records),
  /// durably written, by key (record_key(): the top bit set, which no
  /// ordinal has). A record may leave several keys (one per part of the
  /// input it counts, e.g. per /24 of a zone).
  absl::flat_hash_set<uint64_t> records_done;

  bool done(uint64_t ordinal) const {
    return ordinal < watermark || done_above.contains(ordinal);
  }
  uint64_t done_count() const { return watermark + done_above.size(); }
  /// The record of `key` (a record_key()) is in the output already.
  bool record_done(uint64_t key) const { return records_done.contains(key); }

  /// The key `id` (a stable hash the probe chooses) is kept under. The
  /// thread is not part of it: a scan may be resumed with another -T, which
  /// deals subnets to other threads, so a probe names what a record counts
  /// (a zone and one of its /24s), never who wrote it.
  static uint64_t record_key(uint64_t id);

  /// Marks `ordinals` done (record keys among them: those records) and
  /// advances the watermark over what is now contiguous.
  void add(const std::vector<uint64_t>& ordinals);

  /// The file's text; parse() reads it back.
  std::string serialise() const;
  static absl::StatusOr<resume_point> parse(std::string_view text, std::string_view source);

  /// Reads `path`; nullopt when it does not exist (a fresh scan).
  static absl::StatusOr<std::optional<resume_point>> load(const std::string& path);
  /// Writes `path` atomically and durably (temporary file, fsync, rename).
  absl::Status save(const std::string& path) const;
};

/// A fingerprint of a command line with the flags that may differ between
/// a run and its resumption left out: presentation (--progress and the like)
/// and -T/--threads (ordinals do not depend on the thread count, nor do
/// record keys).
uint64_t arguments_fingerprint(const std::vector<std::string>& args);

}  // namespace ptrscan
