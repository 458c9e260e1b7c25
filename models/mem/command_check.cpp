#include "models/mem/command_check.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <nlohmann/json.hpp>

#include "models/mem/hbm_timing.h"
#include "models/mem/timing_checker.h"
#include "platform/error.h"

namespace vp::hbm {
namespace {

using Statement = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;

class Database {
 public:
  explicit Database(const std::string& path) : path_(path) {
    if (!std::filesystem::exists(path)) throw InputError(fmt::format("'{}': no such file", path));
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
      throw InputError(fmt::format("'{}': cannot open as SQLite: {}", path, sqlite3_errmsg(db_)));
  }
  ~Database() { sqlite3_close(db_); }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Statement query(const char* sql) const {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK)
      throw InputError(fmt::format("'{}' is not a neupims-vp command database ({})", path_,
                                   sqlite3_errmsg(db_)));
    return {s, &sqlite3_finalize};
  }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

std::string text(sqlite3_stmt* s, int column) {
  const auto* t = sqlite3_column_text(s, column);
  return t != nullptr ? reinterpret_cast<const char*>(t) : "";
}

PimMode mode_from(const std::string& name, const std::string& unit) {
  for (auto mode : {PimMode::Dram, PimMode::Blocked, PimMode::Dual})
    if (name == to_string(mode)) return mode;
  throw InputError(fmt::format("memory '{}': unknown mode '{}' in the database", unit, name));
}

/// Bank state of one channel, from the commands alone.
struct BankState {
  std::vector<std::uint8_t> mem_open, pim_open;
  std::vector<std::uint32_t> mem_row, pim_row;
  explicit BankState(std::uint32_t banks)
      : mem_open(banks, 0), pim_open(banks, 0), mem_row(banks, 0), pim_row(banks, 0) {}
};

class ChannelReplay {
 public:
  ChannelReplay(const MemoryParams& p, PimMode mode, bool state_checks, CommandCheckReport& report,
                std::size_t max_messages, std::string unit, std::uint32_t channel)
      : params_(p),
        dual_(mode == PimMode::Dual),
        state_checks_(state_checks),
        checker_(p.org, p.timing, mode, p.fixes),
        state_(p.org.banks()),
        refreshes_(p.org.ranks, 0),
        report_(report),
        max_messages_(max_messages),
        unit_(std::move(unit)),
        channel_(channel) {}

  void command(std::uint64_t id, std::uint64_t cycle, Command command, const BankId& bank,
               std::uint32_t row, std::uint32_t comps) {
    ++report_.commands;
    last_cycle_ = cycle;
    const CommandTarget target{command, bank, comps};
    const std::uint64_t earliest = checker_.earliest(target);
    if (cycle < earliest) {
      violation(id, cycle, command, bank,
                fmt::format("issued at cycle {}, the constraint table allows it from cycle {}",
                            cycle, earliest));
    } else {
      try {
        checker_.issue(target, cycle);
      } catch (const std::logic_error& e) {
        violation(id, cycle, command, bank, e.what());
      }
    }
    if (state_checks_) check_state(id, cycle, command, bank, row);
  }

  void finish() {
    if (!state_checks_ || !refresh_on_) return;
    const std::uint64_t expected = last_cycle_ / params_.timing.tREFI;
    for (std::uint32_t r = 0; r < params_.org.ranks; ++r)
      if (refreshes_[r] + 8 < expected)
        violation(
            0, last_cycle_, Command::Ref, BankId{Rank(r), BankGroup(0), Bank(0)},
            fmt::format(
                "rank {} was refreshed {} times in {} cycles; at least {} (one per tREFI = {}, "
                "up to 8 postponed) are required",
                r, refreshes_[r], last_cycle_, expected - 8, params_.timing.tREFI));
  }
  void set_refresh(bool on) { refresh_on_ = on; }

 private:
  void violation(std::uint64_t id, std::uint64_t cycle, Command command, const BankId& bank,
                 const std::string& why) {
    ++report_.violations;
    if (report_.messages.size() < max_messages_)
      report_.messages.push_back(
          fmt::format("{} channel {} command #{} {} (rank {}, group {}, bank {}) at cycle {}: {}",
                      unit_, channel_, id, to_string(command), bank.rank.value, bank.group.value,
                      bank.bank.value, cycle, why));
  }

  void check_state(std::uint64_t id, std::uint64_t cycle, Command command, const BankId& bank,
                   std::uint32_t row) {
    const auto& o = params_.org;
    const std::uint32_t b = o.flat_bank(bank);
    auto& pim_open = dual_ ? state_.pim_open : state_.mem_open;  // one row buffer unless dual
    auto& pim_row = dual_ ? state_.pim_row : state_.mem_row;
    auto bad = [&](const std::string& why) { violation(id, cycle, command, bank, why); };
    switch (command) {
      case Command::Act:
        if (state_.mem_open[b] != 0)
          bad(fmt::format("the row buffer still holds row {}", state_.mem_row[b]));
        state_.mem_open[b] = 1;
        state_.mem_row[b] = row;
        break;
      case Command::Pre: state_.mem_open[b] = 0; break;
      case Command::PreAll:
        for (std::uint32_t k = 0; k < o.banks_per_rank(); ++k)
          state_.mem_open[bank.rank.value * o.banks_per_rank() + k] = 0;
        break;
      case Command::Rd:
      case Command::Wr:
        if (state_.mem_open[b] == 0)
          bad("the bank has no open row");
        else if (state_.mem_row[b] != row)
          bad(fmt::format("row {} is addressed but row {} is open", row, state_.mem_row[b]));
        break;
      case Command::Ref:
        for (std::uint32_t k = 0; k < o.banks_per_rank(); ++k) {
          const std::uint32_t x = bank.rank.value * o.banks_per_rank() + k;
          if (state_.mem_open[x] != 0 || state_.pim_open[x] != 0) {
            bad(fmt::format("bank {} of the rank still has an open row", x));
            break;
          }
        }
        ++refreshes_[bank.rank.value];
        break;
      case Command::GAct:
        for (std::uint32_t k = 0; k < o.banks_per_group; ++k) {
          if (pim_open[b + k] != 0)
            bad(fmt::format("bank {} of the group still holds row {}", b + k, pim_row[b + k]));
          pim_open[b + k] = 1;
          pim_row[b + k] = row;
        }
        break;
      case Command::PimPre: pim_open[b] = 0; break;
      case Command::Comp:
      case Command::ReadRes:
      case Command::CompsReadRes:
        for (std::uint32_t x = 0; x < o.banks(); ++x)
          if (pim_open[x] == 0) {
            bad(fmt::format("bank {} has no open PIM row", x));
            break;
          }
        break;
      default: break;
    }
  }

  const MemoryParams& params_;
  bool dual_;
  bool state_checks_;
  bool refresh_on_ = true;
  TimingChecker checker_;
  BankState state_;
  std::vector<std::uint64_t> refreshes_;
  std::uint64_t last_cycle_ = 0;
  CommandCheckReport& report_;
  std::size_t max_messages_;
  std::string unit_;
  std::uint32_t channel_;
};

}  // namespace

CommandCheckReport check_command_database(const std::string& path, std::size_t max_messages) {
  Database db(path);
  CommandCheckReport report;
  std::uint64_t window_start = 0;
  for (auto meta = db.query("SELECT key, value FROM meta"); sqlite3_step(meta.get()) == SQLITE_ROW;)
    if (text(meta.get(), 0) == "window_start_ps")
      window_start = std::stoull("0" + text(meta.get(), 1));
  report.state_checked = window_start == 0;

  std::map<std::string, Command> kinds;
  for (unsigned k = 0; k < kCommandCount; ++k)
    kinds[to_string(static_cast<Command>(k))] = static_cast<Command>(k);

  auto memories = db.query("SELECT unit, mode, params, controller FROM memories ORDER BY unit");
  while (sqlite3_step(memories.get()) == SQLITE_ROW) {
    const std::string unit = text(memories.get(), 0);
    const PimMode mode = mode_from(text(memories.get(), 1), unit);
    const auto document = nlohmann::json::parse(text(memories.get(), 2));
    const auto controller = nlohmann::json::parse(text(memories.get(), 3));
    nlohmann::json resolved;
    ConfigNode node(document, fmt::format("{}:memories.{}", path, unit), &resolved);
    const MemoryParams params = MemoryParams::from_config(node);
    const bool refresh = controller.value("refresh", true);

    auto commands = db.query(
        "SELECT id, channel, cycle, kind, rank, bank_group, bank, row, comps FROM commands WHERE "
        "unit = ?1 "
        "ORDER BY channel, cycle, id");
    sqlite3_bind_text(commands.get(), 1, unit.c_str(), -1, SQLITE_TRANSIENT);
    std::unique_ptr<ChannelReplay> replay;
    std::int64_t channel = -1;
    while (sqlite3_step(commands.get()) == SQLITE_ROW) {
      auto* s = commands.get();
      const auto ch = sqlite3_column_int64(s, 1);
      if (ch != channel) {
        if (replay) replay->finish();
        channel = ch;
        ++report.channels;
        replay =
            std::make_unique<ChannelReplay>(params, mode, report.state_checked, report,
                                            max_messages, unit, static_cast<std::uint32_t>(ch));
        replay->set_refresh(refresh);
      }
      const std::string kind = text(s, 3);
      const auto it = kinds.find(kind);
      const BankId bank{Rank(static_cast<std::uint32_t>(sqlite3_column_int(s, 4))),
                        BankGroup(static_cast<std::uint32_t>(sqlite3_column_int(s, 5))),
                        Bank(static_cast<std::uint32_t>(sqlite3_column_int(s, 6)))};
      if (it == kinds.end() || bank.rank.value >= params.org.ranks ||
          bank.group.value >= params.org.bank_groups ||
          bank.bank.value >= params.org.banks_per_group) {
        ++report.violations;
        if (report.messages.size() < max_messages)
          report.messages.push_back(
              fmt::format("{} command #{}: unknown kind '{}' or bank outside the organization",
                          unit, sqlite3_column_int64(s, 0), kind));
        continue;
      }
      replay->command(static_cast<std::uint64_t>(sqlite3_column_int64(s, 0)),
                      static_cast<std::uint64_t>(sqlite3_column_int64(s, 2)), it->second, bank,
                      static_cast<std::uint32_t>(sqlite3_column_int(s, 7)),
                      static_cast<std::uint32_t>(sqlite3_column_int(s, 8)));
    }
    if (replay) replay->finish();
  }
  return report;
}

}  // namespace vp::hbm
