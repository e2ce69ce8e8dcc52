#pragma once
// A ledger scan whose store reads run on a second thread, one chunk ahead
// of the visitor: on two cores, SQLite's row reads and the verifier's
// hashing overlap instead of taking turns.
#include <cstdint>
#include <functional>

#include "store/store.h"

namespace mandate::ledger {

// Same contract as LedgerStore::scan_ledger. Errors from the store are
// rethrown on the calling thread.
void read_ahead_scan(store::LedgerStore& store, std::uint64_t from, std::uint64_t to,
                     const std::function<bool(const store::LedgerRow&)>& visit);

}  // namespace mandate::ledger
