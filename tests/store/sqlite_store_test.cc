#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
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

TEST(SqliteStore, CreateRefusesAnExistingFileAndOpenRefusesAMissingOne) {
  TempDir tmp;
  const std::string path = (tmp / "m.db").string();
  EXPECT_THROW(open_sqlite_store(path), Error);
  create_sqlite_store(path);
  EXPECT_THROW(create_sqlite_store(path), Error);
  EXPECT_NO_THROW(open_sqlite_store(path));
}

TEST(SqliteStore, AppendsRowsAndReadsThemBack) {
  TempDir tmp;
  auto store = create_sqlite_store((tmp / "m.db").string());
  EXPECT_EQ(store->ledger_size(), 0u);
  std::vector<LedgerRow> rows{row(0, "a"), row(1, "b"), row(2, "c")};
  rows[1].nodes = std::string(32, '\x07');
  store->append_ledger_rows(rows);
  EXPECT_EQ(store->ledger_size(), 3u);
  EXPECT_EQ(store->ledger_row(1)->body, "b");
  EXPECT_FALSE(store->ledger_row(3).has_value());
  EXPECT_EQ(store->ledger_node(0, 2)->at(0), 2);
  // Node (level 1, index 0) is stored with the entry that completes it: 1.
  EXPECT_EQ(store->ledger_node(1, 0)->at(0), 7);
  EXPECT_FALSE(store->ledger_node(1, 1).has_value());
  std::vector<std::uint64_t> seen;
  store->scan_ledger(1, 3, [&](const LedgerRow& r) {
    seen.push_back(r.index);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2}));
}

TEST(SqliteStore, AGapOrOverlapIsAConflictAndWritesNothing) {
  TempDir tmp;
  auto store = create_sqlite_store((tmp / "m.db").string());
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)});
  try {
    store->append_ledger_rows(std::vector<LedgerRow>{row(2)});
    FAIL() << "a gap was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
  }
  // A batch whose second row collides fails whole.
  EXPECT_THROW(store->append_ledger_rows(std::vector<LedgerRow>{row(1), row(1)}), Error);
  EXPECT_EQ(store->ledger_size(), 1u);
}

TEST(SqliteStore, ASecondHandleSeesCommittedRows) {
  TempDir tmp;
  const std::string path = (tmp / "m.db").string();
  auto writer = create_sqlite_store(path);
  auto reader = open_sqlite_store(path);
  writer->append_ledger_rows(std::vector<LedgerRow>{row(0), row(1)});
  EXPECT_EQ(reader->ledger_size(), 2u);
  // The reader's view of the size is what a second writer checks against.
  EXPECT_THROW(reader->append_ledger_rows(std::vector<LedgerRow>{row(1)}), Error);
}

TEST(SqliteStore, CheckpointsAndMeta) {
  TempDir tmp;
  auto store = create_sqlite_store((tmp / "m.db").string());
  store->add_checkpoint({5, "five"});
  store->add_checkpoint({2, "two"});
  const auto cps = store->checkpoints();
  ASSERT_EQ(cps.size(), 2u);
  EXPECT_EQ(cps[0].size, 2u);
  EXPECT_EQ(cps[1].note, "five");
  EXPECT_EQ(store->meta("format"), std::string(kStoreFormat));
  store->set_meta("origin", "o");
  EXPECT_EQ(store->meta("origin"), "o");
  EXPECT_FALSE(store->meta("nothing").has_value());
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

TEST(SqliteStoreRecords, PutsCommitWithTheirRowsAndCountVersions) {
  TempDir tmp;
  auto store = create_sqlite_store((tmp / "m.db").string());
  EXPECT_EQ(store->record_version("task", "t1"), kAbsent);
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)},
                            std::vector<RecordPut>{{"task", "t1", "", R"({"s":1})", kAbsent}});
  store->append_ledger_rows(std::vector<LedgerRow>{row(1)},
                            std::vector<RecordPut>{{"task", "t1", "alice", R"({"s":2})", 1},
                                                   {"mandate", "m1", "t1", "{}", kAnyVersion}});
  auto task = store->record("task", "t1");
  ASSERT_TRUE(task);
  EXPECT_EQ(task->version, 2);
  EXPECT_EQ(task->body, R"({"s":2})");
  EXPECT_EQ(task->ref, "alice");
  EXPECT_EQ(store->records("mandate", std::string("t1")).size(), 1u);
  EXPECT_TRUE(store->records("mandate", std::string("t2")).empty());
  EXPECT_EQ(store->records("task").size(), 1u);
}

TEST(SqliteStoreRecords, AStaleVersionWritesNeitherRowsNorPuts) {
  TempDir tmp;
  auto store = create_sqlite_store((tmp / "m.db").string());
  store->append_ledger_rows(std::vector<LedgerRow>{row(0)}, std::vector<RecordPut>{{"proof", "j1", "", "{}", kAbsent}});
  try {
    store->append_ledger_rows(std::vector<LedgerRow>{row(1)},
                              std::vector<RecordPut>{{"mandate", "m1", "", "{}", kAnyVersion},
                                                     {"proof", "j1", "", "{}", kAbsent}});
    FAIL() << "a replayed jti was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::conflict);
  }
  EXPECT_EQ(store->ledger_size(), 1u);
  EXPECT_FALSE(store->record("mandate", "m1"));
}

TEST(SqliteStoreRecords, AStoreMadeBeforeRecordsExistedOpensAndGainsThem) {
  TempDir tmp;
  const std::string path = (tmp / "m.db").string();
  create_sqlite_store(path)->append_ledger_rows(std::vector<LedgerRow>{row(0)});
  mandate::testing::run({"sqlite3", path, "DROP TABLE state_record;"});
  auto store = open_sqlite_store(path);
  EXPECT_EQ(store->ledger_size(), 1u);
  EXPECT_EQ(store->record_version("task", "x"), kAbsent);
}

}  // namespace
}  // namespace mandate::store
