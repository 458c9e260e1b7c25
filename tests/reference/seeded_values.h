// The seeded model values of the decode firmware's real-token mode (firmware/runtime/tokens.h),
// computed independently on the host for the reference models.
#pragma once

#include <cstdint>

namespace reference {

[[nodiscard]] std::uint32_t seeded_hash(std::uint32_t seed, std::uint32_t stream,
                                        std::uint32_t index);
/// The fp16 value of W[index] of `stream` (magnitude ~ 1 / sqrt(fan_in)), exactly.
[[nodiscard]] double seeded_value(std::uint32_t seed, std::uint32_t stream, std::uint32_t index,
                                  std::uint32_t fan_in);

}  // namespace reference
