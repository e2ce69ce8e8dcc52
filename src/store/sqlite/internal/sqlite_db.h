#pragma once
// Private to the store module: the build defines MANDATE_INSIDE_STORE only for src/store/ and tests/store/.
#ifndef MANDATE_INSIDE_STORE
#error "this header is internal to the store module; include a public store/ header instead"
#endif
// Thin RAII wrappers over the SQLite C API.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace mandate::store::sqlite {

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int pos, std::int64_t value);
  Statement& bind(int pos, std::string_view text);
  Statement& bind_blob(int pos, std::span<const std::uint8_t> blob);
  Statement& bind_blob(int pos, std::string_view blob);
  // Bound without a copy: the bytes must stay alive and unchanged until
  // reset() (a ledger row's body while its insert steps).
  Statement& bind_borrowed_blob(int pos, std::string_view blob);
  Statement& bind_borrowed_text(int pos, std::string_view text);
  bool step();  // true while a row is available
  void reset();

  std::int64_t column_int(int col) const;
  std::string column_text(int col) const;
  std::string column_blob(int col) const;
  // Valid until the next step() or reset().
  std::string_view column_view(int col) const;
  bool column_is_null(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Database {
 public:
  // `read`: an existing store, this connection only reads (query_only) and
  // is used by one thread at a time.
  enum class Mode { create, existing, read };
  Database(const std::string& path, Mode mode);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(std::string_view sql);
  Statement prepare(std::string_view sql) { return Statement(db_, sql); }
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// Throws mandate::Error with SQLite's message for a failed call.
[[noreturn]] void throw_sqlite(sqlite3* db, std::string_view what);

}  // namespace mandate::store::sqlite
