#include "platform/perfetto_sink.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "platform/error.h"

namespace vp {

bool TraceWindow::accepts(const TraceEvent& e) const {
  // Ends are kept past the window so that spans begun inside it are closed.
  if (e.kind != TraceEvent::Kind::End && (e.time_ps < start_ps || e.time_ps >= stop_ps)) return false;
  if (units.empty()) return true;
  return units.count(e.track.substr(0, e.track.find('.'))) != 0;
}

PerfettoSink::PerfettoSink(const std::string& path, TraceWindow window) : window_(std::move(window)) {
  file_ = std::fopen(path.c_str(), "w");
  if (file_ == nullptr) throw ConfigError(fmt::format("trace: cannot write the timeline '{}'", path));
  std::fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", file_);
}

PerfettoSink::~PerfettoSink() {
  finish();
}

void PerfettoSink::on_event(const TraceEvent& e) {
  if (finished_ || !window_.accepts(e)) return;
  auto [it, added] = tracks_.emplace(e.track, static_cast<int>(tracks_.size()) + 1);
  (void)added;
  nlohmann::json j;
  static const char* kPhase[] = {"B", "E", "i", "C", "X", "s", "f"};
  j["ph"] = kPhase[static_cast<int>(e.kind)];
  j["name"] = e.name;
  j["pid"] = 1;
  j["tid"] = it->second;
  j["ts"] = static_cast<double>(e.time_ps) / 1e6;
  if (e.kind == TraceEvent::Kind::Complete) j["dur"] = static_cast<double>(e.duration_ps) / 1e6;
  if (e.kind == TraceEvent::Kind::Instant) j["s"] = "t";
  if (e.kind == TraceEvent::Kind::FlowStart || e.kind == TraceEvent::Kind::FlowEnd) {
    j["id"] = e.flow_id;
    j["cat"] = "flow";
    if (e.kind == TraceEvent::Kind::FlowEnd) j["bp"] = "e";  // bind to the span open at that time
  }
  nlohmann::json args = nlohmann::json::object();
  for (const auto& [key, value] : e.args) args[key] = value;
  if (e.kind == TraceEvent::Kind::Counter) args[e.name] = e.value;
  if (!args.empty()) j["args"] = args;
  std::fprintf(file_, "%s%s\n", written_ == 0 ? "" : ",", j.dump().c_str());
  ++written_;
}

void PerfettoSink::finish() {
  if (finished_ || file_ == nullptr) return;
  finished_ = true;
  bool first = written_ == 0;
  for (const auto& [name, tid] : tracks_) {
    nlohmann::json j = {{"ph", "M"}, {"name", "thread_name"}, {"pid", 1}, {"tid", tid}, {"args", {{"name", name}}}};
    std::fprintf(file_, "%s%s\n", first ? "" : ",", j.dump().c_str());
    first = false;
  }
  std::fputs("]}\n", file_);
  std::fclose(file_);
  file_ = nullptr;
}

}  // namespace vp
