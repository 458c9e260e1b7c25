#include "models/mem/hbm_pim_memory.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "platform/command_db.h"
#include "platform/error.h"

namespace vp::hbm {
namespace {

constexpr std::uint64_t kNever = ~0ULL;

MemoryParams load_params(ConfigNode& config, const SimContext& context, json& document) {
  const std::string where = config.key_path("memory");
  if (!config.has("memory"))
    throw ConfigError(
        where +
        ": required: a memory config file (e.g. \"../memory/neupims-hbm2.json\") or object");
  const json& value = config.raw("memory");
  if (value.is_object()) {
    document = value;
    json resolved;
    ConfigNode node(value, where, &resolved);
    auto params = MemoryParams::from_config(node);
    node.finish();
    return params;
  }
  if (!value.is_string()) throw ConfigError(where + ": expected a file path or an object");
  return with_config_file(context.resolve_path(value.get<std::string>()), where,
                          [&document](Config& file) {
                            document = file.document();
                            ConfigNode node = file.root();
                            auto params = MemoryParams::from_config(node);
                            node.finish();
                            return params;
                          });
}

}  // namespace

void HbmPimMemory::register_type(ModuleRegistry& registry) {
  add_module_type<HbmPimMemory>(
      registry, "mem.hbm_pim",
      "HBM with PIM: per-channel controllers, MEM+PIM row buffers, a PIM engine (AT).");
}

HbmPimMemory::HbmPimMemory(const sc_core::sc_module_name& name, ConfigNode& config,
                           SimContext& context)
    : sc_core::sc_module(name),
      socket("socket"),
      params_(load_params(config, context, params_document_)) {
  const auto mode = config.get_enum("mode", "dual", {"dram", "blocked", "dual"});
  config_.mode = mode == "dram"      ? PimMode::Dram
                 : mode == "blocked" ? PimMode::Blocked
                                     : PimMode::Dual;
  if (config_.mode == PimMode::Dual && params_.timing.units.engine == PimEngineKind::HbmPim)
    throw ConfigError(fmt::format(
        "{}: '{}' has the hbm-pim engine, whose banks have one row buffer each: mode must be "
        "'blocked' (or 'dram'), not 'dual'",
        config.key_path("mode"), params_.name));
  config_.functional = config.get_bool("functional", true);
  config_.scheduler = config.get_string("scheduler", "fr-fcfs");
  (void)make_scheduler(config_.scheduler, 0, config.key_path("scheduler"));
  config_.arbitration = config.get_string("arbitration", default_arbitration(config_.mode));
  if (config_.mode == PimMode::Dram && config.has("arbitration"))
    throw ConfigError(fmt::format(
        "{}: dram mode has no MEM/PIM arbitration (dual: {}; blocked: {})",
        config.key_path("arbitration"), fmt::join(arbitration_names(PimMode::Dual), ", "),
        fmt::join(arbitration_names(PimMode::Blocked), ", ")));
  // A policy's parameter is accepted only with the policy that reads it.
  auto parameter = [&](const char* key, const char* policy, std::uint32_t fallback) {
    if (config.has(key) && config_.arbitration != policy)
      throw ConfigError(fmt::format("{}: only the {} arbitration reads it (arbitration is '{}')",
                                    config.key_path(key), policy, config_.arbitration));
    return static_cast<std::uint32_t>(config.get_u64(key, fallback, 0, 1U << 20));
  };
  config_.arbitration_params.deadline_ck = parameter("arbitration_deadline_ck", "mem-first", 128);
  config_.arbitration_params.budget_ck = parameter("arbitration_budget_ck", "delay-budget", 64);
  if (config_.mode != PimMode::Dram)
    (void)make_arbitration(config_.arbitration, config_.mode, config_.arbitration_params,
                           params_.timing, config.key_path("arbitration"));
  config_.closed_page = config.get_enum("page_policy", "open", {"open", "closed"}) == "closed";
  config_.queue_bursts = static_cast<std::uint32_t>(config.get_u64("queue_bursts", 64, 1, 65536));
  config_.pim_queue = static_cast<std::uint32_t>(config.get_u64("pim_queue", 128, 1, 65536));
  config_.row_hit_cap = static_cast<std::uint32_t>(config.get_u64("row_hit_cap", 4, 0, 65536));
  config_.refresh = config.get_bool("refresh", true);
  lookahead_ = config.get_u64("lookahead_ck", 16, 1, 1000000);
  aligned_ = config.get_enum("windows", "per-channel", {"per-channel", "aligned"}) == "aligned";
  activity_gap_ = config.get_u64("trace_activity_gap_ck", 32, 0, 1000000);
  mapping_ = std::make_unique<AddressMapping>(AddressMapping::from_config(
      config, "address_mapping", params_.org, config.get_bool("channel_hash", true)));
  tck_ = sc_core::sc_time(static_cast<double>(params_.timing.tCK_ps), sc_core::SC_PS);

  for (std::uint32_t c = 0; c < params_.org.channels; ++c) {
    channels_.push_back(
        std::make_unique<ChannelController>(Channel(c), params_, config_, *mapping_, &storage_));
  }
  if (!aligned_) {
    wake_at_.assign(params_.org.channels, kNever);
    wake_delta_.assign(params_.org.channels, 0);
    sc_core::sc_spawn_options options;
    options.spawn_method();
    options.dont_initialize();
    options.set_sensitivity(&calendar_event_);
    sc_core::sc_spawn([this] { run_calendar(); }, "channels", &options);
  } else {
    next_decision_.assign(params_.org.channels, kNever);
    arrived_.assign(params_.org.channels, 0);
    in_window_.assign(params_.org.channels, 0);
    window_done_.resize(params_.org.channels);
    sc_core::sc_spawn_options options;
    options.spawn_method();
    options.dont_initialize();
    options.set_sensitivity(&window_event_);
    sc_core::sc_spawn([this] { run_window(); }, "windows", &options);
  }
  sc_core::sc_spawn_options options;
  options.spawn_method();
  options.dont_initialize();
  options.set_sensitivity(&response_event_);
  sc_core::sc_spawn([this] { send_responses(); }, "responses", &options);

  if (context.events.enabled()) trace_to_timeline(context.events);
  if (context.command_db != nullptr && context.command_db->wants(basename())) {
    db_ = context.command_db;
    record_to_database();
  }
  socket.register_nb_transport_fw(this, &HbmPimMemory::nb_transport_fw);
  socket.register_transport_dbg(this, &HbmPimMemory::transport_dbg);
  ports_.targets["in"] = &socket;

  register_stats(context.stats);
  const std::string p = basename();
  auto& stats = context.stats;
  stats.add_counter(p + ".transactions", "transactions", "transactions received", transactions_);
  stats.add_counter(p + ".backpressure_events", "transactions",
                    "requests held back (END_REQ withheld)", backpressure_events_);
  stats.add_counter(p + ".refused_requests", "transactions",
                    "requests answered with an error before queuing", refused_);
  if (aligned_) {
    stats.add_counter(
        p + ".windows", "windows",
        "wake-ups of the aligned scheduler (window starts and arrivals inside a window)", windows_);
  }
  stats.add(p + ".storage_bytes", "bytes", "host memory holding written data (sparse)",
            [this] { return StatsTree::Value{storage_.allocated_bytes()}; });
}

void HbmPimMemory::register_stats(StatsTree& stats) {
  // Each statistic exists for every channel ("<name>.chNN.<stat>") and summed ("<name>.<stat>").
  using Reader = std::function<double(const ChannelController&, std::uint64_t now)>;
  struct Stat {
    std::string name, unit, description;
    Reader read;
  };
  auto field = [](auto member) {
    return Reader([member](const ChannelController& ch, std::uint64_t) {
      return static_cast<double>(ch.stats().*member);
    });
  };
  std::vector<Stat> table = {
      {"row_hits", "bursts", "bursts served from an open row", field(&ChannelStats::row_hits)},
      {"row_misses", "bursts", "bursts that needed an ACT of a closed bank",
       field(&ChannelStats::row_misses)},
      {"row_conflicts", "bursts", "bursts that needed a PRE of another row",
       field(&ChannelStats::row_conflicts)},
      {"bytes_read", "bytes", "bytes read by MEM bursts", field(&ChannelStats::bytes_read)},
      {"bytes_written", "bytes", "bytes written by MEM bursts",
       field(&ChannelStats::bytes_written)},
      {"data_bus_cycles", "cycles", "cycles the data bus carried MEM bursts",
       field(&ChannelStats::data_bus_cycles)},
      {"pim_tiles", "tiles", "PIM tiles (PIM_HEADER)", field(&ChannelStats::pim_tiles)},
      {"pim_busy_cycles", "cycles", "PIM_HEADER-to-last-command time",
       field(&ChannelStats::pim_busy_cycles)},
      {"pim_errors", "commands", "PIM commands refused", field(&ChannelStats::pim_errors)},
      {"mode_switches", "switches", "blocked mode: MEM to PIM switches",
       field(&ChannelStats::mode_switches)},
      {"pim_phase_cycles", "cycles", "blocked mode: cycles reserved for PIM",
       field(&ChannelStats::pim_phase_cycles)},
      {"refreshes_pulled_in", "refreshes", "refreshes done early so a PIM tile is not interrupted",
       field(&ChannelStats::refreshes_pulled_in)},
      {"refreshes_postponed", "refreshes", "refreshes issued more than tREFI late",
       field(&ChannelStats::refreshes_postponed)},
      {"energy_pj", "pJ", "DRAM+PIM energy: commands and background (Micron model)",
       [](const ChannelController& ch, std::uint64_t now) { return ch.energy_pj(now); }},
      {"pim_energy_pj", "pJ",
       "energy of the PIM engine's commands (GWRITE, G_ACT, COMP, READRES, ...)",
       [](const ChannelController& ch, std::uint64_t) { return ch.pim_energy_pj(); }},
      {"bandwidth_gbps", "GB/s", "MEM bytes moved per simulated second",
       [](const ChannelController& ch, std::uint64_t) {
         const double seconds = sc_core::sc_time_stamp().to_seconds();
         const auto bytes = static_cast<double>(ch.stats().bytes_read + ch.stats().bytes_written);
         return seconds > 0 ? bytes / seconds / 1e9 : 0.0;
       }},
  };
  // The DRAM and NeuPIMs commands, and those of the memory's PIM engine if it has its own.
  std::vector<Command> commands;
  for (unsigned k = 0; k <= static_cast<unsigned>(Command::PimPre); ++k)
    commands.push_back(static_cast<Command>(k));
  for (const Command own : channels_.front()->engine().own_commands()) commands.push_back(own);
  for (const Command command : commands) {
    const auto k = static_cast<unsigned>(command);
    table.push_back({std::string("commands.") + to_string(command), "commands", "commands issued",
                     [k](const ChannelController& ch, std::uint64_t) {
                       return static_cast<double>(ch.stats().commands[k]);
                     }});
  }
  const std::string p = basename();
  auto now = [this] { return cycle_at(sc_core::sc_time_stamp()); };
  for (const auto& stat : table) {
    const bool integral = stat.unit != "pJ" && stat.unit != "GB/s";
    auto value = [integral](double v) {
      return integral ? StatsTree::Value{static_cast<std::uint64_t>(v)} : StatsTree::Value{v};
    };
    stats.add(p + "." + stat.name, stat.unit, stat.description + " (all channels)",
              [this, stat, now, value] {
                double sum = 0;
                for (const auto& ch : channels_) sum += stat.read(*ch, now());
                return value(sum);
              });
    for (std::uint32_t c = 0; c < channels_.size(); ++c) {
      const ChannelController* ch = channels_[c].get();
      stats.add(fmt::format("{}.ch{:02}.{}", p, c, stat.name), stat.unit, stat.description,
                [ch, stat, now, value] { return value(stat.read(*ch, now())); });
    }
  }
}

std::uint64_t HbmPimMemory::mapped_size(const std::string& /*port*/) const {
  return mapping_->capacity();
}

void HbmPimMemory::on_command(
    const std::function<void(std::uint32_t, const IssuedCommand&)>& observer) {
  observers_.push_back(observer);
  if (observers_.size() > 1) return;  // the channels already call every observer
  for (std::uint32_t c = 0; c < channels_.size(); ++c)
    channels_[c]->on_command = [this, c](const IssuedCommand& issued) {
      IssuedCommand cmd = issued;  // observers see the transaction's id, not its handle
      if (cmd.txn != 0) cmd.txn = txns_[cmd.txn - 1].id;
      for (const auto& o : observers_) o(c, cmd);
    };
}

void HbmPimMemory::trace_to_timeline(TraceEvents& events) {
  events_ = &events;
  // One timeline track per channel and row-buffer side, so MEM and PIM activity is distinct;
  // per channel also two counters: transactions outstanding and PIM use (docs/tracing.md).
  std::vector<std::string> mem_tracks, pim_tracks;
  for (std::uint32_t c = 0; c < params_.org.channels; ++c) {
    mem_tracks.push_back(fmt::format("{}.ch{:02}.mem", basename(), c));
    pim_tracks.push_back(fmt::format("{}.ch{:02}.pim", basename(), c));
    outstanding_tracks_.emplace_back(fmt::format("{}.ch{:02}.outstanding", basename(), c),
                                     "outstanding");
  }
  outstanding_.assign(params_.org.channels, 0);
  const auto tck_ps = params_.timing.tCK_ps;
  activity_.assign(std::size_t{2} * params_.org.channels, Activity{});
  on_command([this, &events, mem_tracks, pim_tracks, tck_ps, org = params_.org](
                 std::uint32_t c, const IssuedCommand& cmd) {
    const bool pim = cmd.command >= Command::Gwrite;
    // Activity spans: runs of commands on one side of a channel with gaps below activity_gap_ck.
    Activity& a = activity_[2 * c + (pim ? 1 : 0)];
    if (a.commands > 0 && cmd.cycle > a.last + activity_gap_) emit_activity(c, pim);
    if (a.commands == 0) a.start = cmd.cycle;
    a.last = cmd.cycle;
    ++a.commands;
    if (cmd.command == Command::Rd || cmd.command == Command::Wr) ++a.bursts;
    if (!events.detail_wanted(cmd.cycle * tck_ps)) return;
    TraceEvent e;
    e.kind = TraceEvent::Kind::Complete;
    e.detail = true;
    e.time_ps = cmd.cycle * tck_ps;
    e.duration_ps = tck_ps;
    e.track = (pim ? pim_tracks : mem_tracks)[c] + ".commands";
    e.name = to_string(cmd.command);
    e.args = {{"bank", org.flat_bank(cmd.bank)},
              {"row", cmd.row.value},
              {"column", cmd.column.value},
              {"txn", cmd.txn}};
    events.emit(e);
  });
  events.on_finish([this] {
    flush_activity();
    for (auto& track : outstanding_tracks_) track.flush(*events_);
  });
  activity_tracks_ = std::move(mem_tracks);
  activity_tracks_.insert(activity_tracks_.end(), pim_tracks.begin(), pim_tracks.end());
  for (std::uint32_t c = 0; c < params_.org.channels; ++c)
    channels_[c]->on_pim_use = [&events, tck_ps,
                                track = fmt::format("{}.ch{:02}.pim_use", basename(), c)](
                                   std::uint64_t cycle, bool pim) {
      TraceEvent e;
      e.kind = TraceEvent::Kind::Counter;
      e.time_ps = cycle * tck_ps;
      e.track = track;
      e.name = "pim_use";
      e.value = pim ? 1.0 : 0.0;
      events.emit(e);
    };
}

void HbmPimMemory::emit_activity(std::uint32_t channel, bool pim) {
  Activity& a = activity_[2 * channel + (pim ? 1 : 0)];
  TraceEvent e;
  e.kind = TraceEvent::Kind::Complete;
  e.time_ps = a.start * params_.timing.tCK_ps;
  e.duration_ps = (a.last + 1 - a.start) * params_.timing.tCK_ps;
  e.track = activity_tracks_[(pim ? params_.org.channels : 0) + channel];
  e.name = pim ? "PIM" : "MEM";
  e.args = {{"commands", a.commands}};
  if (!pim) e.args.emplace_back("bursts", a.bursts);
  events_->emit(e);
  a.commands = 0;
  a.bursts = 0;
}

void HbmPimMemory::flush_activity() {
  for (std::uint32_t c = 0; c < params_.org.channels; ++c)
    for (const bool pim : {false, true})
      if (activity_[2 * c + (pim ? 1 : 0)].commands > 0) emit_activity(c, pim);
}

void HbmPimMemory::count_outstanding(std::uint32_t channel, int change) {
  outstanding_[channel] =
      static_cast<std::uint32_t>(static_cast<int>(outstanding_[channel]) + change);
  outstanding_tracks_[channel].set(
      *events_, sc_core::sc_time_stamp().value() / sc_core::sc_time(1, sc_core::SC_PS).value(),
      outstanding_[channel]);
}

void HbmPimMemory::record_to_database() {
  json controller = {{"mode", to_string(config_.mode)},
                     {"scheduler", config_.scheduler},
                     {"arbitration", config_.arbitration},
                     {"page_policy", config_.closed_page ? "closed" : "open"},
                     {"refresh", config_.refresh}};
  db_->add_memory(basename(), to_string(config_.mode), params_.timing.tCK_ps, params_document_,
                  controller);
  on_command([this, tck_ps = params_.timing.tCK_ps](std::uint32_t c, const IssuedCommand& cmd) {
    CommandRow row;
    row.cycle = cmd.cycle;
    row.time_ps = cmd.cycle * tck_ps;
    row.channel = c;
    row.rank = cmd.bank.rank.value;
    row.bank_group = cmd.bank.group.value;
    row.bank = cmd.bank.bank.value;
    row.row = cmd.row.value;
    row.column = cmd.column.value;
    row.kind = to_string(cmd.command);
    row.comps = cmd.comps;
    row.txn = cmd.txn;
    db_->add_command(basename(), row);
  });
}

void HbmPimMemory::record_transaction(const Txn& txn, std::uint64_t end_cycle) {
  const tlm::tlm_generic_payload& p = *txn.payload;
  TransactionRow row;
  row.id = txn.id;
  if (const auto* pim = p.get_extension<PimExtension>()) {
    row.kind = std::string("pim:") + to_string(pim->op);
    row.channel = pim->channel;
  } else {
    row.kind = p.is_write() ? "write" : "read";
    row.address = p.get_address();
  }
  row.bytes = p.get_data_length();
  row.begin_ps = txn.begin_cycle * params_.timing.tCK_ps;
  row.end_ps = end_cycle * params_.timing.tCK_ps;
  row.ok = txn.ok;
  db_->add_transaction(basename(), row);
}

std::uint64_t HbmPimMemory::cycle_at(const sc_core::sc_time& t) const {
  return (t.value() + tck_.value() - 1) / tck_.value();
}

sc_core::sc_time HbmPimMemory::time_of(std::uint64_t cycle) const {
  return sc_core::sc_time::from_value(cycle * tck_.value());
}

bool HbmPimMemory::validate(tlm::tlm_generic_payload& trans, const PimExtension* pim) {
  auto refuse = [this, &trans](tlm::tlm_response_status status) {
    ++refused_;
    trans.set_response_status(status);
    return false;
  };
  const auto& o = params_.org;
  if (pim != nullptr) {
    const std::uint32_t slices = o.row_bytes() / 2 / params_.timing.pim_multipliers;
    bool ok = config_.mode != PimMode::Dram && pim->channel < o.channels && pim->rank < o.ranks &&
              pim->bank_group < o.bank_groups && pim->bank < o.banks_per_group && pim->row < o.rows;
    switch (pim->op) {
      case PimOp::Gwrite:
        ok = ok && trans.is_write() && trans.get_data_length() == o.row_bytes();
        break;
      case PimOp::Comp: ok = ok && pim->column < slices && trans.get_data_length() == 0; break;
      case PimOp::CompsReadRes:
        ok = ok && pim->comps >= 1 && pim->column + pim->comps <= slices;
        [[fallthrough]];
      case PimOp::ReadRes:
        ok = ok && trans.is_read() && trans.get_data_length() == 2 * o.banks();
        break;
      default: ok = ok && trans.get_data_length() == 0; break;
    }
    return ok || refuse(tlm::TLM_GENERIC_ERROR_RESPONSE);
  }
  if (trans.is_read() == trans.is_write() || trans.get_data_length() == 0) {
    trans.set_response_status(tlm::TLM_OK_RESPONSE);  // TLM_IGNORE_COMMAND or nothing to move
    return false;
  }
  if (trans.get_byte_enable_ptr() != nullptr) return refuse(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  if (trans.get_streaming_width() < trans.get_data_length())
    return refuse(tlm::TLM_BURST_ERROR_RESPONSE);
  if (!mapping_->contains(trans.get_address(), trans.get_data_length()))
    return refuse(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  return true;
}

MemBurst HbmPimMemory::run_entry(std::uint64_t a, std::uint64_t run_end) const {
  const Organization& o = params_.org;
  MemBurst entry;
  const DramAddress where = mapping_->decode(a);
  entry.channel = static_cast<std::uint16_t>(where.channel.value);
  entry.flat_bank = o.flat_bank(where.bank);
  entry.row = where.row;
  entry.column = static_cast<std::uint16_t>(where.column.value);
  entry.offset = static_cast<std::uint16_t>(where.offset);
  entry.bursts = static_cast<std::uint16_t>(o.burst_index(run_end - 1) - o.burst_index(a) + 1);
  entry.address = a;
  entry.end = run_end;
  entry.length =
      static_cast<std::uint16_t>(std::min(run_end, (o.burst_index(a) + 1) * o.burst_bytes()) - a);
  return entry;
}

bool HbmPimMemory::has_room(std::uint32_t c, std::uint32_t bursts) {
  if (bursts <= channels_[c]->free_burst_slots() || !channels_[c]->has_work()) return true;
  blocking_channel_ = c;  // retried when this channel makes room
  return false;
}

void HbmPimMemory::track_channel(std::uint64_t handle, std::uint32_t c) {
  if (events_ == nullptr) return;
  find_txn(handle)->channels.push_back(c);
  count_outstanding(c, +1);
}

void HbmPimMemory::queue_entry(MemBurst& entry, std::uint64_t handle,
                               const tlm::tlm_generic_payload& trans, std::uint64_t arrival) {
  // No catch-up is needed for an idle channel: refreshes that fell due meanwhile are earlier
  // than the new burst's commands, so the next decisions issue them first.
  entry.txn = static_cast<std::uint32_t>(handle);  // a slot index + 1 (add_txn())
  entry.write = trans.is_write();
  entry.data = trans.get_data_ptr() + (entry.address - trans.get_address());
  entry.arrival = arrival;
  channels_[entry.channel]->add(entry);
}

bool HbmPimMemory::try_admit(tlm::tlm_generic_payload& trans, std::uint64_t arrival,
                             const PimExtension* pim) {
  if (pim != nullptr) {
    auto& ch = *channels_[pim->channel];
    if (!ch.pim_slot_free()) {
      blocking_channel_ = pim->channel;
      return false;
    }
    const std::uint64_t handle = add_txn(Txn{&trans, 1, true, 0, arrival, 0, {}});
    track_channel(handle, pim->channel);
    ch.add(PimRequest{handle, PimCommand(*pim), trans.get_data_ptr(), trans.get_data_length(),
                      arrival, false});
    request_arrived(pim->channel);
    return true;
  }
  // One queue entry per run of bursts in one row of one bank at consecutive columns.
  const std::uint64_t begin = trans.get_address();
  const std::uint64_t end = begin + trans.get_data_length();
  if (mapping_->row_run_end(begin) >= end) {
    // One entry (a DMA piece within a row, a KV append: nearly every transaction) needs none
    // of the per-channel lists below.
    MemBurst entry = run_entry(begin, end);
    const std::uint32_t c = entry.channel;
    if (!has_room(c, entry.bursts)) return false;
    const std::uint64_t handle = add_txn(Txn{&trans, entry.bursts, true, 0, arrival, 0, {}});
    track_channel(handle, c);
    queue_entry(entry, handle, trans, arrival);
    request_arrived(c);
    return true;
  }
  auto& need = need_scratch_;  // bursts per channel: zero outside this call
  auto& touched = touched_scratch_;
  auto& entries = entry_scratch_;
  need.resize(channels_.size(), 0);
  touched.clear();
  entries.clear();
  std::uint32_t bursts = 0;
  for (std::uint64_t a = begin; a < end;) {
    const std::uint64_t run_end = std::min(end, mapping_->row_run_end(a));
    const MemBurst& entry = entries.emplace_back(run_entry(a, run_end));
    const std::uint32_t c = entry.channel;
    if (need[c] == 0) touched.push_back(c);
    need[c] += entry.bursts;
    bursts += entry.bursts;
    a = run_end;
  }
  std::sort(touched.begin(), touched.end());
  bool room = true;
  for (const std::uint32_t c : touched) room = room && has_room(c, need[c]);
  for (const std::uint32_t c : touched) need[c] = 0;
  if (!room) return false;
  const std::uint64_t handle = add_txn(Txn{&trans, bursts, true, 0, arrival, 0, {}});
  for (const std::uint32_t c : touched) track_channel(handle, c);
  for (MemBurst& entry : entries) queue_entry(entry, handle, trans, arrival);
  for (const std::uint32_t c : touched) request_arrived(c);
  return true;
}

tlm::tlm_sync_enum HbmPimMemory::nb_transport_fw(tlm::tlm_generic_payload& trans,
                                                 tlm::tlm_phase& phase, sc_core::sc_time& delay) {
  if (phase == tlm::BEGIN_REQ) {
    ++transactions_;
    const auto* pim = trans.get_extension<PimExtension>();  // looked up once per request
    if (!validate(trans, pim)) {
      phase = tlm::END_RESP;
      return tlm::TLM_COMPLETED;
    }
    if (pending_ != nullptr)
      SC_REPORT_ERROR(name(), "BEGIN_REQ before END_REQ of the previous request (base protocol)");
    if (trans.has_mm()) trans.acquire();
    const std::uint64_t arrival = cycle_at(sc_core::sc_time_stamp() + delay);
    if (try_admit(trans, arrival, pim)) {
      phase = tlm::END_REQ;
      return tlm::TLM_UPDATED;
    }
    pending_ = &trans;
    pending_arrival_ = arrival;
    ++backpressure_events_;
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::END_RESP) {
    awaiting_end_resp_ = false;
    response_event_.notify(sc_core::SC_ZERO_TIME);
    return tlm::TLM_COMPLETED;
  }
  SC_REPORT_ERROR(name(), "unexpected phase on the forward path");
  return tlm::TLM_COMPLETED;
}

void HbmPimMemory::request_arrived(std::uint32_t c) {
  if (!aligned_) {
    schedule_wake(c, true);
    return;
  }
  arrived_[c] = 1;
  window_event_.notify(sc_core::SC_ZERO_TIME);
}

void HbmPimMemory::retry_pending(std::uint32_t channel, std::uint64_t now) {
  if (pending_ == nullptr || channel != blocking_channel_) return;
  if (!try_admit(*pending_, std::max(pending_arrival_, now),
                 pending_->get_extension<PimExtension>()))
    return;
  tlm::tlm_generic_payload* admitted = pending_;
  pending_ = nullptr;
  tlm::tlm_phase phase = tlm::END_REQ;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  socket->nb_transport_bw(*admitted, phase, delay);
}

void HbmPimMemory::schedule_wake(std::uint32_t c, bool delta, std::uint64_t cycle) {
  if (wake_delta_[c] != 0) return;  // it runs in the next delta cycle anyway
  if (delta) {
    wake_delta_[c] = 1;
    wake_at_[c] = kNever;
    calendar_event_.notify(sc_core::SC_ZERO_TIME);
    return;
  }
  wake_at_[c] = std::min(wake_at_[c], cycle);
  next_wake_ = std::min(next_wake_, cycle);  // timed wake-ups come only from run_calendar()
}

void HbmPimMemory::run_calendar() {
  // The channels due now, taken before any of them runs: a wake-up requested while they run
  // belongs to the next delta cycle or a later time, as it would with an event per channel.
  // Cycles whose time has come: time_of(cycle) <= now.
  const std::uint64_t due_by = sc_core::sc_time_stamp().value() / tck_.value();
  waking_.clear();
  next_wake_ = kNever;
  for (std::uint32_t c = 0; c < channels_.size(); ++c) {
    if (wake_delta_[c] != 0 || wake_at_[c] <= due_by) {
      wake_delta_[c] = 0;
      wake_at_[c] = kNever;
      waking_.push_back(c);
    }
    next_wake_ = std::min(next_wake_, wake_at_[c]);
  }
  const std::uint64_t now = cycle_at(sc_core::sc_time_stamp());
  for (const std::uint32_t c : waking_) wake_channel(c, now);
  // A delta wake-up requested meanwhile has notified the event already (and wins over this).
  if (next_wake_ != kNever) calendar_event_.notify(time_of(next_wake_) - sc_core::sc_time_stamp());
}

void HbmPimMemory::wake_channel(std::uint32_t c, std::uint64_t now) {
  const std::uint64_t next = channels_[c]->run_until(now + lookahead_, scratch_);
  collect(scratch_);
  if (next != kNever) schedule_wake(c, false, next);
  retry_pending(c, now);
}

void HbmPimMemory::run_window() {
  const std::uint64_t now = cycle_at(sc_core::sc_time_stamp());
  if (now >= window_end_) window_end_ = (now / lookahead_ + 1) * lookahead_;
  window_channels_.clear();
  for (std::uint32_t c = 0; c < channels_.size(); ++c) {
    in_window_[c] = arrived_[c] != 0 || next_decision_[c] < window_end_;
    arrived_[c] = 0;
    if (in_window_[c] != 0) window_channels_.push_back(c);
  }
  ++windows_;
  for (const std::uint32_t c : window_channels_)
    next_decision_[c] = channels_[c]->run_until(window_end_, window_done_[c]);
  for (const std::uint32_t c : window_channels_) collect(window_done_[c]);
  std::uint64_t next = kNever;
  for (const std::uint64_t n : next_decision_) next = std::min(next, n);
  if (next != kNever)  // the window that holds the next decision
    window_event_.notify(time_of(next / lookahead_ * lookahead_) - sc_core::sc_time_stamp());
  for (const std::uint32_t c : window_channels_) retry_pending(c, now);
}

std::uint64_t HbmPimMemory::add_txn(Txn txn) {
  txn.id = next_txn_id_++;
  if (free_txns_.empty()) {
    txns_.push_back(std::move(txn));
    return txns_.size();
  }
  const std::uint32_t slot = free_txns_.back();
  free_txns_.pop_back();
  txns_[slot] = std::move(txn);
  return std::uint64_t{slot} + 1;
}

HbmPimMemory::Txn* HbmPimMemory::find_txn(std::uint64_t handle) {
  if (handle == 0 || handle > txns_.size()) return nullptr;
  Txn& txn = txns_[handle - 1];
  return txn.payload != nullptr ? &txn : nullptr;
}

void HbmPimMemory::erase_txn(std::uint64_t handle) {
  Txn& txn = txns_[handle - 1];
  txn.payload = nullptr;
  txn.channels.clear();
  free_txns_.push_back(static_cast<std::uint32_t>(handle - 1));
}

void HbmPimMemory::collect(std::vector<Completion>& done) {
  for (const auto& completion : done) {
    Txn* found = find_txn(completion.txn);
    if (found == nullptr) continue;
    Txn& txn = *found;
    if (!completion.ok && !completion.error.empty())  // say why, not only that it failed
      SC_REPORT_WARNING(
          name(), fmt::format("transaction {} refused: {}", found->id, completion.error).c_str());
    txn.ok = txn.ok && completion.ok;
    txn.done_cycle = std::max(txn.done_cycle, completion.cycle);
    txn.remaining -= completion.count;
    if (txn.remaining == 0) {
      // While responses wait, response_event_ is pending no later than the earliest of them
      // (or the END_RESP of the one in flight will trigger it): a later response needs no notify.
      const bool earliest = responses_.empty() || txn.done_cycle < responses_.top().cycle;
      responses_.push(Response{txn.done_cycle, txn.id, static_cast<std::uint32_t>(completion.txn)});
      if (earliest) {
        const auto at = time_of(txn.done_cycle);
        const auto& now = sc_core::sc_time_stamp();
        response_event_.notify(at > now ? at - now : sc_core::SC_ZERO_TIME);
      }
    }
  }
  done.clear();
}

void HbmPimMemory::send_responses() {
  while (!awaiting_end_resp_ && !responses_.empty()) {
    const Response top = responses_.top();
    const auto at = time_of(top.cycle);
    const auto& now = sc_core::sc_time_stamp();
    if (at > now) {
      response_event_.notify(at - now);
      return;
    }
    responses_.pop();
    Txn& txn = *find_txn(top.txn);
    tlm::tlm_generic_payload& trans = *txn.payload;
    trans.set_response_status(txn.ok ? tlm::TLM_OK_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE);
    if (db_ != nullptr) record_transaction(txn, top.cycle);
    if (events_ != nullptr)
      for (const std::uint32_t c : txn.channels) count_outstanding(c, -1);
    erase_txn(top.txn);
    tlm::tlm_phase phase = tlm::BEGIN_RESP;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    const auto status = socket->nb_transport_bw(trans, phase, delay);
    if (trans.has_mm()) trans.release();
    if (status == tlm::TLM_ACCEPTED || (status == tlm::TLM_UPDATED && phase == tlm::BEGIN_RESP))
      awaiting_end_resp_ = true;
  }
}

unsigned int HbmPimMemory::transport_dbg(tlm::tlm_generic_payload& trans) {
  if (trans.get_extension<PimExtension>() != nullptr) return 0;
  const auto address = trans.get_address();
  const auto length = trans.get_data_length();
  if (!mapping_->contains(address, length)) return 0;
  if (trans.is_read())
    storage_.read(address, trans.get_data_ptr(), length);
  else if (trans.is_write())
    storage_.write(address, trans.get_data_ptr(), length);
  return length;
}

}  // namespace vp::hbm
