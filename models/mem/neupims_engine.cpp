#include "models/mem/neupims_engine.h"

#include <algorithm>

namespace vp::hbm {

NeuPimsEngine::NeuPimsEngine(Channel channel, const MemoryParams& params,
                             const AddressMapping& mapping, SparseStorage* storage)
    : timing_(params.timing),
      org_(params.org),
      functional_(storage != nullptr),
      datapath_(channel, params, mapping, storage) {}

std::uint32_t NeuPimsEngine::steps(const PimCommand& c) const {
  switch (c.op) {
    case PimOp::Gwrite:
    case PimOp::Comp:
    case PimOp::ReadRes:
    case PimOp::CompsReadRes: return 1;
    default: return 0;
  }
}

CommandTarget NeuPimsEngine::step(const PimCommand& c, std::uint32_t /*k*/) const {
  const BankId first = org_.bank_at(0);
  switch (c.op) {
    case PimOp::Gwrite:
      return {Command::Gwrite, BankId{Rank(c.rank), BankGroup(c.bank_group), Bank(c.bank)}, 0};
    case PimOp::Comp: return {Command::Comp, first, 1};
    case PimOp::ReadRes: return {Command::ReadRes, first, 1};
    default: return {Command::CompsReadRes, first, c.comps};
  }
}

void NeuPimsEngine::execute(const PimCommand& c, std::uint32_t /*k*/, const RowOf& rows,
                            unsigned char* data, std::uint32_t length) {
  switch (c.op) {
    case PimOp::Gwrite: datapath_.load_global_buffer(data, length); break;
    case PimOp::Comp: datapath_.compute(c.column, rows); break;
    case PimOp::ReadRes: datapath_.read_results(data, length); break;
    case PimOp::CompsReadRes:
      if (functional_)  // timing mode: no data, no call per COMP
        for (std::uint32_t k = 0; k < c.comps; ++k) datapath_.compute(c.column + k, rows);
      datapath_.read_results(data, length);
      break;
    default: break;
  }
}

std::uint64_t NeuPimsEngine::latency(const PimCommand& c) const {
  switch (c.op) {
    case PimOp::Gwrite: return timing_.gwrite;
    case PimOp::Comp: return 1;
    case PimOp::ReadRes: return timing_.read_latency();
    case PimOp::CompsReadRes:
      return std::uint64_t{timing_.comp_interval} * std::max(c.comps, timing_.comp_pipeline) +
             timing_.read_latency();
    default: return 0;
  }
}

std::uint64_t NeuPimsEngine::estimate_tile(const PimCommand& h) const {
  const auto& t = timing_;
  return std::uint64_t{org_.banks()} + std::uint64_t{t.tFAW} * (org_.bank_groups - 1) + t.tRCD +
         std::uint64_t{t.comp_interval} * (std::max(h.comps, t.comp_pipeline) + h.readres) +
         t.read_latency();
}

}  // namespace vp::hbm
