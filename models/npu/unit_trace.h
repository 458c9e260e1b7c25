// Time and timeline helpers shared by the NPU's units.
//
// Contract: now() copies the current time; emit_span() emits one Complete event [start, end) when
// tracing is on, and does nothing (not even build the event) when it is off.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <systemc>

#include "platform/trace_events.h"

namespace vp::npu {

/// The current simulated time, by value (sc_time_stamp() is a reference to the kernel's clock,
/// which moves on).
[[nodiscard]] inline sc_core::sc_time now() { return sc_core::sc_time_stamp(); }

[[nodiscard]] inline std::uint64_t to_ps(const sc_core::sc_time& t) {
  return t.value() / sc_core::sc_time(1, sc_core::SC_PS).value();
}

inline void emit_span(const TraceEvents& events, const std::string& track, const char* name,
                      const sc_core::sc_time& start, const sc_core::sc_time& end,
                      std::vector<std::pair<std::string, std::uint64_t>> args = {}) {
  if (!events.enabled() || end <= start) return;
  TraceEvent e;
  e.kind = TraceEvent::Kind::Complete;
  e.time_ps = to_ps(start);
  e.duration_ps = to_ps(end) - e.time_ps;
  e.track = track;
  e.name = name;
  e.args = std::move(args);
  events.emit(e);
}

}  // namespace vp::npu
