#include "store/store.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "core/error.h"
#include "store/internal/chunked_scan.h"

namespace mandate::store {

std::string entry_record_id(std::uint64_t index) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(index));
  return buf;
}

void LedgerStore::append_ledger_rows(std::span<const LedgerRow> rows, std::span<const RecordPut> puts) {
  if (rows.empty() && puts.empty()) return;
  append_sequenced([&](std::uint64_t size, const NodeReader&) {
    check_continues(rows, size);
    return Sequenced{{rows.begin(), rows.end()}, {puts.begin(), puts.end()}};
  });
}

std::unique_ptr<AppendInFlight> LedgerStore::send_append(const Sequenced&, const AppendTip&) { return nullptr; }

std::vector<std::int64_t> LedgerStore::record_versions(std::span<const std::pair<std::string, std::string>> keys) {
  std::vector<std::int64_t> out;
  out.reserve(keys.size());
  for (const auto& [kind, id] : keys) out.push_back(record_version(kind, id));
  return out;
}

void scan_in_chunks(std::uint64_t from, std::uint64_t to, const ChunkReader& read,
                    const std::function<bool(const LedgerRow&)>& visit) {
  std::vector<LedgerRow> rows;
  for (std::uint64_t start = from; start < to; start += std::min(kScanChunk, to - start)) {
    const std::size_t count = read(start, std::min(to, start + kScanChunk), rows);
    for (std::size_t i = 0; i < count; ++i) {
      if (!visit(rows[i])) return;
    }
  }
}

LedgerRow& next_row(std::vector<LedgerRow>& rows, std::size_t& count) {
  if (count == rows.size()) rows.emplace_back();
  return rows[count++];
}

void LedgerStore::scan_ledger_bodies(std::uint64_t from, std::uint64_t to, std::span<const std::string_view> skipped_types,
                                     const std::function<bool(const LedgerRow&)>& visit) {
  scan_ledger(from, to, [&](const LedgerRow& row) {
    if (std::find(skipped_types.begin(), skipped_types.end(), row.type) != skipped_types.end()) return true;
    return visit(row);
  });
}

NodeRows node_rows(unsigned level, std::uint64_t first, std::uint64_t count) {
  constexpr std::uint64_t kMaxRow = std::numeric_limits<std::int64_t>::max();
  // Row of node (level, j) is ((j + 1) << level) - 1; the last one must fit.
  if (count == 0 || level >= 63 || first > kMaxRow || count > kMaxRow - first ||
      first + count > (kMaxRow >> level)) {
    fail(ErrorKind::bad_input, "nodes (level " + std::to_string(level) + ", " + std::to_string(first) + " + " +
                                   std::to_string(count) + ") lie beyond any ledger");
  }
  return {((first + 1) << level) - 1, std::uint64_t{1} << level};
}

std::vector<std::optional<Hash>> LedgerStore::ledger_node_range(unsigned level, std::uint64_t first,
                                                                std::uint64_t count) {
  std::vector<NodeId> ids;
  ids.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) ids.push_back({level, first + i});
  return ledger_nodes(ids);
}

std::optional<StoredCheckpoint> LedgerStore::latest_checkpoint() {
  auto all = checkpoints();
  if (all.empty()) return std::nullopt;
  return std::move(all.back());
}

void check_continues(std::span<const LedgerRow> rows, std::uint64_t size) {
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].index != size + i) {
      fail(ErrorKind::conflict, "ledger row " + std::to_string(rows[i].index) + " does not continue a ledger of " +
                                    std::to_string(size + i) + " entries (another writer moved it)");
    }
  }
}

void check_copied(const Record& record) {
  if (record.kind.empty() || record.id.empty() || record.version < 1) {
    fail(ErrorKind::bad_input, "record " + record.kind + " " + record.id + " version " + std::to_string(record.version) +
                                   " cannot be copied: records have a kind, an id and a version of at least 1");
  }
}

}  // namespace mandate::store
