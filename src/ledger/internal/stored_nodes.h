#pragma once
// Private to the ledger module: the build defines MANDATE_INSIDE_LEDGER only for src/ledger/ and tests/ledger/.
#ifndef MANDATE_INSIDE_LEDGER
#error "this header is internal to the ledger module; include a public ledger/ header instead"
#endif
// Merkle computations over nodes kept in a store, with one batched read.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "ledger/merkle.h"
#include "store/store.h"

namespace mandate::ledger {
namespace detail {

// The proof algorithms ask for nodes in an order that depends only on
// indices and sizes, never on hash values. So a planning pass records what
// they will read, one batched store read fetches it, and a second pass
// computes with the fetched hashes.
class PlannedNodes final : public NodeSource {
 public:
  std::vector<store::NodeId> ids;
  Hash node(unsigned level, std::uint64_t index) override {
    ids.push_back({level, index});
    return Hash{};
  }
};

class FetchedNodes final : public NodeSource {
 public:
  FetchedNodes(const std::vector<store::NodeId>& ids, std::vector<std::optional<Hash>> hashes)
      : ids_(ids), hashes_(std::move(hashes)) {}
  Hash node(unsigned level, std::uint64_t index) override {
    if (next_ >= ids_.size() || ids_[next_].level != level || ids_[next_].index != index) {
      fail(ErrorKind::io, "Merkle node reads differ between planning and computing");
    }
    const auto& hash = hashes_[next_++];
    // A missing node means the store was damaged; proofs must not paper over it.
    if (!hash) {
      fail(ErrorKind::check_failed, "ledger node (level " + std::to_string(level) + ", index " +
                                        std::to_string(index) + ") is missing from the store");
    }
    return *hash;
  }

 private:
  const std::vector<store::NodeId>& ids_;
  std::vector<std::optional<Hash>> hashes_;
  std::size_t next_ = 0;
};

}  // namespace detail

template <class Algorithm>
auto with_stored_nodes(const store::NodeReader& read, Algorithm&& algorithm) {
  detail::PlannedNodes plan;
  algorithm(plan);
  detail::FetchedNodes fetched(plan.ids, read(plan.ids));
  return algorithm(fetched);
}

template <class Algorithm>
auto with_stored_nodes(store::LedgerStore& store, Algorithm&& algorithm) {
  return with_stored_nodes([&store](std::span<const store::NodeId> ids) { return store.ledger_nodes(ids); },
                           std::forward<Algorithm>(algorithm));
}

}  // namespace mandate::ledger
