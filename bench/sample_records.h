#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ptrscan::bench {

/// Complete NDJSON records, at least `size` bytes, that differ the way a
/// scan's do (addresses, PTR names, timings), so compression sees a
/// realistic ratio rather than one line repeated. Deterministic: the same
/// size and seed give the same bytes; different seeds give different
/// records. A shard hands the writer a chunk once it reaches 64 KiB, so
/// ndjson_chunk(64 * 1024) is what one submit carries.
std::string ndjson_chunk(size_t size, uint64_t seed = 1);

}  // namespace ptrscan::bench
