#include "store/sqlite/internal/sqlite_db.h"

#include <sqlite3.h>

#include "core/error.h"

namespace mandate::store::sqlite {

namespace {

// What a failure means to whoever reads the message. A damaged file is not
// the caller's input (they sent a well-formed request) nor a passing
// environment failure (retrying will not help): an operator must restore
// the store, so it says so. NOTADB is the same damage when it hits the
// file header; a path that is not a mandate store at all is refused
// earlier, as bad input, by the store's format check.
ErrorKind kind_of(int code) {
  switch (code) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return ErrorKind::corruption;
    default: return ErrorKind::io;  // CANTOPEN, FULL, IOERR, READONLY, BUSY...: the environment
  }
}

}  // namespace

void throw_sqlite(sqlite3* db, std::string_view what) {
  const int code = db != nullptr ? sqlite3_errcode(db) : SQLITE_ERROR;
  const std::string detail = db != nullptr ? sqlite3_errmsg(db) : "unknown error";
  const ErrorKind kind = kind_of(code);
  if (kind == ErrorKind::corruption) {
    fail(kind, "the store is damaged (" + detail + ", while: " + std::string(what) + "): restore it from a backup");
  }
  fail(kind, std::string(what) + ": " + detail);
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_,
                         nullptr) != SQLITE_OK) {
    throw_sqlite(db, "cannot prepare statement");
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }
Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }

Statement& Statement::bind(int pos, std::int64_t value) {
  sqlite3_bind_int64(stmt_, pos, value);
  return *this;
}

Statement& Statement::bind(int pos, std::string_view text) {
  sqlite3_bind_text(stmt_, pos, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_blob(int pos, std::span<const std::uint8_t> blob) {
  sqlite3_bind_blob(stmt_, pos, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_blob(int pos, std::string_view blob) {
  sqlite3_bind_blob(stmt_, pos, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_borrowed_blob(int pos, std::string_view blob) {
  sqlite3_bind_blob(stmt_, pos, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::bind_borrowed_text(int pos, std::string_view text) {
  sqlite3_bind_text(stmt_, pos, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string message = sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  if (rc == SQLITE_CONSTRAINT) fail(ErrorKind::conflict, "constraint failed: " + message);
  throw_sqlite(db_, "statement failed");
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::column_int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Statement::column_text(int col) const {
  const auto* text = sqlite3_column_text(stmt_, col);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text),
                                                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::string Statement::column_blob(int col) const {
  const void* blob = sqlite3_column_blob(stmt_, col);
  return blob == nullptr ? std::string()
                         : std::string(static_cast<const char*>(blob),
                                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::string_view Statement::column_view(int col) const {
  const void* blob = sqlite3_column_blob(stmt_, col);
  return blob == nullptr ? std::string_view()
                         : std::string_view(static_cast<const char*>(blob),
                                            static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

bool Statement::column_is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

namespace {

// SQLite counts every allocation under one process-wide mutex unless told
// not to, and mandate reads none of those counts: with the committing
// thread and the readers of the network threads allocating at once, that
// mutex was an eighth of the committing thread's context switches. The
// setting only takes before SQLite initializes, hence once, before the
// first connection (SQLITE_MISUSE after that is harmless: counting stays).
void stop_counting_allocations() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
}

}  // namespace

Database::Database(const std::string& path, Mode mode) {
  stop_counting_allocations();
  const int flags = SQLITE_OPEN_READWRITE | (mode == Mode::read ? SQLITE_OPEN_NOMUTEX : SQLITE_OPEN_FULLMUTEX) |
                    (mode == Mode::create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    // The path comes from the home's config.toml, which mandate wrote: a
    // store that is missing or unreadable there is the environment's
    // failure (a lost volume, wrong permissions), not the caller's input.
    fail(ErrorKind::io, "cannot open store " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 0);
  sqlite3_busy_timeout(db_, 10000);
  if (mode == Mode::read) exec("PRAGMA query_only=1");
}

Database::~Database() { sqlite3_close_v2(db_); }

void Database::exec(std::string_view sql) {
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) throw_sqlite(db_, "cannot execute");
}

}  // namespace mandate::store::sqlite
