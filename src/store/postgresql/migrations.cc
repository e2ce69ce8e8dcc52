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

// Imported audit events (store/event_store.h), as the SQLite store keeps
// them. Every string that comes from a record or a caller is bytea, not
// text: PostgreSQL's text refuses NUL bytes and invalid UTF-8, which SQLite
// stores, and one such field in a hostile record must not fail a whole
// import. bytea compares byte by byte, as SQLite's BINARY and COLLATE "C"
// do. Only what mandate writes itself (kind and category names, the JSON of
// chain and signals) is text. Times are microseconds since the Unix epoch,
// as in SQLite, so ranges and order are the same integers on both.
// Identifiers are indexed by their SHA-256 rather than their value: a btree
// entry holds at most about 2.7 kB and a longer identifier must not fail an
// import either. Queries compare the digest (to use the index) and then the
// value itself; only the uniqueness of ids rests on the digest alone.
constexpr std::string_view kImportedEvents = R"sql(
CREATE TABLE observed_event (
  seq               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id                bytea NOT NULL,
  source            bytea NOT NULL,
  account           bytea NOT NULL,
  time              bigint NOT NULL,
  actor_id          bytea NOT NULL,
  actor_kind        text COLLATE "C" NOT NULL,
  actor_name        bytea NOT NULL,
  credential        bytea NOT NULL,
  credential_kind   text COLLATE "C" NOT NULL,
  credential_issued bigint,
  chain             text NOT NULL,
  category          text COLLATE "C" NOT NULL,
  action            bytea NOT NULL,
  resource          bytea NOT NULL,
  result            text COLLATE "C" NOT NULL,
  source_address    bytea NOT NULL,
  user_agent        bytea NOT NULL,
  interactive       boolean NOT NULL,
  signals           text NOT NULL,
  issued_credential bytea NOT NULL,
  reference         bytea NOT NULL,
  origin            bytea NOT NULL,
  parent_id         bytea NOT NULL,
  raw               bytea NOT NULL
);
-- What makes a re-imported record a duplicate, on every server at once.
CREATE UNIQUE INDEX observed_event_id ON observed_event (sha256(id));
CREATE INDEX observed_event_time ON observed_event (time, seq);
CREATE INDEX observed_event_actor ON observed_event (sha256(actor_id), time, seq);
CREATE INDEX observed_event_credential ON observed_event (sha256(credential));
-- With time: linking looks for the latest issuer at or before each use.
CREATE INDEX observed_event_issued ON observed_event (sha256(issued_credential), time, seq);
CREATE INDEX observed_event_parent ON observed_event (sha256(parent_id));
)sql";

// The record's own id in its source (CloudTrail eventID, Kubernetes
// auditID, …), to go back from an event to the source's logs.
constexpr std::string_view kSourceRecordIds = R"sql(
ALTER TABLE observed_event ADD COLUMN source_id bytea NOT NULL DEFAULT ''::bytea;
CREATE INDEX observed_event_source_id ON observed_event (sha256(source_id));
)sql";

// Records with no ref (seen proofs, use counts) are never looked up by it;
// their index entries only cost the commits that write them.
constexpr std::string_view kIndexOfSetRefs = R"sql(
CREATE INDEX state_record_by_set_ref ON state_record (kind, ref, id) WHERE ref <> '';
DROP INDEX state_record_by_ref;
)sql";

// A commit checks the versions its puts expect in the same round trip as
// its writes (postgresql_store.cc): the check fails the transaction, with
// SQLSTATE MD001 (a conflict), before anything is written. A server that
// was the last to append numbers its next batch from the size it left and
// locks the head in that same round trip: mandate_lock_head fails the
// transaction, with MD002, when another server appended meanwhile.
constexpr std::string_view kCommitChecks = R"sql(
CREATE FUNCTION mandate_lock_head(expected_size bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  locked_size bigint;
BEGIN
  SELECT size INTO locked_size FROM ledger_head WHERE id = 1 FOR UPDATE;
  IF locked_size <> expected_size THEN
    RAISE EXCEPTION 'the ledger has % entries, not % (another writer appended)', locked_size, expected_size
      USING ERRCODE = 'MD002';
  END IF;
END
$$;

CREATE FUNCTION mandate_expect_versions(record_kinds text[], record_ids text[], stored_versions bigint[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  stale record;
BEGIN
  -- One primary-key lookup per record named: a join may be planned as a
  -- scan of the whole table, and this runs in every commit.
  SELECT wanted.kind, wanted.id, wanted.version AS expected, stored.version AS found INTO stale
    FROM unnest(record_kinds, record_ids, stored_versions) AS wanted(kind, id, version)
    CROSS JOIN LATERAL (SELECT coalesce((SELECT s.version FROM state_record s
                                          WHERE s.kind = wanted.kind AND s.id = wanted.id), 0) AS version) stored
   WHERE stored.version <> wanted.version
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '% % changed under this writer (version %, expected %)',
      stale.kind, stale.id, stale.found, stale.expected USING ERRCODE = 'MD001';
  END IF;
END
$$;
)sql";

// A batch numbered after another still in flight expects the ledger to
// end with that batch's last leaf, not just at its size: if the batch
// before did not land, another writer's rows could fill the same size.
constexpr std::string_view kLockAfterLeaf = R"sql(
CREATE FUNCTION mandate_lock_head(expected_size bigint, expected_last_leaf bytea)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  locked_size bigint;
  last_leaf bytea;
BEGIN
  SELECT size INTO locked_size FROM ledger_head WHERE id = 1 FOR UPDATE;
  IF locked_size = expected_size THEN
    SELECT leaf_hash INTO last_leaf FROM ledger_entry WHERE idx = expected_size - 1;
    IF last_leaf = expected_last_leaf THEN
      RETURN;
    END IF;
  END IF;
  RAISE EXCEPTION 'the ledger has % entries, not the % this batch was numbered after (a batch before it did not land, or another writer appended)',
    locked_size, expected_size USING ERRCODE = 'MD002';
END
$$;
)sql";

constexpr std::array kMigrations{
    Migration{1, "ledger, checkpoints, state records and meta", kLedgerAndRecords},
    Migration{2, "imported audit events", kImportedEvents},
    Migration{3, "source record ids of imported events", kSourceRecordIds},
    Migration{4, "records indexed by ref only where one is set", kIndexOfSetRefs},
    Migration{5, "the head locked and record versions checked in the commit's round trip", kCommitChecks},
    Migration{6, "the head locked after a batch still in flight, by its last leaf", kLockAfterLeaf},
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
