// The files a run writes, all of them inside its output folder (--out).
//
// Contract:
// - Every file a run writes is claimed here first, by the config key that names it: claim()
//   takes the name as given in the config (relative to --out), checks it and returns the full
//   path. A name must be relative, stay inside --out after `.` and `..` are resolved (and after
//   symbolic links that already exist are followed), have path components of at most 255 bytes
//   in valid UTF-8, not be a folder, and not be claimed twice in one run. A name that breaks a
//   rule is a ConfigError naming the key, the name and the rule.
// - Claiming writes nothing. open_all(), called once the whole configuration, the firmware and
//   every input have been validated, creates --out and the folders below it, removes the
//   previous run's copies of every claimed file (so no output of an earlier run survives as if
//   this run had written it), and then runs each claim's opener in claim order. So a rejected
//   run never truncates or removes anything.
// - The run's own outputs (config.json, stats.json, tokens.json) are claimed like any other, so
//   a trace or UART output cannot name them either.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace vp {

class OutputFiles {
 public:
  /// `out_dir`: the run's --out folder (created by open_all(), not before).
  explicit OutputFiles(std::string out_dir);

  /// Checks `name` (from config key `key`) and reserves it; returns the path to write.
  /// `open` (optional) runs in open_all() with that path; it may throw ConfigError.
  std::string claim(const std::string& key, const std::string& name,
                    std::function<void(const std::string& path)> open = {});

  /// Creates the folders, removes stale copies of every claimed file, runs the openers.
  void open_all();

 private:
  struct Claim {
    std::string key, path, normal;
    std::function<void(const std::string&)> open;
  };
  std::string out_dir_;
  std::vector<Claim> claims_;
  bool opened_ = false;
};

}  // namespace vp
