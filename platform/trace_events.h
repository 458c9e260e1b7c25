// The one trace-event API of the platform.
//
// Contract: models report what happens (a unit becomes busy, a marker from firmware, a counter
// changes) as TraceEvents on named tracks; sinks (Perfetto JSON, VCD, SQLite, tests) subscribe.
// With no sink attached, enabled() is false and emitting is a single branch, so models guard
// argument construction with `if (events.enabled())`. Timestamps are simulated picoseconds.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace vp {

struct TraceEvent {
  /// Begin/End: a span on the track; Complete: a span with its duration; Instant: a point;
  /// Counter: the track's value changes to `value`; FlowStart/FlowEnd: an arrow from the span
  /// open on one track to the span open on another (same `flow_id`), e.g. SIGNAL -> WAIT.
  enum class Kind { Begin, End, Instant, Counter, Complete, FlowStart, FlowEnd };
  Kind kind = Kind::Instant;
  std::uint64_t time_ps = 0;
  std::string track;  ///< e.g. "cpu", "npu.sa0", "hbm.ch3"
  std::string name;   ///< e.g. "marker", "GEMM"
  std::vector<std::pair<std::string, std::uint64_t>> args;
  double value = 0.0;  ///< Counter events only.
  std::uint64_t duration_ps = 0;  ///< Complete events only.
  std::uint64_t flow_id = 0;      ///< FlowStart/FlowEnd only.
  /// One event per DRAM/PIM command: kept by the timeline, skipped by the waveform (which
  /// shows the per-channel counters derived from them instead).
  bool detail = false;
};

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void on_event(const TraceEvent& event) = 0;
  /// Called once at the end of the run; sinks flush and close here.
  virtual void finish() {}
};

class TraceEvents {
 public:
  void attach(std::shared_ptr<TraceSink> sink) { sinks_.push_back(std::move(sink)); }
  [[nodiscard]] bool enabled() const { return !sinks_.empty(); }
  void emit(const TraceEvent& event) const {
    for (const auto& sink : sinks_) sink->on_event(event);
  }
  void finish() const {
    for (const auto& sink : sinks_) sink->finish();
  }

 private:
  std::vector<std::shared_ptr<TraceSink>> sinks_;
};

}  // namespace vp
