#include "models/mem/ram.h"

#include <cstring>

namespace vp {

void Ram::register_type(ModuleRegistry& registry) {
  add_module_type<Ram>(registry, "mem.ram", "Host RAM with DMI.");
}

Ram::Ram(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& /*context*/)
    : sc_core::sc_module(name),
      socket("socket"),
      storage_(config.get_size("size", 16ULL << 20, 4096, 4ULL << 30)),
      read_latency_(static_cast<double>(config.get_u64("read_latency_ns", 0, 0, 1000000)),
                    sc_core::SC_NS),
      write_latency_(static_cast<double>(config.get_u64("write_latency_ns", 0, 0, 1000000)),
                     sc_core::SC_NS) {
  socket.register_b_transport(this, &Ram::b_transport);
  socket.register_transport_dbg(this, &Ram::transport_dbg);
  socket.register_get_direct_mem_ptr(this, &Ram::get_direct_mem_ptr);
  ports_.targets["in"] = &socket;
}

std::uint64_t Ram::mapped_size(const std::string& /*port*/) const { return storage_.size(); }

unsigned int Ram::copy(tlm::tlm_generic_payload& trans) {
  const auto address = trans.get_address();
  const auto length = trans.get_data_length();
  if (address >= storage_.size() || length > storage_.size() - address) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  if (trans.get_streaming_width() < length) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return 0;
  }
  unsigned char* mem = storage_.data() + address;
  const unsigned char* enables = trans.get_byte_enable_ptr();
  const unsigned int enable_length = trans.get_byte_enable_length();
  if (trans.is_read()) {
    if (enables == nullptr) {
      std::memcpy(trans.get_data_ptr(), mem, length);
    } else {
      for (unsigned int i = 0; i < length; ++i)
        if (enables[i % enable_length] == TLM_BYTE_ENABLED) trans.get_data_ptr()[i] = mem[i];
    }
  } else if (trans.is_write()) {
    if (enables == nullptr) {
      std::memcpy(mem, trans.get_data_ptr(), length);
    } else {
      for (unsigned int i = 0; i < length; ++i)
        if (enables[i % enable_length] == TLM_BYTE_ENABLED) mem[i] = trans.get_data_ptr()[i];
    }
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  return length;
}

void Ram::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (copy(trans) == 0 && !trans.is_response_ok()) return;
  delay += trans.is_read() ? read_latency_ : write_latency_;
  trans.set_dmi_allowed(true);
}

unsigned int Ram::transport_dbg(tlm::tlm_generic_payload& trans) {
  const unsigned int moved = copy(trans);
  return moved;
}

bool Ram::get_direct_mem_ptr(tlm::tlm_generic_payload& /*trans*/, tlm::tlm_dmi& dmi) {
  dmi.allow_read_write();
  dmi.set_dmi_ptr(storage_.data());
  dmi.set_start_address(0);
  dmi.set_end_address(storage_.size() - 1);
  dmi.set_read_latency(read_latency_);
  dmi.set_write_latency(write_latency_);
  return true;
}

}  // namespace vp
