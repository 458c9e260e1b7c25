// The list of every module type that ships with the platform.
#include "models/bus/router.h"
#include "models/cpu/rv32_core.h"
#include "models/host/job_device.h"
#include "models/mem/hbm_pim_memory.h"
#include "models/mem/ram.h"
#include "models/net/interconnect.h"
#include "models/npu/npu_core.h"
#include "models/periph/clint.h"
#include "models/periph/intc.h"
#include "models/periph/simctl.h"
#include "models/periph/uart.h"
#include "platform/registry.h"

namespace vp {

void register_builtin_modules(ModuleRegistry& registry) {
  Rv32Core::register_type(registry);
  Router::register_type(registry);
  Ram::register_type(registry);
  hbm::HbmPimMemory::register_type(registry);
  npu::NpuCore::register_type(registry);
  Uart::register_type(registry);
  SimCtl::register_type(registry);
  host::JobDevice::register_type(registry);
  Clint::register_type(registry);
  IntC::register_type(registry);
  net::Interconnect::register_type(registry);
}

std::vector<const RegisterTable*> builtin_register_tables() {
  return {&Uart::registers(), &SimCtl::registers(),       &Clint::registers(),
          &IntC::registers(), &npu::NpuCore::registers(), &host::JobDevice::registers()};
}

}  // namespace vp
