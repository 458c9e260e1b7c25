// Serving with real tokens: the tiny GPT's requests, prefilled in chunks on the device (Sarathi
// scheduling, 16 tokens per iteration) and decoded beside each other, generate the host
// reference's tokens (tests/reference/tiny_gpt.h) on NeuPIMs and NPU-only; with a deliberately
// small HBM they are preempted by recompute and still generate them. Every request arrives once
// and finishes once with its full output, and the firmware checks that every KV row group is free
// at the end (it exits 1 otherwise).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/reference/tiny_gpt.h"
#include "tests/support/fresh_folder.h"
#include "tests/support/token_files.h"

namespace {

/// (prompt, output) per request: every context passes 64 and most 128 tokens while it decodes,
/// so a request's keys need one or two K rows more (64 tokens of a 256-element key per row)
/// than when it was admitted.
const std::vector<std::pair<std::uint32_t, std::uint32_t>> kRequests = {
    {60, 70}, {50, 80}, {66, 60}, {45, 75}, {58, 66}, {40, 64}};

bool near_tie(double margin) { return margin <= std::ldexp(2.0 + 1e-3, -9); }

// NOLINTBEGIN(bugprone-exception-escape): test data; a throw fails the test case
struct Outcome {
  nlohmann::json stats;
  std::vector<std::vector<std::uint32_t>> tokens;
  std::string requests_csv;
};
// NOLINTEND(bugprone-exception-escape)

Outcome run_serving(const std::string& system, const std::string& out, const std::string& extra) {
  {
    std::ofstream tsv(out + "/lengths.tsv");
    tsv << "input_toks\toutput_toks\n";
    for (const auto& [prompt, output] : kRequests) tsv << prompt << '\t' << output << '\n';
  }
  std::ostringstream command;
  // The dataset has every pair; the Poisson draws pick from them, so the lengths are read back
  // from requests.csv.
  command << NPVP_BINARY_DIR << "/platform/neupims-vp run --system " << system
          << " --model gpt-tiny --set modules.job.system.tokens=true"
          << " --set modules.job.workload.mode=serving --set modules.job.workload.dataset=" << out
          << "/lengths.tsv --set modules.job.workload.requests=" << kRequests.size()
          << " --set modules.job.workload.rate=20000 --set modules.job.system.scheduler=sarathi"
          << " --set modules.job.system.token_budget=16 --set modules.hbm.functional=true " << extra
          << " --out " << out << " > " << out << "/run.log 2>&1";
  const int status = std::system(command.str().c_str());
  INFO(command.str());
  REQUIRE(status == 0);
  Outcome o;
  std::ifstream in(out + "/stats.json");
  o.stats = nlohmann::json::parse(in);
  o.tokens = test::read_tokens(out, kRequests.size());
  std::ifstream csv(out + "/requests.csv");
  std::stringstream text;
  text << csv.rdbuf();
  o.requests_csv = text.str();
  return o;
}

/// Each request's (prompt, output) as the workload drew them, from requests.csv.
std::vector<std::pair<std::uint32_t, std::uint32_t>> lengths(const std::string& csv) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    REQUIRE(cells.size() >= 9);
    CHECK(cells[4] == "finished");
    CHECK(cells[8] == cells[3]);  // every token of its output, once
    out.emplace_back(std::stoul(cells[2]), std::stoul(cells[3]));
  }
  return out;
}

double stat(const nlohmann::json& stats, const std::string& path) {
  const nlohmann::json* node = &stats;
  std::stringstream parts(path);
  for (std::string part; std::getline(parts, part, '.');) node = &(*node)[part];
  return (*node)["value"].get<double>();
}

void check_tokens(const Outcome& o) {
  const auto drawn = lengths(o.requests_csv);
  REQUIRE(drawn.size() == kRequests.size());
  std::vector<std::uint32_t> prompts, outputs;
  std::uint64_t total = 0;
  for (const auto& [p, n] : drawn) prompts.push_back(p), outputs.push_back(n), total += n;
  CHECK(stat(o.stats, "summary.serving.finished") == kRequests.size());
  CHECK(stat(o.stats, "summary.serving.output_tokens") == total);
  std::vector<std::vector<double>> margins;
  reference::TinyGptSpec spec;
  const auto want = reference::decode_long_prompts(spec, prompts, outputs, &margins);
  std::size_t compared = 0, wrong = 0;
  for (std::size_t r = 0; r < drawn.size(); ++r) {
    REQUIRE(o.tokens[r].size() == outputs[r]);
    for (std::size_t i = 0; i < outputs[r]; ++i) {
      if (near_tie(margins[r][i])) break;
      ++compared;
      wrong += o.tokens[r][i] != want[r][i];
    }
  }
  INFO(compared << " tokens compared");
  CHECK(compared > 100);
  CHECK(wrong == 0);
}

}  // namespace

TEST_CASE("chunked prefill and decode on NeuPIMs generate the reference's tokens",
          "[runtime][serving][slow]") {
  const auto o = run_serving("neupims", test::fresh_folder("serving_neupims"),
                             "--set modules.job.system.sub_batch_min=2");
  check_tokens(o);
  CHECK(stat(o.stats, "summary.serving.preemptions") == 0);
  CHECK(stat(o.stats, "summary.split_iterations") > 0);
}

TEST_CASE("chunked prefill and decode on NPU-only generate the reference's tokens",
          "[runtime][serving][slow]") {
  check_tokens(run_serving("npu-only", test::fresh_folder("serving_npu_only"), ""));
}

namespace {

Outcome run_small_hbm(const std::string& name, const std::string& preemption) {
  const std::string out = test::fresh_folder(name);
  // Two channels of 128 rows, of which the weights and activations take about half: each
  // channel's KV region holds three or four requests as admitted (9 row groups each), and their
  // keys then need more rows than are left.
  std::ifstream in(std::string(NPVP_SOURCE_DIR) + "/configs/memory/neupims-hbm2.json");
  nlohmann::json memory = nlohmann::json::parse(in, nullptr, true, true);
  memory["organization"]["channels"] = 2;
  memory["organization"]["rows"] = 128;
  std::ofstream(out + "/small-hbm.json") << memory.dump(2);
  return run_serving("npu-pim", out,
                     "--set modules.hbm.memory=" + out +
                         "/small-hbm.json --set modules.job.system.kv_watermark=0"
                         " --set modules.job.max_batch=8 --set modules.job.system.preemption=" +
                         preemption);
}

}  // namespace

TEST_CASE("preemption by recompute under a small HBM keeps the reference's tokens",
          "[runtime][serving][slow]") {
  const auto o = run_small_hbm("serving_recompute", "recompute");
  check_tokens(o);
  CHECK(stat(o.stats, "summary.serving.preemptions") > 0);
  CHECK(stat(o.stats, "summary.serving.recomputed_tokens") > 0);
  CHECK(stat(o.stats, "summary.serving.swapped_out_bytes") == 0);
}

TEST_CASE("preemption by swap under a small HBM keeps the reference's tokens",
          "[runtime][serving][slow]") {
  // The KV goes to host memory over the host link and comes back into other rows: the tokens
  // are the reference's only if every byte came back where the layout expects it.
  const auto o = run_small_hbm("serving_swap", "swap");
  check_tokens(o);
  CHECK(stat(o.stats, "summary.serving.preemptions") > 0);
  CHECK(stat(o.stats, "summary.serving.recomputed_tokens") == 0);
  const double out_bytes = stat(o.stats, "summary.serving.swapped_out_bytes");
  CHECK(out_bytes > 0);
  CHECK(stat(o.stats, "summary.serving.swapped_in_bytes") == out_bytes);
  CHECK(stat(o.stats, "npu.swap.bytes_out") == out_bytes);
  CHECK(stat(o.stats, "npu.swap.link_busy_ns") == Approx(out_bytes * 2 / 25.0));  // 25 GB/s
}

TEST_CASE("vLLM-style scheduling (prefill-only iterations) generates the reference's tokens",
          "[runtime][serving][slow]") {
  const auto o = run_serving("neupims", test::fresh_folder("serving_vllm"),
                             "--set modules.job.system.scheduler=vllm"
                             " --set modules.job.system.token_budget=64");
  check_tokens(o);
}

TEST_CASE("Orca-style scheduling (whole prefills beside decodes) generates the reference's tokens",
          "[runtime][serving][slow]") {
  const auto o = run_serving("npu-pim", test::fresh_folder("serving_orca"),
                             "--set modules.job.system.scheduler=orca"
                             " --set modules.job.system.token_budget=2048");
  check_tokens(o);
}
