#include "models/npu/descriptors.h"

namespace vp::npu {

const std::vector<DescriptorFormat>& descriptor_table() {
  static const std::vector<DescriptorFormat> kTable = {
      {Opcode::Nop, "NOP", "Completes after the descriptor overhead.", {}},
      {Opcode::Signal, "SIGNAL", "Adds VALUE to semaphore SEM (wakes WAITs on any queue).",
       {{"SEM", 1, "semaphore index"}, {"VALUE", 2, "amount added"}}},
      {Opcode::Wait, "WAIT", "Blocks its queue until semaphore SEM >= VALUE.",
       {{"SEM", 1, "semaphore index"}, {"VALUE", 2, "threshold"}}},
  };
  return kTable;
}

const char* to_string(QueueError error) {
  switch (error) {
    case QueueError::None: return "none";
    case QueueError::UnknownOpcode: return "unknown opcode";
    case QueueError::BadSemaphore: return "semaphore index out of range";
    case QueueError::BusError: return "descriptor read failed (bus error)";
    case QueueError::BadDoorbell: return "bad doorbell (HEAD >= SIZE, or SIZE/BASE invalid)";
  }
  return "?";
}

const char* c_name(QueueError error) {
  switch (error) {
    case QueueError::None: return "NONE";
    case QueueError::UnknownOpcode: return "UNKNOWN_OPCODE";
    case QueueError::BadSemaphore: return "BAD_SEMAPHORE";
    case QueueError::BusError: return "BUS_ERROR";
    case QueueError::BadDoorbell: return "BAD_DOORBELL";
  }
  return "?";
}

}  // namespace vp::npu
