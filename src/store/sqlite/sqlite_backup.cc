#include "store/sqlite/sqlite_backup.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string_view>

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include "core/error.h"
#include "store/sqlite/internal/sqlite_db.h"

namespace mandate::store {
namespace {

namespace fs = std::filesystem;

struct CloseConnection {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Connection = std::unique_ptr<sqlite3, CloseConnection>;

// Finishing releases the backup's hold on both connections. The success
// path finishes explicitly (release()) because only then is the result of
// the whole copy known.
struct FinishBackup {
  void operator()(sqlite3_backup* backup) const { sqlite3_backup_finish(backup); }
};
using BackupHandle = std::unique_ptr<sqlite3_backup, FinishBackup>;

Connection open_connection(const std::string& path, int flags, std::string_view role) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Connection db(raw);
  if (rc != SQLITE_OK) {
    fail(ErrorKind::io, "cannot open the " + std::string(role) + " " + path + ": " +
                            (raw != nullptr ? sqlite3_errmsg(raw) : "out of memory"));
  }
  sqlite3_extended_result_codes(raw, 0);
  sqlite3_busy_timeout(raw, 10000);
  return db;
}

void exec(sqlite3* db, const char* sql, std::string_view what) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) sqlite::throw_sqlite(db, what);
}

// Opens a read transaction and reads once, which is what makes SQLite take
// its snapshot (BEGIN alone is deferred). sqlite3_backup_step uses a read
// transaction that is already open instead of one per step, so every step
// reads this same snapshot.
void pin_snapshot(sqlite3* source) {
  exec(source, "BEGIN; SELECT count(*) FROM sqlite_master;", "cannot read the source database");
}

// The destination's file and the journal files SQLite may have made beside
// it; removed unless the copy completed.
class RemoveUnlessKept {
 public:
  explicit RemoveUnlessKept(fs::path path) : path_(std::move(path)) {}
  ~RemoveUnlessKept() {
    if (kept_) return;
    std::error_code ec;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(path_.string() + suffix, ec);
  }
  RemoveUnlessKept(const RemoveUnlessKept&) = delete;
  RemoveUnlessKept& operator=(const RemoveUnlessKept&) = delete;
  void keep() { kept_ = true; }

 private:
  fs::path path_;
  bool kept_ = false;
};

// Made here rather than by SQLite: O_EXCL refuses an existing file without
// a check-then-create race, and the copy gets mode 0600 (SQLite's default is
// 0644). SQLite reads an empty file as an empty database.
void create_private_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) fail(ErrorKind::bad_input, path + " already exists: a copy never overwrites");
  if (fd < 0) fail(ErrorKind::io, "cannot create " + path + ": " + std::strerror(errno));
  ::close(fd);
}

void sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!synced) fail(ErrorKind::io, "cannot sync " + path);
}

}  // namespace

SqliteCopy copy_sqlite_database(const std::string& source, const std::string& destination,
                                const SqliteCopyOptions& options) {
  if (!fs::exists(source)) fail(ErrorKind::not_found, "no database at " + source);
  create_private_file(destination);
  RemoveUnlessKept partial(destination);  // declared before the connections: runs after they close
  const int step_pages = options.pages_per_step > 0 ? options.pages_per_step : 1;
  SqliteCopy copy;
  {
    // Read-write although it only reads: a read-only connection that is the
    // last to close cannot checkpoint and leaves -wal and -shm files beside
    // the source. (A source on read-only media is opened read-only anyway.)
    const Connection from = open_connection(source, SQLITE_OPEN_READWRITE, "database to copy");
    Connection to = open_connection(destination, SQLITE_OPEN_READWRITE, "copy");
    exec(to.get(), "PRAGMA synchronous=FULL;", "cannot prepare the copy");
    pin_snapshot(from.get());

    BackupHandle backup(sqlite3_backup_init(to.get(), "main", from.get(), "main"));
    if (!backup) sqlite::throw_sqlite(to.get(), "cannot start copying " + source);
    int rc = SQLITE_OK;
    while (rc == SQLITE_OK) {
      rc = sqlite3_backup_step(backup.get(), step_pages);
      ++copy.steps;
    }
    copy.pages = static_cast<std::uint64_t>(sqlite3_backup_pagecount(backup.get()));
    // finish() reports a step's failure and leaves its message on the
    // destination connection, where throw_sqlite reads it; a lock that was
    // still busy after the busy timeout is no failure to finish().
    const int finished = sqlite3_backup_finish(backup.release());
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      fail(ErrorKind::io, "cannot copy " + source + ": it stayed locked for 10 s; try again");
    }
    if (finished != SQLITE_OK || rc != SQLITE_DONE) sqlite::throw_sqlite(to.get(), "cannot copy " + source);
    exec(from.get(), "COMMIT;", "cannot end the read of " + source);
  }
  sync_file(destination);
  partial.keep();
  return copy;
}

}  // namespace mandate::store
