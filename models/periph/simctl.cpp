#include "models/periph/simctl.h"

namespace vp {

const RegisterTable& SimCtl::registers() {
  static const RegisterTable table{
      "periph.simctl",
      "SIMCTL",
      "Simulation control: exit code, simulated time, trace markers.",
      0x1000,
      {
          {"EXIT", 0x00, 0, RegAccess::WriteOnly,
           "Write: end the run with this exit code (0 = pass)."},
          {"TIME_NS_LO", 0x04, 0, RegAccess::ReadOnly, "Simulated time in ns, bits 31:0."},
          {"TIME_NS_HI", 0x08, 0, RegAccess::ReadOnly, "Simulated time in ns, bits 63:32."},
          {"MARKER_ARG", 0x0C, 0, RegAccess::ReadWrite, "Argument attached to the next marker."},
          {"MARKER_BEGIN", 0x10, 0, RegAccess::WriteOnly,
           "Write: begin a firmware trace span with this marker id."},
          {"MARKER_END", 0x14, 0, RegAccess::WriteOnly,
           "Write: end the firmware trace span with this marker id."},
          {"MARKER_INSTANT", 0x18, 0, RegAccess::WriteOnly,
           "Write: an instant firmware trace event with this marker id."},
      }};
  return table;
}

void SimCtl::register_type(ModuleRegistry& registry) {
  add_module_type<SimCtl>(registry, "periph.simctl", registers().summary);
}

SimCtl::SimCtl(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context)
    : RegisterDevice(name, registers(), config), context_(context) {
  on_write("EXIT", [this](std::uint32_t code) {
    context_.control.exit(static_cast<int>(code),
                          access_time().value() / sc_core::sc_time(1, sc_core::SC_PS).value());
  });
  on_read("TIME_NS_LO", [this] { return static_cast<std::uint32_t>(now_ns()); });
  on_read("TIME_NS_HI", [this] { return static_cast<std::uint32_t>(now_ns() >> 32); });
  on_write("MARKER_BEGIN", [this](std::uint32_t id) { marker(TraceEvent::Kind::Begin, id); });
  on_write("MARKER_END", [this](std::uint32_t id) { marker(TraceEvent::Kind::End, id); });
  on_write("MARKER_INSTANT", [this](std::uint32_t id) { marker(TraceEvent::Kind::Instant, id); });
  context.stats.add_counter(std::string(basename()) + ".markers", "events",
                            "firmware trace markers written", markers_);
}

std::uint64_t SimCtl::now_ns() const {
  return access_time().value() / sc_core::sc_time(1, sc_core::SC_NS).value();
}

void SimCtl::marker(TraceEvent::Kind kind, std::uint32_t id) {
  ++markers_;
  if (!context_.events.enabled()) return;
  TraceEvent event;
  event.kind = kind;
  event.time_ps = access_time().value() / sc_core::sc_time(1, sc_core::SC_PS).value();
  event.track = "firmware";
  event.name = "marker";
  event.args = {{"id", id}, {"arg", stored("MARKER_ARG")}};
  context_.events.emit(event);
}

}  // namespace vp
