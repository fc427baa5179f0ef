#include "diff/diff_engine.h"

#include <algorithm>
#include <memory>
#include <thread>

#include "diff/spill.h"
#include "output/json_writer.h"
#include "report/line_reader.h"

namespace ptrscan::diff {
namespace {

// Runs merged at once: each open run costs ~0.4 MiB (its zstd window, a
// decoded block and a read buffer), a small share of the budget.
size_t fan_in_for(uint64_t max_memory) {
  return static_cast<size_t>(std::clamp<uint64_t>(max_memory / (4u << 20), 4, 64));
}

bool stopped(const diff_options& o) {
  return o.stop != nullptr && o.stop->load(std::memory_order_relaxed);
}

void note_malformed(side_stats& s, const std::string& file, uint64_t line, std::string_view why) {
  ++s.malformed;
  if (s.malformed_where.size() < side_stats::max_named) {
    s.malformed_where.push_back(file + ":" + std::to_string(line) + ": " + std::string(why));
  }
}

// How sorting one side ended.
struct side_outcome {
  diff_result::failure failed = diff_result::failure::none;
  std::string error;
  uint64_t runs = 0;
};

// Reads one side into sorted runs of at most `budget` bytes. Returns false
// with r.failed set.
bool sort_side(const std::vector<std::string>& inputs, const diff_options& o,
               const std::atomic<bool>& other_failed, run_builder& builder, side_stats& stats,
               std::vector<std::string>& runs, side_outcome& r) {
  record_facts facts;
  std::string payload;
  std::string key;
  uint64_t seq = 0;
  for (const std::string& path : inputs) {
    report::line_reader reader(path);
    const std::string name = path == "-" ? std::string("<stdin>") : path;
    if (!reader.error().empty()) {
      r.failed = diff_result::failure::unreadable;
      r.error = reader.error();
      return false;
    }
    std::string_view line;
    for (;;) {
      const report::line_reader::status st = reader.next(line);
      if (st == report::line_reader::status::end) {
        break;
      }
      if (st == report::line_reader::status::failed) {
        r.failed = stopped(o) ? diff_result::failure::stopped : diff_result::failure::unreadable;
        r.error = reader.error();
        return false;
      }
      ++stats.lines;
      // The other side failed (a missing file, say): its error is the
      // answer, and reading this side to its end would only delay it.
      if ((stats.lines & 0xfff) == 0 && (stopped(o) || other_failed.load())) {
        r.failed = diff_result::failure::stopped;
        return false;
      }
      if (st == report::line_reader::status::too_long) {
        note_malformed(stats, name, reader.line_number(), "longer than 1 MiB");
        continue;
      }
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
        continue;
      }
      if (const std::string why = parse_record(line, facts); !why.empty()) {
        note_malformed(stats, name, reader.line_number(), why);
        continue;
      }
      ++stats.records;
      payload.clear();
      encode(facts, payload);
      key = facts.sort_key();
      if (!builder.add(key, ++seq, payload)) {
        r.failed = diff_result::failure::spill;
        r.error = builder.error();
        return false;
      }
    }
  }
  if (!builder.finish()) {
    r.failed = diff_result::failure::spill;
    r.error = builder.error();
    return false;
  }
  runs = std::move(builder.runs());
  r.runs = runs.size();
  return true;
}

// One side's records in key order, the last of each key only.
class side_stream {
 public:
  side_stream(std::vector<std::unique_ptr<entry_source>> sources, side_stats& stats)
      : merger_(std::move(sources)), stats_(stats) {}

  /// The next key's last record; false at the end or on error().
  bool next() {
    if (!primed_) {
      primed_ = true;
      have_ahead_ = merger_.next(ahead_);
    }
    if (!have_ahead_) {
      return false;
    }
    key_.assign(ahead_.key);
    payload_.assign(ahead_.payload);
    while ((have_ahead_ = merger_.next(ahead_)) && ahead_.key == key_) {
      payload_.assign(ahead_.payload);  // a later line of the same key wins
      ++stats_.duplicates;
    }
    if (!decode(payload_, facts_)) {
      error_ = "a spilled record does not decode";
      have_ahead_ = false;
      return false;
    }
    return true;
  }
  const std::string& key() const { return key_; }
  const record_facts& facts() const { return facts_; }
  std::string error() const { return !error_.empty() ? error_ : merger_.error(); }

 private:
  run_merger merger_;
  side_stats& stats_;
  bool primed_ = false;
  bool have_ahead_ = false;
  entry_view ahead_;
  std::string key_;
  std::string payload_;
  record_facts facts_;
  std::string error_;
};

void append_side(std::string& out, const char* name, const side_stats& s) {
  out.append("\"").append(name).append("\":{\"lines\":").append(std::to_string(s.lines));
  out.append(",\"records\":").append(std::to_string(s.records));
  out.append(",\"duplicates\":").append(std::to_string(s.duplicates));
  out.append(",\"malformed\":").append(std::to_string(s.malformed));
  out.append(",\"malformed_lines\":[");
  for (size_t i = 0; i < s.malformed_where.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    append_json_string(out, s.malformed_where[i]);
  }
  out.push_back(']');
  if (s.malformed > s.malformed_where.size()) {
    out.append(",\"truncated\":[\"malformed_lines\"]");
  }
  out.push_back('}');
}

}  // namespace

diff_result run_diff(const diff_options& o, const change_sink& sink) {
  diff_result r;
  temp_dir dir(o.tmp_dir);
  if (!dir.error().empty()) {
    r.failed = diff_result::failure::spill;
    r.error = dir.error();
    return r;
  }
  // The two sides are read and sorted at once, one thread each (parsing is
  // most of the work), each in half the memory budget.
  std::vector<std::string> old_runs;
  std::vector<std::string> new_runs;
  side_outcome old_outcome;
  side_outcome new_outcome;
  const uint64_t half = o.max_memory / 2;
  run_builder old_builder(half, dir);
  run_builder new_builder(half, dir);
  {
    std::atomic<bool> old_failed{false};
    std::atomic<bool> new_failed{false};
    std::thread old_reader([&] {
      old_failed = !sort_side(o.old_inputs, o, new_failed, old_builder, r.old_side, old_runs,
                              old_outcome);
    });
    new_failed =
        !sort_side(o.new_inputs, o, old_failed, new_builder, r.new_side, new_runs, new_outcome);
    old_reader.join();
  }
  r.runs = old_outcome.runs + new_outcome.runs;
  // A side that gave up because the other failed says "stopped": the other
  // side's error is the one to report.
  for (const bool real_error_only : {true, false}) {
    for (const side_outcome* side : {&old_outcome, &new_outcome}) {
      if (side->failed != diff_result::failure::none &&
          (!real_error_only || side->failed != diff_result::failure::stopped)) {
        r.failed = side->failed;
        r.error = side->error;
        return r;
      }
    }
  }
  if (r.old_side.records == 0 || r.new_side.records == 0) {
    r.failed = diff_result::failure::no_records;
    const bool old_empty = r.old_side.records == 0;
    const std::vector<std::string>& files = old_empty ? o.old_inputs : o.new_inputs;
    r.error = std::string(old_empty ? "OLD" : "NEW") + " (" + files.front() +
              (files.size() > 1 ? " ..." : "") + ") holds no record (" +
              std::to_string(old_empty ? r.old_side.malformed : r.new_side.malformed) +
              " malformed lines)";
    return r;
  }
  // Both sides' runs are open at once in the join: each side gets half the
  // fan-in.
  const size_t fan_in = fan_in_for(o.max_memory);
  std::string error;
  if (!reduce_runs(old_runs, fan_in, fan_in / 2, dir, error) ||
      !reduce_runs(new_runs, fan_in, fan_in / 2, dir, error)) {
    r.failed = diff_result::failure::spill;
    r.error = error;
    return r;
  }

  // A side that fitted in its half is read from memory, not from a run.
  const auto sources = [](const std::vector<std::string>& runs, const run_builder& builder) {
    std::vector<std::unique_ptr<entry_source>> out;
    for (const std::string& path : runs) {
      out.push_back(std::make_unique<run_reader>(path));
    }
    if (builder.in_memory()) {
      out.push_back(builder.memory_run());
    }
    return out;
  };
  side_stream a(sources(old_runs, old_builder), r.old_side);
  side_stream b(sources(new_runs, new_builder), r.new_side);
  bool has_a = a.next();
  bool has_b = b.next();
  std::string line;
  uint64_t steps = 0;
  const auto emit = [&](const record_facts* old_record, const record_facts* new_record) {
    line.clear();
    kind_counts before = r.counts;
    if (!compare(old_record, new_record, line, r.counts)) {
      ++r.unchanged;
      return true;
    }
    ++r.changed;
    for (size_t i = 0; i < change_kind_count; ++i) {
      before[i] = r.counts[i] - before[i];
    }
    return sink(line, new_record != nullptr ? *new_record : *old_record, before);
  };
  while (has_a || has_b) {
    if ((++steps & 0xfff) == 0 && stopped(o)) {
      r.failed = diff_result::failure::stopped;
      return r;
    }
    const int c = !has_a ? 1 : !has_b ? -1 : a.key().compare(b.key());
    bool sunk = true;
    if (c < 0) {
      sunk = emit(&a.facts(), nullptr);
      has_a = a.next();
    } else if (c > 0) {
      sunk = emit(nullptr, &b.facts());
      has_b = b.next();
    } else {
      sunk = emit(&a.facts(), &b.facts());
      has_a = a.next();
      has_b = b.next();
    }
    if (!sunk) {
      r.failed = diff_result::failure::output;
      return r;
    }
  }
  if (!a.error().empty() || !b.error().empty()) {
    r.failed = diff_result::failure::spill;
    r.error = !a.error().empty() ? a.error() : b.error();
  }
  return r;
}

std::string summary_record(const diff_result& r, const diff_options& o) {
  std::string out = "{\"type\":\"diff_summary\",\"changes\":{";
  for (size_t i = 0; i < change_kind_count; ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    out.append("\"").append(kind_name(static_cast<change_kind>(i))).append("\":");
    out.append(std::to_string(r.counts[i]));
  }
  out.append("},\"changed\":").append(std::to_string(r.changed));
  out.append(",\"unchanged\":").append(std::to_string(r.unchanged));
  out.append(",");
  append_side(out, "old", r.old_side);
  out.append(",");
  append_side(out, "new", r.new_side);
  out.append(",\"runs\":").append(std::to_string(r.runs));
  out.append(",\"max_memory\":").append(std::to_string(o.max_memory));
  out.append("}\n");
  return out;
}

}  // namespace ptrscan::diff
