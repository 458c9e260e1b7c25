// RV32IM + Zicsr + Zifencei instruction decoder (pure function, no state).
#pragma once

#include "models/cpu/rv32_isa.h"

namespace vp::rv32 {

[[nodiscard]] DecodedInsn decode(std::uint32_t raw);

}  // namespace vp::rv32
