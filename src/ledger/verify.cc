#include "ledger/verify.h"

#include <cstring>
#include <map>

#include "core/error.h"
#include "ledger/checkpoint.h"
#include "ledger/entry.h"
#include "ledger/internal/read_ahead.h"
#include "ledger/internal/stored_nodes.h"

namespace mandate::ledger {
namespace {

struct Trusted {
  Hash root;
  std::string source;  // "stored checkpoint" or "checkpoint file"
};

class Verifier {
 public:
  Verifier(store::LedgerStore& store, VerifyReport& report) : store_(store), report_(report) {}

  // Records the first problem only: later ones are usually consequences.
  void problem(std::optional<std::uint64_t> index, std::string text) {
    if (!report_.ok) return;
    report_.ok = false;
    report_.first_bad_index = index;
    report_.problem = std::move(text);
  }

  void scan(const std::map<std::uint64_t, Trusted>& trusted) {
    Frontier frontier;
    std::vector<Frontier::CompletedNode> completed;
    std::uint64_t verified_prefix = 0;  // entries covered by a checkpoint that matched
    auto next_trusted = trusted.begin();
    while (next_trusted != trusted.end() && next_trusted->first == 0) ++next_trusted;

    read_ahead_scan(store_, 0, report_.size, [&](const store::LedgerRow& row) {
      const std::uint64_t k = frontier.size();
      if (row.index != k) {
        problem(k, "entry " + std::to_string(k) + " is missing");
        return false;
      }
      const auto* bytes = reinterpret_cast<const std::uint8_t*>(row.body.data());
      const Hash leaf = leaf_hash({bytes, row.body.size()});
      if (leaf != row.leaf_hash) {
        problem(k, "entry " + std::to_string(k) + ": its stored bytes do not match its leaf hash");
        return false;
      }
      if (entry_index(row.body) != k) {
        problem(k, "entry " + std::to_string(k) + ": its bytes name another index (entries were moved)");
        return false;
      }
      completed.clear();
      frontier.append(leaf, completed);
      if (row.nodes.size() != completed.size() * 32) {
        problem(k, "entry " + std::to_string(k) + ": stored tree nodes are missing or extra");
        return false;
      }
      for (std::size_t i = 0; i < completed.size(); ++i) {
        if (std::memcmp(completed[i].hash.data(), row.nodes.data() + i * 32, 32) == 0) continue;
        const auto& node = completed[i];
        const std::uint64_t first = node.index << node.level;
        problem(first, "tree node over entries [" + std::to_string(first) + ", " + std::to_string(k + 1) +
                           ") does not match the entries");
        return false;
      }
      if (next_trusted != trusted.end() && next_trusted->first == k + 1) {
        if (frontier.root() != next_trusted->second.root) {
          problem(verified_prefix, "the " + next_trusted->second.source + " of size " + std::to_string(k + 1) +
                                       " does not match entries [0, " + std::to_string(k + 1) +
                                       "); the first changed entry is at or after " + std::to_string(verified_prefix));
          return false;
        }
        verified_prefix = k + 1;
        ++next_trusted;
      }
      return true;
    });
    if (report_.ok && frontier.size() != report_.size) {
      problem(frontier.size(), "entry " + std::to_string(frontier.size()) + " is missing");
    }
    if (report_.ok) report_.root = frontier.root();
  }

 private:
  store::LedgerStore& store_;
  VerifyReport& report_;
};

}  // namespace

VerifyReport verify_ledger(store::LedgerStore& store, std::string_view origin,
                           std::span<const NoteVerifier> verifiers,
                           const std::optional<std::string>& external_checkpoint) {
  std::optional<Checkpoint> external;
  if (external_checkpoint) {
    auto cp = open_checkpoint(*external_checkpoint, origin, verifiers);
    if (!cp) fail(ErrorKind::bad_input, "checkpoint file: " + cp.error());
    external = *cp;
  }

  VerifyReport report;
  report.size = store.ledger_size();
  Verifier verifier(store, report);

  std::map<std::uint64_t, Trusted> trusted;
  std::vector<Checkpoint> stored;
  for (const store::StoredCheckpoint& sc : store.checkpoints()) {
    auto cp = open_checkpoint(sc.note, origin, verifiers);
    if (!cp || cp->size != sc.size) {
      verifier.problem(std::nullopt, "stored checkpoint of size " + std::to_string(sc.size) + " is invalid: " +
                                         (cp ? "its size was changed" : cp.error()));
      return report;
    }
    stored.push_back(*cp);
    trusted[cp->size] = {cp->root, "stored checkpoint"};
  }
  if (external) {
    auto [it, inserted] = trusted.try_emplace(external->size, Trusted{external->root, "checkpoint file"});
    if (!inserted && it->second.root != external->root) {
      verifier.problem(std::nullopt, "the checkpoint file and the stored checkpoint of size " +
                                         std::to_string(external->size) + " disagree");
      return report;
    }
    if (!inserted) it->second.source = "checkpoint file";
  }
  if (!trusted.empty() && trusted.rbegin()->first > report.size) {
    const auto& [size, t] = *trusted.rbegin();
    verifier.problem(report.size, "the " + t.source + " commits to " + std::to_string(size) +
                                      " entries but the ledger holds " + std::to_string(report.size) +
                                      ": entries were removed (rollback)");
    return report;
  }

  verifier.scan(trusted);
  if (!report.ok) return report;

  // Each stored checkpoint matched the entries; prove the chain of them
  // append-only too, with the same proofs a client would be given.
  for (std::size_t i = 1; i < stored.size(); ++i) {
    const auto proof = with_stored_nodes(store, [&](NodeSource& nodes) {
      return consistency_proof(nodes, stored[i - 1].size, stored[i].size);
    });
    if (!verify_consistency(stored[i - 1].size, stored[i].size, stored[i - 1].root, stored[i].root, proof)) {
      verifier.problem(stored[i - 1].size, "checkpoints of size " + std::to_string(stored[i - 1].size) + " and " +
                                               std::to_string(stored[i].size) + " are not consistent");
      return report;
    }
  }
  report.checkpoints_checked = stored.size() + (external ? 1 : 0);
  return report;
}

}  // namespace mandate::ledger
