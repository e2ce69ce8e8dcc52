#pragma once
// C2SP tlog-tiles (https://c2sp.org/tlog-tiles): the ledger as static
// resources a standard tlog client fetches and checks — hash tiles (256
// consecutive Merkle nodes of one level) and entry bundles (256 entries) —
// named by paths such as tile/0/x001/x234/067 or tile/entries/000.p/8.
// Reading them is the server's business (src/server/tiles_routes.cc);
// here are the paths, which tiles a tree holds, and their bytes.
#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "store/store.h"

namespace mandate::ledger {

inline constexpr unsigned kTileHeight = 8;      // tree levels a tile spans
inline constexpr unsigned kTileWidth = 256;     // hashes (or entries) in a full tile
inline constexpr unsigned kMaxTileLevel = 63;   // the spec's bound on <L>
// An entry bundle prefixes each entry with a big-endian uint16 length.
inline constexpr std::size_t kMaxBundledEntry = 65535;

struct TileId {
  bool entries = false;  // an entry bundle; else a hash tile
  unsigned level = 0;    // a hash tile's <L>: its hashes are Merkle nodes of level 8·L
  std::uint64_t index = 0;
  unsigned width = kTileWidth;  // 1..255: a partial tile

  bool partial() const { return width < kTileWidth; }
  bool operator==(const TileId&) const = default;
};

// <N> in 3-digit groups, all but the last prefixed with x: 1234067 is
// "x001/x234/067", 5 is "005".
std::string tile_index_path(std::uint64_t index);
// The path below the log's prefix: "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]".
std::string tile_path(const TileId& tile);
// Parses what follows "<prefix>/tile/", accepting only the canonical
// spelling (no leading zeros, no empty x000 groups, width 1..255), so each
// resource has one name. The error says which element is wrong and why.
std::expected<TileId, std::string> parse_tile_path(std::string_view path);

// Whether a tree of `size` entries holds every hash (or entry) of `tile`:
// the tile's last hash covers entries up to (index·256 + width)·256^L.
bool tile_within(const TileId& tile, std::uint64_t size);

// A hash tile's bytes: `width` 32-byte Merkle nodes of level 8·L, indices
// index·256 onwards, from one range read of the stored nodes. The caller
// checks tile_within first; a node missing below that is Error{corruption}.
std::string read_hash_tile(store::LedgerStore& store, const TileId& tile);
// An entry bundle's bytes: each entry's canonical bytes (what its leaf hash
// covers, so a client's RFC 9162 leaf hash of it is the level-0 tile's
// hash) after its big-endian uint16 length. An entry longer than 65,535
// bytes cannot be bundled: Error{not_found} naming it, never a wrong bundle.
std::string read_entry_bundle(store::LedgerStore& store, const TileId& tile);

}  // namespace mandate::ledger
