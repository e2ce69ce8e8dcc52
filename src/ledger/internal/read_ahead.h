#pragma once
// Private to the ledger module: the build defines MANDATE_INSIDE_LEDGER only for src/ledger/ and tests/ledger/.
#ifndef MANDATE_INSIDE_LEDGER
#error "this header is internal to the ledger module; include a public ledger/ header instead"
#endif
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
