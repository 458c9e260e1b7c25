// Named systems: a system file (configs/systems/NAME.json) is a set of config overrides that
// turns the platform into one of the paper's systems or an ablation.
//
// Contract: system_overrides() finds NAME as a path, else as <config folder>/../systems/NAME.json,
// reads {"description": "...", "set": {"key.path": value, ...}} and returns "key.path=<JSON>"
// overrides in file order. An unknown name lists the systems that exist.
#pragma once

#include <string>
#include <vector>

namespace vp {

[[nodiscard]] std::vector<std::string> system_overrides(const std::string& name, const std::string& config_file);

}  // namespace vp
