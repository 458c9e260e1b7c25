#include "models/periph/register_device.h"

#include <cstring>
#include <stdexcept>

namespace vp {

const char* to_string(RegAccess access) {
  switch (access) {
    case RegAccess::ReadOnly: return "RO";
    case RegAccess::ReadWrite: return "RW";
    case RegAccess::WriteOnly: return "WO";
  }
  return "?";
}

RegisterDevice::RegisterDevice(const sc_core::sc_module_name& name, const RegisterTable& table,
                               ConfigNode& config)
    : sc_core::sc_module(name),
      socket("socket"),
      table_(table),
      latency_(static_cast<double>(config.get_u64("latency_ns", 10, 0, 1000000)), sc_core::SC_NS) {
  for (const auto& spec : table_.registers) slots_.push_back(Slot{&spec, spec.reset, {}, {}});
  socket.register_b_transport(this, &RegisterDevice::b_transport);
  socket.register_transport_dbg(this, &RegisterDevice::transport_dbg);
  ports_.targets["in"] = &socket;
}

std::uint64_t RegisterDevice::mapped_size(const std::string& /*port*/) const {
  return table_.window_bytes;
}

RegisterDevice::Slot& RegisterDevice::slot(const std::string& reg) {
  for (auto& s : slots_)
    if (s.spec->name == reg) return s;
  throw std::logic_error(table_.device_type + ": no register '" + reg + "'");
}

const RegisterDevice::Slot& RegisterDevice::slot(const std::string& reg) const {
  return const_cast<RegisterDevice*>(this)->slot(reg);
}

RegisterDevice::Slot* RegisterDevice::find(std::uint64_t offset) {
  for (auto& s : slots_)
    if (s.spec->offset == offset) return &s;
  return nullptr;
}

void RegisterDevice::on_read(const std::string& reg, ReadHook hook) {
  slot(reg).read = std::move(hook);
}
void RegisterDevice::on_write(const std::string& reg, WriteHook hook) {
  slot(reg).write = std::move(hook);
}
std::uint32_t RegisterDevice::stored(const std::string& reg) const { return slot(reg).value; }
void RegisterDevice::store(const std::string& reg, std::uint32_t value) { slot(reg).value = value; }

void RegisterDevice::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const auto offset = trans.get_address();
  if (trans.get_data_length() != 4 || (offset & 3) != 0 || trans.get_byte_enable_ptr() != nullptr ||
      trans.get_streaming_width() < 4) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  Slot* s = find(offset);
  if (s == nullptr) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  delay += latency_;
  access_time_ = sc_core::sc_time_stamp() + delay;
  std::uint32_t value = 0;
  if (trans.is_read()) {
    if (s->spec->access == RegAccess::WriteOnly) {
      trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    value = s->read ? s->read() : s->value;
    std::memcpy(trans.get_data_ptr(), &value, 4);
  } else if (trans.is_write()) {
    if (s->spec->access == RegAccess::ReadOnly) {
      trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    std::memcpy(&value, trans.get_data_ptr(), 4);
    s->value = value;
    if (s->write) s->write(value);
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int RegisterDevice::transport_dbg(tlm::tlm_generic_payload& trans) {
  if (!trans.is_read() || trans.get_data_length() != 4 || (trans.get_address() & 3) != 0) return 0;
  Slot* s = find(trans.get_address());
  if (s == nullptr || s->spec->access == RegAccess::WriteOnly) return 0;
  access_time_ = sc_core::sc_time_stamp();
  const std::uint32_t value = s->read ? s->read() : s->value;
  std::memcpy(trans.get_data_ptr(), &value, 4);
  return 4;
}

}  // namespace vp
