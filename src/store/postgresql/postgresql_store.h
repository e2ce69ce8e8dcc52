#pragma once
// Several servers on one database: the store on PostgreSQL. Every server
// that opens the same database shares one ledger, one Merkle tree and one
// set of records; appends from all of them are numbered under one row lock
// (ledger_head) inside their commit, and each commit is durable
// (synchronous_commit = on) before it returns.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "store/store.h"

namespace mandate::store {

struct ConnectionSettings {
  // A libpq URL without a password, e.g. postgresql://mandate@db.internal:5432/mandate.
  std::string url;
  // From a file or the environment (see home/config.h); never logged. Empty:
  // libpq's own means (trust, peer, ~/.pgpass, PGPASSWORD).
  std::string password;
  std::size_t pool_size = 8;
  std::chrono::seconds connect_timeout{5};
  // How long a caller waits for a free connection before answering 503.
  std::chrono::milliseconds acquire_timeout{5000};
};

// Checks the URL before anything connects: Error{bad_input} when it does
// not parse or carries a password (which belongs in a file or the
// environment, never in a config that is shared and logged).
void check_connection_url(const std::string& url);

// A database that holds no mandate store yet: creates the schema at the
// latest version. Refuses a database that already holds one.
std::unique_ptr<Store> create_postgresql_store(const ConnectionSettings& settings);
// Refuses a database without a mandate store, or whose schema is older
// (run `mandate store migrate`) or newer (a newer mandate made it) than
// this binary's.
std::unique_ptr<Store> open_postgresql_store(const ConnectionSettings& settings);

struct AppliedMigration {
  int version = 0;
  std::string description;
};
struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
  std::vector<AppliedMigration> applied;
};
// Brings the schema to this binary's version, one transaction per step,
// under an advisory lock so servers starting together apply each step once.
MigrationReport migrate_postgresql_store(const ConnectionSettings& settings);
int postgresql_schema_version();  // the version this binary reads

}  // namespace mandate::store
