#pragma once
// Private to the store module: the build defines MANDATE_INSIDE_STORE only for src/store/ and tests/store/.
#ifndef MANDATE_INSIDE_STORE
#error "this header is internal to the store module; include a public store/ header instead"
#endif
// How both backends scan the ledger: a chunk of rows at a time, read with a
// connection held only for the read, then visited. Appends go on meanwhile;
// each chunk sees the ledger as last committed; row buffers are reused.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "store/store.h"

namespace mandate::store {

inline constexpr std::uint64_t kScanChunk = 4096;

// Fills `rows` from the front with the rows in [start, end) and returns how
// many it filled (next_row gives each one to fill).
using ChunkReader = std::function<std::size_t(std::uint64_t start, std::uint64_t end, std::vector<LedgerRow>& rows)>;

// Rows [from, to), kScanChunk at a time, until `visit` returns false.
void scan_in_chunks(std::uint64_t from, std::uint64_t to, const ChunkReader& read,
                    const std::function<bool(const LedgerRow&)>& visit);

// The row at `count` (reused if there, added if not); advances `count`.
LedgerRow& next_row(std::vector<LedgerRow>& rows, std::size_t& count);

}  // namespace mandate::store
