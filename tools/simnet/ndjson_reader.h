#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace ptrscan::simnet {

/// Calls `on_line` for every line of `path` (without its '\n'), streaming:
/// memory does not grow with the file. A zstd-compressed file (recognised by
/// its magic number, as ptrscan's `.zst` output is) is decompressed on the
/// way. Throws std::runtime_error when the file cannot be read or the zstd
/// stream is corrupt or truncated.
void for_each_line(const std::string& path, const std::function<void(std::string_view)>& on_line);

}  // namespace ptrscan::simnet
