// Helpers shared by the fuzz targets: the input as a file (the readers under test take paths).
//
// Contract: InputFile writes the fuzzer's bytes to one file per process (reused by every run)
// and returns its path; expected rejections are vp::UserInputError, anything else escaping a
// target (another exception, a crash, a sanitizer report) is a finding.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace fuzz {

inline std::string write_input(const std::uint8_t* data, std::size_t size, const char* suffix) {
  static const std::string path =
      "/tmp/npvp-fuzz-" + std::to_string(::getpid()) + std::string(suffix);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) __builtin_trap();
  if (size > 0) std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

}  // namespace fuzz
