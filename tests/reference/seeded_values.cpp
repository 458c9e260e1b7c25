#include "tests/reference/seeded_values.h"

#include <cmath>

namespace reference {

std::uint32_t seeded_hash(std::uint32_t seed, std::uint32_t stream, std::uint32_t index) {
  std::uint32_t h =
      (seed * 0x9E3779B1U) ^ ((stream + 0x7F4A7C15U) * 0x85EBCA77U) ^ (index * 0xC2B2AE3DU);
  h ^= h >> 15;
  h *= 0x2C1B3C6DU;
  h ^= h >> 12;
  h *= 0x297A2D39U;
  h ^= h >> 15;
  return h;
}

double seeded_value(std::uint32_t seed, std::uint32_t stream, std::uint32_t index,
                    std::uint32_t fan_in) {
  const int top = -1 - static_cast<int>(std::floor(std::log2(static_cast<double>(fan_in)))) / 2;
  const std::uint32_t h = seeded_hash(seed, stream, index);
  const int exponent = top - static_cast<int>((h >> 10) & 3U);
  const double magnitude =
      (1.0 + static_cast<double>(h & 0x3FFU) / 1024.0) * std::ldexp(1.0, exponent);
  return ((h >> 12) & 1U) != 0 ? -magnitude : magnitude;
}

}  // namespace reference
