#include "platform/vcd_sink.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "platform/error.h"

namespace vp {
namespace {

std::string vcd_id(std::uint32_t index) {
  std::string id;
  do {
    id += static_cast<char>('!' + index % 94);
    index /= 94;
  } while (index != 0);
  return id;
}

std::string to_binary(std::uint64_t v) {
  if (v == 0) return "0";
  std::string bits;
  for (; v != 0; v >>= 1) bits += (v & 1U) != 0 ? '1' : '0';
  std::reverse(bits.begin(), bits.end());
  return bits;
}

}  // namespace

VcdSink::VcdSink(TraceWindow window) : window_(std::move(window)) {}

void VcdSink::open(const std::string& path, const std::string& save_path) {
  path_ = path;
  gtkw_path_ = save_path;
  file_ = std::fopen(path_.c_str(), "w");
  if (file_ == nullptr)
    throw ConfigError(fmt::format("trace.vcd: cannot write the waveform file '{}'", path_));
}

VcdSink::~VcdSink() {
  try {
    finish();  // normally done by TraceEvents::finish() already
  } catch (
      ...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; the file stays cut short
  }
}

std::uint32_t VcdSink::signal(const TraceEvent& e, bool wire) {
  const std::string key = e.track + (wire ? "" : "/" + e.name);
  auto it = by_key_.find(key);
  if (it != by_key_.end()) return it->second;
  Signal s;
  s.wire = wire;
  const auto dot = e.track.find('.');
  s.unit = e.track.substr(0, dot);
  std::string rest = dot == std::string::npos ? "" : e.track.substr(dot + 1);
  const std::string last = e.track.substr(e.track.rfind('.') + 1);  // the whole name if no '.'
  std::replace(rest.begin(), rest.end(), '.', '_');
  if (wire)
    s.name = rest.empty() ? "busy" : rest + "_busy";
  else if (rest.empty())
    s.name = e.name;
  else
    s.name = last == e.name ? rest : rest + "_" + e.name;
  signals_.push_back(s);
  by_key_.emplace(key, static_cast<std::uint32_t>(signals_.size() - 1));
  return static_cast<std::uint32_t>(signals_.size() - 1);
}

void VcdSink::add(std::uint32_t index, std::uint64_t time_ps, double value) {
  Signal& s = signals_[index];
  if (time_ps >= window_.stop_ps) return;
  if (time_ps < window_.start_ps) {
    if (s.wire)
      s.initial += value;
    else if (!s.has_initial || time_ps >= s.initial_time) {
      s.initial = value;
      s.initial_time = time_ps;
      s.has_initial = true;
    }
    return;
  }
  changes_.push_back({time_ps, seq_++, index, value});
}

void VcdSink::on_event(const TraceEvent& e) {
  if (finished_ || e.detail) return;
  if (!window_.accepts_unit(TraceWindow::unit_of(e.track))) return;
  switch (e.kind) {
    case TraceEvent::Kind::Begin: add(signal(e, true), e.time_ps, +1.0); break;
    case TraceEvent::Kind::End: add(signal(e, true), e.time_ps, -1.0); break;
    case TraceEvent::Kind::Complete: {
      const std::uint32_t s = signal(e, true);
      add(s, e.time_ps, +1.0);
      add(s, e.time_ps + e.duration_ps, -1.0);
      break;
    }
    case TraceEvent::Kind::Counter: {
      const std::uint32_t s = signal(e, false);
      if (e.value != std::floor(e.value) || e.value < 0) signals_[s].integral = false;
      if (e.value != 0.0 && e.value != 1.0) signals_[s].binary = false;
      add(s, e.time_ps, e.value);
      break;
    }
    default: break;  // instants and flows are not waveforms
  }
}

void VcdSink::finish() {
  if (finished_ || file_ == nullptr) return;
  finished_ = true;
  // Scopes in unit order, signals by name inside each.
  std::vector<std::uint32_t> order(signals_.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  for (auto& s : signals_) s.binary = s.wire || s.binary;
  std::sort(order.begin(), order.end(), [this](std::uint32_t a, std::uint32_t b) {
    return std::tie(signals_[a].unit, signals_[a].name) <
           std::tie(signals_[b].unit, signals_[b].name);
  });
  std::fputs("$version neupims-vp $end\n$timescale 1ps $end\n", file_);
  std::string scope;
  for (const std::uint32_t i : order) {
    const Signal& s = signals_[i];
    if (s.unit != scope) {
      if (!scope.empty()) std::fputs("$upscope $end\n", file_);
      std::fprintf(file_, "$scope module %s $end\n", s.unit.c_str());
      scope = s.unit;
    }
    if (s.binary)
      std::fprintf(file_, "$var wire 1 %s %s $end\n", vcd_id(i).c_str(), s.name.c_str());
    else if (s.integral)
      std::fprintf(file_, "$var integer 32 %s %s [31:0] $end\n", vcd_id(i).c_str(), s.name.c_str());
    else
      std::fprintf(file_, "$var real 64 %s %s $end\n", vcd_id(i).c_str(), s.name.c_str());
  }
  if (!scope.empty()) std::fputs("$upscope $end\n", file_);
  std::fputs("$enddefinitions $end\n", file_);

  std::vector<double> state(signals_.size()), shown(signals_.size());
  auto value_text = [this](std::uint32_t i, double v) {
    const Signal& s = signals_[i];
    if (s.binary) return fmt::format("{}{}", v > 0 ? '1' : '0', vcd_id(i));
    if (s.integral)
      return fmt::format("b{} {}", to_binary(static_cast<std::uint64_t>(v)), vcd_id(i));
    return fmt::format("r{} {}", v, vcd_id(i));
  };
  std::fprintf(file_, "#%llu\n$dumpvars\n", static_cast<unsigned long long>(window_.start_ps));
  for (std::uint32_t i = 0; i < signals_.size(); ++i) {
    state[i] = signals_[i].initial;
    shown[i] = signals_[i].wire ? (state[i] > 0 ? 1 : 0) : state[i];
    std::fprintf(file_, "%s\n", value_text(i, shown[i]).c_str());
  }
  std::fputs("$end\n", file_);

  std::sort(changes_.begin(), changes_.end(), [](const Change& a, const Change& b) {
    return a.time_ps != b.time_ps ? a.time_ps < b.time_ps : a.seq < b.seq;
  });
  std::vector<std::uint32_t> touched;
  for (std::size_t k = 0; k < changes_.size();) {
    const std::uint64_t t = changes_[k].time_ps;
    touched.clear();
    for (; k < changes_.size() && changes_[k].time_ps == t; ++k) {
      const Change& c = changes_[k];
      state[c.signal] = signals_[c.signal].wire ? state[c.signal] + c.value : c.value;
      touched.push_back(c.signal);
    }
    bool stamped = false;
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    for (const std::uint32_t i : touched) {
      const double v = signals_[i].wire ? (state[i] > 0 ? 1 : 0) : state[i];
      if (v == shown[i]) continue;  // all changes of this instant cancelled out
      if (!stamped) std::fprintf(file_, "#%llu\n", static_cast<unsigned long long>(t));
      stamped = true;
      shown[i] = v;
      std::fprintf(file_, "%s\n", value_text(i, v).c_str());
    }
  }
  std::fclose(file_);
  file_ = nullptr;
  write_save_file();
}

void VcdSink::write_save_file() const {
  std::FILE* out = std::fopen(gtkw_path_.c_str(), "w");
  if (out == nullptr) return;  // the waveform itself is written; the view is a convenience
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(path_, ec);
  std::fprintf(out, "[*] neupims-vp waveform view: one group per unit\n[dumpfile] \"%s\"\n",
               (ec ? path_ : absolute.string()).c_str());
  std::fprintf(out, "[timestart] %llu\n[size] 1600 900\n[signals_width] 260\n",
               static_cast<unsigned long long>(window_.start_ps));
  std::map<std::string, std::vector<std::uint32_t>> units;
  for (std::uint32_t i = 0; i < signals_.size(); ++i) units[signals_[i].unit].push_back(i);
  for (auto& [unit, members] : units) {
    std::sort(members.begin(), members.end(), [this](std::uint32_t a, std::uint32_t b) {
      return signals_[a].name < signals_[b].name;
    });
    std::fprintf(out, "@800200\n-%s\n", unit.c_str());  // group begin
    for (const std::uint32_t i : members) {
      const Signal& s = signals_[i];
      // @28: binary (wires); @24: decimal (integers); @8024: decimal, analog step (reals)
      if (s.binary)
        std::fprintf(out, "@28\n%s.%s\n", unit.c_str(), s.name.c_str());
      else if (s.integral)
        std::fprintf(out, "@24\n%s.%s[31:0]\n", unit.c_str(), s.name.c_str());
      else
        std::fprintf(out, "@8024\n%s.%s\n", unit.c_str(), s.name.c_str());
    }
    std::fprintf(out, "@1000200\n-%s\n", unit.c_str());  // group end
  }
  std::fclose(out);
}

}  // namespace vp
