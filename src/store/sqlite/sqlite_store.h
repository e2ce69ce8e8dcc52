#pragma once
#include <memory>
#include <string>

#include "store/store.h"

namespace mandate::store {

// The embedded default: one SQLite file in WAL mode with synchronous=FULL,
// so a commit is on disk when it returns.
// create_sqlite_store refuses an existing file; open_sqlite_store refuses a
// file that is not a mandate store, and writes nothing before it knows.
std::unique_ptr<Store> create_sqlite_store(const std::string& path);
std::unique_ptr<Store> open_sqlite_store(const std::string& path);

}  // namespace mandate::store
