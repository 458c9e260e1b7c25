#include "platform/perfetto_sink.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "platform/error.h"

namespace vp {

bool TraceWindow::accepts(const TraceEvent& e) const {
  // Ends are kept past the window so that spans begun inside it are closed.
  if (e.kind != TraceEvent::Kind::End && (e.time_ps < start_ps || e.time_ps >= stop_ps))
    return false;
  return accepts_unit(unit_of(e.track));
}

PerfettoSink::PerfettoSink(TraceWindow window) : window_(std::move(window)) {}

void PerfettoSink::open(const std::string& path) {
  file_ = std::fopen(path.c_str(), "w");
  if (file_ == nullptr)
    throw ConfigError(fmt::format("trace.perfetto: cannot write the timeline '{}'", path));
  std::fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", file_);
}

PerfettoSink::~PerfettoSink() {
  try {
    finish();  // normally done by TraceEvents::finish() already
  } catch (
      ...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; the file stays cut short
  }
}

namespace {

/// A JSON string literal (names and keys are plain identifiers, but nothing relies on that).
void append_string(std::string& out, const std::string& text) {
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  out += '"';
}

/// Picoseconds as microseconds, exactly (no floating point rounding in the trace).
void append_us(std::string& out, std::uint64_t ps) {
  out += fmt::format("{}.{:06}", ps / 1000000, ps % 1000000);
}

}  // namespace

void PerfettoSink::on_event(const TraceEvent& e) {
  if (finished_ || file_ == nullptr || !window_.accepts(e)) return;
  auto [it, added] = tracks_.emplace(e.track, static_cast<int>(tracks_.size()) + 1);
  (void)added;
  // Written by hand: this runs once per event, and building a JSON object for each costs more
  // than the simulation of the event.
  static const char* kPhase[] = {"B", "E", "i", "C", "X", "s", "f"};
  std::string& out = line_;
  out.clear();
  out += written_ == 0 ? "{\"ph\":\"" : ",{\"ph\":\"";
  out += kPhase[static_cast<int>(e.kind)];
  out += "\",\"name\":";
  append_string(out, e.name);
  out += fmt::format(",\"pid\":1,\"tid\":{},\"ts\":", it->second);
  append_us(out, e.time_ps);
  if (e.kind == TraceEvent::Kind::Complete) {
    out += ",\"dur\":";
    append_us(out, e.duration_ps);
  }
  if (e.kind == TraceEvent::Kind::Instant) out += ",\"s\":\"t\"";
  if (e.kind == TraceEvent::Kind::FlowStart || e.kind == TraceEvent::Kind::FlowEnd) {
    out += fmt::format(",\"id\":{},\"cat\":\"flow\"", e.flow_id);
    if (e.kind == TraceEvent::Kind::FlowEnd) out += ",\"bp\":\"e\"";  // bind to the span open then
  }
  if (!e.args.empty() || e.kind == TraceEvent::Kind::Counter) {
    out += ",\"args\":{";
    bool first = true;
    for (const auto& [key, value] : e.args) {
      if (!first) out += ',';
      first = false;
      append_string(out, key);
      out += fmt::format(":{}", value);
    }
    if (e.kind == TraceEvent::Kind::Counter) {
      if (!first) out += ',';
      append_string(out, e.name);
      out += fmt::format(":{}", e.value);
    }
    out += '}';
  }
  out += "}\n";
  std::fwrite(out.data(), 1, out.size(), file_);
  ++written_;
}

void PerfettoSink::finish() {
  if (finished_ || file_ == nullptr) return;
  finished_ = true;
  bool first = written_ == 0;
  for (const auto& [name, tid] : tracks_) {
    nlohmann::json j = {
        {"ph", "M"}, {"name", "thread_name"}, {"pid", 1}, {"tid", tid}, {"args", {{"name", name}}}};
    std::fprintf(file_, "%s%s\n", first ? "" : ",", j.dump().c_str());
    first = false;
  }
  std::fputs("]}\n", file_);
  std::fclose(file_);
  file_ = nullptr;
}

}  // namespace vp
