#pragma once
#include <memory>
#include <string>

#include "store/event_store.h"

namespace mandate::store {

// Opens the event tables in an existing SQLite database (normally the home's
// mandate.db), creating them on first use.
std::unique_ptr<EventStore> open_sqlite_event_store(const std::string& path);

}  // namespace mandate::store
