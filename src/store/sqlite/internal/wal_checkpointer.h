#pragma once
// Private to the store module: the build defines MANDATE_INSIDE_STORE only for src/store/ and tests/store/.
#ifndef MANDATE_INSIDE_STORE
#error "this header is internal to the store module; include a public store/ header instead"
#endif
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite/internal/sqlite_db.h"

namespace mandate::store::sqlite {

// Copies the write-ahead log back into the database file on a thread of its
// own. SQLite's default runs that copy inside the commit that takes the log
// past 1,000 pages: with mandate's 16 KiB pages, up to 16 MB written and
// synced while every appender waits for that one commit (5-10 ms, every few
// hundred commits, with the whole server's decisions stalled behind it).
// Here the writer's commits only append to the log and, past the mark, ring
// for the copy, which runs beside them as a passive checkpoint: it never
// waits for the writer or a reader, and copies what no reader still needs.
// The log is reused from its start by the first commit after a complete
// copy, as with SQLite's own checkpoints. Durability does not change: each
// commit is synced in the log before it returns, copied or not.
class WalCheckpointer {
 public:
  static constexpr int kPagesBeforeCopy = 1000;  // SQLite's own default mark

  // `writer` must outlive this; the file at `path` must already exist.
  WalCheckpointer(const std::string& path, Database& writer, int pages_before_copy = kPagesBeforeCopy);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Copies made, and copies that failed (the log then stays longer until a
  // later one succeeds); for tests and metrics.
  std::uint64_t copies() const;
  std::uint64_t failures() const;

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int pages_in_log);
  void run();

  Database& writer_;
  Database own_;
  const int pages_before_copy_;
  mutable std::mutex mu_;
  std::condition_variable rung_;
  bool due_ = false;
  bool stopping_ = false;
  std::uint64_t copies_ = 0;
  std::uint64_t failures_ = 0;
  std::thread thread_;  // last: starts once everything it reads is built
};

}  // namespace mandate::store::sqlite
