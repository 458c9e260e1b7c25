// The platform builder: modules, connections and interrupt lines from the config.
//
// Contract: reads "modules" (an object: instance name -> {"type": ..., module keys}) and
// "interrupts" (a list of {"from": "module.output", "to": "module.input"}). Every module is
// created through the registry, then each binds its own initiators (connect), then interrupt
// lines are made: one signal per driving output, any number of inputs, but one driver per input.
// All errors are ConfigErrors with the JSON path. The platform owns the modules for the run.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "platform/module.h"
#include "platform/registry.h"

namespace vp {

class PlatformBuilder : public ModuleLookup {
 public:
  PlatformBuilder(ConfigNode& root, const ModuleRegistry& registry, SimContext& context);

  [[nodiscard]] Module* find(const std::string& name) const;
  [[nodiscard]] const std::vector<std::string>& names() const { return order_; }
  /// The type name each instance was created from.
  [[nodiscard]] const std::string& type_of(const std::string& name) const {
    return types_.at(name);
  }

  /// Resolves and records a binding: a target port that takes one initiator (every port but a
  /// bus's) may be bound once, and every target port must be bound by the end of construction.
  TargetSocketBase& target(const std::string& reference, const std::string& where) override;
  std::pair<Module*, std::string> resolve_target(const std::string& reference,
                                                 const std::string& where) override;
  /// Throws a ConfigError naming the first target port nothing was bound to (through target()).
  void check_targets_connected() const;

 private:
  void make_interrupts(ConfigNode& root);
  std::pair<Module*, std::string> split(const std::string& reference,
                                        const std::string& where) const;

  std::map<std::string, std::unique_ptr<Module>> modules_;
  std::map<std::string, std::string> types_;
  std::vector<std::string> order_;
  std::map<std::string, std::string> bound_by_;  ///< "module.port" -> where it was first bound
  // Interrupt lines may be driven from several processes of their source module, even in one
  // delta cycle (an NPU queue finishing while the CPU clears a status bit by a register write):
  // the level its module computed last is the line's level.
  using Line = sc_core::sc_signal<bool, sc_core::SC_UNCHECKED_WRITERS>;
  std::vector<std::unique_ptr<Line>> lines_;
};

}  // namespace vp
