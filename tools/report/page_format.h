#pragma once

#include <cstdint>
#include <string>

namespace ptrscan::report {

/// 65536 -> "65,536": the page is read by people, the data-count attributes
/// beside each number are for programs.
std::string grouped(uint64_t n);

/// part / whole as "45.3 %"; "–" when whole is 0 (no such probe ran).
std::string percent(uint64_t part, uint64_t whole);

/// part / whole * 100 with one decimal ("45.3"), for data-percent; "" when
/// whole is 0.
std::string percent_value(uint64_t part, uint64_t whole);

}  // namespace ptrscan::report
