// Configuration: typed getters, range and type errors with JSON paths, unknown keys, sizes and
// addresses, overrides, malformed files, and the resolved configuration.
#include <catch2/catch.hpp>

#include <fstream>

#include "platform/config.h"
#include "platform/error.h"

using nlohmann::json;
using vp::Config;
using vp::ConfigError;
using vp::ConfigNode;

TEST_CASE("getters return values, defaults, and record the resolved config", "[config]") {
  Config config = Config::from_json(json::parse(R"({"a": {"n": 5, "s": "x", "flag": true}})"), "t");
  ConfigNode root = config.root();
  ConfigNode a = root.child("a");
  CHECK(a.get_u64("n", 0, 0, 10) == 5);
  CHECK(a.get_u64("missing", 7, 0, 10) == 7);
  CHECK(a.get_string("s", "") == "x");
  CHECK(a.get_bool("flag", false));
  CHECK(a.get_double("d", 1.5, 0, 2) == 1.5);
  a.finish();
  root.finish();
  CHECK(config.resolved()["a"]["missing"] == 7);
  CHECK(config.resolved()["a"]["d"] == 1.5);
}

TEST_CASE("errors name the JSON path and what is allowed", "[config]") {
  Config config = Config::from_json(
      json::parse(R"({"m": {"n": 11, "s": 3, "neg": -1, "e": "blue", "list": [{"k": "x"}]}})"),
      "t");
  ConfigNode root = config.root();
  ConfigNode m = root.child("m");
  CHECK_THROWS_WITH(m.get_u64("n", 0, 0, 10), "m.n: 11 is out of range (allowed: 0 .. 10)");
  CHECK_THROWS_WITH(m.get_string("s", ""), "m.s: expected string, got integer");
  CHECK_THROWS_WITH(m.get_u64("neg", 0, 0, 10), "m.neg: must not be negative (got -1)");
  CHECK_THROWS_WITH(m.get_enum("e", "red", {"red", "green"}),
                    "m.e: 'blue' is not allowed (allowed: red, green)");
  CHECK_THROWS_WITH(m.require_string("absent"), "m.absent: required string is missing");
  auto list = m.child_array("list");
  REQUIRE(list.size() == 1);
  CHECK_THROWS_WITH(list[0].finish(), "m.list[0].k: unknown key 'k' (known keys here: none)");
}

TEST_CASE("unknown keys are rejected with the known ones listed", "[config]") {
  Config config =
      Config::from_json(json::parse(R"({"cpu": {"clock_mhz": 1, "qantum_ns": 5}})"), "t");
  ConfigNode root = config.root();
  ConfigNode cpu = root.child("cpu");
  cpu.get_double("clock_mhz", 1, 0, 10);
  cpu.get_u64("quantum_ns", 1, 0, 10);
  CHECK_THROWS_WITH(
      cpu.finish(),
      "cpu.qantum_ns: unknown key 'qantum_ns' (known keys here: clock_mhz, quantum_ns)");
}

TEST_CASE("string lists are JSON arrays or comma-separated strings", "[config]") {
  Config config = Config::from_json(
      json::parse(
          R"({"array": ["hbm", "npu"], "text": "hbm, npu,cpu", "one": "hbm", "empty": "hbm,,npu",
                      "number": 3, "mixed": ["hbm", 1]})"),
      "t");
  ConfigNode root = config.root();
  CHECK(root.get_string_list("array") == std::vector<std::string>{"hbm", "npu"});
  CHECK(root.get_string_list("text") == std::vector<std::string>{"hbm", "npu", "cpu"});
  CHECK(root.get_string_list("one") == std::vector<std::string>{"hbm"});
  CHECK(root.get_string_list("absent").empty());
  CHECK_THROWS_WITH(root.get_string_list("empty"),
                    Catch::Contains("empty: empty name in the list 'hbm,,npu'"));
  CHECK_THROWS_WITH(
      root.get_string_list("number"),
      "number: expected an array of strings or a comma-separated string, got integer");
  CHECK_THROWS_WITH(root.get_string_list("mixed"), "mixed[1]: expected a string");
  CHECK(config.resolved()["text"] ==
        json::array({"hbm", "npu", "cpu"}));  // resolved as the list it means
}

TEST_CASE("sizes and addresses accept integers, hex and units", "[config]") {
  CHECK(vp::parse_size(json(4096), "p") == 4096);
  CHECK(vp::parse_size(json("16 MiB"), "p") == 16ULL << 20);
  CHECK(vp::parse_size(json("4KiB"), "p") == 4096);
  CHECK(vp::parse_size(json("1 GiB"), "p") == 1ULL << 30);
  CHECK(vp::parse_size(json("0x1000"), "p") == 4096);
  CHECK_THROWS_WITH(vp::parse_size(json("12 parsecs"), "p"),
                    Catch::Contains("p: '12 parsecs' is not a size"));
  CHECK(vp::parse_u64(json("0x80000000"), "p") == 0x80000000ULL);
  CHECK_THROWS_WITH(vp::parse_u64(json("0x8g"), "p"),
                    Catch::Contains("p: '0x8g' is not an unsigned integer"));
  CHECK_THROWS_WITH(vp::parse_u64(json(true), "p"), Catch::Contains("got boolean"));
}

TEST_CASE("overrides set values by path, parse JSON, and reject bad paths", "[config]") {
  Config config = Config::from_json(json::parse(R"({"a": {"b": 1}, "list": [{"x": 1}]})"), "t");
  config.apply_override("a.b=2");
  config.apply_override("a.c.d=\"text\"");
  config.apply_override("a.e=plain words");
  config.apply_override("list.0.x=0x10");
  CHECK(config.document()["a"]["b"] == 2);
  CHECK(config.document()["a"]["c"]["d"] == "text");
  CHECK(config.document()["a"]["e"] == "plain words");
  CHECK(config.document()["list"][0]["x"] == "0x10");
  CHECK_THROWS_WITH(config.apply_override("novalue"), Catch::Contains("expected key.path=value"));
  CHECK_THROWS_WITH(config.apply_override("list.5.x=1"),
                    Catch::Contains("index 5 is beyond the 1 entries"));
  CHECK_THROWS_WITH(config.apply_override("list.x=1"), Catch::Contains("'x' is not an index"));
  CHECK_THROWS_WITH(config.apply_override("a.b.c=1"), Catch::Contains("'a.b' is not an object"));
}

TEST_CASE("malformed files report line and column", "[config]") {
  const char* path = "/tmp/npvp-test-malformed.json";
  {
    std::ofstream out(path);
    out << "{\n  \"a\": 1,\n  \"b\": ]\n}\n";
  }
  CHECK_THROWS_WITH(Config::load_file(path),
                    Catch::StartsWith(std::string(path) + ":3:8: malformed JSON"));
  CHECK_THROWS_WITH(Config::load_file("/nonexistent.json"),
                    "config file '/nonexistent.json': no such file");
  std::remove(path);
}

TEST_CASE("errors in a config file named by a key name the key and the file", "[config]") {
  const char* path = "/tmp/npvp-test-nested.json";
  {
    std::ofstream out(path);
    out << "{\"size\": 5, \"extra\": 1}\n";
  }
  auto read_size = [](Config& file) {
    ConfigNode node = file.root();
    const auto size = node.get_u64("size", 1, 1, 4);
    node.finish();
    return size;
  };
  CHECK_THROWS_WITH(
      vp::with_config_file(path, "modules.x.file", read_size),
      std::string("modules.x.file (") + path + "): size: 5 is out of range (allowed: 1 .. 4)");
  CHECK_THROWS_WITH(vp::with_config_file("/nonexistent.json", "modules.x.file", read_size),
                    "modules.x.file: config file '/nonexistent.json': no such file");
  {
    std::ofstream out(path);
    out << "{\"size\": 3}\n";
  }
  CHECK(vp::with_config_file(path, "modules.x.file", read_size) == 3);
  std::remove(path);
}
