// A platform built from a JSON config inside a test, plus a tester initiator bound to a bus.
// After construction, call elaborate() (runs sc_start for zero time so binding completes); then
// the tester's accesses can be made directly from the test body.
#pragma once

#include <memory>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "platform/config.h"
#include "platform/module.h"
#include "platform/platform_builder.h"
#include "platform/registry.h"

namespace test {

class Tester : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Tester> socket{"socket"};
  explicit Tester(const sc_core::sc_module_name& name) : sc_core::sc_module(name) {}

  /// A 32-bit (or `size`-byte) access; returns the response status, `delay` accumulates.
  tlm::tlm_response_status access(tlm::tlm_command command, std::uint64_t address,
                                  std::uint32_t& value, unsigned size = 4,
                                  sc_core::sc_time* delay = nullptr) {
    tlm::tlm_generic_payload payload;
    payload.set_command(command);
    payload.set_address(address);
    payload.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    payload.set_data_length(size);
    payload.set_streaming_width(size);
    payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time local = sc_core::SC_ZERO_TIME;
    socket->b_transport(payload, delay ? *delay : local);
    return payload.get_response_status();
  }
  tlm::tlm_response_status write32(std::uint64_t address, std::uint32_t value,
                                   sc_core::sc_time* delay = nullptr) {
    return access(tlm::TLM_WRITE_COMMAND, address, value, 4, delay);
  }
  std::uint32_t read32(std::uint64_t address, sc_core::sc_time* delay = nullptr) {
    std::uint32_t value = 0xDEADBEEF;
    if (access(tlm::TLM_READ_COMMAND, address, value, 4, delay) != tlm::TLM_OK_RESPONSE)
      throw std::runtime_error("read failed");
    return value;
  }
};

struct PlatformBench {
  vp::Config config;
  vp::SimContext context;
  vp::ModuleRegistry registry;
  std::unique_ptr<vp::PlatformBuilder> builder;
  Tester tester{"tester"};

  /// Builds the platform of `document` and binds the tester to `bus` (a target reference);
  /// output files (a UART's) are named relative to `out_dir`.
  PlatformBench(const nlohmann::json& document, const std::string& bus,
                const std::string& out_dir = ".")
      : config(vp::Config::from_json(document, "test")) {
    context.outputs = vp::OutputFiles(out_dir);
    vp::register_builtin_modules(registry);
    vp::ConfigNode root = config.root();
    context.devices = vp::expand_devices(root.child("devices"), config.mutable_document());
    builder = std::make_unique<vp::PlatformBuilder>(root, registry, context);
    root.finish();
    tester.socket.bind(builder->target(bus, "test"));
  }
  void elaborate() {
    context.outputs.open_all();
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
};

}  // namespace test
