#include "sqlite_reference.h"

#include <sqlite3.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace mandate::bench {

RawNodeReader::RawNodeReader(const std::filesystem::path& store) {
  if (sqlite3_open_v2(store.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db_, "SELECT leaf_hash FROM ledger_entry WHERE idx = ?1", -1, &select_, nullptr) !=
          SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);  // the destructor does not run for a constructor that throws
    throw std::runtime_error("raw SQLite reader: " + message);
  }
}

RawNodeReader::~RawNodeReader() {
  sqlite3_finalize(select_);
  sqlite3_close(db_);
}

crypto::Hash RawNodeReader::leaf_hash(std::uint64_t index) {
  sqlite3_bind_int64(select_, 1, static_cast<sqlite3_int64>(index));
  crypto::Hash out{};
  const bool found = sqlite3_step(select_) == SQLITE_ROW && sqlite3_column_bytes(select_, 0) == 32;
  if (found) {
    const auto* blob = static_cast<const std::uint8_t*>(sqlite3_column_blob(select_, 0));
    std::copy(blob, blob + out.size(), out.begin());
  }
  sqlite3_reset(select_);
  if (!found) throw std::runtime_error("raw SQLite reader: no leaf " + std::to_string(index));
  return out;
}

void RawNodeReader::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    throw std::runtime_error(std::string("raw SQLite reader: ") + sqlite3_errmsg(db_));
  }
}

void RawNodeReader::begin_read() { exec("BEGIN"); }
void RawNodeReader::end_read() { exec("COMMIT"); }

}  // namespace mandate::bench
