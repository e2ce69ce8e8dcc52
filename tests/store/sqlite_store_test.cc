// What only the SQLite store does (files, damage, old formats); the
// contract both backends hold is in conformance_test.cc.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "core/error.h"
#include "store/sqlite/internal/sqlite_db.h"
#include "store/sqlite/sqlite_event_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/damage.h"
#include "support/process.h"

namespace mandate::store {
namespace {

using mandate::testing::TempDir;

LedgerRow row(std::uint64_t index, std::string body = "x") {
  LedgerRow r;
  r.index = index;
  r.type = "t";
  r.body = std::move(body);
  r.leaf_hash.fill(static_cast<std::uint8_t>(index));
  return r;
}






// A store whose pages were damaged (a failing disk, a stray write) is
// reported as damaged: not the caller's input, not a passing I/O failure.
TEST(SqliteStore, ADamagedPageIsCorruptionNotBadInput) {
  TempDir tmp;
  const std::string path = (tmp / "m.db").string();
  {
    auto store = create_sqlite_store(path);
    std::vector<LedgerRow> rows;
    for (std::uint64_t i = 0; i < 60; ++i) {
      rows.push_back(row(i, "entry-" + std::to_string(1000 + i) + std::string(900, 'x')));
    }
    store->append_ledger_rows(rows);
  }  // closed: everything is checkpointed into the file
  mandate::testing::damage_page_containing(path, "entry-1001");

  auto store = open_sqlite_store(path);
  try {
    store->ledger_row(1);
    FAIL() << "a damaged page was read without complaint";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::corruption) << e.what();
    EXPECT_NE(std::string(e.what()).find("the store is damaged"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("restore it from a backup"), std::string::npos) << e.what();
  }
}

// Past 1,000 pages the write-ahead log is copied back beside the commits,
// and the store's health counts the copies (mandate_store_log_copies_total).
TEST(SqliteStore, CopiesItsLogBesideTheCommitsAndCountsTheCopies) {
  TempDir tmp;
  const std::string path = (tmp / "m.db").string();
  auto store = create_sqlite_store(path);
  const std::string body(60'000, 'b');  // four 16 KiB overflow pages a row
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::uint64_t appended = 0;
  const auto copies = [&] { return store->health().log_copies.value_or(StoreHealth::LogCopies{}); };
  while (copies().done == 0 && std::chrono::steady_clock::now() < deadline) {
    store->append_ledger_rows(std::vector<LedgerRow>{row(appended, body)});
    ++appended;
  }
  const StoreHealth::LogCopies made = copies();
  ASSERT_GT(made.done, 0u) << "no copy after " << appended << " commits";
  // A commit of one row writes its four overflow pages, its leaf and at
  // most a few pages above: no more than 8 to the log.
  EXPECT_GE(appended, 1000u / 8) << "copied before the log reached 1,000 pages";
  EXPECT_EQ(made.failed, 0u);
  EXPECT_EQ(store->ledger_size(), appended);
  const auto last = store->ledger_row(appended - 1);
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->body, body);
}

// A read that fails part way (here a stored hash of the wrong size) leaves
// its connection mid-statement: the next read must not inherit it.
TEST(SqliteStore, AReadThatFailedLeavesNothingToTheNextRead) {
  TempDir tmp;
  const std::string path = (tmp / "m.db").string();
  auto store = create_sqlite_store(path);
  store->append_ledger_rows(std::vector<LedgerRow>{row(0), row(1)});
  {
    sqlite::Database raw(path, sqlite::Database::Mode::existing);
    raw.exec("UPDATE ledger_entry SET leaf_hash = x'00' WHERE idx = 0");
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_THROW(store->ledger_row(0), Error);
    const auto good = store->ledger_row(1);
    ASSERT_TRUE(good.has_value()) << "attempt " << i;
    EXPECT_EQ(good->index, 1u);
    EXPECT_EQ(good->leaf_hash[0], 1);
  }
}

// SQLite cannot open the file (CANTOPEN): the environment's failure (a lost
// volume, permissions), not the caller's input.
TEST(SqliteStore, AStoreThatCannotBeOpenedIsTheEnvironmentsFailure) {
  TempDir tmp;
  std::filesystem::create_directory(tmp / "m.db");  // where the file should be
  try {
    open_sqlite_store((tmp / "m.db").string());
    FAIL() << "a directory opened as a store";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::io) << e.what();
  }
}

TEST(SqliteStore, RefusesFilesThatAreNotMandateStores) {
  TempDir tmp;
  const auto garbage = tmp / "garbage.db";
  mandate::testing::write_file(garbage, std::string(4096, 'g'));
  try {
    open_sqlite_store(garbage.string());
    FAIL() << "garbage accepted";
  } catch (const Error& e) {
    // SQLite cannot tell a file that never was a database from one whose
    // header was destroyed: either way the store is damaged.
    EXPECT_EQ(e.kind(), ErrorKind::corruption) << e.what();
  }
  EXPECT_EQ(mandate::testing::read_file(garbage), std::string(4096, 'g'));

  const auto empty = tmp / "empty.db";
  mandate::testing::write_file(empty, "");
  EXPECT_THROW(open_sqlite_store(empty.string()), Error);
  EXPECT_EQ(std::filesystem::file_size(empty), 0u);
}

}  // namespace
}  // namespace mandate::store

namespace mandate::store {
namespace {



TEST(SqliteStoreRecords, AStoreMadeBeforeRecordsExistedOpensAndGainsThem) {
  TempDir tmp;
  const std::string path = (tmp / "m.db").string();
  create_sqlite_store(path)->append_ledger_rows(std::vector<LedgerRow>{row(0)});
  mandate::testing::run({"sqlite3", path, "DROP TABLE state_record;"});
  auto store = open_sqlite_store(path);
  EXPECT_EQ(store->ledger_size(), 1u);
  EXPECT_EQ(store->record_version("task", "x"), kAbsent);
}

// Homes made before 2026-12-06 indexed every record by its ref, an empty
// one too; they open with the index of set refs in its place and list
// records by ref, empty or set, as before.
TEST(SqliteStoreRecords, AnOldHomesIndexOfEveryRefIsReplacedByOneOfSetRefs) {
  TempDir tmp;
  const std::string path = (tmp / "m.db").string();
  create_sqlite_store(path)->append_ledger_rows(
      std::vector<LedgerRow>{row(0)},
      std::vector<RecordPut>{{"mandate", "m1", "t1", "{}", kAbsent}, {"proof", "p1", "", "{}", kAbsent}});
  mandate::testing::run({"sqlite3", path,
                         "DROP INDEX state_record_by_set_ref; "
                         "CREATE INDEX state_record_by_ref ON state_record(kind, ref, id);"});
  auto store = open_sqlite_store(path);
  const std::string indexes = mandate::testing::run({"sqlite3", path,
                                                     "SELECT group_concat(name) FROM sqlite_master "
                                                     "WHERE type = 'index' AND tbl_name = 'state_record'"})
                                  .out;
  EXPECT_EQ(indexes.find("state_record_by_ref"), std::string::npos) << indexes;
  EXPECT_NE(indexes.find("state_record_by_set_ref"), std::string::npos) << indexes;
  ASSERT_EQ(store->records("mandate", std::string("t1")).size(), 1u);
  ASSERT_EQ(store->records("proof", std::string("")).size(), 1u);
  EXPECT_EQ(store->records("proof", std::string(""))[0].id, "p1");
}

TEST(SqliteStore, AnOldHomeGainsSourceIdsAndPartialIndexesAndKeepsItsEvents) {
  TempDir dir;
  const std::string db = (dir / "m.db").string();
  auto base = create_sqlite_store(db);
  {
    // The imported events' table as homes made before source_id had it.
    sqlite::Database old(db, sqlite::Database::Mode::existing);
    old.exec(
        "CREATE TABLE observed_event (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, source TEXT NOT NULL, account "
        "TEXT NOT NULL, time INTEGER NOT NULL, actor_id TEXT NOT NULL, actor_kind TEXT NOT NULL, actor_name TEXT NOT "
        "NULL, credential TEXT NOT NULL, credential_kind TEXT NOT NULL, credential_issued INTEGER, chain TEXT NOT "
        "NULL, category TEXT NOT NULL, action TEXT NOT NULL, resource TEXT NOT NULL, result TEXT NOT NULL, "
        "source_address TEXT NOT NULL, user_agent TEXT NOT NULL, interactive INTEGER NOT NULL, signals TEXT NOT "
        "NULL, issued_credential TEXT NOT NULL, reference TEXT NOT NULL, origin TEXT NOT NULL, parent_id TEXT NOT "
        "NULL, raw BLOB NOT NULL);"
        "CREATE INDEX observed_event_issued ON observed_event(issued_credential);"
        "CREATE INDEX observed_event_parent ON observed_event(parent_id);"
        "INSERT INTO observed_event VALUES (1,'old','cloudtrail','1',5,'alice','human','','','none',NULL,'[]',"
        "'action','s3:GetObject','','success','','',0,'[]','','','t.json:1','',X'7B7D');");
  }
  auto events = open_sqlite_event_store(db);
  ASSERT_TRUE(events->event("old"));
  EXPECT_EQ(events->event("old")->source_id, "");
  core::AuditEvent e;
  e.id = "new";
  e.source = "cloudtrail";
  e.source_id = "evt-9";
  e.actor = {"bob", core::PrincipalKind::human, {}};
  events->add_events(std::vector<core::AuditEvent>{e});
  EventQuery q;
  q.source_id = "evt-9";
  std::vector<std::string> found;
  events->scan_events(q, [&](const core::AuditEvent& x) {
    found.push_back(x.id);
    return true;
  });
  EXPECT_EQ(found, std::vector<std::string>{"new"});
  // Opening it again (as every command does) changes nothing more.
  auto again = open_sqlite_event_store(db);
  EXPECT_EQ(again->event_count(), 2u);
  // The full issuer and parent indexes gave way to partial ones.
  sqlite::Database check(db, sqlite::Database::Mode::existing);
  auto indexes = check.prepare(
      "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE type = 'index' AND "
      "tbl_name = 'observed_event' AND sql LIKE '%WHERE%' ORDER BY name)");
  ASSERT_TRUE(indexes.step());
  EXPECT_EQ(indexes.column_text(0), "observed_event_child observed_event_issuer");
  auto old_ones = check.prepare(
      "SELECT count(*) FROM sqlite_schema WHERE name IN ('observed_event_issued', 'observed_event_parent')");
  ASSERT_TRUE(old_ones.step());
  EXPECT_EQ(old_ones.column_int(0), 0);
}

}  // namespace
}  // namespace mandate::store
