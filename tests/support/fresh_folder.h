// A fresh, empty output folder for one test: unique to the test process and emptied first, so a
// check never reads a file an earlier run left behind.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace test {

inline std::string fresh_folder(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("npvp-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace test
