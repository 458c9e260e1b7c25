// Fuzz target: the configuration parser with overrides. The input is a config file's text; a
// line of it starting with "--set " becomes an override as well (so overrides are fuzzed with
// the document they apply to). Then typed getters read every kind of value from it, as modules
// do: integers, sizes, addresses, doubles, enums, lists, nested objects and unknown-key checks.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_input.h"
#include "platform/config.h"
#include "platform/error.h"

namespace {

void read_like_a_module(vp::ConfigNode node, int depth) {
  for (const char* key : {"a", "b", "size", "base", "x", "name", "list"}) {
    if (!node.has(key)) continue;
    try {
      switch (key[0]) {
        case 'a': node.get_u64(key, 0, 0, ~0ULL); break;
        case 'b': node.get_address(key, 0); break;
        case 's': node.get_size(key, 0, 0, ~0ULL); break;
        case 'x': node.get_double(key, 0, -1e300, 1e300); break;
        case 'n': node.get_enum(key, "one", {"one", "two"}); break;
        case 'l': node.get_string_list(key); break;
        default: break;
      }
    } catch (const vp::UserInputError&) {
    }
  }
  if (depth < 4)
    for (const auto& key : node.object_keys("modules")) {
      try {
        read_like_a_module(node.child("modules").child(key), depth + 1);
      } catch (const vp::UserInputError&) {
      }
    }
  try {
    node.finish();
  } catch (const vp::UserInputError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    vp::Config config = vp::Config::load_file(fuzz::write_input(data, size, ".json"));
    for (std::size_t at = text.find("--set "); at != std::string::npos;
         at = text.find("--set ", at + 1)) {
      const std::size_t end = text.find('\n', at);
      try {
        config.apply_override(text.substr(at + 6, end == std::string::npos ? end : end - at - 6));
      } catch (const vp::UserInputError&) {
      }
    }
    vp::ConfigNode root = config.root();
    read_like_a_module(root, 0);
    (void)config.resolved().dump();
  } catch (const vp::UserInputError&) {
  }
  return 0;
}
