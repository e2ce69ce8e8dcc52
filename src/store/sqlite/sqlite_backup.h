#pragma once
// A consistent copy of a live SQLite store, taken with SQLite's online
// backup API while other connections (a running `mandate serve`) go on
// writing to it.
#include <cstdint>
#include <string>

namespace mandate::store {

struct SqliteCopyOptions {
  // Pages copied per sqlite3_backup_step. Each step is a bounded piece of
  // work (a 256-page step is 1 MiB with 4 KiB pages); tests make it small
  // to see a copy span many steps while writers commit.
  int pages_per_step = 256;
};

struct SqliteCopy {
  std::uint64_t pages = 0;  // pages in the copy
  std::uint64_t steps = 0;  // backup steps it took
};

// Copies the database at `source` into a new file `destination`, which must
// not exist (Error{bad_input} otherwise).
//
// The copy is one snapshot of the source, and writers are not blocked while
// it is taken: the source must be in WAL mode (every mandate store is), and
// one read transaction is held across all the steps. A WAL reader never
// blocks writers, and because the snapshot is pinned, no commit made
// meanwhile can restart the copy (which the backup API does when the
// source changes between steps) or tear it.
//
// The copy's file is synced before this returns; syncing the directory
// entry is the caller's, who knows where the file is finally renamed to.
// On failure the destination file is removed.
SqliteCopy copy_sqlite_database(const std::string& source, const std::string& destination,
                                const SqliteCopyOptions& options = {});

}  // namespace mandate::store
