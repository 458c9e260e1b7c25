// End-to-end functional check: the tiny GPT decodes one-token prompts on the platform with real
// data, and every generated token equals the independent host reference (tests/reference), in
// each system with sub-batch interleaving on and off; a timing-only run of the same workload
// takes exactly as long.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/reference/tiny_gpt.h"
#include "tests/support/fresh_folder.h"

namespace {

constexpr std::uint32_t kRequests = 6, kSteps = 5;

/// Runs the platform (its own process: SystemC elaborates once per process) and returns its
/// stats.json; the tokens are in <out>/tokens.json.
nlohmann::json run_tiny(const std::string& system, bool sub_batches, bool functional,
                        const std::string& out, std::uint32_t v_chunk = 0) {
  std::ostringstream command;
  command << NPVP_BINARY_DIR << "/platform/neupims-vp run --system " << system
          << " --model gpt-tiny"
          << " --set modules.job.system.tokens=true --set modules.job.workload.mode=prompt"
          << " --set modules.job.workload.requests=" << kRequests
          << " --set modules.job.workload.iterations=" << kSteps
          << " --set modules.job.system.sub_batch_min=2 --set modules.job.system.sub_batch="
          << (sub_batches ? "on" : "off")
          << " --set modules.hbm.functional=" << (functional ? "true" : "false")
          << " --set modules.job.system.v_chunk_tokens=" << v_chunk << " --out " << out << " > "
          << out << "/run.log 2>&1";
  const int status = std::system(command.str().c_str());
  INFO(command.str());
  REQUIRE(status == 0);
  std::ifstream in(out + "/stats.json");
  return nlohmann::json::parse(in);
}

std::vector<std::vector<std::uint32_t>> tokens_of(const std::string& out) {
  std::ifstream in(out + "/tokens.json");
  const auto json = nlohmann::json::parse(in);
  std::vector<std::vector<std::uint32_t>> tokens(kRequests);
  for (const auto& [request, list] : json.items())
    tokens.at(std::stoul(request)) = list.get<std::vector<std::uint32_t>>();
  return tokens;
}

void check_system(const std::string& system) {
  reference::TinyGptSpec spec;  // gpt-tiny.json, seed 1
  const auto expected = reference::decode_prompts(spec, kRequests, kSteps);
  for (const bool sub_batches : {false, true}) {
    const std::string out = test::fresh_folder("tokens-" + system + (sub_batches ? "-sbi" : ""));
    const auto stats = run_tiny(system, sub_batches, true, out);
    INFO(system << (sub_batches ? " with" : " without") << " sub-batches");
    CHECK(stats["npu"]["attention"]["descriptors"]["value"] == 2 * kSteps * (sub_batches ? 2 : 1));
    CHECK(tokens_of(out) == expected);
  }
}

}  // namespace

TEST_CASE("neupims generates the reference tokens", "[runtime][functional]") {
  check_system("neupims");
}

TEST_CASE("npu-pim generates the reference tokens", "[runtime][functional]") {
  check_system("npu-pim");
}

TEST_CASE("npu-only generates the reference tokens", "[runtime][functional]") {
  check_system("npu-only");
}

TEST_CASE("the dense V layout (32-token segments) generates the reference tokens",
          "[runtime][functional]") {
  reference::TinyGptSpec spec;
  const auto expected = reference::decode_prompts(spec, kRequests, kSteps);
  for (const std::string system : {"neupims", "npu-only"}) {
    const std::string out = test::fresh_folder("tokens-dense-" + system);
    const auto stats = run_tiny(system, true, true, out, 32);
    INFO(system);
    CHECK(stats["npu"]["attention"]["descriptors"]["value"] == 2 * kSteps * 2);
    CHECK(tokens_of(out) == expected);
  }
}

TEST_CASE("a timing-only run takes exactly as long as the functional one",
          "[runtime][functional]") {
  const auto functional = run_tiny("neupims", true, true, test::fresh_folder("tokens-f"));
  const auto timing = run_tiny("neupims", true, false, test::fresh_folder("tokens-t"));
  CHECK(timing["sim"]["simulated_time_ns"]["value"] ==
        functional["sim"]["simulated_time_ns"]["value"]);
  CHECK(timing["sim"]["instructions_retired"]["value"] ==
        functional["sim"]["instructions_retired"]["value"]);
  CHECK(timing["summary"]["iteration_time_ns"]["value"] ==
        functional["summary"]["iteration_time_ns"]["value"]);
  CHECK(timing["hbm"]["commands"]["RD"]["value"] == functional["hbm"]["commands"]["RD"]["value"]);
}
