// End-to-end functional check of today's models: the tiny LLaMA-style model (grouped-query
// attention with groups of 2, RoPE, RMSNorm, SwiGLU) and the tiny mixture of experts (4 experts,
// top-2, routed by the real router output) decode one-token prompts on the platform with real
// data, and every generated token equals the independent host reference (tests/reference/
// tiny_llama.h) in each system with sub-batch interleaving on and off.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/reference/tiny_llama.h"
#include "tests/support/fresh_folder.h"
#include "tests/support/token_files.h"

namespace {

// 64 tokens per request: the contexts span two K row groups (32 tokens each) and the rotary
// positions 0 .. 63. Tokens are compared up to each request's first near-tie.
constexpr std::uint32_t kRequests = 6, kSteps = 64;

/// A winning logit less than two fp16 ulps above the runner-up may go either way: the platform
/// sums in fp32 (and computes RoPE's angles in fp32) where the reference uses double.
bool near_tie(double margin) { return margin <= std::ldexp(2.0 + 1e-3, -9); }

struct Expected {
  std::vector<std::vector<std::uint32_t>> tokens;
  std::vector<std::uint32_t> tie_at;  ///< per request: the step of its first near-tie
  std::vector<std::uint64_t> expert_tokens;
};

Expected reference_run(const reference::TinyLlamaSpec& spec) {
  Expected e;
  std::vector<std::vector<double>> margins;
  e.tokens = reference::decode_llama_prompts(spec, kRequests, kSteps, &margins, &e.expert_tokens);
  e.tie_at.assign(kRequests, kSteps);
  for (std::uint32_t r = 0; r < kRequests; ++r)
    for (std::uint32_t i = 0; i < kSteps; ++i)
      if (near_tie(margins[r][i])) {
        e.tie_at[r] = i;
        break;
      }
  return e;
}

std::size_t mismatches(const std::vector<std::vector<std::uint32_t>>& got, const Expected& want) {
  std::size_t n = 0;
  for (std::uint32_t r = 0; r < kRequests; ++r)
    for (std::uint32_t i = 0; i < kSteps && i < want.tie_at[r]; ++i)
      n += got.at(r).at(i) != want.tokens[r][i];
  return n;
}

std::uint32_t compared(const Expected& e) {
  std::uint32_t n = 0;
  for (const auto at : e.tie_at) n += at;
  return n;
}

nlohmann::json run_tiny(const std::string& model, const std::string& system, bool sub_batches,
                        const std::string& out, const std::string& extra = "") {
  std::ostringstream command;
  command << NPVP_BINARY_DIR << "/platform/neupims-vp run --system " << system << " --model "
          << model << " --set modules.job.system.tokens=true"
          << " --set modules.job.workload.mode=prompt"
          << " --set modules.job.workload.requests=" << kRequests
          << " --set modules.job.workload.iterations=" << kSteps
          << " --set modules.job.system.sub_batch_min=2 --set modules.job.system.sub_batch="
          << (sub_batches ? "on" : "off") << " --set modules.hbm.functional=true " << extra
          << " --out " << out << " > " << out << "/run.log 2>&1";
  const int status = std::system(command.str().c_str());
  INFO(command.str());
  REQUIRE(status == 0);
  std::ifstream in(out + "/stats.json");
  return nlohmann::json::parse(in);
}

std::vector<std::vector<std::uint32_t>> tokens_of(const std::string& out) {
  return test::read_tokens(out, kRequests);
}

void check_model(const std::string& model, const reference::TinyLlamaSpec& spec,
                 const std::string& system, const std::string& extra = "") {
  const Expected expected = reference_run(spec);
  INFO(compared(expected) << " tokens compared before the reference's first near-ties");
  REQUIRE(compared(expected) >= kRequests * kSteps / 8);  // the check must compare something
  for (const bool sub_batches : {false, true}) {
    std::string name = "llm-tokens-";
    name += model;
    name += "-";
    name += system;
    name += sub_batches ? "-sbi" : "";
    name += extra.empty() ? "" : "-seeded";
    const std::string out = test::fresh_folder(name);
    const auto stats = run_tiny(model, system, sub_batches, out, extra);
    INFO(model << " on " << system << (sub_batches ? " with" : " without") << " sub-batches");
    CHECK(stats["npu"]["attention"]["descriptors"]["value"] == 2 * kSteps * (sub_batches ? 2 : 1));
    CHECK(mismatches(tokens_of(out), expected) == 0);
    if (spec.experts != 0) {  // every token's top-k experts ran once per layer
      CHECK(stats["summary"]["moe_routed_tokens"]["value"] ==
            std::uint64_t{kRequests} * kSteps * spec.top_k * spec.layers);
    }
  }
}

}  // namespace

TEST_CASE("LLaMA-tiny (GQA, RoPE, RMSNorm, SwiGLU) generates the reference tokens",
          "[runtime][functional]") {
  for (const std::string system : {"neupims", "npu-pim", "npu-only"})
    check_model("llama-tiny", reference::llama_tiny(), system);
}

TEST_CASE("MoE-tiny (4 experts, top-2) generates the reference tokens", "[runtime][functional]") {
  for (const std::string system : {"neupims", "npu-pim", "npu-only"})
    check_model("moe-tiny", reference::moe_tiny(), system);
}

TEST_CASE("MoE-tiny with skewed seeded routing generates the reference's tokens",
          "[runtime][functional]") {
  // Routing by the seeded router with popularity 1 / (e + 1)^2 (experts 0 and 1 take about 85%
  // of the draws), independent of the batch and its split: the reference draws the same.
  auto spec = reference::moe_tiny();
  spec.skew = 2;
  std::vector<std::uint64_t> per_expert;
  (void)reference::decode_llama_prompts(spec, kRequests, kSteps, nullptr, &per_expert);
  INFO("tokens per expert: " << per_expert[0] << " " << per_expert[1] << " " << per_expert[2] << " "
                             << per_expert[3]);
  CHECK(per_expert[0] > per_expert[2] + per_expert[3]);  // the skew shows
  for (const std::string system : {"neupims", "npu-only"})
    check_model("moe-tiny", spec, system,
                "--set modules.job.system.moe_router=skewed --set modules.job.system.moe_skew=2");
}

TEST_CASE("the LLaMA token check tells a model without rotary positions from the platform's",
          "[runtime][functional]") {
  const std::string out = test::fresh_folder("llm-tokens-perturbed");
  run_tiny("llama-tiny", "neupims", true, out);
  const auto tokens = tokens_of(out);
  const Expected right = reference_run(reference::llama_tiny());
  CHECK(mismatches(tokens, right) == 0);
  auto wrong = reference::llama_tiny();
  wrong.rope = false;
  Expected unrotated = reference_run(wrong);
  unrotated.tie_at = right.tie_at;
  CHECK(mismatches(tokens, unrotated) > 0);
}

TEST_CASE(
    "MoE conservation: every token's top-k experts run once, and only the experts used stream "
    "their weights",
    "[runtime]") {
  for (const std::string router : {"uniform", "skewed"}) {
    const std::string out = test::fresh_folder("llm-moe-conservation-" + router);
    std::ostringstream command;
    command << NPVP_BINARY_DIR
            << "/platform/neupims-vp run --system neupims --model moe-tiny --batch 24"
            << " --set modules.job.system.moe_router=" << router
            << (router == "skewed" ? " --set modules.job.system.moe_skew=2" : "")
            << " --set modules.job.system.sub_batch_min=2 --out " << out << " > " << out
            << "/run.log 2>&1";
    INFO(command.str());
    REQUIRE(std::system(command.str().c_str()) == 0);
    std::ifstream in(out + "/stats.json");
    const auto stats = nlohmann::json::parse(in);
    const auto value = [&](const char* group, const char* name) {
      return stats[group][name]["value"].get<double>();
    };
    const double layers = 2, top_k = 2;
    CHECK(value("summary", "moe_routed_tokens") == 24 * top_k * layers);
    // Weights (128 x 128 tiles of fp16), streamed by every sub-batch's GEMMs (two here): per
    // layer QKV 256 x 512, projection 256 x 256, router 256 x 4 (one tile column); per expert
    // launch gate and up 256 x 256 and down 256 x 256; the LM head 256 x 512 (once).
    REQUIRE(value("summary", "split_iterations") == 1);
    const double launches = value("summary", "moe_expert_launches");
    INFO(launches << " expert launches");
    CHECK(launches >= layers);          // at least one expert per layer
    CHECK(launches <= layers * 4 * 2);  // at most every expert per layer and sub-batch
    const double tile = 128 * 128 * 2;
    const double expected =
        2 * layers * (2 * 4 + 2 * 2 + 2 * 1) * tile + launches * 3 * 4 * tile + 2 * 4 * tile;
    CHECK(stats["npu"]["sa"]["weight_bytes"]["value"].get<double>() == expected);
  }
}
