// Loads a firmware image into simulated memory through debug transport.
//
// Contract: bound to the bus the firmware is loaded through; at start of simulation (after
// binding, before any process runs) writes every segment with transport_dbg. A segment that
// does not land completely (unmapped or read-only target) ends the run with a failure naming
// the segment and the address range.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "platform/elf_image.h"
#include "platform/run_control.h"

namespace vp {

class FirmwareLoader : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<FirmwareLoader> socket;

  FirmwareLoader(const sc_core::sc_module_name& name, ElfImage image, RunControl& control);

 private:
  void start_of_simulation() override;

  ElfImage image_;
  RunControl& control_;
};

}  // namespace vp
