// A PIM organisation: how a channel's PIM units carry out what the attention dispatcher asks.
//
// Contract: the dispatcher's vocabulary (pim_extension.h) is the same for every engine: a tile
// (HEADER), the input vector (GWRITE), a row opened and closed in every bank (G_ACT, PIM_PRE:
// row-buffer state, kept by the controller), and dot products of each bank's open row with the
// input (COMP, READRES, COMPS_READRES: one fp16 result per bank, in bank order). An engine says
// which bus commands carry out each op (steps(), step()), what each computes (execute(), on the
// memory's storage; nothing without storage), and how long after its last command an op
// completes (latency()). The controller issues every step at the earliest cycle its timing
// checker allows (the engine's commands have their rows in constraint_table.cpp), so an engine
// never decides time. An op with no steps completes when it is reached (execute() with step 0).
// PIM_PRE's steps come after the controller has closed the rows. An engine with modes
// (switches_modes()) leaves the switches to the controller, which enters the PIM mode before a
// PIM phase's first command and leaves it when the phase ends or a refresh is due. Engines:
// neupims_engine.h, hbm_pim_engine.h; docs/memory.md says how to add one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/mem/address_mapping.h"
#include "models/mem/hbm_timing.h"
#include "models/mem/mem_request.h"
#include "models/mem/sparse_storage.h"
#include "models/mem/timing_checker.h"

namespace vp::hbm {

class PimEngine {
 public:
  /// The row open in a bank's PIM row buffer (flat bank index), for execute().
  using RowOf = std::function<Row(std::uint32_t)>;

  PimEngine() = default;
  PimEngine(const PimEngine&) = delete;
  PimEngine& operator=(const PimEngine&) = delete;
  virtual ~PimEngine() = default;

  /// Bus commands that carry out `c` (0: none; G_ACT's are the controller's walk).
  [[nodiscard]] virtual std::uint32_t steps(const PimCommand& c) const = 0;
  /// The k-th of them (k < steps(c)).
  [[nodiscard]] virtual CommandTarget step(const PimCommand& c, std::uint32_t k) const = 0;
  /// What step k computes (called when it issues; k = 0 for an op without steps). `data` is the
  /// request's payload (GWRITE: the input; READRES, COMPS_READRES: the results).
  virtual void execute(const PimCommand& c, std::uint32_t k, const RowOf& rows, unsigned char* data,
                       std::uint32_t length) = 0;
  /// Cycles from the issue of the op's last step to its completion.
  [[nodiscard]] virtual std::uint64_t latency(const PimCommand& c) const = 0;
  /// An estimate of a tile's cycles from its HEADER (refresh is pulled in before it).
  [[nodiscard]] virtual std::uint64_t estimate_tile(const PimCommand& header) const = 0;
  /// Commands this engine issues beyond the NeuPIMs set (they get their own statistics).
  [[nodiscard]] virtual std::vector<Command> own_commands() const { return {}; }
  /// Whether the channel must switch into a PIM mode (MODE_SWITCH) before PIM commands and back
  /// before MEM commands and refresh; the controller issues the switches (blocked mode).
  [[nodiscard]] virtual bool switches_modes() const { return false; }
};

/// The engine of a memory config (timing.units.engine), for one channel.
[[nodiscard]] std::unique_ptr<PimEngine> make_pim_engine(Channel channel,
                                                         const MemoryParams& params,
                                                         const AddressMapping& mapping,
                                                         SparseStorage* storage);

/// Every engine: its config name ("pim.engine") and what it models, for list-modules.
struct PimEngineInfo {
  const char* name;
  const char* summary;
};
[[nodiscard]] std::vector<PimEngineInfo> pim_engines();

}  // namespace vp::hbm
