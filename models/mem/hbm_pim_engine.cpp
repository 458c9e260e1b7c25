#include "models/mem/hbm_pim_engine.h"

#include <algorithm>

#include "models/mem/pim_fp16.h"

namespace vp::hbm {

HbmPimEngine::HbmPimEngine(Channel channel, const MemoryParams& params,
                           const AddressMapping& mapping, SparseStorage* storage)
    : channel_(channel),
      timing_(params.timing),
      org_(params.org),
      mapping_(mapping),
      storage_(storage),
      lanes_(params.timing.units.lanes),
      grf_a_(params.timing.units.grf_a),
      units_(params.org.banks() / params.timing.units.banks_per_unit),
      regs_per_burst_(std::max<std::uint32_t>(1, params.org.burst_bytes() / (2 * lanes_))),
      crf_writes_((32 * 4 + params.org.burst_bytes() - 1) / params.org.burst_bytes()),
      reads_per_unit_(std::max<std::uint32_t>(1, 4 * lanes_ / params.org.burst_bytes())),
      input_(params.org.row_bytes() / 2, 0.0F),
      grf_a_regs_(std::size_t{grf_a_} * lanes_, Imath::half(0.0F)),
      grf_b_(std::size_t{units_} * 2 * lanes_, Imath::half(0.0F)) {}

std::uint32_t HbmPimEngine::slices_of(const PimCommand& c) {
  if (c.op == PimOp::Comp) return 1;
  return c.op == PimOp::CompsReadRes ? c.comps : 0;
}

std::uint32_t HbmPimEngine::compute_steps(std::uint32_t n) const {
  std::uint32_t total = 0;
  for (std::uint32_t base = 0; base < n; base += grf_a_) {
    const std::uint32_t s = std::min(grf_a_, n - base);
    total += (s + regs_per_burst_ - 1) / regs_per_burst_ + 2 * s;
  }
  return total;
}

std::uint32_t HbmPimEngine::steps(const PimCommand& c) const {
  switch (c.op) {
    case PimOp::Header: return crf_loaded_ ? 0 : crf_writes_;
    case PimOp::Comp: return compute_steps(1);
    case PimOp::ReadRes: return units_ * reads_per_unit_;
    case PimOp::CompsReadRes: return compute_steps(c.comps) + units_ * reads_per_unit_;
    default: return 0;  // GWRITE: the input waits for the GRF writes; G_ACT, PIM_PRE: the rows
  }
}

HbmPimEngine::Step HbmPimEngine::describe(const PimCommand& c, std::uint32_t k) const {
  if (c.op == PimOp::Header) return Step{Command::RegWr, true, 0, 0, 0};  // the CRF program

  const std::uint32_t n = slices_of(c);
  for (std::uint32_t base = 0; base < n; base += grf_a_) {
    const std::uint32_t s = std::min(grf_a_, n - base);
    const std::uint32_t writes = (s + regs_per_burst_ - 1) / regs_per_burst_;
    if (k < writes) return Step{Command::RegWr, false, base + k * regs_per_burst_, 0, 0};
    k -= writes;
    if (k < 2 * s) return Step{Command::Mac, false, base + k % s, k / s, 0};
    k -= 2 * s;
  }
  return Step{Command::GrfRd, false, k % reads_per_unit_, 0, k / reads_per_unit_};
}

CommandTarget HbmPimEngine::step(const PimCommand& c, std::uint32_t k) const {
  const Step s = describe(c, k);
  switch (s.command) {
    case Command::Mac: return {Command::Mac, org_.bank_at(s.parity), 0};
    case Command::GrfRd: return {Command::GrfRd, org_.bank_at(s.unit * 2), 0};
    default: return {s.command, org_.bank_at(0), 0};
  }
}

void HbmPimEngine::execute(const PimCommand& c, std::uint32_t k, const RowOf& rows,
                           unsigned char* data, std::uint32_t length) {
  if (c.op == PimOp::Header) {  // timing and data alike: the CRF holds the program from now on
    if (k + 1 == steps(c)) crf_loaded_ = true;
    return;
  }
  if (storage_ == nullptr) return;
  if (c.op == PimOp::Gwrite) {
    if (data == nullptr) return;
    const std::uint32_t n =
        std::min<std::uint32_t>(length / 2, static_cast<std::uint32_t>(input_.size()));
    for (std::uint32_t i = 0; i < n; ++i) input_[i] = load_fp16(data + 2 * std::size_t{i});
    return;
  }
  if (k >= steps(c)) return;
  const Step s = describe(c, k);
  const std::uint32_t row_elements = static_cast<std::uint32_t>(input_.size());
  switch (s.command) {
    case Command::RegWr:  // the slices of one burst into GRF_A
      for (std::uint32_t r = 0; r < regs_per_burst_; ++r) {
        const std::uint32_t slice = c.column + s.slice + r;
        const std::uint32_t reg = (s.slice + r) % grf_a_;
        for (std::uint32_t l = 0; l < lanes_; ++l) {
          const std::uint32_t e = slice * lanes_ + l;
          grf_a_regs_[std::size_t{reg} * lanes_ + l] =
              Imath::half(e < row_elements ? input_[e] : 0.0F);
        }
      }
      break;
    case Command::Mac:  // every unit: GRF_B[parity] += its bank's slice x GRF_A, in fp16
      for (std::uint32_t u = 0; u < units_; ++u) {
        const std::uint32_t bank = u * 2 + s.parity;
        const Row row = rows(bank);
        const std::uint32_t reg = s.slice % grf_a_;
        for (std::uint32_t l = 0; l < lanes_; ++l) {
          Imath::half& acc = grf_b_[(std::size_t{u} * 2 + s.parity) * lanes_ + l];
          const Imath::half product(bank_row_element(*storage_, mapping_, org_, channel_, bank, row,
                                                     (c.column + s.slice) * lanes_ + l) *
                                    static_cast<float>(grf_a_regs_[std::size_t{reg} * lanes_ + l]));
          acc = Imath::half(static_cast<float>(acc) + static_cast<float>(product));
        }
      }
      break;
    case Command::GrfRd:  // one unit's two accumulators, each reduced over its lanes
      if (s.slice + 1 < reads_per_unit_) break;  // the unit's last read carries the sums
      for (std::uint32_t p = 0; p < 2; ++p) {
        const std::uint32_t bank = s.unit * 2 + p;
        float sum = 0.0F;
        for (std::uint32_t l = 0; l < lanes_; ++l) {
          Imath::half& acc = grf_b_[(std::size_t{s.unit} * 2 + p) * lanes_ + l];
          sum += static_cast<float>(acc);
          acc = Imath::half(0.0F);
        }
        if (data != nullptr && 2 * bank + 1 < length) store_fp16(sum, data + 2 * std::size_t{bank});
      }
      break;
    default: break;
  }
}

std::uint64_t HbmPimEngine::latency(const PimCommand& c) const {
  return reads_out(c) ? timing_.read_latency() : 0;
}

std::uint64_t HbmPimEngine::estimate_tile(const PimCommand& h) const {
  const auto& t = timing_;
  const std::uint64_t ccd_l = std::max(t.burst_cycles, t.tCCD_L);
  const std::uint64_t ccd_s = std::max(t.burst_cycles, t.tCCD_S);
  const std::uint64_t writes = (h.comps + regs_per_burst_ - 1) / regs_per_burst_;
  return std::uint64_t{org_.banks()} + std::uint64_t{t.tFAW} * (org_.bank_groups - 1) + t.tRCD +
         writes * ccd_l + 2ULL * h.comps * t.units.mac_interval +
         h.readres * (std::uint64_t{units_} * ccd_s + t.CL + t.units.mac_interval) +
         t.read_latency();
}

}  // namespace vp::hbm
