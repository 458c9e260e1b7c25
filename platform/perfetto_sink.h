// Trace sink writing the Chrome trace-event JSON format (opens in ui.perfetto.dev and
// chrome://tracing).
//
// Contract: every track becomes a named thread of one process; Begin/End become "B"/"E",
// Complete "X" (with its duration), Instant "i", Counter "C". Times are microseconds with
// picosecond resolution. Events outside [start_ps, stop_ps) or on a track whose unit (the part
// before the first '.') is not in `units` (empty: all) are dropped. Events are written as they
// arrive; finish() closes the file with the track names.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "platform/trace_events.h"

namespace vp {

struct TraceWindow {
  std::uint64_t start_ps = 0;
  std::uint64_t stop_ps = ~0ULL;
  std::set<std::string> units;  ///< empty: every unit
  [[nodiscard]] bool accepts(const TraceEvent& e) const;
  /// Whether a unit (module instance name, or "firmware") passes the unit filter.
  [[nodiscard]] bool accepts_unit(const std::string& unit) const {
    return units.empty() || units.count(unit) != 0;
  }
  /// The unit of a track: its name before the first '.'.
  [[nodiscard]] static std::string unit_of(const std::string& track) {
    return track.substr(0, track.find('.'));
  }
};

class PerfettoSink : public TraceSink {
 public:
  /// Writes nothing until open(); events before that are dropped.
  explicit PerfettoSink(TraceWindow window);
  /// Creates the timeline file `path`; throws ConfigError if it cannot.
  void open(const std::string& path);
  ~PerfettoSink() override;
  PerfettoSink(const PerfettoSink&) = delete;
  PerfettoSink& operator=(const PerfettoSink&) = delete;

  void on_event(const TraceEvent& event) override;
  void finish() override;
  [[nodiscard]] std::uint64_t events_written() const { return written_; }

 private:
  std::FILE* file_ = nullptr;
  TraceWindow window_;
  std::map<std::string, int> tracks_;
  std::uint64_t written_ = 0;
  std::string line_;  ///< reused for each event
  bool finished_ = false;
};

}  // namespace vp
