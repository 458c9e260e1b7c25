// The command order of a decode run with sub-batch interleaving, from the NPU queues' timeline:
// every ATTENTION starts after the QKV GEMM of its sub-batch and layer ended, every projection
// GEMM after that ATTENTION ended, and attention of one sub-batch overlaps GEMMs of the other.
#include <catch2/catch.hpp>

#include <map>
#include <sstream>
#include <vector>

#include "platform/run.h"
#include "platform/systems.h"
#include "platform/trace_events.h"
#include "tests/support/fresh_folder.h"

namespace {

struct Span {
  std::uint64_t begin = 0, end = 0;
  std::map<std::string, std::uint64_t> args;
};

class QueueRecorder : public vp::TraceSink {
 public:
  std::map<std::string, std::vector<Span>> spans;  ///< per queue track, in order
  void on_event(const vp::TraceEvent& e) override {
    if (e.track != "npu.q0" && e.track != "npu.q1") return;
    auto& list = spans[e.track + "." + e.name];
    if (e.kind == vp::TraceEvent::Kind::Begin) {
      Span s;
      s.begin = e.time_ps;
      for (const auto& [k, v] : e.args) s.args[k] = v;
      list.push_back(s);
    } else if (e.kind == vp::TraceEvent::Kind::End && !list.empty()) {
      list.back().end = e.time_ps;
    }
  }
};

}  // namespace

TEST_CASE("sub-batch interleaving keeps every dependency and overlaps the two units",
          "[runtime][trace]") {
  const std::string config = std::string(NPVP_SOURCE_DIR) + "/configs/platforms/default.json";
  vp::RunOptions o;
  o.config_file = config;
  o.out_dir = test::fresh_folder("stage-order");
  o.overrides = vp::system_overrides("neupims", config);
  for (const char* s :
       {"modules.job.model=../models/gpt-tiny.json", "modules.job.workload.batch=16",
        "modules.job.system.sub_batch_min=2", "modules.uart.output=/dev/null"})
    o.overrides.emplace_back(s);
  auto recorder = std::make_shared<QueueRecorder>();
  o.trace_sinks.push_back(recorder);
  std::ostringstream log;
  const auto result = vp::run_simulation(o, log);
  REQUIRE(result.outcome == vp::RunResult::Outcome::Exited);
  REQUIRE(result.exit_code == 0);

  // gpt-tiny: E = 256 on one device, so QKV is K 256 -> N 768 and the projection K 256 -> N 256.
  std::vector<Span> qkv, projection;
  for (const auto& s : recorder->spans["npu.q0.GEMM"]) {
    if (s.args.at("n") == 768) qkv.push_back(s);
    if (s.args.at("k") == 256 && s.args.at("n") == 256) projection.push_back(s);
  }
  const auto& attention = recorder->spans["npu.q1.ATTENTION"];
  // 2 layers x 2 sub-batches; then the LM head's GEMM is neither.
  REQUIRE(attention.size() == 4);
  REQUIRE(qkv.size() == 4);
  REQUIRE(projection.size() == 4);
  bool overlapped = false;
  for (std::size_t i = 0; i < attention.size(); ++i) {
    INFO("attention " << i << " (layer " << attention[i].args.at("row_offset") << ")");
    CHECK(attention[i].begin >= qkv[i].end);
    CHECK(projection[i].begin >= attention[i].end);
    CHECK(attention[i].args.at("row_offset") == i / 2);  // issued layer by layer
    // Some GEMM of the other sub-batch runs while this attention does.
    for (const auto& g : recorder->spans["npu.q0.GEMM"])
      if (g.begin < attention[i].end && g.end > attention[i].begin) overlapped = true;
  }
  CHECK(overlapped);
}
