// The online copy of a live store: one snapshot, taken in many steps while
// another connection keeps committing, and a destination it never clobbers.
#include "store/sqlite/sqlite_backup.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "core/error.h"
#include "store/sqlite/sqlite_store.h"
#include "support/files.h"

namespace mandate::store {
namespace {

using mandate::testing::TempDir;

LedgerRow row(std::uint64_t index) {
  LedgerRow r;
  r.index = index;
  r.type = "t";
  // Large bodies make a store of many pages, so a copy of a few pages per
  // step spans many steps.
  r.body = std::string(2048, static_cast<char>('a' + index % 26)) + std::to_string(index);
  r.leaf_hash.fill(static_cast<std::uint8_t>(index));
  return r;
}

void append_rows(Store& store, std::uint64_t from, std::uint64_t count) {
  std::vector<LedgerRow> rows;
  for (std::uint64_t i = from; i < from + count; ++i) rows.push_back(row(i));
  store.append_ledger_rows(rows);
}

std::string integrity_of(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  std::string result;
  sqlite3_exec(
      db, "PRAGMA integrity_check",
      [](void* out, int, char** values, char**) {
        *static_cast<std::string*>(out) += values[0] != nullptr ? values[0] : "";
        return 0;
      },
      &result, nullptr);
  sqlite3_close(db);
  return result;
}

// Every row in [0, size) is there, in order, with the bytes it was written
// with: what a torn copy (pages from different commits) would break.
void expect_rows_intact(Store& store, std::uint64_t size) {
  std::uint64_t next = 0;
  store.scan_ledger(0, size, [&](const LedgerRow& r) {
    EXPECT_EQ(r.index, next);
    EXPECT_EQ(r.body, row(next).body) << "row " << next;
    ++next;
    return true;
  });
  EXPECT_EQ(next, size);
}

TEST(SqliteBackup, CopiesOneSnapshotInManyStepsWhileAnotherConnectionCommits) {
  TempDir tmp;
  const std::string live_path = (tmp / "live.db").string();
  auto live = create_sqlite_store(live_path);
  append_rows(*live, 0, 3000);  // ~7 MiB: some thousands of pages

  // A writer with its own connection, as a server process would have.
  auto writer = open_sqlite_store(live_path);
  // A jthread: a failed expectation that throws still stops and joins it.
  std::jthread appender([&](const std::stop_token& stop) {
    while (!stop.stop_requested()) append_rows(*writer, writer->ledger_size(), 1);
  });

  bool overlapped = false;
  for (int attempt = 0; attempt < 5 && !overlapped; ++attempt) {
    const std::string copy_path = (tmp / ("copy" + std::to_string(attempt) + ".db")).string();
    const std::uint64_t before = live->ledger_size();
    const SqliteCopy copy = copy_sqlite_database(live_path, copy_path, {.pages_per_step = 2});
    const std::uint64_t after = live->ledger_size();
    EXPECT_GT(copy.steps, 100u) << "the copy was taken in small steps";
    // The backup API starts over when the source changes between steps; a
    // pinned snapshot never does, so a busy writer cannot starve the copy.
    EXPECT_LE(copy.steps, copy.pages / 2 + 2) << "the copy restarted: it was not one pinned snapshot";

    EXPECT_EQ(integrity_of(copy_path), "ok");
    auto copied = open_sqlite_store(copy_path);
    const std::uint64_t size = copied->ledger_size();
    EXPECT_GE(size, before);
    EXPECT_LE(size, after);
    expect_rows_intact(*copied, size);
    overlapped = after > before;
  }
  appender.request_stop();
  appender.join();
  EXPECT_TRUE(overlapped) << "in five copies, the writer never committed during one: the test proved nothing";
}

TEST(SqliteBackup, RefusesADestinationThatExistsAndLeavesItAsItWas) {
  TempDir tmp;
  const std::string live_path = (tmp / "live.db").string();
  auto live = create_sqlite_store(live_path);
  append_rows(*live, 0, 3);
  const auto destination = tmp / "taken.db";
  mandate::testing::write_file(destination, "someone else's file");
  try {
    copy_sqlite_database(live_path, destination.string());
    FAIL() << "an existing destination was overwritten";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_NE(std::string(e.what()).find(destination.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(mandate::testing::read_file(destination), "someone else's file");
}

TEST(SqliteBackup, AFailedCopyLeavesNoFileBehind) {
  TempDir tmp;
  const auto not_a_database = tmp / "notes.txt";
  mandate::testing::write_file(not_a_database, std::string(8192, 'x'));
  const auto destination = tmp / "copy.db";
  EXPECT_THROW(copy_sqlite_database(not_a_database.string(), destination.string()), Error);
  EXPECT_FALSE(std::filesystem::exists(destination));
  EXPECT_FALSE(std::filesystem::exists(destination.string() + "-journal"));
  EXPECT_THROW(copy_sqlite_database((tmp / "missing.db").string(), destination.string()), Error);
  EXPECT_FALSE(std::filesystem::exists(destination));
}

TEST(SqliteBackup, TheCopyIsPrivateAndLeavesNoFilesBesideTheSource) {
  TempDir tmp;
  const std::string live_path = (tmp / "live.db").string();
  create_sqlite_store(live_path)->append_ledger_rows(std::vector<LedgerRow>{row(0)});
  const auto destination = tmp / "copy.db";
  copy_sqlite_database(live_path, destination.string());
  struct stat st {};
  ASSERT_EQ(::stat(destination.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(open_sqlite_store(destination.string())->ledger_size(), 1u);
  // With no other connection open, the copy's connection was the last one:
  // it must not leave the source's -wal and -shm behind.
  EXPECT_FALSE(std::filesystem::exists(live_path + "-wal"));
  EXPECT_FALSE(std::filesystem::exists(live_path + "-shm"));
}

}  // namespace
}  // namespace mandate::store
