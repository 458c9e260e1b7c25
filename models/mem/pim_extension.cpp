#include "models/mem/pim_extension.h"

namespace vp::hbm {

const char* to_string(PimOp op) {
  switch (op) {
    case PimOp::Header: return "PIM_HEADER";
    case PimOp::Gwrite: return "GWRITE";
    case PimOp::GAct: return "G_ACT";
    case PimOp::Comp: return "COMP";
    case PimOp::ReadRes: return "READRES";
    case PimOp::CompsReadRes: return "COMPS_READRES";
    case PimOp::PimPre: return "PIM_PRECHARGE";
  }
  return "?";
}

}  // namespace vp::hbm
