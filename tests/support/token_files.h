// The tokens a run wrote to <out>/tokens.json ({"request index": [tokens in order]}), as
// tokens[request][step] for `requests` requests.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace test {

inline std::vector<std::vector<std::uint32_t>> read_tokens(const std::string& out,
                                                           std::uint32_t requests) {
  std::ifstream in(out + "/tokens.json");
  const auto json = nlohmann::json::parse(in);
  std::vector<std::vector<std::uint32_t>> tokens(requests);
  for (const auto& [request, list] : json.items())
    tokens.at(std::stoul(request)) = list.get<std::vector<std::uint32_t>>();
  return tokens;
}

}  // namespace test
