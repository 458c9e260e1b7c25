// Model descriptions: the shipped models load with their published dimensions, K/V heads shard
// over tensor parallelism (split, or replicated when fewer than the devices), and inconsistent
// descriptions are refused.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "models/host/model_spec.h"
#include "platform/error.h"

using vp::host::ModelSpec;

namespace {

ModelSpec load(const std::string& name) {
  const std::string path = std::string(NPVP_SOURCE_DIR) + "/configs/models/" + name + ".json";
  vp::Config config = vp::Config::load_file(path);
  vp::ConfigNode node = config.root();
  ModelSpec m = ModelSpec::from_config(node);
  node.finish();
  return m;
}

}  // namespace

TEST_CASE("the shipped models load with their published dimensions", "[host][model]") {
  const ModelSpec llama = load("llama3.1-8b");
  CHECK(llama.heads == 32);
  CHECK(llama.kv_heads == 8);
  CHECK(llama.group() == 4);
  CHECK(llama.ffn_dim == 14336);
  CHECK(llama.vocab == 128256);
  CHECK(llama.ffn == vp::host::FfnKind::SwiGlu);
  CHECK(llama.norm == vp::host::NormKind::RmsNorm);
  CHECK(llama.positions == vp::host::Positions::Rope);
  CHECK(llama.rope_theta == 500000.0);
  // tp 2: 16 query heads and 4 K/V heads (a 512-element key) per device.
  CHECK(llama.device_heads() == 16);
  CHECK(llama.device_kv_embedding() == 512);
  CHECK(llama.device_ffn() == 7168);
  const ModelSpec mixtral = load("mixtral-8x7b");
  CHECK(mixtral.moe());
  CHECK(mixtral.experts == 8);
  CHECK(mixtral.top_k == 2);
  CHECK(mixtral.device_ffn() == 7168);  // each expert's hidden width, halved by tp 2
  CHECK(mixtral.device_layers() == 16);
  const ModelSpec gpt = load("gpt3-7b");
  CHECK(gpt.kv_heads == gpt.heads);  // multi-head attention
  CHECK(gpt.device_ffn() == 4 * 4096 / 4);
  for (const char* name : {"llama2-7b", "llama2-70b", "llama3.1-70b", "gpt3-13b", "gpt3-30b",
                           "gpt3-175b", "gpt-tiny", "llama-tiny", "moe-tiny"})
    CHECK_NOTHROW(load(name));
}

TEST_CASE("K/V heads split over tensor parallelism or are replicated", "[host][model]") {
  const ModelSpec llama70 = load("llama3.1-70b");  // 64 heads, 8 K/V heads
  CHECK(llama70.with_parallelism(4, 0, "tp").device_kv_heads() == 2);
  CHECK(llama70.with_parallelism(8, 0, "tp").device_kv_heads() == 1);
  // 16 devices: each holds one K/V head, replicated on two devices; its 4 query heads are all
  // in that head's group of 8.
  const ModelSpec tp16 = llama70.with_parallelism(16, 0, "tp");
  CHECK(tp16.device_kv_heads() == 1);
  CHECK(tp16.device_heads() == 4);
  CHECK(tp16.group() % tp16.device_heads() == 0);
  CHECK_THROWS_WITH(llama70.with_parallelism(3, 0, "tp"),
                    Catch::Contains("heads 64 do not split over tp 3"));
  // kv_heads 6 of 12 heads on 4 devices: 6 neither splits over 4 nor divides it.
  ModelSpec odd = load("llama-tiny");
  odd.heads = 12;
  odd.d_model = 768;
  CHECK_THROWS_WITH(odd.with_kv_heads(6, "kv").with_parallelism(4, 0, "tp"),
                    Catch::Contains("kv_heads 6 neither split over tp 4 nor divide it"));
  CHECK_THROWS_WITH(load("llama-tiny").with_kv_heads(3, "kv"),
                    Catch::Contains("heads 4 are not a multiple of kv_heads 3"));
}
