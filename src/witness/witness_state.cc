#include "witness/witness_state.h"

#include <sqlite3.h>

#include <algorithm>
#include <utility>

#include "core/error.h"

namespace mandate::witness {
namespace {

constexpr std::string_view kFormat = "mandate-witness-state-1";

constexpr std::string_view kSchema = R"(
CREATE TABLE witness_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE latest_checkpoint(
  origin TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  root BLOB NOT NULL,
  note TEXT NOT NULL,
  cosigned_at INTEGER NOT NULL);
CREATE TABLE refusal(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  origin TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  status INTEGER NOT NULL,
  reason TEXT NOT NULL,
  old_size INTEGER NOT NULL,
  size INTEGER NOT NULL,
  checkpoint TEXT NOT NULL,
  proof TEXT NOT NULL);
CREATE INDEX refusal_by_origin ON refusal(origin, id);
)";

// Tree sizes are unsigned 64-bit; SQLite stores them bit for bit as signed.
std::int64_t stored(std::uint64_t v) { return static_cast<std::int64_t>(v); }
std::uint64_t loaded(std::int64_t v) { return static_cast<std::uint64_t>(v); }

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) {
      fail(ErrorKind::io, std::string("witness state: cannot prepare a statement: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int pos, std::int64_t v) {
    check(sqlite3_bind_int64(stmt_, pos, v));
    return *this;
  }
  Statement& bind(int pos, std::string_view text) {
    check(sqlite3_bind_text(stmt_, pos, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Statement& bind_blob(int pos, std::span<const std::uint8_t> blob) {
    check(sqlite3_bind_blob(stmt_, pos, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT));
    return *this;
  }
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) fail(ErrorKind::io, std::string("witness state: ") + sqlite3_errmsg(db_));
    return false;
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col) const {
    const auto* p = sqlite3_column_blob(stmt_, col);
    return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail(ErrorKind::io, std::string("witness state: cannot bind: ") + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

ledger::Hash hash_of(const std::string& bytes) {
  ledger::Hash h{};
  if (bytes.size() != h.size()) fail(ErrorKind::corruption, "witness state: a stored root is not 32 bytes");
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

CosignedCheckpoint cosigned_from(const Statement& s) {
  CosignedCheckpoint c;
  c.origin = s.text(0);
  c.size = loaded(s.integer(1));
  c.root = hash_of(s.text(2));
  c.note = s.text(3);
  c.cosigned_at = loaded(s.integer(4));
  return c;
}

constexpr std::string_view kSelectLatest = "SELECT origin, size, root, note, cosigned_at FROM latest_checkpoint";

}  // namespace

struct WitnessState::Db {
  sqlite3* handle = nullptr;
  ~Db() { sqlite3_close_v2(handle); }

  void exec(std::string_view sql) {
    const std::string text(sql);
    if (sqlite3_exec(handle, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      fail(ErrorKind::io, std::string("witness state: ") + sqlite3_errmsg(handle));
    }
  }
  void put(const CosignedCheckpoint& c) {
    Statement s(handle,
                "INSERT INTO latest_checkpoint(origin, size, root, note, cosigned_at) VALUES(?, ?, ?, ?, ?) "
                "ON CONFLICT(origin) DO UPDATE SET size = excluded.size, root = excluded.root, "
                "note = excluded.note, cosigned_at = excluded.cosigned_at");
    s.bind(1, c.origin).bind(2, stored(c.size)).bind_blob(3, c.root).bind(4, c.note).bind(5, stored(c.cosigned_at));
    s.step();
  }
  void record(const Refusal& r) {
    Statement s(handle,
                "INSERT INTO refusal(origin, received_at, status, reason, old_size, size, checkpoint, proof) "
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, r.origin).bind(2, stored(r.received_at)).bind(3, r.status).bind(4, r.reason);
    s.bind(5, stored(r.old_size)).bind(6, stored(r.size)).bind(7, r.checkpoint).bind(8, r.proof);
    s.step();
  }
};

namespace {

std::expected<std::unique_ptr<WitnessState::Db>, std::string> open_db(const std::filesystem::path& file, int flags) {
  auto db = std::make_unique<WitnessState::Db>();
  if (sqlite3_open_v2(file.c_str(), &db->handle, flags, nullptr) != SQLITE_OK) {
    return std::unexpected("cannot open the witness state " + file.string() + ": " +
                           (db->handle ? sqlite3_errmsg(db->handle) : "out of memory"));
  }
  sqlite3_busy_timeout(db->handle, 10000);
  try {
    // WAL with synchronous=FULL: each commit is synced before it returns.
    db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
  } catch (const Error& e) {
    return std::unexpected(file.string() + ": " + e.what());
  }
  return db;
}

}  // namespace

WitnessState::WitnessState(std::unique_ptr<Db> db) : db_(std::move(db)) {}
WitnessState::~WitnessState() = default;

std::expected<std::unique_ptr<WitnessState>, std::string> WitnessState::create(const std::filesystem::path& file) {
  if (std::filesystem::exists(file)) return std::unexpected(file.string() + " already exists");
  auto db = open_db(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX);
  if (!db) return std::unexpected(db.error());
  try {
    (*db)->exec("BEGIN IMMEDIATE;");
    (*db)->exec(kSchema);
    Statement s((*db)->handle, "INSERT INTO witness_meta(key, value) VALUES('format', ?)");
    s.bind(1, kFormat).step();
    (*db)->exec("COMMIT;");
  } catch (const Error& e) {
    return std::unexpected(file.string() + ": " + e.what());
  }
  return std::make_unique<WitnessState>(std::move(*db));
}

std::expected<std::unique_ptr<WitnessState>, std::string> WitnessState::open(const std::filesystem::path& file) {
  if (!std::filesystem::is_regular_file(file)) return std::unexpected(file.string() + ": no witness state there");
  auto db = open_db(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX);
  if (!db) return std::unexpected(db.error());
  try {
    Statement s((*db)->handle, "SELECT value FROM witness_meta WHERE key = 'format'");
    if (!s.step() || s.text(0) != kFormat) return std::unexpected(file.string() + ": not a mandate witness state");
  } catch (const Error&) {
    return std::unexpected(file.string() + ": not a mandate witness state");
  }
  return std::make_unique<WitnessState>(std::move(*db));
}

void WitnessState::decide(std::string_view origin, const Decide& decide) {
  std::lock_guard lock(mu_);
  db_->exec("BEGIN IMMEDIATE;");
  try {
    std::optional<CosignedCheckpoint> latest;
    {
      Statement s(db_->handle, std::string(kSelectLatest) + " WHERE origin = ?");
      s.bind(1, origin);
      if (s.step()) latest = cosigned_from(s);
    }
    const StateChange change = decide(latest);
    if (change.cosigned) db_->put(*change.cosigned);
    if (change.refusal) db_->record(*change.refusal);
    db_->exec("COMMIT;");
  } catch (...) {
    sqlite3_exec(db_->handle, "ROLLBACK;", nullptr, nullptr, nullptr);
    throw;
  }
}

std::optional<CosignedCheckpoint> WitnessState::latest(std::string_view origin) {
  std::lock_guard lock(mu_);
  Statement s(db_->handle, std::string(kSelectLatest) + " WHERE origin = ?");
  s.bind(1, origin);
  if (!s.step()) return std::nullopt;
  return cosigned_from(s);
}

std::vector<CosignedCheckpoint> WitnessState::all_latest() {
  std::lock_guard lock(mu_);
  Statement s(db_->handle, std::string(kSelectLatest) + " ORDER BY origin");
  std::vector<CosignedCheckpoint> out;
  while (s.step()) out.push_back(cosigned_from(s));
  return out;
}

std::vector<Refusal> WitnessState::refusals(std::string_view origin, std::size_t limit) {
  std::lock_guard lock(mu_);
  Statement s(db_->handle,
              "SELECT id, origin, received_at, status, reason, old_size, size, checkpoint, proof FROM refusal "
              "WHERE ?1 = '' OR origin = ?1 ORDER BY id DESC LIMIT ?2");
  s.bind(1, origin).bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
  std::vector<Refusal> out;
  while (s.step()) {
    Refusal r;
    r.id = s.integer(0);
    r.origin = s.text(1);
    r.received_at = loaded(s.integer(2));
    r.status = static_cast<int>(s.integer(3));
    r.reason = s.text(4);
    r.old_size = loaded(s.integer(5));
    r.size = loaded(s.integer(6));
    r.checkpoint = s.text(7);
    r.proof = s.text(8);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace mandate::witness
