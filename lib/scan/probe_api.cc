#include "scan/probe_api.h"

#include "absl/strings/str_cat.h"
#include "net/absl_compat.h"
#include "output/json_writer.h"

namespace ptrscan {

void append_counts(std::string& line, std::string_view title, const counter_view& c,
                   std::string_view family) {
  const counter_registry::family* f = c.registry != nullptr ? c.registry->find(family) : nullptr;
  if (f == nullptr) {
    return;
  }
  // Nothing counted, nothing said: a bare "; spf" reads as a cut line.
  bool titled = false;
  for (size_t i = 0; i < f->labels.size(); ++i) {
    if (const uint64_t n = c.at(f->first + i); n != 0) {
      if (!titled) {
        absl::StrAppend(&line, "; ", av(title));
        titled = true;
      }
      absl::StrAppend(&line, " ", f->labels[i], " ", n);
    }
  }
}

void write_counts(json_writer& w, std::string_view key, const counter_view& c,
                  std::string_view family) {
  const counter_registry::family* f = c.registry != nullptr ? c.registry->find(family) : nullptr;
  w.key(key).begin_object();
  for (size_t i = 0; f != nullptr && i < f->labels.size(); ++i) {
    if (const uint64_t n = c.at(f->first + i); n != 0) {
      w.key(f->labels[i]).value(n);
    }
  }
  w.end_object();
}

}  // namespace ptrscan
