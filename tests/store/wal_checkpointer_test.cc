// The write-ahead log is copied back into the database file on the
// checkpointer's thread, and reused from its start afterwards.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "store/sqlite/internal/sqlite_db.h"
#include "store/sqlite/internal/wal_checkpointer.h"
#include "support/process.h"

namespace mandate::store::sqlite {
namespace {

using namespace std::chrono_literals;
using mandate::testing::TempDir;

struct LogFile {
  std::filesystem::path path;
  std::uintmax_t size() const { return std::filesystem::exists(path) ? std::filesystem::file_size(path) : 0; }
};

// A table in a WAL database with synchronous=FULL, as the store keeps its
// own, and a commit that adds about one page to the log.
struct LoggedTable {
  explicit LoggedTable(const std::string& path) : db(path, Database::Mode::create) {
    db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (body TEXT NOT NULL)");
    insert.emplace(db.prepare("INSERT INTO t (body) VALUES (?)"));
  }
  void commit_a_page() {
    db.exec("BEGIN IMMEDIATE");
    insert->bind(1, std::string(3000, 'x'));
    insert->step();
    insert->reset();
    db.exec("COMMIT");
  }
  std::int64_t rows() {
    Statement count = db.prepare("SELECT count(*) FROM t");
    return count.step() ? count.column_int(0) : -1;
  }
  Database db;
  std::optional<Statement> insert;
};

// Without the checkpointer's copies, every commit below appends to the log
// and it never shrinks back to its start: the test would time out growing.
TEST(WalCheckpointer, CopiesTheLogPastTheMarkAndTheNextCommitReusesIt) {
  TempDir tmp;
  const std::string path = (tmp / "c.db").string();
  LoggedTable table(path);
  const LogFile log{path + "-wal"};
  WalCheckpointer checkpointer(path, table.db, 8);

  const auto deadline = std::chrono::steady_clock::now() + 20s;
  int commits = 0;
  while (checkpointer.copies() == 0 && std::chrono::steady_clock::now() < deadline) {
    table.commit_a_page();
    ++commits;
  }
  ASSERT_GT(checkpointer.copies(), 0u) << "no copy after " << commits << " commits";
  EXPECT_GE(commits, 4) << "a copy before the log reached its mark";

  // Once a copy has taken everything, the next commit writes the log from
  // its start: the file stops growing.
  bool reused = false;
  while (!reused && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    const auto before = log.size();
    table.commit_a_page();
    ++commits;
    reused = log.size() == before;
  }
  EXPECT_TRUE(reused) << "the log grew at every one of " << commits << " commits";
  EXPECT_EQ(checkpointer.failures(), 0u);

  EXPECT_EQ(table.rows(), commits);
}

// The writer goes on committing after the checkpointer has stopped: its
// hook is gone with it, so no commit calls into a destroyed object.
TEST(WalCheckpointer, StopsCleanlyAndTheWriterGoesOn) {
  TempDir tmp;
  const std::string path = (tmp / "s.db").string();
  LoggedTable table(path);
  {
    WalCheckpointer checkpointer(path, table.db, 2);
    for (int i = 0; i < 10; ++i) table.commit_a_page();
  }
  for (int i = 0; i < 10; ++i) table.commit_a_page();
  EXPECT_EQ(table.rows(), 20);
}

}  // namespace
}  // namespace mandate::store::sqlite
