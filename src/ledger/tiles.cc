#include "ledger/tiles.h"

#include <charconv>
#include <span>
#include <limits>
#include <vector>

#include "core/error.h"

namespace mandate::ledger {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

bool all_digits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// A decimal with no leading zeros (the spec's <L> and <W>), up to `max`.
std::expected<std::uint64_t, std::string> plain_decimal(std::string_view text, std::uint64_t max,
                                                        std::string_view what) {
  const std::string quoted = std::string(what) + " \"" + std::string(text) + "\"";
  if (!all_digits(text)) return std::unexpected(quoted + " is not a decimal number");
  if (text.size() > 1 && text.front() == '0') return std::unexpected(quoted + " has a leading zero");
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > max) {
    return std::unexpected(quoted + " exceeds " + std::to_string(max));
  }
  return value;
}

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto slash = path.find('/', start);
    parts.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return parts;
    start = slash + 1;
  }
}

// <N> from its groups: "x001", "x234", "067".
std::expected<std::uint64_t, std::string> parse_index(std::span<const std::string_view> groups) {
  if (groups.empty()) return std::unexpected("the tile index is missing");
  std::uint64_t index = 0;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const bool last = i + 1 == groups.size();
    std::string_view digits = groups[i];
    if (!last) {
      if (!digits.starts_with('x')) {
        return std::unexpected("index element \"" + std::string(groups[i]) + "\" must be x followed by 3 digits");
      }
      digits.remove_prefix(1);
    }
    if (digits.size() != 3 || !all_digits(digits)) {
      return std::unexpected("index element \"" + std::string(groups[i]) + "\" must be " +
                             (last ? "3 digits" : "x followed by 3 digits"));
    }
    if (i == 0 && !last && digits == "000") {
      return std::unexpected("index element \"" + std::string(groups[i]) + "\" is a leading zero group");
    }
    const std::uint64_t group = static_cast<std::uint64_t>((digits[0] - '0') * 100 + (digits[1] - '0') * 10 + (digits[2] - '0'));
    if (index > (kMax - group) / 1000) return std::unexpected("the tile index exceeds 2^64 - 1");
    index = index * 1000 + group;
  }
  return index;
}

}  // namespace

std::string tile_index_path(std::uint64_t index) {
  std::string path;
  char group[5];
  // Groups from the least significant; each earlier one gets the x.
  do {
    const auto digits = static_cast<unsigned>(index % 1000);
    group[0] = 'x';
    group[1] = static_cast<char>('0' + digits / 100);
    group[2] = static_cast<char>('0' + digits / 10 % 10);
    group[3] = static_cast<char>('0' + digits % 10);
    group[4] = '/';
    path.insert(0, path.empty() ? std::string_view(group + 1, 3) : std::string_view(group, 5));
    index /= 1000;
  } while (index > 0);
  return path;
}

std::string tile_path(const TileId& tile) {
  std::string path = "tile/" + (tile.entries ? std::string("entries") : std::to_string(tile.level)) + "/" +
                     tile_index_path(tile.index);
  if (tile.partial()) path += ".p/" + std::to_string(tile.width);
  return path;
}

std::expected<TileId, std::string> parse_tile_path(std::string_view path) {
  std::vector<std::string_view> parts = split(path);
  TileId tile;
  if (parts.front() == "entries") {
    tile.entries = true;
  } else {
    auto level = plain_decimal(parts.front(), kMaxTileLevel, "level");
    if (!level) return std::unexpected(level.error() + " (a level is 0 to 63, or \"entries\")");
    tile.level = static_cast<unsigned>(*level);
  }
  parts.erase(parts.begin());
  // "<N>.p/<W>": the element before the width ends in ".p".
  if (parts.size() >= 2 && parts[parts.size() - 2].ends_with(".p")) {
    auto width = plain_decimal(parts.back(), kTileWidth - 1, "width");
    if (!width || *width == 0) {
      return std::unexpected((width ? "width \"0\" is empty" : width.error()) +
                             std::string(" (a partial tile's width is 1 to 255)"));
    }
    tile.width = static_cast<unsigned>(*width);
    parts.pop_back();
    parts.back().remove_suffix(2);
  }
  auto index = parse_index(parts);
  if (!index) return std::unexpected(index.error());
  tile.index = *index;
  return tile;
}

bool tile_within(const TileId& tile, std::uint64_t size) {
  if (tile.index > (kMax - tile.width) / kTileWidth) return false;
  const std::uint64_t units = tile.index * kTileWidth + tile.width;  // nodes of level 8·L up to the tile's end
  if (tile.entries || tile.level == 0) return units <= size;
  // Each node of level 8·L covers 256^L entries; past L = 7 no tree is that big.
  const unsigned shift = kTileHeight * tile.level;
  if (shift >= 64 || units > (kMax >> shift)) return false;
  return (units << shift) <= size;
}

std::string read_hash_tile(store::LedgerStore& store, const TileId& tile) {
  const unsigned level = kTileHeight * tile.level;
  const auto nodes = store.ledger_node_range(level, tile.index * kTileWidth, tile.width);
  std::string out;
  out.reserve(nodes.size() * 32);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i]) {
      fail(ErrorKind::corruption, "ledger node (level " + std::to_string(level) + ", index " +
                                      std::to_string(tile.index * kTileWidth + i) + ") is missing from the store");
    }
    out.append(reinterpret_cast<const char*>(nodes[i]->data()), nodes[i]->size());
  }
  return out;
}

std::string read_entry_bundle(store::LedgerStore& store, const TileId& tile) {
  const std::uint64_t first = tile.index * kTileWidth;
  std::string out;
  std::uint64_t next = first;
  store.scan_ledger(first, first + tile.width, [&](const store::LedgerRow& row) {
    if (row.index != next) return false;
    if (row.body.size() > kMaxBundledEntry) {
      fail(ErrorKind::not_found, "entry " + std::to_string(row.index) + " is " + std::to_string(row.body.size()) +
                                     " bytes, more than the 65535 an entry bundle can hold (a uint16 length); "
                                     "GET /v1/ledger/entries/" + std::to_string(row.index) +
                                     " serves it, and the hash tiles prove it");
    }
    out.push_back(static_cast<char>(row.body.size() >> 8));
    out.push_back(static_cast<char>(row.body.size() & 0xFF));
    out += row.body;
    ++next;
    return true;
  });
  if (next != first + tile.width) {
    fail(ErrorKind::corruption, "ledger entry " + std::to_string(next) + " is missing from the store");
  }
  return out;
}

}  // namespace mandate::ledger
