#include "models/mem/command_check.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <limits>
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
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    db_.reset(db);  // closed whatever happens next, also when this constructor throws
    if (rc != SQLITE_OK)
      throw InputError(fmt::format("'{}': cannot open as SQLite: {}", path, sqlite3_errmsg(db)));
    // A damaged file is reported as such before anything is replayed.
    auto check = query("PRAGMA quick_check(1)");  // the first problem only
    while (step(check)) {
      const auto* t = sqlite3_column_text(check.get(), 0);
      std::string verdict = t != nullptr ? reinterpret_cast<const char*>(t) : "";
      std::replace(verdict.begin(), verdict.end(), '\n', ' ');
      if (verdict != "ok")
        throw InputError(fmt::format("'{}': the database is damaged: {}", path, verdict));
    }
  }

  Statement query(const char* sql) const {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &s, nullptr) != SQLITE_OK) {
      sqlite3_finalize(s);
      throw InputError(fmt::format("'{}' is not a neupims-vp command database ({})", path_,
                                   sqlite3_errmsg(db_.get())));
    }
    return {s, &sqlite3_finalize};
  }

  /// The next row (true) or the end (false); any SQLite error (a corrupt page, ...) is an
  /// InputError, so a damaged file is never taken for a short one.
  bool step(const Statement& statement) const {
    const int rc = sqlite3_step(statement.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw InputError(fmt::format("'{}': the database cannot be read to the end: {}", path_,
                                 sqlite3_errmsg(db_.get())));
  }

 private:
  std::string path_;
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db_{nullptr, &sqlite3_close};
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
      case Command::ModeSwitch:  // precharges every bank
        std::fill(state_.mem_open.begin(), state_.mem_open.end(), 0);
        break;
      case Command::Comp:
      case Command::ReadRes:
      case Command::CompsReadRes:
      case Command::Mac:
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

namespace {

constexpr const char* kSchemaVersion = "1";  // platform/command_db.cpp writes this version

/// A picosecond value from the meta table: decimal digits (empty = `fallback`).
std::uint64_t meta_ps(const std::string& value, const std::string& key, const std::string& path,
                      std::uint64_t fallback) {
  if (value.empty()) return fallback;
  if (value.size() > 19 || value.find_first_not_of("0123456789") != std::string::npos)
    throw InputError(
        fmt::format("'{}': meta {} is '{}', not a time in picoseconds", path, key, value));
  return std::stoull(value);
}

nlohmann::json parse_column(const std::string& text, const std::string& what,
                            const std::string& path) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    throw InputError(fmt::format("'{}': {} is not JSON", path, what));
  }
}

}  // namespace

CommandCheckReport check_command_database(const std::string& path, std::size_t max_messages) {
  Database db(path);
  CommandCheckReport report;
  std::map<std::string, std::string> meta;
  for (auto q = db.query("SELECT key, value FROM meta"); db.step(q);)
    meta[text(q.get(), 0)] = text(q.get(), 1);
  if (meta["schema_version"] != kSchemaVersion)
    throw InputError(fmt::format(
        "'{}': schema version '{}'; this checker reads version {} (rerun with this build)", path,
        meta["schema_version"], kSchemaVersion));
  const std::uint64_t window_start = meta_ps(meta["window_start_ps"], "window_start_ps", path, 0);
  meta_ps(meta["window_stop_ps"], "window_stop_ps", path, 0);
  report.state_checked = window_start == 0;

  std::map<std::string, Command> kinds;
  for (unsigned k = 0; k < kCommandCount; ++k)
    kinds[to_string(static_cast<Command>(k))] = static_cast<Command>(k);
  auto problem = [&](const std::string& message) {
    ++report.violations;
    if (report.messages.size() < max_messages) report.messages.push_back(message);
  };

  // Every command must belong to a memory the database describes.
  for (auto q = db.query("SELECT DISTINCT unit FROM commands WHERE unit IS NULL OR unit NOT IN "
                         "(SELECT unit FROM memories)");
       db.step(q);)
    throw InputError(
        fmt::format("'{}': commands of unit '{}', which the memories table does not describe", path,
                    sqlite3_column_type(q.get(), 0) == SQLITE_NULL ? "NULL" : text(q.get(), 0)));

  auto memories =
      db.query("SELECT unit, mode, params, controller, tck_ps FROM memories ORDER BY unit");
  while (db.step(memories)) {
    const std::string unit = text(memories.get(), 0);
    const PimMode mode = mode_from(text(memories.get(), 1), unit);
    const auto document =
        parse_column(text(memories.get(), 2), "memory '" + unit + "' params", path);
    const auto controller =
        parse_column(text(memories.get(), 3), "memory '" + unit + "' controller", path);
    if (!document.is_object() || !controller.is_object())
      throw InputError(
          fmt::format("'{}': memory '{}': params and controller must be objects", path, unit));
    nlohmann::json resolved;
    ConfigNode node(document, fmt::format("{}:memories.{}", path, unit), &resolved);
    const MemoryParams params = MemoryParams::from_config(node);
    const auto tck_ps = sqlite3_column_int64(memories.get(), 4);
    if (sqlite3_column_type(memories.get(), 4) != SQLITE_INTEGER || tck_ps <= 0 ||
        static_cast<std::uint64_t>(tck_ps) != params.timing.tCK_ps)
      throw InputError(fmt::format(
          "'{}': memory '{}': tck_ps '{}' is not the clock period of its parameters ({} ps)", path,
          unit, text(memories.get(), 4), params.timing.tCK_ps));
    const auto refresh = controller.find("refresh");
    if (refresh != controller.end() && !refresh->is_boolean())
      throw InputError(
          fmt::format("'{}': memory '{}': controller.refresh must be a boolean", path, unit));
    const bool refresh_on = refresh == controller.end() || refresh->get<bool>();

    auto commands = db.query(
        "SELECT id, channel, cycle, kind, rank, bank_group, bank, row, comps, time_ps FROM commands "
        "WHERE unit = ?1 ORDER BY channel, cycle, id");
    sqlite3_bind_text(commands.get(), 1, unit.c_str(), -1, SQLITE_TRANSIENT);
    std::unique_ptr<ChannelReplay> replay;
    std::int64_t channel = -1;
    while (db.step(commands)) {
      auto* s = commands.get();
      const auto id = sqlite3_column_int64(s, 0);
      bool complete = true;
      for (int c : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
        if (sqlite3_column_type(s, c) == SQLITE_NULL) complete = false;
      if (!complete) {
        problem(fmt::format("{} command #{}: a field is NULL", unit, id));
        continue;
      }
      const auto ch = sqlite3_column_int64(s, 1);
      const auto cycle = sqlite3_column_int64(s, 2);
      const std::string kind = text(s, 3);
      const auto it = kinds.find(kind);
      const auto rank = sqlite3_column_int64(s, 4), group = sqlite3_column_int64(s, 5),
                 bank_in_group = sqlite3_column_int64(s, 6);
      if (ch < 0 || ch >= params.org.channels) {
        problem(fmt::format("{} command #{}: channel {} is outside the organization (0 .. {})",
                            unit, id, ch, params.org.channels - 1));
        continue;
      }
      if (it == kinds.end() || rank < 0 || rank >= params.org.ranks || group < 0 ||
          group >= params.org.bank_groups || bank_in_group < 0 ||
          bank_in_group >= params.org.banks_per_group || cycle < 0) {
        problem(fmt::format(
            "{} command #{}: unknown kind '{}', bank outside the organization or negative cycle",
            unit, id, kind));
        continue;
      }
      // The time is the cycle on the memory's clock: a command moved in one but not the other
      // is caught here (the replay orders by cycle).
      const auto time_ps = sqlite3_column_int64(s, 9);
      if (cycle > std::numeric_limits<std::int64_t>::max() / tck_ps || time_ps != cycle * tck_ps) {
        problem(fmt::format("{} channel {} command #{} {}: time_ps {} is not cycle {} x tCK {} ps",
                            unit, ch, id, kind, time_ps, cycle, tck_ps));
        continue;
      }
      if (ch != channel) {
        if (replay) replay->finish();
        channel = ch;
        ++report.channels;
        replay =
            std::make_unique<ChannelReplay>(params, mode, report.state_checked, report,
                                            max_messages, unit, static_cast<std::uint32_t>(ch));
        replay->set_refresh(refresh_on);
      }
      const BankId bank{Rank(static_cast<std::uint32_t>(rank)),
                        BankGroup(static_cast<std::uint32_t>(group)),
                        Bank(static_cast<std::uint32_t>(bank_in_group))};
      replay->command(static_cast<std::uint64_t>(id), static_cast<std::uint64_t>(cycle), it->second,
                      bank, static_cast<std::uint32_t>(sqlite3_column_int64(s, 7)),
                      static_cast<std::uint32_t>(sqlite3_column_int64(s, 8)));
    }
    if (replay) replay->finish();
  }
  return report;
}

}  // namespace vp::hbm
