// Trace sink writing waveforms: a VCD file (IEEE 1364 value change dump, opens in GTKWave) and a
// GTKWave save file (.gtkw) that shows its signals grouped by unit.
//
// Contract:
// - Signals are derived from the trace events, one module scope per unit (the track name before
//   the first '.'):
//     span tracks (Begin/End/Complete)  -> "<rest>_busy", a 1-bit wire, 1 while any span is open
//     counter tracks                    -> "<rest>[_<counter name>]", integer (real if a value
//                                          is not integral, a 1-bit wire if all are 0 or 1)
//   where <rest> is the track name after the unit with '.' replaced by '_'. Instants, flows
//   and detail events (one per DRAM command) are not waveforms and are skipped.
// - Events may arrive out of time order (models book work ahead); changes are buffered and
//   written sorted at finish(). Only the window [start, stop) is written; the state at its
//   start (spans still open, the last counter values) is the initial dump. Times are ps.
// - Opening fails with a ConfigError naming the file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "platform/perfetto_sink.h"
#include "platform/trace_events.h"

namespace vp {

class VcdSink : public TraceSink {
 public:
  /// Writes nothing until open(); the values are kept in memory and written by finish().
  explicit VcdSink(TraceWindow window);
  /// Creates the VCD file `path`; finish() writes the GTKWave save file `save_path` beside it.
  /// Throws ConfigError if the VCD cannot be created.
  void open(const std::string& path, const std::string& save_path);
  ~VcdSink() override;
  VcdSink(const VcdSink&) = delete;
  VcdSink& operator=(const VcdSink&) = delete;

  void on_event(const TraceEvent& event) override;
  void finish() override;
  [[nodiscard]] const std::string& save_file() const { return gtkw_path_; }

 private:
  struct Signal {
    std::string unit, name;
    bool wire = true;  ///< busy wire (span depth > 0) or counter
    bool integral = true;
    bool binary = true;              ///< counters whose values are all 0 or 1 are written as wires
    double initial = 0.0;            ///< counters: value at the window start; wires: depth there
    std::uint64_t initial_time = 0;  ///< counters: time of that value
    bool has_initial = false;
  };
  struct Change {
    std::uint64_t time_ps;
    std::uint64_t seq;
    std::uint32_t signal;
    double value;  ///< wires: depth delta; counters: the new value
  };
  std::uint32_t signal(const TraceEvent& e, bool wire);
  void add(std::uint32_t signal, std::uint64_t time_ps, double value);
  void write_save_file() const;

  std::string path_, gtkw_path_;
  std::FILE* file_ = nullptr;
  TraceWindow window_;
  std::map<std::string, std::uint32_t> by_key_;
  std::vector<Signal> signals_;
  std::vector<Change> changes_;
  std::uint64_t seq_ = 0;
  bool finished_ = false;
};

}  // namespace vp
