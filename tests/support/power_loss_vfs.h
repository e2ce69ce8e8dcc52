#pragma once
// A test double of the operating system's page cache under SQLite, in the
// manner of SQLite's own crash tests (src/test6.c, test_vfs.c): a VFS that
// wraps the default one and keeps every write to a database, journal or WAL
// file in memory, per file (shared by every handle on that path, as the
// page cache is), until xSync flushes that file to the real one. When the
// power fails, every write not followed by a sync of its file is discarded,
// and all I/O fails from then on, as if the machine had stopped; restart()
// brings the machine back with only what was synced. A SIGKILL cannot show
// this: the page cache survives the death of a process.
//
// What it does not model: directory entries (a created or deleted file is
// durable at once; SQLite's WAL file is created once and kept), torn or
// reordered sectors (PSOW as the real VFS reports it), and the -shm file,
// which goes straight to the real VFS (it is never durable: SQLite rebuilds
// it from the WAL after a crash).
#include <cstdint>
#include <string>

struct sqlite3_vfs;

namespace mandate::testing {

class PowerLossVfs {
 public:
  // Registers the shim as SQLite's default VFS for this process, so every
  // connection opened meanwhile (the store's too) goes through it.
  PowerLossVfs();
  // Restores the previous default. No connection may still be open.
  ~PowerLossVfs();
  PowerLossVfs(const PowerLossVfs&) = delete;
  PowerLossVfs& operator=(const PowerLossVfs&) = delete;

  // The power fails at the `nth` write or sync (1-based, counted from this
  // call, on database, journal and WAL files); that write or sync is lost
  // with everything unsynced. 0 disarms.
  void fail_power_at(std::uint64_t nth);
  bool power_failed() const;
  // The machine comes back: unsynced data is gone, I/O works again. Every
  // connection opened before the failure must be closed first.
  void restart();

  // How many times a file whose path ends with `suffix` (e.g. "-wal") was
  // synced since the shim was registered.
  std::uint64_t syncs(const std::string& suffix) const;
};

}  // namespace mandate::testing
