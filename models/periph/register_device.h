// Base for memory-mapped LT devices served from a register table.
//
// Contract: 32-bit aligned single-word accesses only. An offset without a register answers
// TLM_ADDRESS_ERROR_RESPONSE, a write to a read-only register or a read of a write-only one
// TLM_COMMAND_ERROR_RESPONSE, any other size or alignment TLM_BURST_ERROR_RESPONSE. Each register
// holds a stored value; a device may attach a read hook (computes the value; must have no side
// effects, since debug reads use it too) and a write hook (called after the value is stored).
// Debug transport reads through the hooks and never writes. access_time() gives the accessor's
// local time (sc_time_stamp() + annotated delay) inside hooks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "models/periph/register_table.h"
#include "platform/module.h"

namespace vp {

class RegisterDevice : public sc_core::sc_module, public Module {
 public:
  tlm_utils::simple_target_socket<RegisterDevice> socket;

  /// Reads "latency_ns" (per access, default 10) from `config`.
  RegisterDevice(const sc_core::sc_module_name& name, const RegisterTable& table,
                 ConfigNode& config);

  [[nodiscard]] std::uint64_t mapped_size(const std::string& port) const override;

 protected:
  using ReadHook = std::function<std::uint32_t()>;
  using WriteHook = std::function<void(std::uint32_t)>;

  void on_read(const std::string& reg, ReadHook hook);
  void on_write(const std::string& reg, WriteHook hook);
  [[nodiscard]] std::uint32_t stored(const std::string& reg) const;
  void store(const std::string& reg, std::uint32_t value);
  [[nodiscard]] const sc_core::sc_time& access_time() const { return access_time_; }

 private:
  struct Slot {
    const RegisterSpec* spec;
    std::uint32_t value;
    ReadHook read;
    WriteHook write;
  };
  Slot& slot(const std::string& reg);
  [[nodiscard]] const Slot& slot(const std::string& reg) const;
  Slot* find(std::uint64_t offset);

  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);

  const RegisterTable& table_;
  std::vector<Slot> slots_;
  sc_core::sc_time latency_;
  sc_core::sc_time access_time_;
};

}  // namespace vp
