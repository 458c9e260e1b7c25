// The one trace-event API of the platform.
//
// Contract: models report what happens (a unit becomes busy, a marker from firmware, a counter
// changes) as TraceEvents on named tracks; sinks (Perfetto JSON, VCD, SQLite, tests) subscribe.
// With no sink attached, enabled() is false and emitting is a single branch, so models guard
// argument construction with `if (events.enabled())`. Timestamps are simulated picoseconds.
#pragma once

#include <cstdint>
#include <functional>
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
  double value = 0.0;             ///< Counter events only.
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
  /// The trace window; detail events (one per DRAM command) outside it are kept by no sink, so
  /// models skip building them (detail_wanted). Other events are always emitted: sinks need
  /// them for the state at the window's start.
  void set_window(std::uint64_t start_ps, std::uint64_t stop_ps) {
    start_ps_ = start_ps;
    stop_ps_ = stop_ps;
  }
  [[nodiscard]] bool detail_wanted(std::uint64_t time_ps) const {
    return detail_ && !sinks_.empty() && time_ps >= start_ps_ && time_ps < stop_ps_;
  }
  /// Whether detail events are wanted at all (trace.commands; off by default: they make a
  /// paper-size timeline gigabytes large, and the command database holds them anyway).
  void set_detail(bool on) { detail_ = on; }
  void emit(const TraceEvent& event) const {
    for (const auto& sink : sinks_) sink->on_event(event);
  }
  /// Models that hold events back (e.g. merging commands into activity spans) register a flush;
  /// finish() runs the flushes, then lets every sink close.
  void on_finish(std::function<void()> flush) { flushes_.push_back(std::move(flush)); }
  void finish() const {
    for (const auto& flush : flushes_) flush();
    for (const auto& sink : sinks_) sink->finish();
  }

 private:
  std::vector<std::shared_ptr<TraceSink>> sinks_;
  std::vector<std::function<void()>> flushes_;
  std::uint64_t start_ps_ = 0, stop_ps_ = ~0ULL;
  bool detail_ = false;
};

/// A counter track whose changes at one instant are merged: only the last value of each
/// timestamp is emitted (a DMA engine or a memory changes its counters once per transaction,
/// often many times in the same picosecond). Register flush() with TraceEvents::on_finish.
class CounterTrack {
 public:
  CounterTrack(std::string track, std::string name)
      : track_(std::move(track)), name_(std::move(name)) {}
  void set(const TraceEvents& events, std::uint64_t time_ps, double value) {
    if (pending_ && time_ps != time_ps_) flush(events);
    pending_ = true;
    time_ps_ = time_ps;
    value_ = value;
  }
  void flush(const TraceEvents& events) {
    if (!pending_) return;
    pending_ = false;
    if (value_ == emitted_) return;  // the instant ended where the previous one did
    emitted_ = value_;
    TraceEvent e;
    e.kind = TraceEvent::Kind::Counter;
    e.time_ps = time_ps_;
    e.track = track_;
    e.name = name_;
    e.value = value_;
    events.emit(e);
  }

 private:
  std::string track_, name_;
  bool pending_ = false;
  std::uint64_t time_ps_ = 0;
  double value_ = 0.0;
  double emitted_ = -1.0;
};

}  // namespace vp
