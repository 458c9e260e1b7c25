// The firmware runtime compiled for the host: the C sources of firmware/runtime (batch, KV rows)
// linked into a test, with vp_exit() throwing so a test sees what would end the firmware.
#pragma once

#include <stdexcept>
#include <string>

extern "C" {
#include "batch.h"
#include "kv_alloc.h"
}

namespace test {

struct FirmwareExit : std::runtime_error {
  int code;
  explicit FirmwareExit(int c)
      : std::runtime_error("firmware exit " + std::to_string(c)), code(c) {}
};

}  // namespace test
