#include "models/mem/pim_engine.h"

#include "models/mem/hbm_pim_engine.h"
#include "models/mem/neupims_engine.h"

namespace vp::hbm {

std::unique_ptr<PimEngine> make_pim_engine(Channel channel, const MemoryParams& params,
                                           const AddressMapping& mapping, SparseStorage* storage) {
  if (params.timing.units.engine == PimEngineKind::HbmPim)
    return std::make_unique<HbmPimEngine>(channel, params, mapping, storage);
  return std::make_unique<NeuPimsEngine>(channel, params, mapping, storage);
}

std::vector<PimEngineInfo> pim_engines() {
  return {
      {"neupims",
       "NeuPIMs/Newton: 16 fp16 multipliers + accumulator per bank, a global buffer per channel "
       "(GWRITE, COMP, READRES, COMPS_READRES); dual or blocked row buffers"},
      {"hbm-pim",
       "Samsung HBM-PIM (Aquabolt-XL): a 16-lane fp16 unit per two banks, GRF_A/GRF_B "
       "registers, all-bank-PIM mode (MODE_SWITCH, REG_WR, MAC, GRF_RD); blocked mode"},
  };
}

}  // namespace vp::hbm
