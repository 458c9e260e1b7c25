// Named systems, models and datasets for the `run` shorthands.
//
// Contract:
// - system_overrides() finds NAME as a path, else as <config folder>/../systems/NAME.json,
//   reads {"description": "...", "set": {"key.path": value, ...}} and returns "key.path=<JSON>"
//   overrides in file order. An unknown name lists the systems that exist.
// - model_override() finds NAME as a JSON file path, else as <config folder>/../models/NAME.json,
//   and returns the "modules.job.model=..." override; an unknown name lists the models that exist.
// - dataset_override() returns the "modules.job.workload.dataset=..." override: an existing
//   file made absolute (command-line paths are relative to the working directory), else NAME.
#pragma once

#include <string>
#include <vector>

namespace vp {

[[nodiscard]] std::vector<std::string> system_overrides(const std::string& name,
                                                        const std::string& config_file);
[[nodiscard]] std::string model_override(const std::string& name, const std::string& config_file);
[[nodiscard]] std::string dataset_override(const std::string& name);

}  // namespace vp
