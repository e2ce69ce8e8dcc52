#include "store/postgresql/internal/migrations.h"

#include <array>

namespace mandate::store::postgresql {
namespace {

// Identifiers and secondary keys compare as bytes (COLLATE "C"), as in the
// SQLite store, so "ordered by id" means the same on both backends.
constexpr std::string_view kLedgerAndRecords = R"sql(
CREATE TABLE mandate_meta (
  key   text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);
-- The one row every append locks first: it numbers entries across servers.
CREATE TABLE ledger_head (
  id   integer PRIMARY KEY CHECK (id = 1),
  size bigint NOT NULL CHECK (size >= 0)
);
INSERT INTO ledger_head (id, size) VALUES (1, 0);
CREATE TABLE ledger_entry (
  idx       bigint PRIMARY KEY CHECK (idx >= 0),
  leaf_hash bytea NOT NULL CHECK (length(leaf_hash) = 32),
  nodes     bytea NOT NULL,
  type      text NOT NULL,
  body      bytea NOT NULL
);
CREATE TABLE ledger_checkpoint (
  size bigint PRIMARY KEY,
  note text NOT NULL
);
CREATE TABLE state_record (
  kind    text COLLATE "C" NOT NULL,
  id      text COLLATE "C" NOT NULL,
  ref     text COLLATE "C" NOT NULL,
  version bigint NOT NULL,
  body    text NOT NULL,
  PRIMARY KEY (kind, id)
);
CREATE INDEX state_record_by_ref ON state_record (kind, ref, id);
)sql";

constexpr std::array kMigrations{
    Migration{1, "ledger, checkpoints, state records and meta", kLedgerAndRecords},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int schema_version(Connection& connection) {
  Result exists = connection.query("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
                                   "AND tablename = 'mandate_schema_migration'",
                                   Params());
  if (exists.integer(0, 0) == 0) return 0;
  Result v = connection.query("SELECT COALESCE(max(version), 0)::bigint FROM mandate_schema_migration", Params());
  return static_cast<int>(v.integer(0, 0));
}

}  // namespace mandate::store::postgresql
