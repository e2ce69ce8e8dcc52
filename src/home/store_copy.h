#pragma once
// Moving a home from SQLite to PostgreSQL (`mandate store copy`): the source
// home's store is copied verbatim into an empty database, the copy is proven
// against the source, and only then is a new home made that names it.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "home/config.h"
#include "ledger/merkle.h"

namespace mandate::home {

class Home;

struct CopyTarget {
  // The database: url, password_file (absolute, so the new home can move)
  // or password_env; the rest of the new home's [store] section.
  StoreConfig store;
  std::filesystem::path new_home;  // must not exist
  std::size_t rows_per_transaction = 1000;
};

// What the proof established; all of it is equal on both stores.
struct CopyReport {
  std::uint64_t entries = 0;
  ledger::Hash root{};
  std::size_t checkpoints_matched = 0;
  std::map<std::string, std::size_t> records;  // per kind
  std::size_t meta_keys = 0;
  std::size_t events = 0;  // imported audit events, copied with their ids
};

// Copies `source` (a SQLite home; no server may be running on it) into the
// empty database `target.store` names, proves the copy, then writes
// target.new_home. Refuses (bad_input, nothing made) a PostgreSQL source, an
// existing new home, and a database that already holds a store; imported
// audit events are copied too. Once the copy has
// begun, any failure (check_failed when the proof fails, conflict when the
// source moved) leaves no new home and says to drop and recreate the
// database before retrying: it then holds a partial copy, which no home can
// open since its origin is written last.
CopyReport copy_home_to_postgresql(Home& source, const CopyTarget& target);

}  // namespace mandate::home
