#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <filesystem>
#include <mutex>

#include "core/error.h"
#include "store/sqlite/sqlite_db.h"

namespace mandate::store {
namespace {

using sqlite::Database;
using sqlite::Statement;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE mandate_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE ledger_entry (
  idx       INTEGER PRIMARY KEY,
  leaf_hash BLOB NOT NULL,
  nodes     BLOB NOT NULL,
  type      TEXT NOT NULL,
  body      BLOB NOT NULL
);
CREATE TABLE ledger_checkpoint (
  size INTEGER PRIMARY KEY,
  note TEXT NOT NULL
);
)sql";

Hash to_hash(const std::string& blob) {
  Hash h{};
  if (blob.size() != h.size()) fail(ErrorKind::check_failed, "stored hash has " + std::to_string(blob.size()) + " bytes");
  std::copy(blob.begin(), blob.end(), h.begin());
  return h;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::string& path, Database::Mode mode) : db_(path, mode) {
    if (mode == Database::Mode::create) {
      initialize();
    } else {
      check_format(path);
    }
    db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    prepare();
  }

  std::uint64_t ledger_size() override {
    std::lock_guard lock(mu_);
    return size_locked();
  }

  void append_ledger_rows(std::span<const LedgerRow> rows) override {
    if (rows.empty()) return;
    std::lock_guard lock(mu_);
    db_.exec("BEGIN IMMEDIATE");
    try {
      const std::uint64_t size = size_locked();
      if (rows.front().index != size) {
        fail(ErrorKind::conflict, "ledger moved to " + std::to_string(size) + " entries under this writer");
      }
      for (const LedgerRow& row : rows) {
        insert_entry_->bind(1, static_cast<std::int64_t>(row.index))
            .bind_blob(2, std::span<const std::uint8_t>(row.leaf_hash))
            .bind_blob(3, std::string_view(row.nodes))
            .bind(4, row.type)
            .bind_blob(5, std::string_view(row.body));
        insert_entry_->step();
        insert_entry_->reset();
      }
      db_.exec("COMMIT");
    } catch (...) {
      insert_entry_->reset();
      db_.exec("ROLLBACK");
      throw;
    }
  }

  std::optional<LedgerRow> ledger_row(std::uint64_t index) override {
    std::lock_guard lock(mu_);
    Statement& s = *select_entry_;
    s.bind(1, static_cast<std::int64_t>(index));
    std::optional<LedgerRow> row;
    if (s.step()) row = read_row(s);
    s.reset();
    return row;
  }

  std::optional<Hash> ledger_node(unsigned level, std::uint64_t index) override {
    std::lock_guard lock(mu_);
    const std::uint64_t row_index = ((index + 1) << level) - 1;
    Statement& s = level == 0 ? *select_leaf_ : *select_nodes_;
    s.bind(1, static_cast<std::int64_t>(row_index));
    std::optional<Hash> out;
    if (s.step()) {
      const std::string blob = s.column_blob(0);
      if (level == 0) {
        out = to_hash(blob);
      } else if (blob.size() >= level * 32) {
        out = to_hash(blob.substr((level - 1) * 32, 32));
      }
    }
    s.reset();
    return out;
  }

  void scan_ledger(std::uint64_t from, std::uint64_t to,
                   const std::function<bool(const LedgerRow&)>& visit) override {
    std::lock_guard lock(mu_);
    Statement s = db_.prepare("SELECT idx, leaf_hash, nodes, type, body FROM ledger_entry "
                              "WHERE idx >= ?1 AND idx < ?2 ORDER BY idx");
    s.bind(1, static_cast<std::int64_t>(from)).bind(2, static_cast<std::int64_t>(to));
    while (s.step()) {
      if (!visit(read_row(s))) break;
    }
  }

  void add_checkpoint(const StoredCheckpoint& checkpoint) override {
    std::lock_guard lock(mu_);
    Statement s = db_.prepare("INSERT OR REPLACE INTO ledger_checkpoint(size, note) VALUES (?1, ?2)");
    s.bind(1, static_cast<std::int64_t>(checkpoint.size)).bind(2, checkpoint.note);
    s.step();
  }

  std::vector<StoredCheckpoint> checkpoints() override {
    std::lock_guard lock(mu_);
    Statement s = db_.prepare("SELECT size, note FROM ledger_checkpoint ORDER BY size");
    std::vector<StoredCheckpoint> out;
    while (s.step()) out.push_back({static_cast<std::uint64_t>(s.column_int(0)), s.column_text(1)});
    return out;
  }

  std::optional<std::string> meta(const std::string& key) override {
    std::lock_guard lock(mu_);
    Statement s = db_.prepare("SELECT value FROM mandate_meta WHERE key = ?1");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return s.column_text(0);
  }

  void set_meta(const std::string& key, const std::string& value) override {
    std::lock_guard lock(mu_);
    Statement s = db_.prepare("INSERT OR REPLACE INTO mandate_meta(key, value) VALUES (?1, ?2)");
    s.bind(1, key).bind(2, value);
    s.step();
  }

 private:
  void initialize() {
    db_.exec("BEGIN");
    db_.exec(kSchema);
    Statement s = db_.prepare("INSERT INTO mandate_meta(key, value) VALUES ('format', ?1)");
    s.bind(1, std::string_view(kStoreFormat));
    s.step();
    db_.exec("COMMIT");
  }

  void check_format(const std::string& path) {
    Statement probe = db_.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'mandate_meta'");
    if (!probe.step() || probe.column_int(0) != 1) {
      fail(ErrorKind::bad_input, path + " is not a mandate store (no mandate_meta table)");
    }
    Statement s = db_.prepare("SELECT value FROM mandate_meta WHERE key = 'format'");
    const std::string format = s.step() ? s.column_text(0) : std::string("(none)");
    if (format != kStoreFormat) {
      fail(ErrorKind::bad_input, path + " has store format " + format + ", this mandate reads " + kStoreFormat);
    }
  }

  void prepare() {
    insert_entry_.emplace(db_.prepare(
        "INSERT INTO ledger_entry(idx, leaf_hash, nodes, type, body) VALUES (?1, ?2, ?3, ?4, ?5)"));
    select_entry_.emplace(db_.prepare("SELECT idx, leaf_hash, nodes, type, body FROM ledger_entry WHERE idx = ?1"));
    select_leaf_.emplace(db_.prepare("SELECT leaf_hash FROM ledger_entry WHERE idx = ?1"));
    select_nodes_.emplace(db_.prepare("SELECT nodes FROM ledger_entry WHERE idx = ?1"));
    select_size_.emplace(db_.prepare("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entry"));
  }

  std::uint64_t size_locked() {
    Statement& s = *select_size_;
    s.step();
    const auto size = static_cast<std::uint64_t>(s.column_int(0));
    s.reset();
    return size;
  }

  static LedgerRow read_row(const Statement& s) {
    LedgerRow row;
    row.index = static_cast<std::uint64_t>(s.column_int(0));
    row.leaf_hash = to_hash(s.column_blob(1));
    row.nodes = s.column_blob(2);
    row.type = s.column_text(3);
    row.body = s.column_blob(4);
    return row;
  }

  std::mutex mu_;
  Database db_;
  std::optional<Statement> insert_entry_, select_entry_, select_leaf_, select_nodes_, select_size_;
};

}  // namespace

std::unique_ptr<Store> create_sqlite_store(const std::string& path) {
  if (std::filesystem::exists(path)) fail(ErrorKind::bad_input, path + " already exists");
  return std::make_unique<SqliteStore>(path, Database::Mode::create);
}

std::unique_ptr<Store> open_sqlite_store(const std::string& path) {
  if (!std::filesystem::exists(path)) fail(ErrorKind::not_found, "no store at " + path);
  return std::make_unique<SqliteStore>(path, Database::Mode::existing);
}

}  // namespace mandate::store
