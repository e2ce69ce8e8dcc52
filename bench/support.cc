#include "support.h"

#include <array>
#include <chrono>
#include <fstream>
#include <stdexcept>

#include "core/error.h"
#include "ledger/checkpoint.h"

namespace mandate::bench {
namespace {

// Deterministic lowercase hex of `digits` characters derived from `seed`
// (splitmix64), so the sample entries look like real ids and digests.
std::string pseudo_hex(std::uint64_t seed, std::size_t digits) {
  static constexpr std::array<char, 16> kHex{'0', '1', '2', '3', '4', '5', '6', '7',
                                             '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string out;
  out.reserve(digits);
  std::uint64_t x = seed;
  while (out.size() < digits) {
    x += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (int i = 0; i < 16 && out.size() < digits; ++i, z >>= 4) out.push_back(kHex[z & 0xf]);
  }
  return out;
}

}  // namespace

ledger::EntryDraft sample_draft(std::uint64_t seed) {
  ledger::EntryDraft d;
  d.type = "operator.record";
  d.actor = {"wl_pipeline-" + pseudo_hex(seed, 8), "workload", ""};
  d.refs = {{"task", "tsk_" + pseudo_hex(seed + 1, 26)}, {"mandate", "mdt_" + pseudo_hex(seed + 2, 26)}};
  d.data = {{"action", "deploy"}, {"resource", "k8s://prod-eu-1/payments/api"}, {"result", "success"}};
  d.time = std::chrono::sys_days{std::chrono::year{2026} / 11 / 28} + std::chrono::seconds(seed);
  return d;
}

std::vector<ledger::EncodedEntry> sample_pool(std::size_t count) {
  std::vector<ledger::EncodedEntry> pool;
  pool.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto encoded = ledger::encode_entry(sample_draft(i * 7919));
    if (!encoded) throw std::runtime_error("sample entry does not encode: " + encoded.error());
    pool.push_back(std::move(*encoded));
  }
  return pool;
}

ledger::Hash StoreNodes::node(unsigned level, std::uint64_t index) {
  auto hash = store_.ledger_node(level, index);
  if (!hash) throw std::runtime_error("ledger node missing from the store");
  return *hash;
}

BulkLoader::BulkLoader(store::LedgerStore& store, std::span<const ledger::EncodedEntry> pool)
    : store_(store), pool_(pool) {
  StoreNodes nodes(store_);
  frontier_ = ledger::Frontier::load(nodes, store_.ledger_size());
}

store::LedgerRow BulkLoader::make_row(std::vector<ledger::Frontier::CompletedNode>& completed) {
  // Mirrors Ledger::commit_batch row for row: body with its index, leaf
  // hash, then the interior nodes this leaf completes, lowest level first.
  const ledger::EncodedEntry& entry = pool_[frontier_.size() % pool_.size()];
  store::LedgerRow row;
  row.index = frontier_.size();
  row.type = entry.type();
  row.body = entry.bytes(row.index);
  row.leaf_hash = ledger::leaf_hash({reinterpret_cast<const std::uint8_t*>(row.body.data()), row.body.size()});
  completed.clear();
  frontier_.append(row.leaf_hash, completed);
  for (const auto& node : completed) row.nodes.append(reinterpret_cast<const char*>(node.hash.data()), 32);
  return row;
}

void BulkLoader::grow_to(std::uint64_t target, const std::function<void(const store::LedgerRow&)>& on_row) {
  std::vector<store::LedgerRow> rows;
  rows.reserve(kRowsPerTransaction);
  std::vector<ledger::Frontier::CompletedNode> completed;
  while (frontier_.size() < target) {
    rows.clear();
    while (rows.size() < kRowsPerTransaction && frontier_.size() < target) {
      rows.push_back(make_row(completed));
      if (on_row) on_row(rows.back());
    }
    store_.append_ledger_rows(rows);
  }
}

crypto::Ed25519PrivateKey bench_signing_key() {
  constexpr std::array<std::uint8_t, 32> kSeed{'m', 'a', 'n', 'd', 'a', 't', 'e', '-', 'b', 'e', 'n', 'c', 'h'};
  auto key = crypto::Ed25519PrivateKey::from_seed(kSeed);
  if (!key) throw std::runtime_error("benchmark key: " + key.error());
  return std::move(*key);
}

void add_checkpoint(store::LedgerStore& store, const BenchKey& key) {
  ledger::Checkpoint cp;
  cp.origin = kOrigin;
  cp.size = store.ledger_size();
  StoreNodes nodes(store);
  cp.root = ledger::tree_root(nodes, cp.size);
  store.add_checkpoint({cp.size, ledger::sign_checkpoint(cp, key.key)});
}

ledger::VerifyReport verify_or_throw(store::LedgerStore& store, const BenchKey& key) {
  ledger::VerifyReport report = ledger::verify_ledger(store, kOrigin, key.verifiers);
  if (!report.ok) throw std::runtime_error("benchmark ledger does not verify: " + report.problem);
  return report;
}

std::uint64_t peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return std::stoull(line.substr(6));
  }
  throw std::runtime_error("no VmHWM in /proc/self/status");
}

bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

}  // namespace mandate::bench
