#pragma once
// The imported events (store/event_store.h) on PostgreSQL, next to the
// store of store/postgresql_store.h in the same database, for several
// servers importing and analyzing at once.
#include <memory>

#include "store/event_store.h"
#include "store/postgresql/postgresql_store.h"

namespace mandate::store {

// Opens the event tables of a database that holds a mandate store at this
// binary's schema version (they come with version 2: `mandate store
// migrate` adds them to an older one). Error{bad_input} for a database
// without a store or at another version, Error{io} when it cannot be
// reached. The handle has a connection pool of its own (settings.pool_size).
std::unique_ptr<EventStore> open_postgresql_event_store(const ConnectionSettings& settings);

}  // namespace mandate::store
