#include "platform/command_db.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <functional>

#include "platform/error.h"

namespace vp {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE memories(unit TEXT PRIMARY KEY, mode TEXT, tck_ps INTEGER, params TEXT, controller TEXT);
CREATE TABLE commands(id INTEGER PRIMARY KEY, unit TEXT, cycle INTEGER, time_ps INTEGER,
  channel INTEGER, rank INTEGER, bank_group INTEGER, bank INTEGER, row INTEGER, col INTEGER,
  kind TEXT, comps INTEGER, txn INTEGER);
CREATE TABLE transactions(unit TEXT, id INTEGER, kind TEXT, address INTEGER, bytes INTEGER,
  channel INTEGER, begin_ps INTEGER, end_ps INTEGER, ok INTEGER, PRIMARY KEY(unit, id));
CREATE TABLE config(json TEXT);
CREATE TABLE stats(name TEXT PRIMARY KEY, value REAL, unit TEXT);
)sql";

}  // namespace

CommandDatabase::CommandDatabase(TraceWindow window) : window_(std::move(window)) {}

void CommandDatabase::open(const std::string& path) {
  path_ = path;
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    const std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw ConfigError(
        fmt::format("trace.sqlite: cannot create the command database '{}': {}", path, why));
  }
  try {
    // A trace is rebuilt by rerunning, so durability is not worth its cost.
    exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;");
    exec(kSchema);
    exec("BEGIN");
    command_ = prepare(
        "INSERT INTO commands(unit, cycle, time_ps, channel, rank, bank_group, bank, row, col, "
        "kind, comps, txn) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    transaction_ = prepare(
        "INSERT OR REPLACE INTO transactions(unit, id, kind, address, bytes, channel, begin_ps, "
        "end_ps, ok) "
        "VALUES(?,?,?,?,?,?,?,?,?)");
    auto* meta = prepare("INSERT INTO meta VALUES(?, ?)");
    auto put = [meta](const char* key, const std::string& value) {
      sqlite3_bind_text(meta, 1, key, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(meta, 2, value.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_step(meta);
      sqlite3_reset(meta);
    };
    put("schema_version", "1");
    put("window_start_ps", std::to_string(window_.start_ps));
    put("window_stop_ps", window_.stop_ps == ~0ULL ? "" : std::to_string(window_.stop_ps));
    sqlite3_finalize(meta);
    for (const auto& m : memories_) write_memory(m);
    memories_.clear();
  } catch (const ConfigError&) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

CommandDatabase::~CommandDatabase() {
  sqlite3_finalize(command_);
  sqlite3_finalize(transaction_);
  if (db_ != nullptr && !finished_) sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(db_);
}

void CommandDatabase::exec(const char* sql) const {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string why = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    throw ConfigError(fmt::format("trace.sqlite: '{}': {}", path_, why));
  }
}

sqlite3_stmt* CommandDatabase::prepare(const char* sql) const {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK)
    throw ConfigError(fmt::format("trace.sqlite: '{}': {}", path_, sqlite3_errmsg(db_)));
  return statement;
}

bool CommandDatabase::wants(const std::string& unit) const { return window_.accepts_unit(unit); }

void CommandDatabase::add_memory(const std::string& unit, const std::string& mode,
                                 std::uint64_t tck_ps, const nlohmann::json& params,
                                 const nlohmann::json& controller) {
  if (finished_ || !wants(unit)) return;
  Memory m{unit, mode, tck_ps, params.dump(), controller.dump()};
  if (db_ == nullptr)
    memories_.push_back(std::move(m));
  else
    write_memory(m);
}

void CommandDatabase::write_memory(const Memory& m) {
  auto* s = prepare("INSERT OR REPLACE INTO memories VALUES(?,?,?,?,?)");
  sqlite3_bind_text(s, 1, m.unit.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 2, m.mode.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 3, static_cast<sqlite3_int64>(m.tck_ps));
  sqlite3_bind_text(s, 4, m.params.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 5, m.controller.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_step(s);
  sqlite3_finalize(s);
}

void CommandDatabase::add_command(const std::string& unit, const CommandRow& r) {
  if (finished_ || command_ == nullptr || r.time_ps < window_.start_ps ||
      r.time_ps >= window_.stop_ps || !wants(unit))
    return;
  auto* s = command_;
  auto i64 = [](std::uint64_t v) { return static_cast<sqlite3_int64>(v); };
  sqlite3_bind_text(s, 1, unit.c_str(), static_cast<int>(unit.size()), SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, i64(r.cycle));
  sqlite3_bind_int64(s, 3, i64(r.time_ps));
  sqlite3_bind_int(s, 4, static_cast<int>(r.channel));
  sqlite3_bind_int(s, 5, static_cast<int>(r.rank));
  sqlite3_bind_int(s, 6, static_cast<int>(r.bank_group));
  sqlite3_bind_int(s, 7, static_cast<int>(r.bank));
  sqlite3_bind_int(s, 8, static_cast<int>(r.row));
  sqlite3_bind_int(s, 9, static_cast<int>(r.column));
  sqlite3_bind_text(s, 10, r.kind, -1, SQLITE_STATIC);
  sqlite3_bind_int(s, 11, static_cast<int>(r.comps));
  sqlite3_bind_int64(s, 12, i64(r.txn));
  sqlite3_step(s);
  sqlite3_reset(s);
  ++commands_;
}

void CommandDatabase::add_transaction(const std::string& unit, const TransactionRow& r) {
  if (finished_ || transaction_ == nullptr || r.end_ps < window_.start_ps ||
      r.begin_ps >= window_.stop_ps || !wants(unit))
    return;
  auto* s = transaction_;
  auto i64 = [](std::uint64_t v) { return static_cast<sqlite3_int64>(v); };
  sqlite3_bind_text(s, 1, unit.c_str(), static_cast<int>(unit.size()), SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, i64(r.id));
  sqlite3_bind_text(s, 3, r.kind.c_str(), static_cast<int>(r.kind.size()), SQLITE_STATIC);
  sqlite3_bind_int64(s, 4, i64(r.address));
  sqlite3_bind_int64(s, 5, i64(r.bytes));
  sqlite3_bind_int64(s, 6, r.channel);
  sqlite3_bind_int64(s, 7, i64(r.begin_ps));
  sqlite3_bind_int64(s, 8, i64(r.end_ps));
  sqlite3_bind_int(s, 9, r.ok ? 1 : 0);
  sqlite3_step(s);
  sqlite3_reset(s);
}

void CommandDatabase::finish(const nlohmann::json& config, const nlohmann::json& stats) {
  if (finished_ || db_ == nullptr) return;
  auto* c = prepare("INSERT INTO config VALUES(?)");
  const std::string text = config.dump();
  sqlite3_bind_text(c, 1, text.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_step(c);
  sqlite3_finalize(c);
  auto* s = prepare("INSERT OR REPLACE INTO stats VALUES(?,?,?)");
  // The stats tree as JSON: nested objects, leaves {"value": ..., "unit": ...}.
  std::function<void(const std::string&, const nlohmann::json&)> walk =
      [&](const std::string& prefix, const nlohmann::json& node) {
        if (node.is_object() && node.contains("value") && !node["value"].is_object()) {
          if (!node["value"].is_number()) return;
          sqlite3_bind_text(s, 1, prefix.c_str(), -1, SQLITE_TRANSIENT);
          sqlite3_bind_double(s, 2, node["value"].get<double>());
          const std::string unit = node.value("unit", "");
          sqlite3_bind_text(s, 3, unit.c_str(), -1, SQLITE_TRANSIENT);
          sqlite3_step(s);
          sqlite3_reset(s);
          return;
        }
        if (!node.is_object()) return;
        for (const auto& [key, child] : node.items())
          walk(prefix.empty() ? key : fmt::format("{}.{}", prefix, key), child);
      };
  walk("", stats);
  sqlite3_finalize(s);
  exec(
      "CREATE INDEX commands_by_time ON commands(unit, channel, cycle);"
      "CREATE INDEX commands_by_txn ON commands(txn);");
  exec("COMMIT");
  finished_ = true;
}

}  // namespace vp
