// The command database: every DRAM and PIM command of a run, the memory transactions they serve,
// the resolved configuration and the statistics, in one SQLite file (schema: docs/tracing.md).
//
// Contract:
// - Memory models add rows while the run goes on (add_command, add_transaction) and describe
//   themselves once (add_memory: mode, clock and parameters, so a checker can replay the
//   commands without the original config files). Rows outside the trace window or of a unit
//   the filter leaves out are dropped (wants() lets a model skip building them).
// - Rows are inserted through prepared statements inside one SQL transaction; finish() writes
//   the configuration and statistics, builds the indexes and commits. Nothing is readable before
//   finish().
// - The file is created (replaced) by open(), which the run calls once every input has been
//   validated; memories described before that are kept and written then. Opening fails with a
//   ConfigError naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "platform/perfetto_sink.h"

struct sqlite3;
struct sqlite3_stmt;

namespace vp {

struct CommandRow {
  std::uint64_t cycle = 0;
  std::uint64_t time_ps = 0;
  std::uint32_t channel = 0, rank = 0, bank_group = 0, bank = 0, row = 0, column = 0;
  const char* kind = "";
  std::uint32_t comps = 0;  ///< COMPS_READRES: COMPs in the command
  std::uint64_t txn = 0;    ///< the transaction served; 0 for refresh and housekeeping
};

struct TransactionRow {
  std::uint64_t id = 0;
  std::string kind;  ///< "read", "write" or the PIM command ("pim:G_ACT", ...)
  std::uint64_t address = 0;
  std::uint64_t bytes = 0;
  std::int64_t channel = -1;  ///< PIM commands: their channel; -1 for reads and writes
  std::uint64_t begin_ps = 0, end_ps = 0;
  bool ok = true;
};

class CommandDatabase {
 public:
  /// A database written once open() is called.
  explicit CommandDatabase(TraceWindow window);
  /// Creates (replaces) the database file `path` and writes the memories described so far.
  void open(const std::string& path);
  ~CommandDatabase();
  CommandDatabase(const CommandDatabase&) = delete;
  CommandDatabase& operator=(const CommandDatabase&) = delete;

  [[nodiscard]] bool wants(const std::string& unit) const;
  void add_memory(const std::string& unit, const std::string& mode, std::uint64_t tck_ps,
                  const nlohmann::json& params, const nlohmann::json& controller);
  void add_command(const std::string& unit, const CommandRow& row);
  void add_transaction(const std::string& unit, const TransactionRow& row);
  /// Writes the configuration and statistics, indexes and commits; later rows are dropped.
  void finish(const nlohmann::json& config, const nlohmann::json& stats);

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::uint64_t commands() const { return commands_; }

 private:
  void exec(const char* sql) const;
  sqlite3_stmt* prepare(const char* sql) const;
  struct Memory {
    std::string unit, mode;
    std::uint64_t tck_ps;
    std::string params, controller;
  };
  void write_memory(const Memory& memory);

  std::string path_;
  TraceWindow window_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* command_ = nullptr;
  sqlite3_stmt* transaction_ = nullptr;
  std::uint64_t commands_ = 0;
  bool finished_ = false;
  std::vector<Memory> memories_;  ///< described before open()
};

}  // namespace vp
