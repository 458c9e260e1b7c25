// Reading the files a run is given (configs, models, datasets, traces).
//
// Contract: read_input_file() returns the whole content of a regular file of at most `max_bytes`
// bytes. Anything else (a missing file, a folder, a device or FIFO such as /dev/zero, a file that
// is too large or cannot be read) is an InputError that names `what` (the key or option that
// named the file), the path and the rule, so a bad path never hangs a run or exhausts memory.
#pragma once

#include <cstdint>
#include <string>

namespace vp {

/// The largest input file read by default (64 MiB; the largest shipped trace is ~1 MiB).
inline constexpr std::uint64_t kMaxInputFileBytes = 64ULL << 20;

std::string read_input_file(const std::string& path, const std::string& what,
                            std::uint64_t max_bytes = kMaxInputFileBytes);

}  // namespace vp
