// The base of every platform module, and the context modules are created in.
//
// Contract: a Module publishes its connection points by name in ports(): TLM target sockets,
// interrupt outputs and inputs (its initiators it binds itself, in connect()). The platform builder
// creates modules through the ModuleRegistry, then calls connect() on each so that a module binds
// its own initiators to the targets its config names, then binds interrupt lines. No module holds
// a pointer into another module's internals; everything crosses a socket or an interrupt line.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "platform/config.h"
#include "platform/device_layout.h"
#include "platform/output_files.h"
#include "platform/run_control.h"
#include "platform/stats.h"
#include "platform/trace_events.h"

namespace vp {

using TargetSocketBase =
    tlm::tlm_base_target_socket_b<32, tlm::tlm_fw_transport_if<>, tlm::tlm_bw_transport_if<>>;

/// An interrupt output: drives a level on the line the builder bound, if any.
class IrqOut {
 public:
  explicit IrqOut(const char* name) : port(name) {}
  void set(bool level) {
    if (level == level_) return;
    level_ = level;
    if (port.size() > 0) port->write(level);
  }
  [[nodiscard]] bool level() const { return level_; }
  sc_core::sc_port<sc_core::sc_signal_inout_if<bool>, 1, sc_core::SC_ZERO_OR_MORE_BOUND> port;

 private:
  bool level_ = false;
};

/// An interrupt input: reads the level of the bound line (low when unbound).
class IrqIn {
 public:
  explicit IrqIn(const char* name) : port(name) {}
  [[nodiscard]] bool read() const { return port.size() > 0 && port->read(); }
  [[nodiscard]] bool bound() const { return port.size() > 0; }
  sc_core::sc_port<sc_core::sc_signal_in_if<bool>, 1, sc_core::SC_ZERO_OR_MORE_BOUND> port;
};

/// Spawns a method that runs `on_change` whenever one of the bound `inputs` changes level.
/// Call from end_of_elaboration() (ports are bound by then); does nothing if none is bound.
void watch_irq_inputs(const std::vector<IrqIn*>& inputs, const std::string& name,
                      std::function<void()> on_change);

/// Services shared by all modules of one run.
class CommandDatabase;

struct SimContext {
  StatsTree stats;
  TraceEvents events;
  /// The SQLite command database when trace.sqlite is on (memory models write to it), else null.
  std::shared_ptr<CommandDatabase> command_db;
  RunControl control;
  /// The devices of the system and which of them are built (the config's "devices").
  DeviceLayout devices;
  /// The files the run writes, all inside its --out folder: a module claims each file it writes
  /// at construction and opens it only when the run opens its outputs (platform/output_files.h).
  OutputFiles outputs{"."};
  /// Folder of the platform config file: relative paths inside the config resolve against it.
  std::string config_dir = ".";

  /// Sets config_dir to the folder of `config_file` ("." when it names none).
  void set_config_file(const std::string& config_file);
  /// A file named in the config: as given when absolute or when it exists from the working
  /// folder, else relative to config_dir.
  [[nodiscard]] std::string resolve_path(const std::string& path) const;
};

class ModuleLookup;

class Module {
 public:
  struct Ports {
    std::map<std::string, TargetSocketBase*> targets;
    std::map<std::string, IrqOut*> irq_outputs;
    std::map<std::string, IrqIn*> irq_inputs;
  };

  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  virtual ~Module() = default;

  [[nodiscard]] Ports& ports() { return ports_; }
  /// Bytes of address space a target port decodes (used when the map gives no size).
  [[nodiscard]] virtual std::uint64_t mapped_size(const std::string& /*target_port*/) const {
    return 0;
  }
  /// Binds this module's initiators to the targets its config names.
  virtual void connect(ModuleLookup& /*lookup*/) {}
  /// Processors take the firmware's entry point from the loader.
  [[nodiscard]] virtual bool takes_entry_point() const { return false; }
  virtual void set_entry_point(std::uint64_t /*address*/) {}
  /// Processors that can be debugged serve GDB on 127.0.0.1:port (`where` names the option in
  /// errors) and return true; the others return false.
  virtual bool attach_gdb(std::uint16_t /*port*/, const std::string& /*where*/) { return false; }
  /// What the module is waiting for, if the simulation runs out of events before the firmware
  /// exits (empty: nothing to report).
  [[nodiscard]] virtual std::string idle_report() const { return {}; }

 protected:
  Ports ports_;
};

/// Name-based access to the modules of a platform, used while connecting.
class ModuleLookup {
 public:
  virtual ~ModuleLookup() = default;
  /// `reference` is "module" (its only target port, or of several the one named "in") or
  /// "module.port"; `where` is the JSON path used in error messages.
  virtual TargetSocketBase& target(const std::string& reference, const std::string& where) = 0;
  /// The module a reference names, and the port of it (resolved like target()).
  virtual std::pair<Module*, std::string> resolve_target(const std::string& reference,
                                                         const std::string& where) = 0;
};

}  // namespace vp
