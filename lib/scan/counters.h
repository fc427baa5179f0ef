#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ptrscan {

/// The counters probes declare, in one registry built before the shards
/// start (zmap's per-module counters, made generic). A family is a name and
/// its labels (an enum's names, in the enum's order), or a single value when
/// it has none. Each shard holds one relaxed atomic per counter; the engine
/// sums them; the summary line and --metadata print them from here, so a
/// new counter is one declare() call in its probe.
class counter_registry {
 public:
  struct family {
    std::string name;
    std::vector<std::string> labels;  // empty: one value
    size_t first = 0;                 // index of its first counter
    size_t size() const { return labels.empty() ? 1 : labels.size(); }
  };

  /// Declares a family; returns the index of its first counter. Label i of
  /// the family is counter first + i.
  size_t declare(std::string name, std::vector<std::string> labels = {}) {
    family f{std::move(name), std::move(labels), total_};
    total_ += f.size();
    families_.push_back(std::move(f));
    return families_.back().first;
  }
  /// Labels from an enum's to_string over [0, count).
  template <class Enum, class ToString>
  static std::vector<std::string> labels_of(int count, ToString&& to_string) {
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) {
      out.emplace_back(to_string(static_cast<Enum>(i)));
    }
    return out;
  }

  size_t size() const { return total_; }
  std::span<const family> families() const { return families_; }
  const family* find(std::string_view name) const {
    for (const family& f : families_) {
      if (f.name == name) {
        return &f;
      }
    }
    return nullptr;
  }

 private:
  std::vector<family> families_;
  size_t total_ = 0;
};

/// One shard's probe counters. Single writer (the shard), relaxed.
class counter_block {
 public:
  explicit counter_block(size_t n) : n_(n), values_(new std::atomic<uint64_t>[n]) {
    for (size_t i = 0; i < n; ++i) {
      values_[i].store(0, std::memory_order_relaxed);
    }
  }
  void add(size_t i, uint64_t n = 1) {
    values_[i].store(values_[i].load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void set(size_t i, uint64_t v) { values_[i].store(v, std::memory_order_relaxed); }
  uint64_t get(size_t i) const { return values_[i].load(std::memory_order_relaxed); }
  size_t size() const { return n_; }

 private:
  size_t n_;
  std::unique_ptr<std::atomic<uint64_t>[]> values_;
};

/// Summed counters, read by the summary line and --metadata.
struct counter_view {
  const counter_registry* registry = nullptr;
  std::vector<uint64_t> values;

  uint64_t at(size_t i) const { return i < values.size() ? values[i] : 0; }
  /// The counts of family `name` (empty when it is not declared).
  std::span<const uint64_t> family(std::string_view name) const {
    const counter_registry::family* f = registry != nullptr ? registry->find(name) : nullptr;
    if (f == nullptr || f->first + f->size() > values.size()) {
      return {};
    }
    return std::span<const uint64_t>(values).subspan(f->first, f->size());
  }
  uint64_t total(std::string_view name) const {
    uint64_t t = 0;
    for (uint64_t v : family(name)) {
      t += v;
    }
    return t;
  }
};

}  // namespace ptrscan
